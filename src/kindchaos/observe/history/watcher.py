"""Watchers on the history's objects that run through the fault and resume as informers do.

A watcher lists once, then watches from the list's resourceVersion. When the watch breaks it resumes from the
last resourceVersion it saw (an event's or a bookmark's); when the apiserver answers 410 Gone that version is
compacted away, and it lists again: the events in between are not seen, and the relist is recorded so the
check counts it as the legitimate outcome it is, not as a gap. Everything it receives is kept with its arrival
time, for the watch-guarantee check and to settle writes whose answer was lost.
"""

from __future__ import annotations

import contextlib
import threading
import time
from pathlib import Path
from typing import Any

from kubernetes import watch
from kubernetes.client.exceptions import ApiException

from kindchaos.observe.history.client import HISTORY_LABEL, Endpoint, ObjectClient
from kindchaos.observe.history.operations import Relist, WatchEvent, WatchRecord
from kindchaos.observe.observer import Observer
from kindchaos.waiting import wait_for

HTTP_GONE = 410
RETRY_SECONDS = 0.5
WATCH_SECONDS = 30


class HistoryWatcher(Observer):
    """One informer-style watcher of the history's ConfigMaps through one endpoint."""

    def __init__(self, *, kubeconfig: Path, namespace: str, run: str, endpoint: Endpoint, number: int) -> None:
        super().__init__()
        self.name = f"history watcher {number} ({endpoint.label})"
        self.namespace = namespace
        self.run = run
        self.number = number
        self.lister = ObjectClient(kubeconfig, endpoint, namespace=namespace, run=run)  # its pool serves the watch
        self.watch = watch.Watch(return_type=object)  # type: ignore[no-untyped-call]
        self.record = WatchRecord(watcher=number, via=endpoint.label, start_rv=0)
        self.rv = 0  # the last resourceVersion seen: an event's, a bookmark's or a list's
        self._listed = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, *, within: float = 60) -> HistoryWatcher:
        self._thread = threading.Thread(target=self._guarded(self._loop), name=f"kindchaos-{self.name}", daemon=True)
        self._thread.start()
        if not self._listed.wait(within):
            self.stop()
            raise TimeoutError(f"{self.name}: no list answered within {within:.0f} s")
        return self

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                if not self._listed.is_set():
                    self._first_list()
                elif self.rv == 0:
                    self._relist()
                self._watch_once()
            except ApiException as exc:
                if exc.status == HTTP_GONE:
                    self._relist_after_gone()
                    continue
                self._broken()
            except Exception:  # the API is what the scenario breaks: resume from the last version
                self._broken()

    def _broken(self) -> None:
        if not self._stop.is_set():
            self.record.reconnects += 1
            self._stop.wait(RETRY_SECONDS)

    def _first_list(self) -> None:
        _, list_rv = self.lister.list()
        self.record.start_rv = self.rv = list_rv
        self._listed.set()

    def _relist_after_gone(self) -> None:
        after = self.rv
        self.rv = 0
        while not self._stop.is_set():
            try:
                self._relist(after=after)
                return
            except Exception:  # still down: try again
                self._stop.wait(RETRY_SECONDS)

    def _relist(self, *, after: int | None = None) -> None:
        items, list_rv = self.lister.list()
        now = time.monotonic()
        self.record.relists.append(Relist(self.number, after if after is not None else self.rv, list_rv, now))
        for key, version in sorted(items.items()):
            self.record.events.append(WatchEvent(self.number, "RELISTED", key, version.value, version.rv, now))
        self.rv = list_rv

    def _watch_once(self) -> None:
        events = self.watch.stream(  # type: ignore[no-untyped-call]
            self.lister.core.list_namespaced_config_map,
            self.namespace,
            label_selector=f"{HISTORY_LABEL}={self.run}",
            resource_version=str(self.rv),
            allow_watch_bookmarks=True,
            timeout_seconds=WATCH_SECONDS,
            _request_timeout=(5, WATCH_SECONDS + 10),
        )
        for event in events:
            if self._stop.is_set():
                return
            self._receive(event["type"], event["raw_object"] or {})

    def _receive(self, type_: str, obj: dict[str, Any]) -> None:
        meta = obj.get("metadata") or {}
        rv = int(meta.get("resourceVersion") or 0)
        value = None if type_ == "BOOKMARK" else str((obj.get("data") or {}).get("value", ""))
        self.record.events.append(WatchEvent(self.number, type_, meta.get("name", ""), value, rv, time.monotonic()))
        self.rv = max(self.rv, rv)

    def catch_up(self, rv: int, *, within: float) -> None:
        """Wait until this watcher has seen ``rv`` (a fence written after the workload stopped)."""
        wait_for(
            lambda: self._assert_at(rv),
            within=within,
            interval=0.2,
            expected=f"{self.name} at resourceVersion {rv} or later",
        )
        self.record.end_rv = rv

    def _assert_at(self, rv: int) -> None:
        assert self.rv >= rv, f"{self.name} at {self.rv}"

    def stop(self) -> None:
        self._stop.set()
        with contextlib.suppress(Exception):  # already closed
            self.watch.stop()  # type: ignore[no-untyped-call]
        if self._thread is not None:
            self._thread.join(timeout=15)

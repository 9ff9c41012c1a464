"""Watches on pods, nodes, events and leases, recorded on a timeline as they arrive.

A watch must outlive the outage it observes: when the API server is down the
watch fails, the failure is recorded once, and the watch resumes (from its last
resourceVersion, or with a fresh list when that is too old) as soon as the API
answers again. Each watch request is ``kubernetes.watch.Watch``'s, one request
at a time (``timeout_seconds`` turns its own retries off), so the outage is
seen here and the resume is this module's. Objects are recorded as small
summaries of the raw object, never whole objects, so no secret or token can
reach the timeline.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kubernetes import client, watch
from kubernetes.client.exceptions import ApiException

from kindchaos.cluster.api import api_client
from kindchaos.observe.timeline import Timeline, error_text

RETRY_SECONDS = 1.0
WATCH_SECONDS = 60
HTTP_GONE = 410


def _ready(conditions: list[dict[str, Any]] | None, kind: str = "Ready") -> str:
    return next((c.get("status", "?") for c in conditions or [] if c.get("type") == kind), "?")


def pod_summary(pod: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    meta, spec, status = pod["metadata"], pod.get("spec", {}), pod.get("status", {})
    containers = status.get("containerStatuses") or []
    return f"{meta['namespace']}/{meta['name']}", {
        "uid": meta.get("uid"),
        "rv": meta.get("resourceVersion"),
        "phase": status.get("phase"),
        "node": spec.get("nodeName"),
        "ready": _ready(status.get("conditions")) == "True",
        "restarts": sum(c.get("restartCount", 0) for c in containers),
        "containers": [c.get("containerID", "")[-12:] for c in containers],
        "deleting": bool(meta.get("deletionTimestamp")),
    }


def node_summary(node: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    spec = node.get("spec", {})
    return node["metadata"]["name"], {
        "ready": _ready(node.get("status", {}).get("conditions")),
        "unschedulable": bool(spec.get("unschedulable")),
        "taints": sorted(f"{t.get('key')}:{t.get('effect')}" for t in spec.get("taints") or []),
    }


def event_summary(event: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    obj = event.get("involvedObject", {})
    source = event.get("source") or {}
    return f"{obj.get('kind')}/{obj.get('namespace') or ''}/{obj.get('name')}", {
        "reason": event.get("reason"),
        "type": event.get("type"),
        "message": (event.get("message") or "")[:300],
        "count": event.get("count"),
        "component": source.get("component") or event.get("reportingComponent"),
        "time": event.get("lastTimestamp") or event.get("eventTime"),
    }


def lease_summary(lease: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    meta, spec = lease["metadata"], lease.get("spec", {})
    return f"{meta['namespace']}/{meta['name']}", {
        "holder": spec.get("holderIdentity"),
        "renew": spec.get("renewTime"),
        "transitions": spec.get("leaseTransitions"),
    }


@dataclass(frozen=True)
class WatchKind:
    """What to watch and how to summarise it."""

    source: str
    list_call: Callable[[Any], Callable[..., Any]]
    summarise: Callable[[dict[str, Any]], tuple[str, dict[str, Any]]]
    replay_existing: bool = True  # False: only what happens after the recorder starts


WATCH_KINDS = (
    WatchKind("pod", lambda c: client.CoreV1Api(c).list_pod_for_all_namespaces_with_http_info, pod_summary),
    WatchKind("node", lambda c: client.CoreV1Api(c).list_node_with_http_info, node_summary),
    WatchKind(
        "event",
        lambda c: client.CoreV1Api(c).list_event_for_all_namespaces_with_http_info,
        event_summary,
        replay_existing=False,
    ),
    WatchKind(
        "lease",
        lambda c: client.CoordinationV1Api(c).list_lease_for_all_namespaces_with_http_info,
        lease_summary,
    ),
)


class _Watcher(threading.Thread):
    def __init__(self, kind: WatchKind, kubeconfig: Path, timeline: Timeline, stop: threading.Event) -> None:
        super().__init__(name=f"kindchaos-watch-{kind.source}", daemon=True)
        self.kind = kind
        self.kubeconfig = kubeconfig
        self.timeline = timeline
        self.stop = stop
        # return_type=object: events stay plain dicts (only the raw object is summarised), not models built
        # for every pod and event on a 2-core machine.
        self.watch = watch.Watch(return_type=object)  # type: ignore[no-untyped-call]
        self.resource_version: str | None = None
        self.failing = False
        self.connected = threading.Event()

    def run(self) -> None:
        api = api_client(self.kubeconfig)
        call = self.kind.list_call(api)
        while not self.stop.is_set():
            try:
                if self.resource_version is None:
                    self._list(call)
                self._watch_once(call)
            except Exception as exc:  # the API is what a scenario breaks; keep watching
                if self.stop.is_set():
                    break
                if isinstance(exc, ApiException) and exc.status == HTTP_GONE:
                    self.resource_version = None  # too old: start again from a fresh list
                if not self.failing:
                    self.failing = True
                    self.timeline.add("watch", "error", self.kind.source, {"error": error_text(exc)})
                self.stop.wait(RETRY_SECONDS)

    def _list(self, call: Callable[..., Any]) -> None:
        """List first, as an informer does: what exists is recorded as ADDED (unless the kind records only what
        happens from now), and the watch starts from the list's resourceVersion, so nothing after it is missed."""
        limit = {} if self.kind.replay_existing else {"limit": 1}
        body = json.loads(call(_preload_content=False, _request_timeout=10, **limit).data)
        if self.kind.replay_existing:
            for item in body.get("items") or []:
                self._record("ADDED", item)
        self.resource_version = body["metadata"]["resourceVersion"]
        self._connected()

    def _watch_once(self, call: Callable[..., Any]) -> None:
        kwargs: dict[str, Any] = {"timeout_seconds": WATCH_SECONDS, "allow_watch_bookmarks": True}
        if self.resource_version:
            kwargs["resource_version"] = self.resource_version
        # Watch raises ApiException for an ERROR event (410 Gone included) and for a refused request.
        events = self.watch.stream(call, _request_timeout=(5, WATCH_SECONDS + 10), **kwargs)  # type: ignore[no-untyped-call]
        for event in events:
            if self.failing:
                self._connected()
            if self.stop.is_set():
                return
            self._record(event["type"], event["raw_object"] or {})
        self._connected()  # a watch that ended with no event still answered

    def _connected(self) -> None:
        if self.failing:
            self.failing = False
            self.timeline.add("watch", "resumed", self.kind.source)
        self.connected.set()

    def _record(self, type_: str, obj: dict[str, Any]) -> None:
        self.resource_version = obj.get("metadata", {}).get("resourceVersion") or self.resource_version
        if type_ == "BOOKMARK":
            return
        name, detail = self.kind.summarise(obj)
        self.timeline.add(self.kind.source, type_, name, detail)

    def interrupt(self) -> None:
        with contextlib.suppress(Exception):  # already closed
            self.watch.stop()  # type: ignore[no-untyped-call]  # shuts the socket down, so a blocked read returns


class TimelineRecorder:
    """Watches pods, nodes, events and leases into a timeline until stopped."""

    def __init__(self, *, kubeconfig: Path, timeline: Timeline, kinds: tuple[WatchKind, ...] = WATCH_KINDS) -> None:
        self.timeline = timeline
        self._stop = threading.Event()
        self._watchers = [_Watcher(kind, kubeconfig, timeline, self._stop) for kind in kinds]

    def start(self, *, connect_within: float = 30) -> TimelineRecorder:
        """Start every watch and return once each is connected (so nothing before the fault is missed)."""
        for watcher in self._watchers:
            watcher.start()
        for watcher in self._watchers:
            if not watcher.connected.wait(connect_within):
                self.stop()
                raise TimeoutError(f"watch on {watcher.kind.source}s did not connect within {connect_within:.0f}s")
        return self

    def stop(self) -> None:
        self._stop.set()
        for watcher in self._watchers:
            watcher.interrupt()
        for watcher in self._watchers:
            watcher.join(timeout=10)

    def __enter__(self) -> TimelineRecorder:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

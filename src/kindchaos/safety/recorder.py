"""A scenario's data-safety record: the workload and watchers through the fault, a fence, then every check.

``start`` creates the namespace, starts the watchers (each lists first) and then the clients, so the
watchers see every write. ``finish`` stops the clients, writes a fence object and lists once more (both
recorded as operations of one more client, retried until the API answers), waits for every watcher to reach
the fence, and runs the checks on the history.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from kindchaos.observe.figures import Sample
from kindchaos.observe.history.client import Endpoint, ObjectClient
from kindchaos.observe.history.operations import History, Kind, Operation, Version
from kindchaos.observe.history.watcher import HistoryWatcher
from kindchaos.observe.history.workload import Belief, HistoryWorkload
from kindchaos.observe.timeline import Timeline
from kindchaos.safety import committed, linearizability, stale_reads, watch_guarantees
from kindchaos.safety.report import DataSafetyReport
from kindchaos.waiting import wait_for

FENCE_KEY = "fence"
FENCE_WITHIN_S = 180  # the API answering again after the fault; the scenario's own checks said when
CATCH_UP_S = 60


@dataclass(frozen=True)
class HistoryOptions:
    keys: int = 4
    interval: float = 0.2
    checker_timeout: float = 120.0


class HistoryRecorder:
    """Clients on ``endpoints`` and one watcher per endpoint, over the history's ConfigMaps in ``namespace``."""

    name = "history"

    def __init__(
        self,
        *,
        kubeconfig: Path,
        namespace: str,
        endpoints: list[Endpoint],
        timeline: Timeline,
        options: HistoryOptions = HistoryOptions(),
    ) -> None:
        self.kubeconfig = kubeconfig
        self.namespace = namespace
        self.endpoints = endpoints
        self.options = options
        self.workload = HistoryWorkload(
            kubeconfig=kubeconfig,
            namespace=namespace,
            endpoints=endpoints,
            timeline=timeline,
            keys=options.keys,
            interval=options.interval,
        )
        self.watchers = [
            HistoryWatcher(kubeconfig=kubeconfig, namespace=namespace, run=namespace, endpoint=e, number=n)
            for n, e in enumerate(endpoints)
        ]

    @cached_property
    def closer(self) -> ObjectClient:
        """The client of the fence and the final reads, through the first endpoint."""
        return ObjectClient(self.kubeconfig, self.endpoints[0], namespace=self.namespace, run=self.namespace)

    @property
    def history(self) -> History:
        return self.workload.history

    @property
    def samples(self) -> list[Sample]:
        """The first client's writes (through the kubeconfig's server, as users go), answered or not: for the
        availability checks and figures. Every client's are in ``workload.samples``."""
        return self.workload.samples[0]

    @property
    def ended(self) -> str | None:
        return self.workload.ended or next((w.ended for w in self.watchers if w.ended), None)

    def start(self) -> HistoryRecorder:
        self.workload.prepare()
        for watcher in self.watchers:
            watcher.start()
        self.workload.start()
        return self

    def stop(self) -> None:
        """Stop clients and watchers without checking (the run's end, also after a failure)."""
        self.workload.stop()
        for watcher in self.watchers:
            watcher.stop()

    def _until_answered(self, kind: Kind, kv: ObjectClient, client_id: int) -> Operation:
        """Repeat the final ``kind`` until the API answers it; every attempt is recorded. A fence create whose
        earlier attempt took effect unseen is answered ``exists``: the fence is then read instead."""

        def attempt() -> Operation:
            op = self.workload.perform(client_id, kv, kind, FENCE_KEY, Belief())
            if op.result == "exists":
                op = self.workload.perform(client_id, kv, "get", FENCE_KEY, Belief())
            assert op.result == "ok", f"{op.kind}: {op.result} {op.error}"
            return op

        waited = wait_for(attempt, within=FENCE_WITHIN_S, interval=1, expected=f"the final {kind} answered")
        assert isinstance(waited.value, Operation)
        return waited.value

    @property
    def keys(self) -> list[str]:
        return [*self.workload.keys, FENCE_KEY]

    def read_objects(self, *, within: float = FENCE_WITHIN_S) -> dict[str, Version]:
        """The history's objects now (a quorum list, retried until answered; not recorded in the history)."""
        waited = wait_for(
            lambda: self.closer.list()[0], within=within, interval=1, retry_on=(Exception,), expected="a list"
        )
        assert isinstance(waited.value, dict)
        return waited.value

    def finish(self, *, visualize: Path | None = None) -> DataSafetyReport:
        """Fence, catch up, stop and check."""
        self.workload.stop()
        closer = len(self.endpoints)
        fence = self._until_answered("create", self.closer, closer)
        self._until_answered("list", self.closer, closer)
        for watcher in self.watchers:
            # On a timeout end_rv stays 0: the watch check reports a watcher that never caught up.
            with contextlib.suppress(AssertionError):
                watcher.catch_up(fence.rv or 0, within=CATCH_UP_S)
            watcher.stop()
        history = self.history
        history.watches = [w.record for w in self.watchers]
        keys = self.keys
        started = time.monotonic()
        resolution = committed.resolve(history)
        result = linearizability.check(
            history, resolution, keys, timeout=self.options.checker_timeout, visualize=visualize
        )
        return DataSafetyReport(
            history=history,
            resolution=resolution,
            linearizability=result,
            watch=watch_guarantees.check(history, resolution),
            stale=stale_reads.check(history, resolution, keys),
            check_seconds=time.monotonic() - started,
        )

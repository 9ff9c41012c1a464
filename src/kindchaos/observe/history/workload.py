"""The history workload: concurrent clients reading and writing a few ConfigMaps the way controllers do.

Each client picks a key and acts on what it last saw of it: create it if it saw it absent, otherwise mostly
update it with the resourceVersion it read as a precondition (a compare-and-set, as every controller's update
is), sometimes delete it on the same condition, and in between read it (a quorum get, a quorum list, or a list
at ``resourceVersion=0`` that the watch cache may answer stale). Every write carries a value no other
operation writes, so a value seen later names the write that made it. Few keys and several clients make the
preconditions collide: conflicts are part of the history, and they are what the checker learns most from.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kubernetes import client
from kubernetes.client.exceptions import ApiException, ServiceException

from kindchaos.cluster.api import api_client
from kindchaos.observe.figures import Sample
from kindchaos.observe.history.client import Endpoint, ObjectClient
from kindchaos.observe.history.operations import History, Kind, Operation, Version, result_of_error
from kindchaos.observe.observer import Observer
from kindchaos.observe.timeline import Timeline, TimelineEvent
from kindchaos.waiting import wait_for

# Relative weights once a client knows the key's version; an absent key is created, an unknown one read.
MIX: dict[Kind, int] = {"update": 40, "get": 20, "list": 10, "cached-list": 15, "delete": 5, "create": 10}


@dataclass
class Belief:
    """What one client last saw of one key: a version, absent, or nothing (neither); ``certain`` False after an
    unanswered or refused operation, when what it saw may be out of date."""

    version: Version | None = None
    absent: bool = False
    certain: bool = True


class HistoryWorkload(Observer):
    """Clients (one thread each, one per endpoint) recording every operation into ``history``."""

    source = "history"
    name = "history workload"

    def __init__(
        self,
        *,
        kubeconfig: Path,
        namespace: str,
        endpoints: list[Endpoint],
        timeline: Timeline,
        keys: int = 4,
        interval: float = 0.2,
        seed: int | None = None,
    ) -> None:
        super().__init__()
        self.kubeconfig = kubeconfig
        self.namespace = namespace
        self.run = namespace
        self.endpoints = endpoints
        self.timeline = timeline
        self.keys = [f"key-{n}" for n in range(keys)]
        self.interval = interval
        self.history = History()
        self.samples: dict[int, list[Sample]] = {n: [] for n in range(len(endpoints) + 1)}  # per client, writes
        self._random = random.Random(seed)
        self._threads: list[threading.Thread] = []
        self._values = 0
        self._lock = threading.Lock()

    def clients(self) -> list[ObjectClient]:
        return [ObjectClient(self.kubeconfig, e, namespace=self.namespace, run=self.run) for e in self.endpoints]

    def prepare(self) -> HistoryWorkload:
        """Create the namespace (before the watchers list it)."""
        core = client.CoreV1Api(api_client(self.kubeconfig))

        def create_namespace() -> None:
            try:
                core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=self.namespace)))
            except ApiException as exc:
                if exc.status != 409:
                    raise

        # Set-up, not the measurement: a cluster just healed from an outage can answer one create with 504.
        wait_for(create_namespace, within=120, interval=2, retry_on=(ServiceException,), expected="namespace created")
        return self

    def start(self) -> HistoryWorkload:
        for number, kv in enumerate(self.clients()):
            thread = threading.Thread(
                target=self._guarded(self._loop), args=(number, kv), name=f"kindchaos-history-{number}", daemon=True
            )
            self._threads.append(thread)
            thread.start()
        return self

    def _value(self, client_id: int) -> str:
        with self._lock:
            self._values += 1
            return f"c{client_id}-{self._values}"

    def _choose(self, belief: Belief) -> Kind:
        # Unsure, it reads first (a quorum get, or a cached list) more than half the time, and acts on what it
        # last saw otherwise: during an outage the history keeps writes (whose answers are lost) and both reads.
        if belief.version is None and not belief.absent:
            return "get"
        if not belief.certain:
            draw = self._random.random()
            if draw < 0.55:
                return "get" if draw < 0.35 else "cached-list"
        if belief.absent:
            return "create"
        kinds = [k for k in MIX if k != "create"]
        return self._random.choices(kinds, weights=[MIX[k] for k in kinds])[0]

    def _loop(self, client_id: int, kv: ObjectClient) -> None:
        beliefs = {key: Belief(absent=True) for key in self.keys}
        while not self._stop.is_set():
            started = time.monotonic()
            key = self._random.choice(self.keys)
            kind = self._choose(beliefs[key])
            op = self.perform(client_id, kv, kind, key, beliefs[key])
            self._learn(op, beliefs)
            if op.is_write:
                self._record_write(op)
            self._stop.wait(max(0.0, self.interval - (time.monotonic() - started)))

    def perform(self, client_id: int, kv: ObjectClient, kind: Kind, key: str, belief: Belief) -> Operation:
        """Run one operation and record it, with its invocation and answer times."""
        expected = belief.version.rv if belief.version else None
        value = self._value(client_id) if kind in ("create", "update") else None
        op = self.history.invoke(
            client_id,
            kind,
            None if kind in ("list", "cached-list") else key,
            time.monotonic(),
            value=value,
            expected=expected if kind in ("update", "delete") else None,
            via=kv.endpoint.label,
        )
        try:
            answer: Any = self._send(kv, op)
        except Exception as exc:  # every failure is an outcome: a definite one, or unknown
            op.result, op.error = result_of_error(exc, kind)
            if op.result in ("exists", "conflict", "absent"):
                op.returned = time.monotonic()
            return op
        op.returned, op.result = time.monotonic(), "ok"
        if isinstance(answer, Version):
            op.rv = answer.rv
            if kind == "get":
                op.value = answer.value
        elif isinstance(answer, tuple):
            op.items, op.list_rv = answer
        return op

    @staticmethod
    def _send(kv: ObjectClient, op: Operation) -> Any:
        key = op.key or ""
        if op.kind == "create":
            return kv.create(key, op.value or "")
        if op.kind == "update":
            return kv.update(key, op.value or "", op.expected or 0)
        if op.kind == "delete":
            return kv.delete(key, op.expected or 0)
        if op.kind == "get":
            return kv.get(key)
        return kv.list(cached=op.kind == "cached-list")

    def _learn(self, op: Operation, beliefs: dict[str, Belief]) -> None:
        """Update what the client believes from the answer (nothing is believed after an unknown one)."""
        if op.items is not None and op.kind == "list":
            for key in self.keys:
                found = op.items.get(key)
                beliefs[key] = Belief(found, absent=found is None)
            return
        if op.key is None or op.kind == "cached-list":
            return
        if op.result == "ok" and op.kind == "delete":
            beliefs[op.key] = Belief(absent=True)
        elif op.result == "ok" and op.rv is not None:
            beliefs[op.key] = Belief(Version(op.value or "", op.rv))
        elif op.result == "absent":
            beliefs[op.key] = Belief(absent=True)
        else:  # exists, conflict, failed, unknown: what it saw may be out of date
            seen = beliefs[op.key]
            beliefs[op.key] = Belief(seen.version, seen.absent, certain=False)

    def _record_write(self, op: Operation) -> None:
        """A write sample for the charts and the availability figures: answered (any definite result) or not."""
        answered = op.returned is not None
        latency = (op.returned or time.monotonic()) - op.call
        detail: dict[str, Any] = {"latency": round(latency, 4), "op": op.id, "kind": op.kind, "result": op.result}
        if op.error:
            detail["error"] = op.error
        self.samples.setdefault(op.client, []).append(Sample(op.call, answered, latency, detail))
        wall = time.time() - (time.monotonic() - op.call)
        source = f"{self.source}-{op.client}"
        self.timeline.append(TimelineEvent(op.call, wall, source, "ok" if answered else "fail", op.via, detail))

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=15)

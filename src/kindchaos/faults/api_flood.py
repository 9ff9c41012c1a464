"""One client flooding the API as fast as it can, bounded in requests and seconds, on loopback only.

The flood is a pool of threads on this host issuing ``GET`` (a LIST of the flood namespace's ConfigMaps) with a
service account's token to the cluster's endpoint, each answer recorded with its status, latency and the flow
schema APF classified it into (``X-Kubernetes-PF-FlowSchema-UID``). The proof is that the answers come, from the
flow schema we set up; the restore stops the threads and sees one request of the same user answered.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import urllib3

from kindchaos.cluster.flow_control import FloodIdentity, server_url
from kindchaos.cluster.lifecycle import Cluster
from kindchaos.errors import UsageError
from kindchaos.expect.conditions import eventually
from kindchaos.faults.base import Fault
from kindchaos.faults.expected import Expected, expect
from kindchaos.observe.timeline import Timeline

MAX_REQUESTS = 100_000
MAX_SECONDS = 180
MAX_THREADS = 64
REQUEST_TIMEOUT_S = 10
PROOF_ANSWERS = 100  # answers from the flood's own flow schema before the fault counts as injected
PROOF_WITHIN_S = 30
ANSWERED_WITHIN_S = 20  # a fixed wait: after the flood, one request of the same user answered 200
FLOW_SCHEMA_HEADER = "X-Kubernetes-PF-FlowSchema-UID"


@dataclass(frozen=True)
class Answer:
    """One flood request: when it started, its HTTP status (0: no answer), how long it took, its flow schema."""

    mono: float
    status: int
    latency: float
    flow_schema_uid: str


class Flood:
    """Threads issuing the same request until ``requests`` are sent, ``seconds`` have passed, or ``stop``."""

    def __init__(self, url: str, token: str, ca: Path, *, threads: int, requests: int, seconds: float) -> None:
        if not 1 <= threads <= MAX_THREADS:
            raise UsageError(f"flood threads {threads} out of range", hint=f"use 1 to {MAX_THREADS}")
        if not 1 <= requests <= MAX_REQUESTS:
            raise UsageError(f"flood requests {requests} out of range", hint=f"use 1 to {MAX_REQUESTS}")
        if not 0 < seconds <= MAX_SECONDS:
            raise UsageError(f"flood seconds {seconds} out of range", hint=f"use more than 0, at most {MAX_SECONDS}")
        self.url, self.token, self.ca = url, token, ca
        self.threads, self.requests, self.seconds = threads, requests, seconds
        self._answers: list[Answer] = []
        self._lock = threading.Lock()
        self._sent = 0
        self._stop = threading.Event()
        self._workers: list[threading.Thread] = []
        self.started = 0.0

    @property
    def answers(self) -> list[Answer]:
        with self._lock:
            return list(self._answers)

    def _take(self) -> bool:
        with self._lock:
            if self._stop.is_set() or self._sent >= self.requests or time.monotonic() - self.started > self.seconds:
                return False
            self._sent += 1
            return True

    def _work(self) -> None:
        pool = urllib3.PoolManager(cert_reqs="CERT_REQUIRED", ca_certs=str(self.ca), maxsize=1, retries=False)
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        while self._take():
            started = time.monotonic()
            try:
                answer = pool.request("GET", self.url, headers=headers, timeout=REQUEST_TIMEOUT_S)
                status, schema = answer.status, answer.headers.get(FLOW_SCHEMA_HEADER, "")
            except urllib3.exceptions.HTTPError:
                status, schema = 0, ""
            with self._lock:
                self._answers.append(Answer(started, status, time.monotonic() - started, schema))
        pool.clear()

    def start(self) -> None:
        self.started = time.monotonic()
        self._workers = [
            threading.Thread(target=self._work, name=f"kindchaos-flood-{i}", daemon=True) for i in range(self.threads)
        ]
        for worker in self._workers:
            worker.start()

    def wait(self) -> None:
        """Until every thread has reached the bound (requests or seconds)."""
        for worker in self._workers:
            worker.join(timeout=max(0.0, self.seconds - (time.monotonic() - self.started)) + REQUEST_TIMEOUT_S + 5)

    def stop(self) -> None:
        self._stop.set()
        for worker in self._workers:
            worker.join(timeout=REQUEST_TIMEOUT_S + 5)

    @property
    def running(self) -> bool:
        return any(worker.is_alive() for worker in self._workers)


def statuses(answers: list[Answer]) -> Counter[int]:
    return Counter(a.status for a in answers)


class ApiFlooded(Fault):
    """The flood, as the service account in ``identity``, against the cluster's own endpoint."""

    def __init__(
        self,
        cluster: Cluster,
        identity: FloodIdentity,
        *,
        ca: Path,
        threads: int = 32,
        requests: int = 20_000,
        seconds: float = 60,
        timeline: Timeline | None = None,
    ) -> None:
        super().__init__(timeline=timeline)
        self.cluster, self.identity = cluster, identity
        path = f"/api/v1/namespaces/{identity.namespace}/configmaps"
        self.flood = Flood(
            server_url(cluster) + path, identity.token, ca, threads=threads, requests=requests, seconds=seconds
        )
        self.check_url = server_url(cluster) + path + "?limit=1"

    def triage_expects(self) -> Expected:
        return expect("api-overload", self.identity.flow_schema)

    @property
    def title(self) -> str:
        return (
            f"API flood by {self.identity.user} ({self.flood.threads} threads, at most {self.flood.requests} "
            f"requests in {self.flood.seconds:.0f} s) in flow schema {self.identity.flow_schema}"
        )

    def inject(self) -> None:
        self.flood.start()

    def prove(self) -> None:
        def answered() -> None:
            ours = [a for a in self.flood.answers if a.flow_schema_uid == self.identity.flow_schema_uid]
            assert len(ours) >= PROOF_ANSWERS, (
                f"{len(ours)} answers from flow schema {self.identity.flow_schema}; statuses "
                f"{dict(statuses(self.flood.answers))}"
            )

        waited = eventually(answered, within=PROOF_WITHIN_S, expected=f"{PROOF_ANSWERS} answers to the flood")
        seen = self.flood.answers
        self.observed(
            f"{len(seen)} flood requests answered in {waited.seconds:.1f} s, statuses {dict(statuses(seen))}; "
            f"classified into flow schema {self.identity.flow_schema} (uid {self.identity.flow_schema_uid}), "
            f"priority level {self.identity.priority_level}"
        )

    def restore(self) -> None:
        self.flood.stop()
        seen = self.flood.answers
        self.figures["flood_requests"] = len(seen)
        for status, count in statuses(seen).items():
            self.figures[f"flood_http_{status}"] = count
        if seen:
            self.figures["flood_seconds"] = max(a.mono + a.latency for a in seen) - self.flood.started

    def prove_restored(self) -> None:
        assert not self.flood.running, "a flood thread is still running"
        pool = urllib3.PoolManager(cert_reqs="CERT_REQUIRED", ca_certs=str(self.flood.ca), retries=False)
        headers = {"Authorization": f"Bearer {self.identity.token}"}

        def served() -> None:
            status = pool.request("GET", self.check_url, headers=headers, timeout=REQUEST_TIMEOUT_S).status
            assert status == 200, f"HTTP {status}"

        eventually(served, within=ANSWERED_WITHIN_S, expected=f"one request of {self.identity.user} answered 200")
        self.observed(f"every flood thread ended; one request of {self.identity.user} answered 200")

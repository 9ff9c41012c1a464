"""A write ledger: ConfigMaps written at a steady rate, then every acknowledged write checked.

The API acknowledging a write means etcd committed it. After a fault, every
acknowledged write must still be readable with the value written, and the
resourceVersions the API returned, in the order it returned them, must never
go backwards. Failed writes are recorded too; their window is a figure.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kubernetes import client
from kubernetes.client.exceptions import ApiException, ServiceException

from kindchaos.cluster.api import api_client
from kindchaos.observe.figures import Sample
from kindchaos.observe.observer import Observer
from kindchaos.observe.timeline import Timeline, TimelineEvent, error_text
from kindchaos.waiting import wait_for

LEDGER_LABEL = "kindchaos.dev/ledger"


@dataclass(frozen=True)
class Acknowledged:
    seq: int
    name: str
    resource_version: str
    mono: float


@dataclass
class LedgerReport:
    """What the verification found: nothing lost and nothing reordered, or which writes were."""

    acknowledged: int
    failed: int
    missing: list[str] = field(default_factory=list)
    wrong_value: list[str] = field(default_factory=list)
    regressions: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not (self.missing or self.wrong_value or self.regressions)

    def summary(self) -> str:
        """One line for a check: counts, and what went wrong if anything did."""
        text = f"{self.acknowledged} acknowledged, {self.failed} failed"
        if self.intact:
            return f"{text}, none lost or reordered"
        return f"{text}; missing {self.missing[:5]}, wrong {self.wrong_value[:5]}, regressions {self.regressions[:5]}"


def resource_version_regressions(acks: list[Acknowledged]) -> list[str]:
    """Acknowledged writes whose resourceVersion is not above the previous one's."""
    found, previous = [], None
    for ack in sorted(acks, key=lambda a: a.seq):
        current = int(ack.resource_version)
        if previous is not None and current <= previous[1]:
            found.append(f"{ack.name} rv={current} after {previous[0]} rv={previous[1]}")
        previous = (ack.name, current)
    return found


class WriteLedger(Observer):
    """Writes ConfigMaps ``ledger-NNNNN`` into ``namespace`` every ``interval`` seconds until stopped."""

    source = "ledger"
    name = "write ledger"

    def __init__(
        self,
        *,
        kubeconfig: Path,
        namespace: str,
        timeline: Timeline,
        interval: float = 0.5,
        timeout: float = 2.0,
    ) -> None:
        super().__init__()
        self.kubeconfig = kubeconfig
        self.namespace = namespace
        self.timeline = timeline
        self.interval = interval
        self.timeout = timeout
        self.acknowledged: list[Acknowledged] = []
        self.samples: list[Sample] = []
        self._thread: threading.Thread | None = None

    def start(self) -> WriteLedger:
        core = client.CoreV1Api(api_client(self.kubeconfig))

        def create_namespace() -> None:
            try:
                core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=self.namespace)))
            except ApiException as exc:
                if exc.status != 409:
                    raise

        # Set-up, not the measurement: an HA cluster just healed from a member outage has answered a single
        # create with 504 after 34 s while leases renewed (catalogue run, 2026-11-25); try again, not fail.
        wait_for(
            create_namespace,
            within=120,
            interval=2,
            retry_on=(ServiceException,),  # 5xx only; 4xx answers stay errors
            expected=f"namespace {self.namespace} created",
        )
        self._thread = threading.Thread(
            target=self._guarded(self._loop), args=(core,), name="kindchaos-ledger", daemon=True
        )
        self._thread.start()
        return self

    def _loop(self, core: Any) -> None:
        seq = 0
        while not self._stop.is_set():
            seq += 1
            name = f"ledger-{seq:05d}"
            body = client.V1ConfigMap(
                metadata=client.V1ObjectMeta(name=name, labels={LEDGER_LABEL: "true"}), data={"seq": str(seq)}
            )
            mono, wall = time.monotonic(), time.time()
            try:
                created = core.create_namespaced_config_map(self.namespace, body, _request_timeout=self.timeout)
                ack = Acknowledged(seq, name, created.metadata.resource_version, mono)
                self.acknowledged.append(ack)
                self._record(mono, wall, ok=True, name=name, rv=ack.resource_version)
            except Exception as exc:  # a failed or unanswered write is an outcome, not an error
                self._record(mono, wall, ok=False, name=name, error=error_text(exc))
            self._stop.wait(max(0.0, self.interval - (time.monotonic() - mono)))

    def _record(self, mono: float, wall: float, *, ok: bool, **detail: Any) -> None:
        latency = time.monotonic() - mono
        detail = {"latency": round(latency, 4), **detail}
        self.samples.append(Sample(mono, ok, latency, detail))
        self.timeline.append(TimelineEvent(mono, wall, self.source, "ok" if ok else "fail", "writes", detail))

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=15)

    def verify(self) -> LedgerReport:
        """Read back every acknowledged write (call after stop, with the API healthy)."""
        core = client.CoreV1Api(api_client(self.kubeconfig))
        items: list[Any] = core.list_namespaced_config_map(self.namespace, label_selector=f"{LEDGER_LABEL}=true").items
        stored = {cm.metadata.name: dict(cm.data or {}) for cm in items}
        return check(self.acknowledged, stored, failed=sum(not s.ok for s in self.samples))


def check(acknowledged: list[Acknowledged], stored: dict[str, dict[str, str]], *, failed: int = 0) -> LedgerReport:
    """Compare what the API acknowledged with what it now stores (name -> data): lost, altered, reordered."""
    report = LedgerReport(
        acknowledged=len(acknowledged), failed=failed, regressions=resource_version_regressions(acknowledged)
    )
    for ack in acknowledged:
        found = stored.get(ack.name)
        if found is None:
            report.missing.append(ack.name)
        elif found.get("seq") != str(ack.seq):
            report.wrong_value.append(f"{ack.name}: {found}")
    return report

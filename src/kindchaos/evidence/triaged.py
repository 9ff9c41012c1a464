"""Triage run while a scenario's fault holds: its output attached to the report, and a record of whether it
named the fault, for the answer sheet's accuracy table and docs/evidence/<run>/triage.json."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from kindchaos.cluster.lifecycle import Cluster
from kindchaos.evidence import attach
from kindchaos.faults.base import Fault
from kindchaos.faults.expected import Expected, held_together
from kindchaos.triage import HEALTHY, Triage, triage
from kindchaos.triage.render import as_json, human
from kindchaos.triage.target import of_cluster

DEADLINE_S = 30.0  # the whole triage run while a fault holds; the same limit as the command's default


@dataclass(frozen=True)
class TriageRecord:
    """One triage run: the fault(s) it ran under (none: a healthy cluster), what was expected and seen."""

    fault: str  # the fault's title, or "" for a healthy cluster
    expected: str  # what a correct diagnosis names ("healthy" on a healthy cluster)
    diagnosis: str  # the first finding (part @ where: summary), or "healthy"
    status: str
    correct: bool
    seconds: float
    findings: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def line(self) -> str:
        if not self.fault:
            verdict = "no finding" if self.correct else f"FALSE ALARM ({self.findings} findings)"
        else:
            verdict = "named it" if self.correct else "MISSED"
        return f"{verdict} in {self.seconds:.1f} s: expected {self.expected}; diagnosis {self.diagnosis}"


def _first(result: Triage) -> str:
    first = result.diagnosis.primary
    if first is None:
        return "healthy"
    return f"{first.part}{' @ ' + first.where if first.where else ''}: {first.summary}"


def named(expected: Expected, result: Triage) -> bool:
    """Whether the diagnosis' first finding is one of the expected answers."""
    first = result.diagnosis.primary
    return first is not None and expected.matches(first.part, first.where)


def run_and_attach(cluster: Cluster, *, under: str) -> Triage:
    """Triage the cluster now, with its human output and JSON attached to the report."""
    with attach.step(f"triage: {under}"):
        result = triage(of_cluster(cluster), deadline_s=DEADLINE_S)
        attach.text(human(result), name=f"triage: {under}")
        attach.text(as_json(result), name=f"triage (json): {under}")
    return result


def while_faulted(cluster: Cluster, fault: Fault, active: list[Fault]) -> TriageRecord:
    """Triage while ``fault`` (and every other fault in ``active``) holds, judged against what they expect."""
    result = run_and_attach(cluster, under=fault.title)
    expectations = [e for e in (f.triage_expects() for f in active) if e is not None]
    expected: Expected | None = held_together(expectations)
    return TriageRecord(
        fault=" + ".join(f.title for f in active),
        expected=expected.text() if expected else "(nothing a cluster shows)",
        diagnosis=_first(result),
        status=result.diagnosis.status,
        correct=named(expected, result) if expected else result.diagnosis.status == HEALTHY,
        seconds=result.seconds,
        findings=len(result.diagnosis.findings),
    )


def on_healthy(cluster: Cluster) -> TriageRecord:
    """Triage on a cluster with no fault: correct only when it finds nothing (a finding is a false alarm)."""
    result = run_and_attach(cluster, under="no fault (false alarms)")
    return TriageRecord(
        fault="",
        expected="healthy",
        diagnosis=_first(result),
        status=result.diagnosis.status,
        correct=result.diagnosis.status == HEALTHY,
        seconds=result.seconds,
        findings=len(result.diagnosis.findings),
    )

"""The triage scenarios' bookkeeping: each fault's triage record as a check, and the run's figures.

The records themselves are made by the evidence layer as each fault is proven (``ChaosRun.triage_record``);
a scenario passes them here as ``chaos.check.that("<name>", **named(chaos, fault))``.
"""

from __future__ import annotations

from typing import Any

from kindchaos.evidence import attach
from kindchaos.evidence.scenario import ChaosRun
from kindchaos.evidence.triaged import DEADLINE_S, TriageRecord
from kindchaos.expect import eventually
from kindchaos.faults.base import Fault
from kindchaos.triage import HEALTHY, Triage, triage
from kindchaos.triage.render import human
from kindchaos.triage.target import of_cluster

# A fixed wait: a component that exited during the last fault (a scheduler that lost its lease while the API was
# away) comes back after kubelet's restart back-off, which reaches 5 minutes after repeated exits.
SETTLED_WITHIN_S = 360
SETTLE_INTERVAL_S = 5


def _judged(record: TriageRecord) -> dict[str, Any]:
    return {"held": record.correct, "measured": record.line(), "what": f"the first finding names {record.expected}"}


def named(chaos: ChaosRun, fault: Fault) -> dict[str, Any]:
    """Whether triage, run once ``fault`` was proven, named it first."""
    return _judged(chaos.triage_record(fault))


def no_alarm(chaos: ChaosRun) -> dict[str, Any]:
    """Triage on the healthy cluster (after its health gate): any finding is a false alarm."""
    record = chaos.triage_healthy()
    return {"held": record.correct, "measured": record.line(), "what": "no finding on a healthy cluster"}


def settled(chaos: ChaosRun) -> None:
    """Wait until triage finds nothing, so the next fault is judged on a cluster with no other fault: what the
    last one set off (components restarting after kubelet's back-off) has ended. Not a record: a settling run
    is neither a diagnosis of a fault nor a healthy-cluster run."""
    target = of_cluster(chaos.cluster)
    last: list[Triage] = []

    def nothing_found() -> None:
        last[:] = [triage(target, deadline_s=DEADLINE_S)]
        findings = last[0].diagnosis.findings
        assert last[0].diagnosis.status == HEALTHY, "; ".join(f"{f.part} @ {f.where}" for f in findings)

    with chaos.step("settled: triage finds nothing before the next fault"):
        try:
            waited = eventually(
                nothing_found, within=SETTLED_WITHIN_S, interval=SETTLE_INTERVAL_S, expected="triage finds nothing"
            )
        finally:
            if last:
                attach.text(human(last[0]), name="triage: settled")
        chaos.figure(f"settled_{len(chaos.triaged)}_s", waited.seconds, note="until triage found nothing")


def slowest_seconds(chaos: ChaosRun) -> float:
    """The longest triage run of the scenario, also reported per fault as figures."""
    for number, record in enumerate(chaos.triaged, start=1):
        chaos.figure(f"triage_{number}_s", record.seconds, note=record.fault or "no fault")
    return max(record.seconds for record in chaos.triaged)


__all__ = ["DEADLINE_S", "named", "no_alarm", "settled", "slowest_seconds"]

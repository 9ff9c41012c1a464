"""The triage scenarios' bookkeeping: each fault's triage record as a check, and the run's figures.

The records themselves are made by the evidence layer as each fault is proven (``ChaosRun.triage_record``);
a scenario passes them here as ``chaos.check.that("<name>", **named(chaos, fault))``.
"""

from __future__ import annotations

from typing import Any

from kindchaos.evidence.scenario import ChaosRun
from kindchaos.evidence.triaged import DEADLINE_S, TriageRecord
from kindchaos.faults.base import Fault


def _judged(record: TriageRecord) -> dict[str, Any]:
    return {"held": record.correct, "measured": record.line(), "what": f"the first finding names {record.expected}"}


def named(chaos: ChaosRun, fault: Fault) -> dict[str, Any]:
    """Whether triage, run once ``fault`` was proven, named it first."""
    return _judged(chaos.triage_record(fault))


def no_alarm(chaos: ChaosRun) -> dict[str, Any]:
    """Triage on the healthy cluster (after its health gate): any finding is a false alarm."""
    record = chaos.triage_healthy()
    return {"held": record.correct, "measured": record.line(), "what": "no finding on a healthy cluster"}


def slowest_seconds(chaos: ChaosRun) -> float:
    """The longest triage run of the scenario, also reported per fault as figures."""
    for number, record in enumerate(chaos.triaged, start=1):
        chaos.figure(f"triage_{number}_s", record.seconds, note=record.fault or "no fault")
    return max(record.seconds for record in chaos.triaged)


__all__ = ["DEADLINE_S", "named", "no_alarm", "slowest_seconds"]

"""What the history's first client (through the load balancer) says while etcd is faulted: were its writes
answered, how many failed and why. Shared by the stacked and the external etcd scenarios, so both measure
the same way and their figures compare."""

from __future__ import annotations

import time
from collections import Counter

from kindchaos.evidence.scenario import ChaosRun
from kindchaos.observe import figures
from kindchaos.observe.history.operations import Operation
from kindchaos.safety.recorder import HistoryRecorder


def last_writes_ok(history: HistoryRecorder, seconds: float) -> None:
    """Every write of the first client (through the load balancer) in the last ``seconds`` was answered, and
    there was at least one a second."""
    since = time.monotonic() - seconds
    recent = [s for s in history.samples if s.mono >= since]
    assert len(recent) >= seconds, f"only {len(recent)} writes in the last {seconds} s"
    failed = [s.detail.get("error") for s in recent if not s.ok]
    assert not failed, f"{len(failed)} of the last {len(recent)} writes failed: {failed[-1]}"


def write_figures(chaos: ChaosRun, history: HistoryRecorder, start: float | None, end: float | None) -> None:
    """The first client's writes between ``start`` and ``end``: how many, how many failed, over how long, why."""
    during = figures.between(history.samples, start, end)
    failed = [s for s in during if not s.ok]
    chaos.figure("writes_during_fault", len(during), unit="", note="first client, through the load balancer")
    chaos.figure("writes_failed_during_fault", len(failed), unit="")
    chaos.figure("write_failure_window_s", (failed[-1].mono - failed[0].mono) if failed else 0.0)
    reasons = Counter(str(s.detail.get("error")) for s in failed)
    chaos.figure("write_failure_reasons", "; ".join(f"{n}x {r}" for r, n in reasons.most_common(3)) or "none", unit="")


def reads_through(history: HistoryRecorder, client: int, since: float, kinds: tuple[str, ...]) -> list[Operation]:
    """The operations of ``kinds`` that ``client`` began at or after ``since``."""
    return [op for op in history.history.operations if op.client == client and op.call >= since and op.kind in kinds]


def acknowledged(history: HistoryRecorder, *, above: int, at_least: int) -> None:
    """At least ``at_least`` writes acknowledged with a resourceVersion above ``above``."""
    found = [op for op in history.history.operations if op.is_write and op.result == "ok" and (op.rv or 0) > above]
    assert len(found) >= at_least, f"{len(found)} acknowledged writes above rv {above}"

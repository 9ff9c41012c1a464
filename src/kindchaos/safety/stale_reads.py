"""Stale reads: a read older than a write that had completed before the read began.

For a quorum read (a get, or a list without ``resourceVersion``) that is a violation: Kubernetes promises
these are linearizable. A list at ``resourceVersion=0`` may be answered from the apiserver's watch cache, which
can lag: those are measured and labelled as allowed, with how far behind they were (from the moment the newer
write was acknowledged to the read's start). An absent answer is stale when a create or update was the last
completed write and no delete of the key had started before the read ended.
"""

from __future__ import annotations

import bisect
import itertools
from collections import defaultdict
from dataclasses import dataclass, field

from kindchaos.observe.history.operations import History, Operation, Version
from kindchaos.safety.committed import Committed, Resolution
from kindchaos.safety.linearizability import describe


@dataclass
class StaleReport:
    quorum_reads: int = 0
    stale_quorum: list[str] = field(default_factory=list)
    cached_reads: int = 0
    stale_cached: int = 0
    largest_staleness_s: float = 0.0
    cached: list[tuple[Operation, float | None]] = field(default_factory=list)  # each cached read, how stale

    def cached_between(self, start: float, end: float, *, client: int | None = None) -> list[float | None]:
        """Staleness (None: current) of the cached reads begun in [start, end], by one client or all."""
        return [s for op, s in self.cached if start <= op.call <= end and client in (None, op.client)]

    @property
    def holds(self) -> bool:
        return not self.stale_quorum

    def summary(self) -> str:
        text = f"{len(self.stale_quorum)} of {self.quorum_reads} quorum reads stale"
        if self.stale_quorum:
            text += f" ({'; '.join(self.stale_quorum[:3])})"
        return (
            f"{text}; allowed: {self.stale_cached} of {self.cached_reads} resourceVersion=0 reads stale, "
            f"at most {self.largest_staleness_s:.2f} s behind"
        )


class KeyWrites:
    """One key's committed writes by completion time, with the running highest version for quick lookups."""

    def __init__(self, writes: list[Committed]) -> None:
        known = sorted((w for w in writes if w.rv is not None), key=lambda w: w.by)
        self.times = [w.by for w in known]
        self.highest = list(itertools.accumulate((w.rv or 0 for w in known), max))
        self.latest: list[Committed] = []
        for write in known:
            best = self.latest[-1] if self.latest else None
            self.latest.append(write if best is None or (write.rv or 0) > (best.rv or 0) else best)

    def newest_before(self, at: float) -> Committed | None:
        index = bisect.bisect_left(self.times, at)
        return self.latest[index - 1] if index else None

    def stale_since(self, rv: int, at: float) -> float | None:
        """When a version newer than ``rv`` was first acknowledged, if that was before ``at``."""
        index = bisect.bisect_right(self.highest, rv)
        if index < len(self.times) and self.times[index] < at:
            return self.times[index]
        return None


def _deletes_started(resolution: Resolution, history: History) -> dict[str, list[Operation]]:
    """Per key, the deletes that took effect or may have: a read after them may see the key absent."""
    maybe = {*resolution.unresolved, *(c.op.id for c in resolution.committed)}
    found: dict[str, list[Operation]] = defaultdict(list)
    for op in history.operations:
        if op.kind == "delete" and op.key and op.id in maybe:
            found[op.key].append(op)
    return found


def stale_since(
    read: Operation, key: str, version: Version | None, writes: KeyWrites, deletes: list[Operation]
) -> float | None:
    """When the answer ``version`` (None: absent) to ``read`` had become stale, or None if it was current."""
    if version is not None:
        return writes.stale_since(version.rv, read.call)
    newest = writes.newest_before(read.call)
    if newest is None or newest.op.kind == "delete":
        return None
    ended = read.returned if read.returned is not None else read.call
    if any(d.call < ended and (d.expected or 0) >= (newest.rv or 0) for d in deletes):
        return None
    return newest.by


def answers(read: Operation, keys: list[str]) -> list[tuple[str, Version | None]]:
    if read.kind == "get" and read.key:
        return [(read.key, None if read.result == "absent" else Version(read.value or "", read.rv or 0))]
    return [(key, (read.items or {}).get(key)) for key in keys]


def check(history: History, resolution: Resolution, keys: list[str]) -> StaleReport:
    by_key: dict[str, list[Committed]] = defaultdict(list)
    for write in resolution.committed:
        if write.op.key:
            by_key[write.op.key].append(write)
    writes = {key: KeyWrites(by_key.get(key, [])) for key in keys}
    deletes = _deletes_started(resolution, history)
    report = StaleReport()
    for read in history.operations:
        if read.kind not in ("get", "list", "cached-list") or read.result not in ("ok", "absent"):
            continue
        cached = read.kind == "cached-list"
        oldest: float | None = None
        for key, version in answers(read, keys):
            if key not in writes:
                continue
            since = stale_since(read, key, version, writes[key], deletes.get(key, []))
            if since is not None:
                oldest = since if oldest is None else min(oldest, since)
        if cached:
            report.cached_reads += 1
            report.cached.append((read, None if oldest is None else read.call - oldest))
            if oldest is not None:
                report.stale_cached += 1
                report.largest_staleness_s = max(report.largest_staleness_s, read.call - oldest)
        else:
            report.quorum_reads += 1
            if oldest is not None:
                report.stale_quorum.append(f"{describe(read)}, {read.call - oldest:.2f} s behind")
    return report

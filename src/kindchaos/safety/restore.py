"""After a snapshot restore: the writes committed up to the snapshot are back, exactly those after it are lost.

A restore is the one fault where losing acknowledged writes is the expected result. The snapshot's revision
splits the history's committed writes: each key must hold, after the restore, the value of its last write at
or below that revision (or be absent if that write was a delete, or if there was none), and every write above
it is lost. A key whose last write before the snapshot was never settled (its answer lost, not seen later) may
hold that write's value instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kindchaos.observe.history.operations import History, Version
from kindchaos.safety.committed import Committed, Resolution
from kindchaos.safety.linearizability import describe


@dataclass
class RestoreReport:
    snapshot_rv: int
    kept: list[str] = field(default_factory=list)  # keys back at their snapshot value (or absent, as then)
    lost: list[Committed] = field(default_factory=list)  # committed after the snapshot
    wrong: list[str] = field(default_factory=list)  # keys not as they were at the snapshot

    @property
    def holds(self) -> bool:
        return not self.wrong and bool(self.lost)

    def summary(self) -> str:
        lost = ", ".join(f"#{c.op.id}" for c in self.lost[:8]) + ("…" if len(self.lost) > 8 else "")
        text = (
            f"{len(self.kept)} keys as at snapshot revision {self.snapshot_rv}; "
            f"{len(self.lost)} writes after it lost ({lost or 'none'})"
        )
        return text + (f"; not as at the snapshot: {'; '.join(self.wrong)}" if self.wrong else "")


def expected_at(writes: list[Committed], snapshot_rv: int) -> Committed | None:
    """A key's last committed write at or below the snapshot's revision."""
    before = [w for w in writes if w.rv is not None and w.rv <= snapshot_rv]
    return max(before, key=lambda w: w.rv or 0, default=None)


def after_restore(
    history: History, resolution: Resolution, keys: list[str], snapshot_rv: int, restored: dict[str, Version]
) -> RestoreReport:
    report = RestoreReport(snapshot_rv)
    unsettled = [op for op in history.operations if op.id in resolution.unresolved]
    for key in keys:
        writes = [c for c in resolution.committed if c.op.key == key]
        last = expected_at(writes, snapshot_rv)
        wanted = None if last is None or last.op.kind == "delete" else last.op.value
        found = restored.get(key)
        maybe = {op.value for op in unsettled if op.key == key and op.kind != "delete"}
        if (found.value if found else None) == wanted or (found is not None and found.value in maybe):
            report.kept.append(key)
        else:
            at = "absent" if wanted is None else f"{wanted!r}"
            by = f" (#{last.op.id}: {describe(last.op)})" if last else ""
            report.wrong.append(f"{key}: {found.value if found else 'absent'!r}, at the snapshot {at}{by}")
        report.lost += [c for c in writes if c.rv is not None and c.rv > snapshot_rv]
    report.lost.sort(key=lambda c: c.rv or 0)
    return report

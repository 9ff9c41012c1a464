"""What the data-safety checks found, as the three checks a claim names and the figures beside them."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from kindchaos.observe.history.operations import WRITES, History
from kindchaos.safety.committed import Resolution
from kindchaos.safety.linearizability import LinearizabilityResult
from kindchaos.safety.stale_reads import StaleReport
from kindchaos.safety.watch_guarantees import WatchReport


@dataclass(frozen=True)
class Verdict:
    """One check's outcome: what it requires, whether it held and what was measured."""

    what: str
    held: bool
    measured: str


@dataclass
class DataSafetyReport:
    history: History
    resolution: Resolution
    linearizability: LinearizabilityResult
    watch: WatchReport
    stale: StaleReport
    check_seconds: float

    def verdicts(self) -> tuple[Verdict, Verdict, Verdict]:
        """Linearizability, the watch guarantees and stale quorum reads, in that order."""
        return (
            Verdict(
                "every operation the clients saw is consistent with one order of a key-value store whose writes "
                "carry rising resourceVersions (porcupine; unknown writes may or may not have taken effect), and "
                "resourceVersions rising with real time across keys",
                self.linearizability.holds,
                self.linearizability.summary(self.history),
            ),
            Verdict(
                "every watcher's events ordered, unique, with no gap against the committed writes (relists after "
                "410 Gone reported, not gaps), none a phantom, and the watchers agreeing",
                self.watch.holds,
                self.watch.summary(),
            ),
            Verdict(
                "no quorum read older than a write acknowledged before it began",
                self.stale.holds,
                self.stale.summary(),
            ),
        )

    def writes(self) -> Counter[str]:
        return Counter(op.result for op in self.history.operations if op.kind in WRITES)

    def by_kind(self) -> str:
        """``update: 310 ok, 40 conflict, 3 unknown; get: ...`` for the figures table."""
        counts = self.history.counts()
        kinds = dict.fromkeys(key.split("/")[0] for key in sorted(counts))
        parts = []
        for kind in kinds:
            found = {k.split("/")[1]: n for k, n in counts.items() if k.startswith(f"{kind}/")}
            parts.append(f"{kind}: " + ", ".join(f"{n} {r}" for r, n in sorted(found.items(), key=lambda x: -x[1])))
        return "; ".join(parts)

    def figures(self) -> list[tuple[str, float | int | str | None, str, str]]:
        """(name, value, unit, note) for every data-safety figure."""
        writes = self.writes()
        found: list[tuple[str, float | int | str | None, str, str]] = [
            ("history_operations", len(self.history.operations), "", self.by_kind()),
            ("history_writes_acknowledged", writes["ok"], "", "created, updated or deleted as asked"),
            ("history_writes_refused", writes["exists"] + writes["conflict"] + writes["absent"], "", "precondition"),
            ("history_writes_failed", writes["failed"], "", "certainly not applied (refused before etcd)"),
            ("history_writes_unknown", writes["unknown"], "", self.resolution.summary()),
            ("unknown_writes_applied", len(self.resolution.applied), "", "seen later in a watch or read"),
            ("unknown_writes_not_applied", len(self.resolution.not_applied), "", "absent from a complete watch"),
            ("unknown_writes_unresolved", len(self.resolution.unresolved), "", "checked as either"),
            ("linearizability_verdict", self.linearizability.verdict, "", ""),
            ("linearizability_check_s", self.linearizability.seconds, "s", f"{self.linearizability.operations} ops"),
            ("stale_quorum_reads", len(self.stale.stale_quorum), "", f"of {self.stale.quorum_reads}"),
            ("stale_cached_reads", self.stale.stale_cached, "", f"of {self.stale.cached_reads}, allowed"),
            ("largest_cached_staleness_s", self.stale.largest_staleness_s, "s", "resourceVersion=0, allowed"),
        ]
        for w in self.watch.watchers:
            note = f"via {w.via}; {w.bookmarks} bookmarks, {w.reconnects} reconnects"
            found.append((f"watch_{w.watcher}_events", w.events, "", note))
            found.append((f"watch_{w.watcher}_relists", w.relists, "", "410 Gone, listed again"))
        return found

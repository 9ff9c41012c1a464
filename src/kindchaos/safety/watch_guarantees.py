"""Watch guarantees, as etcd's robustness tests state them, checked on what each watcher received.

- **ordered**: a watcher's events come in rising resourceVersion, across its reconnects (it resumes from the
  last version it saw); a bookmark never goes back.
- **unique**: no event arrives twice.
- **reliable** (no gap): every committed write whose version lies in the watcher's coverage arrived, with the
  value written. Coverage runs from the first list to the fence it caught up to, less the versions a relist
  after 410 Gone skipped: those are reported as relists, not as gaps.
- **no phantom**: every event is of a write some client made, at the version that write was answered with.
- **agreement**: where two watchers' coverage overlaps, they saw the same events.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from kindchaos.observe.history.operations import History, WatchRecord
from kindchaos.safety.committed import Resolution

CHANGES = frozenset({"ADDED", "MODIFIED", "DELETED"})


@dataclass
class WatcherFigures:
    watcher: int
    via: str
    events: int
    bookmarks: int
    relists: int
    reconnects: int
    caught_up: bool


@dataclass
class WatchReport:
    """Violations by guarantee (each a short line naming the event or write), and per-watcher figures."""

    violations: dict[str, list[str]] = field(default_factory=dict)
    watchers: list[WatcherFigures] = field(default_factory=list)

    @property
    def holds(self) -> bool:
        return not any(self.violations.values())

    def add(self, guarantee: str, text: str) -> None:
        self.violations.setdefault(guarantee, []).append(text)

    def summary(self) -> str:
        seen = ", ".join(
            f"watcher {w.watcher} ({w.via}): {w.events} events, {w.relists} relists, {w.reconnects} reconnects"
            for w in self.watchers
        )
        if self.holds:
            return f"ordered, unique, no gap, no phantom, agreeing; {seen}"
        broken = "; ".join(f"{g}: {len(v)} ({v[0]})" for g, v in sorted(self.violations.items()) if v)
        return f"{broken}; {seen}"


def _coverage_gaps(watch: WatchRecord) -> list[tuple[int, int]]:
    return [(r.after_rv, r.list_rv) for r in watch.relists]


def covers(watch: WatchRecord, rv: int) -> bool:
    """Whether the watcher should have received the event at ``rv``."""
    end = watch.end_rv or max((e.rv for e in watch.events), default=watch.start_rv)
    if not watch.start_rv < rv <= end:
        return False
    return not any(low < rv <= high for low, high in _coverage_gaps(watch))


def check_order(watch: WatchRecord, report: WatchReport) -> None:
    """Ordered and unique, within the watcher's stream (a relist moves the stream to the list's version)."""
    relist_rv = {r.at: r.list_rv for r in watch.relists}
    last = watch.start_rv
    seen: set[tuple[int, str]] = set()
    for event in watch.events:
        if event.type == "RELISTED":
            last = max(last, relist_rv.get(event.received, last))
            continue
        if event.type == "BOOKMARK":
            if event.rv < last:
                report.add("ordered", f"watcher {watch.watcher}: bookmark rv={event.rv} after rv={last}")
            last = max(last, event.rv)
            continue
        ident = (event.rv, event.key)
        if ident in seen:
            report.add("unique", f"watcher {watch.watcher}: {event.type} {event.key} rv={event.rv} twice")
        elif event.rv <= last:
            report.add("ordered", f"watcher {watch.watcher}: {event.type} {event.key} rv={event.rv} after rv={last}")
        seen.add(ident)
        last = max(last, event.rv)


def check_reliable(watch: WatchRecord, resolution: Resolution, report: WatchReport) -> None:
    """Every committed write in coverage arrived (deletes whose own version is unknown are not checked)."""
    received = {(e.key, e.rv): e for e in watch.events if e.type in CHANGES}
    for done in resolution.committed:
        if done.rv is None or done.op.key is None or not covers(watch, done.rv):
            continue
        event = received.get((done.op.key, done.rv))
        wanted = "DELETED" if done.op.kind == "delete" else None
        if event is None or (wanted and event.type != wanted):
            report.add(
                "reliable", f"watcher {watch.watcher} missed #{done.op.id} {done.op.kind} {done.op.key} rv={done.rv}"
            )
        elif wanted is None and event.value != done.op.value:
            report.add(
                "reliable",
                f"watcher {watch.watcher}: {done.op.key} rv={done.rv} came as {event.value!r}, "
                f"#{done.op.id} wrote {done.op.value!r}",
            )


def check_phantoms(watch: WatchRecord, history: History, report: WatchReport) -> None:
    """Every ADDED/MODIFIED event carries a value some write made, at the version that write was answered with."""
    written = {(op.key, op.value): op for op in history.operations if op.kind in ("create", "update")}
    for event in watch.events:
        if event.type not in ("ADDED", "MODIFIED"):
            continue
        op = written.get((event.key, event.value))
        if op is None:
            report.add(
                "no_phantom",
                f"watcher {watch.watcher}: {event.key}={event.value!r} rv={event.rv}, written by no client",
            )
        elif op.result == "ok" and op.rv is not None and op.rv != event.rv:
            report.add(
                "no_phantom", f"watcher {watch.watcher}: #{op.id} answered rv={op.rv}, its event came at rv={event.rv}"
            )


def _changes(watch: WatchRecord) -> dict[int, tuple[str, str, str | None]]:
    return {e.rv: (e.type, e.key, e.value) for e in watch.events if e.type in CHANGES}


def check_agreement(watches: list[WatchRecord], report: WatchReport) -> None:
    """Two watchers covering the same version saw the same event there."""
    for i, first in enumerate(watches):
        mine = _changes(first)
        for second in watches[i + 1 :]:
            theirs = _changes(second)
            for rv in sorted(set(mine) | set(theirs)):
                if covers(first, rv) and covers(second, rv) and mine.get(rv) != theirs.get(rv):
                    one, other = mine.get(rv), theirs.get(rv)
                    report.add("agreement", f"rv={rv}: watcher {first.watcher} {one}, watcher {second.watcher} {other}")


def check(history: History, resolution: Resolution) -> WatchReport:
    report = WatchReport()
    for watch in history.watches:
        types = Counter(e.type for e in watch.events)
        report.watchers.append(
            WatcherFigures(
                watch.watcher,
                watch.via,
                sum(types[t] for t in CHANGES),
                types["BOOKMARK"],
                len(watch.relists),
                watch.reconnects,
                watch.end_rv > 0,
            )
        )
        if watch.end_rv == 0:
            report.add("reliable", f"watcher {watch.watcher} never caught up to the fence")
        check_order(watch, report)
        check_reliable(watch, resolution, report)
        check_phantoms(watch, history, report)
    check_agreement(history.watches, report)
    return report

"""Watch guarantees on hand-written watcher records: each broken guarantee is reported, and only that one."""

from __future__ import annotations

from kindchaos.observe.history.operations import History
from kindchaos.safety import committed, watch_guarantees
from kindchaos.safety.watch_guarantees import WatchReport
from tests.unit.histories import Builder


def writes() -> Builder:
    """k created at rv 10, updated at 11 and 12; two watchers from rv 5 to the fence at 12."""
    b = Builder()
    b.create(0, "k", "v1", at=(1, 2), rv=10)
    b.update(0, "k", "v2", expected=10, at=(3, 4), rv=11)
    b.update(1, "k", "v3", expected=11, at=(5, 6), rv=12)
    return b


EVENTS = [("ADDED", "k", "v1", 10, 2.1), ("MODIFIED", "k", "v2", 11, 4.1), ("MODIFIED", "k", "v3", 12, 6.1)]


def report_of(history: History) -> WatchReport:
    return watch_guarantees.check(history, committed.resolve(history))


def broken(report: WatchReport) -> set[str]:
    return {g for g, found in report.violations.items() if found}


def test_complete_watchers_hold_every_guarantee() -> None:
    b = writes()
    b.watcher(0, start_rv=5, end_rv=12, events=EVENTS)
    b.watcher(1, start_rv=5, end_rv=12, events=[*EVENTS[:1], ("BOOKMARK", "", None, 10, 3.0), *EVENTS[1:]])
    report = report_of(b.history)
    assert report.holds, report.summary()
    assert [w.events for w in report.watchers] == [3, 3]


def test_a_reordered_event_is_reported() -> None:
    b = writes()
    b.watcher(0, start_rv=5, end_rv=12, events=[EVENTS[0], EVENTS[2], EVENTS[1]])
    assert broken(report_of(b.history)) == {"ordered"}


def test_a_duplicated_event_is_reported() -> None:
    b = writes()
    b.watcher(0, start_rv=5, end_rv=12, events=[*EVENTS, EVENTS[1]])
    assert broken(report_of(b.history)) == {"unique"}


def test_a_gap_names_the_missed_write() -> None:
    b = writes()
    b.watcher(0, start_rv=5, end_rv=12, events=[EVENTS[0], EVENTS[2]])
    b.watcher(1, start_rv=5, end_rv=12, events=EVENTS)
    report = report_of(b.history)
    assert "reliable" in broken(report)
    assert any("missed #1 update k rv=11" in v for v in report.violations["reliable"]), report.violations
    assert "agreement" in broken(report)  # the other watcher saw rv 11


def test_a_relist_after_gone_is_not_a_gap() -> None:
    b = writes()
    b.watcher(
        0,
        start_rv=5,
        end_rv=12,
        events=[EVENTS[0], ("RELISTED", "k", "v2", 11, 4.5), EVENTS[2]],
        relists=[(10, 11, 4.5)],  # 410 Gone after rv 10; the new list at rv 11 skips the event at 11
    )
    report = report_of(b.history)
    assert report.holds, report.summary()
    assert report.watchers[0].relists == 1


def test_an_event_nobody_wrote_is_a_phantom() -> None:
    b = writes()
    b.watcher(0, start_rv=5, end_rv=12, events=[*EVENTS[:2], ("MODIFIED", "k", "forged", 12, 6.1)])
    report = report_of(b.history)
    assert "no_phantom" in broken(report)


def test_a_watcher_that_never_caught_up_is_unreliable() -> None:
    b = writes()
    b.watcher(0, start_rv=5, end_rv=0, events=EVENTS[:2])
    report = report_of(b.history)
    assert any("never caught up" in v for v in report.violations["reliable"])


def test_a_bookmark_going_back_is_out_of_order() -> None:
    b = writes()
    b.watcher(0, start_rv=5, end_rv=12, events=[*EVENTS[:2], ("BOOKMARK", "", None, 9, 5.0), EVENTS[2]])
    assert broken(report_of(b.history)) == {"ordered"}

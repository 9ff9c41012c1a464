"""Stale reads: a violation for quorum reads, measured and allowed for resourceVersion=0 lists."""

from __future__ import annotations

from kindchaos.safety import committed, stale_reads
from tests.unit.histories import Builder

KEYS = ["k"]


def base() -> Builder:
    b = Builder()
    b.create(0, "k", "v1", at=(1, 2), rv=10)
    b.update(0, "k", "v2", expected=10, at=(3, 4), rv=11)
    return b


def test_current_quorum_reads_are_not_stale() -> None:
    b = base()
    b.get(1, "k", "v2", at=(5, 6), rv=11)
    b.get(1, "k", "v1", at=(3.5, 3.8), rv=10)  # concurrent with the update
    report = stale_reads.check(b.history, committed.resolve(b.history), KEYS)
    assert report.holds and report.quorum_reads == 2


def test_a_quorum_read_older_than_a_completed_write_is_a_violation() -> None:
    b = base()
    read = b.get(1, "k", "v1", at=(6, 7), rv=10)
    report = stale_reads.check(b.history, committed.resolve(b.history), KEYS)
    assert not report.holds
    assert report.stale_quorum[0].startswith(f"#{read.id} c1 get k=v1")
    assert "2.00 s behind" in report.stale_quorum[0]  # v2 acknowledged at 4, the read began at 6


def test_an_absent_answer_after_a_create_is_stale_unless_a_delete_had_started() -> None:
    b = base()
    b.get(1, "k", None, at=(6, 7))
    assert len(stale_reads.check(b.history, committed.resolve(b.history), KEYS).stale_quorum) == 1
    b.delete(0, "k", expected=11, at=(6.5, None), result="unknown")
    assert stale_reads.check(b.history, committed.resolve(b.history), KEYS).holds


def test_a_stale_cached_list_is_allowed_and_measured() -> None:
    b = base()
    b.list(1, {"k": ("v1", 10)}, at=(5.5, 6), list_rv=10, cached=True)
    b.list(1, {"k": ("v2", 11)}, at=(7, 8), list_rv=11, cached=True)
    report = stale_reads.check(b.history, committed.resolve(b.history), KEYS)
    assert report.holds
    assert (report.cached_reads, report.stale_cached) == (2, 1)
    assert abs(report.largest_staleness_s - 1.5) < 1e-9


def test_a_quorum_list_missing_a_key_is_stale() -> None:
    b = base()
    b.list(1, {}, at=(5, 6), list_rv=11)
    assert not stale_reads.check(b.history, committed.resolve(b.history), KEYS).holds

"""The linearizability checker (porcupine, built by the project) on small hand-written histories.

Each history is one a real cluster could produce, or one it must never produce; the checker must tell them
apart and name the operations in conflict.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kindchaos.errors import BuildError
from kindchaos.observe.history.operations import History
from kindchaos.paths import checker_path
from kindchaos.safety import committed, linearizability
from kindchaos.safety.linearizability import LinearizabilityResult
from tests.unit.histories import Builder

pytestmark = pytest.mark.skipif(not checker_path().exists(), reason="run `kindchaos images build` first")

KEYS = ["k"]


def verdict(history: History, keys: list[str] = KEYS, **options: object) -> LinearizabilityResult:
    return linearizability.check(history, committed.resolve(history), keys, **options)  # type: ignore[arg-type]


def test_a_linearizable_history_passes() -> None:
    b = Builder()
    b.create(0, "k", "v1", at=(1, 2), rv=10)
    b.update(1, "k", "v2", expected=10, at=(3, 5), rv=12)
    b.get(0, "k", "v1", at=(3.5, 4), rv=10)  # concurrent with the update: the old value is allowed
    b.update(0, "k", "v3", expected=10, at=(6, 7), result="conflict")  # the version it read is gone
    b.get(1, "k", "v2", at=(8, 9), rv=12)
    b.delete(1, "k", expected=12, at=(10, 11))
    b.get(0, "k", None, at=(12, 13))
    found = verdict(b.history)
    assert found.verdict == "ok", found.summary(b.history)
    assert found.operations == 7 and found.keys == 1


def test_a_lost_update_is_illegal_and_named() -> None:
    """An acknowledged update that a later read does not see: the write was lost."""
    b = Builder()
    b.create(0, "k", "v1", at=(1, 2), rv=10)
    lost = b.update(1, "k", "v2", expected=10, at=(3, 4), rv=12)
    read = b.get(0, "k", "v1", at=(5, 6), rv=10)
    found = verdict(b.history)
    assert found.verdict == "illegal"
    assert set(found.illegal["k"]) & {lost.id, read.id}, found.illegal
    assert f"#{read.id}" in found.summary(b.history) or f"#{lost.id}" in found.summary(b.history)


def test_a_stale_quorum_read_is_illegal() -> None:
    b = Builder()
    b.create(0, "k", "v1", at=(1, 2), rv=10)
    b.update(0, "k", "v2", expected=10, at=(3, 4), rv=11)
    b.get(1, "k", "v1", at=(5, 6), rv=10)
    assert verdict(b.history).verdict == "illegal"


def test_a_resource_version_going_back_is_illegal() -> None:
    """Two acknowledged writes, the later one answered with a lower resourceVersion (an older snapshot)."""
    b = Builder()
    b.create(0, "k", "v1", at=(1, 2), rv=20)
    b.update(0, "k", "v2", expected=20, at=(3, 4), rv=15)
    assert verdict(b.history).verdict == "illegal"


def test_a_conflict_with_the_current_version_is_illegal() -> None:
    b = Builder()
    b.create(0, "k", "v1", at=(1, 2), rv=10)
    b.update(1, "k", "v2", expected=10, at=(3, 4), result="conflict")  # nothing else wrote: must have succeeded
    assert verdict(b.history).verdict == "illegal"


def test_an_unknown_write_that_later_appears_is_linearizable() -> None:
    b = Builder()
    b.create(0, "k", "v1", at=(1, 2), rv=10)
    b.update(1, "k", "v2", expected=10, at=(3, None), result="unknown")  # timed out
    b.get(0, "k", "v2", at=(8, 9), rv=14)
    found = verdict(b.history)
    assert found.verdict == "ok", found.summary(b.history)


def test_an_unknown_write_that_never_appears_is_linearizable_too() -> None:
    b = Builder()
    b.create(0, "k", "v1", at=(1, 2), rv=10)
    b.update(1, "k", "v2", expected=10, at=(3, None), result="unknown")
    b.get(0, "k", "v1", at=(8, 9), rv=10)
    assert verdict(b.history).verdict == "ok"


def test_a_list_is_read_per_key_at_its_resource_version() -> None:
    b = Builder()
    b.create(0, "a", "x", at=(1, 2), rv=10)
    b.create(0, "b", "y", at=(3, 4), rv=11)
    b.list(1, {"a": ("x", 10)}, at=(5, 6), list_rv=11)  # misses b, acknowledged before the list began
    found = verdict(b.history, ["a", "b"])
    assert found.verdict == "illegal" and "b" in found.illegal


def test_an_undecided_history_is_not_a_pass() -> None:
    """Past its time limit the checker says undecided, with the size and time (never ok)."""
    b = Builder()
    b.create(0, "k", "v0", at=(0, 0.5), rv=10)
    for n in range(1, 4000):  # a legal history, too long for a microsecond
        b.update(n % 3, "k", f"v{n}", expected=9 + n, at=(n, n + 0.5), rv=10 + n)
    assert verdict(b.history).verdict == "ok"
    found = verdict(b.history, timeout=0.000001)
    assert found.verdict == "undecided", found.summary()
    assert found.undecided == ["k"]
    assert "undecided" in found.summary() and "4000 operations" in found.summary()


def test_a_missing_checker_names_the_build_step(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(linearizability, "checker_path", lambda: tmp_path / "absent")
    with pytest.raises(BuildError, match="linearizability-checker step"):
        linearizability.run_checker([])


def test_the_visualization_is_written_on_a_violation(tmp_path: Path) -> None:
    b = Builder()
    b.create(0, "k", "v1", at=(1, 2), rv=10)
    b.get(1, "k", None, at=(3, 4))
    found = verdict(b.history, visualize=tmp_path / "history.html")
    assert found.verdict == "illegal"
    assert found.visualization is not None and "<html" in found.visualization.read_text().lower()


def test_the_checker_input_drops_unanswered_reads_and_failed_writes() -> None:
    b = Builder()
    b.create(0, "k", "v1", at=(1, None), result="failed")
    b._op(1, "get", "k", (2, None), result="unknown")
    b.list(0, {}, at=(3, 4), list_rv=9, cached=True)
    b.create(0, "k", "v2", at=(5, 6), rv=10)
    ops = linearizability.checker_input(b.history, committed.resolve(b.history), KEYS)
    assert [o["id"] for o in ops] == [3]
    json.dumps(ops)


def test_resource_versions_across_keys_must_rise_with_real_time() -> None:
    b = Builder()
    b.create(0, "a", "x", at=(1, 2), rv=100)
    late = b.create(1, "b", "y", at=(3, 4), rv=90)  # began after rv 100 was answered, yet lower
    b.create(0, "c", "z", at=(3.5, 5), rv=101)
    found = linearizability.revision_order(b.history)
    assert len(found) == 1 and found[0].startswith(f"#{late.id} c1 create b=y"), found
    result = verdict(b.history, ["a", "b", "c"])
    assert result.verdict == "ok" and not result.holds  # each key alone is fine; together they are not

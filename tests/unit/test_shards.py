"""Shards' findings merge into one run: what a shard ran is this run's fact, what no shard ran stays "not run",
and a scenario two shards ran is refused by name."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kindchaos.answers.shards import merge_shards
from kindchaos.answers.sheet import CONFIRMED, FAILED, NOT_RUN, build_sheet
from kindchaos.errors import UsageError

CLAIM = {
    "question_id": "control-plane-failure",
    "question": "q",
    "sentence": "s",
    "sentences": {"en": "s"},
    "clauses": {"en": [{"text": "s", "checks": ["c"]}]},
}


def _finding(test: str, outcome: str, started: float | None) -> dict[str, Any]:
    held = outcome == "passed"
    return {
        "test": test,
        "outcome": outcome,
        "run_started": started,
        "finished": (started or 0) + 5,
        "claim": CLAIM,
        "checks": [{"name": "c", "held": held, "requirement": "r", "measured": "m"}],
    }


def _shard(path: Path, started: float, ran: dict[str, str], kept: tuple[str, ...] = ()) -> Path:
    findings = [_finding(test, outcome, started) for test, outcome in ran.items()]
    findings += [_finding(test, "not run", None) for test in kept]
    run = {"started": started, "finished": started + 60, "selected": sorted(ran), "node_image": "img"}
    path.write_text(json.dumps({"run": run, "findings": findings}))
    return path


def test_each_shard_s_scenarios_are_this_run_s_facts(tmp_path: Path) -> None:
    a = _shard(tmp_path / "a.json", 100.0, {"t1": "passed"}, kept=("t2", "t3"))
    b = _shard(tmp_path / "b.json", 200.0, {"t2": "failed"}, kept=("t1", "t3"))
    merged = merge_shards([a, b])
    assert merged["run"]["started"] == 100.0
    assert merged["run"]["finished"] == 260.0
    assert merged["run"]["selected"] == ["t1", "t2"]
    assert [s["ran"] for s in merged["run"]["shards"]] == [1, 1]
    sheet = build_sheet(merged, lang="en")
    status = {c.test: c.status for s in sheet.sections for c in s.claims}
    assert status == {"t1": CONFIRMED, "t2": FAILED, "t3": NOT_RUN}


def test_a_scenario_two_shards_ran_is_named(tmp_path: Path) -> None:
    a = _shard(tmp_path / "a.json", 100.0, {"t1": "passed"})
    b = _shard(tmp_path / "b.json", 200.0, {"t1": "passed"})
    with pytest.raises(UsageError, match=r"t1 ran in two shards: .*a.json and .*b.json .*disjoint"):
        merge_shards([a, b])


def test_a_file_without_a_run_record_is_refused(tmp_path: Path) -> None:
    a = _shard(tmp_path / "a.json", 100.0, {"t1": "passed"})
    b = tmp_path / "b.json"
    b.write_text(json.dumps({"findings": [_finding("t2", "passed", 5.0)]}))
    with pytest.raises(UsageError, match=r"b.json has no run record .*fix: pass the findings.json"):
        merge_shards([a, b])


def test_the_same_file_twice_is_refused(tmp_path: Path) -> None:
    a = _shard(tmp_path / "a.json", 100.0, {"t1": "passed"})
    with pytest.raises(UsageError, match="the same findings file is given twice"):
        merge_shards([a, a])


def test_a_missing_shard_file_names_the_fix(tmp_path: Path) -> None:
    a = _shard(tmp_path / "a.json", 100.0, {"t1": "passed"})
    with pytest.raises(UsageError, match=r"no findings file at .*missing.json"):
        merge_shards([a, tmp_path / "missing.json"])


def test_the_merged_sheet_names_its_shards(tmp_path: Path) -> None:
    from kindchaos.answers.render import to_markdown

    a = _shard(tmp_path / "a.json", 100.0, {"t1": "passed"})
    b = _shard(tmp_path / "b.json", 200.0, {"t2": "passed"})
    merged = merge_shards([a, b])
    assert f"2 shards merged into one: `{a}` (1), `{b}` (1)." in to_markdown(build_sheet(merged, lang="en"))
    assert "샤드 2개" in to_markdown(build_sheet(merged, lang="ko"))

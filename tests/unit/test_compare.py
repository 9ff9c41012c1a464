"""`kindchaos evidence compare`: the base is each scenario's latest result; a check that stopped holding, a
changed outcome and a figure that moved past both the factor and the floor are named; noise is not."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kindchaos.evidence.compare import compare, latest, markdown, run_results


def finding(test: str, outcome: str, finished: float, checks: dict[str, bool], **figures: float) -> dict[str, Any]:
    return {
        "test": test,
        "outcome": outcome,
        "run_started": 1.0,
        "finished": finished,
        "wall_s": figures.pop("wall_s", 10.0),
        "checks": [{"name": name, "held": held} for name, held in checks.items()],
        "figures": [{"name": name, "value": value, "unit": "s"} for name, value in figures.items()],
    }


def written(tmp_path: Path, name: str, *findings: dict[str, Any], started: float = 1.0) -> Path:
    path = tmp_path / name / "findings.json"
    path.parent.mkdir()
    path.write_text(json.dumps({"run": {"started": started}, "findings": list(findings)}))
    return path


def test_the_latest_result_of_each_scenario_is_the_base(tmp_path: Path) -> None:
    old = written(tmp_path, "old", finding("s::a", "failed", 5, {"x": False}))
    new = written(tmp_path, "new", finding("s::a", "passed", 9, {"x": True}))
    assert latest([new, old])["s::a"]["outcome"] == "passed"


def test_results_from_another_run_in_the_file_are_not_this_runs(tmp_path: Path) -> None:
    elsewhere = finding("s::b", "passed", 5, {})
    elsewhere["run_started"] = 0.5
    path = written(tmp_path, "run", finding("s::a", "passed", 5, {}), elsewhere)
    assert list(run_results(path)) == ["s::a"]


def test_changes_and_moves_are_named_and_noise_is_not() -> None:
    base = {
        "s::same": finding("s::same", "passed", 1, {"x": True}, ready=2.0, wall_s=60.0),
        "s::lost": finding("s::lost", "passed", 1, {"x": True, "y": True}),
        "s::moved": finding("s::moved", "passed", 1, {"x": True}, ready=3.0, tiny=0.2),
        "s::gone": finding("s::gone", "passed", 1, {}),
    }
    other = {
        "s::same": finding("s::same", "passed", 2, {"x": True}, ready=2.5, wall_s=70.0),
        "s::lost": finding("s::lost", "failed", 2, {"y": False}),
        "s::moved": finding("s::moved", "passed", 2, {"x": True}, ready=30.0, tiny=0.5),
        "s::new": finding("s::new", "passed", 2, {}),
    }
    result = compare(base, other)
    assert result.same == ["s::moved", "s::same"]
    (changed,) = result.changed
    assert (changed.test, changed.other_outcome, changed.lost, changed.unreached) == ("s::lost", "failed", ["y"], ["x"])
    assert [(m.test, m.figure) for m in result.moved] == [("s::moved", "ready")], "0.2 -> 0.5 s is under the floor"
    assert result.only_other == ["s::new"] and result.only_base == ["s::gone"]
    text = markdown(result, base_label="netd", other_label="calico", factor=1.5, floor=1.0)
    assert "3 scenarios in both netd and calico: 2 the same" in text
    assert "| `s::lost` | passed → failed | y | x |" in text
    assert "| `s::moved` | `ready` | 3 s | 30 s | 10.0x |" in text

"""The nightly's shards, read from its workflow, select every scenario of the catalogue exactly once: none is
left out of the merged answer sheet, and none runs twice (which the merge would refuse)."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import yaml

REPO = Path(__file__).parents[2]
NIGHTLY = REPO / ".github" / "workflows" / "nightly.yml"


def shard_selections() -> dict[str, str]:
    workflow = yaml.safe_load(NIGHTLY.read_text())
    return {entry["shard"]: entry["select"] for entry in workflow["jobs"]["shard"]["strategy"]["matrix"]["include"]}


def collected(*args: str) -> list[str]:
    argv = [sys.executable, "-m", "pytest", "scenarios", "--collect-only", "-q", "-p", "no:cacheprovider", *args]
    out = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, check=False).stdout
    return [line for line in out.splitlines() if "::" in line]


def test_the_shards_select_every_scenario_exactly_once() -> None:
    everything = collected()
    assert len(everything) > 40
    counts = Counter(test for select in shard_selections().values() for test in collected("-m", select))
    assert [test for test, n in counts.items() if n > 1] == [], "a scenario is in two shards"
    assert sorted(counts) == sorted(everything), "a scenario is in no shard"

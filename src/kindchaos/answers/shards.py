"""Several shards' findings as one run: the nightly runs the catalogue as a job matrix, and the answer sheet is
written once from all of them.

A shard ran a scenario when its finding carries that shard's own ``run.started``; every other entry in a
shard's file is a claim kept on record (not selected there, or from an earlier run). The merged document
is one run that started with the first shard and finished with the last: each scenario some shard ran is
stated with that shard's outcome (stamped with the merged run's start, so the sheet reads it as this run's
fact), and a scenario no shard ran stays "not run". A scenario two shards both ran is refused: the shards'
selections overlap, and which outcome is the fact would be a guess.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kindchaos.answers.sheet import read_findings
from kindchaos.errors import UsageError


def _shard_run(path: Path, document: dict[str, Any]) -> dict[str, Any]:
    run = document.get("run")
    if not isinstance(run, dict) or not isinstance(run.get("started"), int | float):
        raise UsageError(
            f"{path} has no run record (it was not written by a pytest session)",
            hint="pass the findings.json each shard's pytest session wrote",
        )
    return run


def merge_shards(paths: Sequence[Path]) -> dict[str, Any]:
    """One findings document from the shards' files at ``paths`` (each read and checked like any findings file)."""
    if len(set(paths)) != len(paths):
        raise UsageError("the same findings file is given twice", hint="pass each shard's file once")
    shards = [(path, read_findings(path)) for path in paths]
    runs = [_shard_run(path, document) for path, document in shards]
    started = min(float(run["started"]) for run in runs)
    ran: dict[str, tuple[Path, dict[str, Any]]] = {}
    kept: dict[str, dict[str, Any]] = {}
    for (path, document), run in zip(shards, runs, strict=True):
        for finding in document["findings"]:
            test = finding["test"]
            if finding.get("run_started") != run["started"]:
                if (finding.get("finished") or 0) >= (kept.get(test, {}).get("finished") or 0):
                    kept[test] = finding
                continue
            if test in ran:
                raise UsageError(
                    f"{test} ran in two shards: {ran[test][0]} and {path}",
                    hint="make the shards' -m expressions disjoint, so each scenario runs in one shard only",
                )
            ran[test] = (path, finding)
    merged = {test: finding for test, finding in kept.items() if test not in ran}
    for test, (path, finding) in ran.items():
        merged[test] = {**finding, "run_started": started, "shard": str(path)}
    run = {
        "started": started,
        "finished": max(float(run.get("finished") or run["started"]) for run in runs),
        "selected": sorted({test for run in runs for test in run.get("selected") or []}),
        "node_image": next((str(run["node_image"]) for run in runs if run.get("node_image")), ""),
        "shards": [
            {
                "source": str(path),
                "started": run["started"],
                "finished": run.get("finished"),
                "ran": sum(1 for shard_path, _ in ran.values() if shard_path == path),
            }
            for (path, _), run in zip(shards, runs, strict=True)
        ],
    }
    return {"generated": time.time(), "run": run, "findings": sorted(merged.values(), key=lambda f: f["test"])}

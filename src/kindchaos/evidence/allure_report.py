"""`kindchaos report`: the Allure command line turns reports/allure-results into a static HTML report.

Trends across runs need the previous report's ``history/`` beside the new results. It is copied into a
scratch results folder given to Allure as one more input, so the user's results folders are never changed,
and the regenerated report carries the history on to the next run.

Several results folders (one per shard of a nightly) make one report. A test found in two of them is
refused: the shards' selections overlap, and the report would count it twice.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kindchaos import shell
from kindchaos.errors import UsageError
from kindchaos.progress import Status

DEFAULT_RESULTS = Path("reports/allure-results")
DEFAULT_REPORT = Path("reports/allure-report")


@dataclass(frozen=True)
class ReportSummary:
    """What was generated: where, from how many results, how big, how long it took."""

    report: Path
    statistic: dict[str, int]
    history_runs: int
    size_bytes: int
    seconds: float

    def line(self) -> str:
        counts = ", ".join(f"{n} {status}" for status, n in self.statistic.items() if n and status != "total")
        return (
            f"report {self.report}/index.html: {self.statistic.get('total', 0)} tests ({counts or 'none'}), "
            f"trend over {self.history_runs} run(s), {self.size_bytes / 1e6:.1f} MB, generated in {self.seconds:.1f}s"
        )


def result_files(results: Path) -> list[Path]:
    """The test results in an Allure results folder; raise ``UsageError`` naming the fix when there are none."""
    run_first = "run the scenarios first: scripts/catalogue (or pytest scenarios --alluredir=reports/allure-results)"
    if not results.exists():
        raise UsageError(f"no Allure results folder at {results}", hint=run_first)
    if not results.is_dir():
        raise UsageError(f"{results} is not a folder of Allure results", hint="pass --results <folder>")
    found = sorted(results.glob("*-result.json"))
    if not found:
        raise UsageError(f"{results} holds no test results (*-result.json)", hint=run_first)
    for path in found:
        try:
            json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise UsageError(
                f"{path} is not a readable Allure result ({exc})",
                hint=f"remove it, or rerun the scenarios with --clean-alluredir to rewrite {results}",
            ) from None
    return found


def _test_key(path: Path) -> str:
    result = json.loads(path.read_text())
    return str(result.get("historyId") or result.get("fullName") or path.name)


def refuse_shared_tests(folders: Sequence[Path]) -> None:
    """Raise ``UsageError`` naming a test that has results in two of ``folders`` (each shard runs its own)."""
    seen: dict[str, Path] = {}
    for folder in folders:
        keys = {_test_key(path): path for path in folder.glob("*-result.json")}
        for key, path in keys.items():
            if key in seen:
                name = json.loads(path.read_text()).get("fullName") or key
                raise UsageError(
                    f"{name} has results in two folders: {seen[key]} and {folder}",
                    hint="make the shards' -m expressions disjoint, so each scenario runs in one shard only",
                )
            seen[key] = folder


def _history_input(report: Path, scratch: Path, run_number: int) -> Path:
    """A second results folder holding the previous report's history and this run's executor."""
    if (report / "history").is_dir():
        shutil.copytree(report / "history", scratch / "history")
    executor = {"name": "kindchaos", "type": "local", "buildName": f"run {run_number}", "buildOrder": run_number}
    (scratch / "executor.json").write_text(json.dumps(executor))
    return scratch


def _runs_so_far(report: Path) -> int:
    try:
        trend = json.loads((report / "history" / "history-trend.json").read_text())
    except (OSError, ValueError):
        return 0
    orders = [int(entry.get("buildOrder") or 0) for entry in trend]
    return max(orders, default=0) or len(trend)  # reports made before buildOrder was set count their entries


def _tree_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def generate(
    results: Path | Sequence[Path] = DEFAULT_RESULTS,
    report: Path = DEFAULT_REPORT,
    *,
    allure: Path,
    status: Status | None = None,
) -> ReportSummary:
    """Generate ``report`` from ``results`` (one folder, or one per shard) with the Allure command line,
    keeping the trend history."""
    status = status or Status()
    folders = [results] if isinstance(results, Path) else list(results)
    if len(set(folders)) != len(folders):
        raise UsageError("the same results folder is given twice", hint="pass each shard's folder once")
    found = [path for folder in folders for path in result_files(folder)]
    refuse_shared_tests(folders)
    if not allure.exists():
        raise UsageError(f"the Allure command line is not installed at {allure}", hint="kindchaos doctor --fix")
    started = time.monotonic()
    run_number = _runs_so_far(report) + 1
    with tempfile.TemporaryDirectory(prefix="kindchaos-history-") as scratch:
        history = _history_input(report, Path(scratch), run_number)
        where = ", ".join(str(folder) for folder in folders)
        with status.step(f"generating the Allure report from {len(found)} results in {where}"):
            shell.run(
                [str(allure), "generate", "--clean", "--output", str(report), *map(str, folders), str(history)],
                timeout=600,
            )
    summary = json.loads((report / "widgets" / "summary.json").read_text())
    trend = json.loads((report / "history" / "history-trend.json").read_text())
    return ReportSummary(
        report=report,
        statistic={k: int(v) for k, v in summary.get("statistic", {}).items()},
        history_runs=len(trend),
        size_bytes=_tree_size(report),
        seconds=time.monotonic() - started,
    )


def report_cases(report: Path) -> list[dict[str, Any]]:
    """Every test case of a generated report, as Allure stored it (steps, attachments, status)."""
    return [json.loads(path.read_text()) for path in sorted((report / "data" / "test-cases").glob("*.json"))]


def scenario_uid(report: Path, name: str | None = None) -> str:
    """The uid of the test case called ``name``, or of the one with the most evidence attached."""
    cases = report_cases(report)
    if name is not None:
        found = [case for case in cases if name in (case["name"], case.get("fullName"))]
        if not found:
            raise UsageError(f"no scenario {name!r} in {report}", hint="pass a test name shown in the report")
        return str(found[0]["uid"])
    if not cases:
        raise UsageError(f"{report} has no test cases", hint="run the scenarios, then `kindchaos report`")
    return str(max(cases, key=lambda case: len(json.dumps(case.get("afterStages", []))))["uid"])

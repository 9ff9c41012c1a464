"""Benchmark: `kindchaos report` and `kindchaos answers` on the results of a catalogue run.

Prints figures; asserts nothing. Target on the 2-core machine: the report of a full catalogue run
in under 60 s, each answer sheet in under 1 s.

    python benchmarks/bench_report.py [--results reports/allure-results] [--runs 3]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from kindchaos.answers.render import write
from kindchaos.answers.sheet import load_sheet
from kindchaos.evidence.allure_report import generate, result_files, scenario_uid
from kindchaos.evidence.report_browser import look_at
from kindchaos.host.doctor import allure_bin
from kindchaos.progress import Status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--results", default="reports/allure-results")
    parser.add_argument("--findings", default="reports/findings.json")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    results = Path(args.results)
    files = result_files(results)
    size = sum(f.stat().st_size for f in results.iterdir() if f.is_file())
    print(f"results: {len(files)} test results, {size / 1e6:.1f} MB in {results}")
    with tempfile.TemporaryDirectory(prefix="kindchaos-bench-") as scratch:
        report = Path(scratch) / "report"
        for run in range(1, args.runs + 1):
            summary = generate(results, report, allure=allure_bin(), status=Status(quiet=True))
            megabytes = summary.size_bytes / 1e6
            print(f"report run {run}: {summary.seconds:.1f} s, {megabytes:.1f} MB, trend {summary.history_runs}")
        started = time.monotonic()
        look_at(report, Path(scratch) / "shots", test_uid=scenario_uid(report))
        print(f"screenshots (overview and the scenario with the most evidence): {time.monotonic() - started:.1f} s")
        for lang in ("en", "ko"):
            started = time.monotonic()
            md_path, _ = write(load_sheet(Path(args.findings), lang=lang), Path(scratch) / "answers")
            print(f"answer sheet {lang}: {time.monotonic() - started:.2f} s, {md_path.stat().st_size / 1e3:.1f} kB")


if __name__ == "__main__":
    main()

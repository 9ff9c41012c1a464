"""Benchmark: how the nightly's shards balance, from the wall times committed under docs/evidence.

For each shard in .github/workflows/nightly.yml, the scenarios its ``-m`` expression selects and the sum of
each one's latest committed wall time (cluster creates come on top: a shard creates each of its topologies'
clusters once, and each fresh scenario makes its own). The longest shard bounds the nightly's
wall time; the serial sum is what one runner would take. Prints figures; asserts nothing.

    python benchmarks/bench_shards.py [--evidence docs/evidence]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from kindchaos.evidence.compare import run_results

REPO = Path(__file__).parents[1]


def latest_runs(evidence: Path) -> dict[str, tuple[dict[str, Any], str]]:
    """Each scenario's latest committed finding that passed or failed in its own run, with the run's folder."""
    latest: dict[str, tuple[dict[str, Any], str]] = {}
    for path in sorted(evidence.glob("*/findings.json")):
        for test, finding in run_results(path).items():
            latest[test] = (finding, path.parent.name)
    return latest


def selected(expression: str) -> list[str]:
    argv = [sys.executable, "-m", "pytest", "scenarios", "--collect-only", "-q", "-p", "no:cacheprovider"]
    out = subprocess.run([*argv, "-m", expression], cwd=REPO, capture_output=True, text=True, check=False).stdout
    return [line for line in out.splitlines() if "::" in line]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--evidence", default=str(REPO / "docs" / "evidence"))
    args = parser.parse_args()
    workflow = yaml.safe_load((REPO / ".github" / "workflows" / "nightly.yml").read_text())
    shards = workflow["jobs"]["shard"]["strategy"]["matrix"]["include"]
    latest = latest_runs(Path(args.evidence))
    total = 0.0
    longest = 0.0
    for shard in shards:
        tests = selected(shard["select"])
        known = [latest[test] for test in tests if test in latest]
        wall = sum(float(finding.get("wall_s") or 0) for finding, _ in known)
        creates = [float(f["cluster_create_s"]) for f, _ in known if f.get("cluster_create_s")]
        runs = sorted({run for _, run in known})
        missing = len(tests) - len(known)
        total += wall
        longest = max(longest, wall)
        print(
            f"{shard['shard']:<20} {len(tests):>3} scenarios  {wall / 60:6.1f} min of scenarios"
            f"  (+ its cluster creates, the longest seen {max(creates, default=0):.0f} s)"
            f"{f'  {missing} with no committed wall time' if missing else ''}"
        )
        print(f"{'':<20} from {', '.join(runs)}")
    print(f"serial: {total / 60:.1f} min; longest shard: {longest / 60:.1f} min ({total / max(longest, 1):.1f}x)")


if __name__ == "__main__":
    main()

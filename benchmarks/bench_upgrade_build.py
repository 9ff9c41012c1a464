"""Benchmark: the upgrade drill's node image, built after the main one (cold with --cold, and warm).

Prints figures; asserts nothing. --cold forgets only the upgrade variant's own steps (the previous minor's
Kubernetes, etcd and CoreDNS, their images and the upgrade node image) and Go's build cache, so the figure is
what a machine that already has the main image pays for the upgrade drill.

    python benchmarks/bench_upgrade_build.py [--cold]
"""

from __future__ import annotations

import argparse
import subprocess
import time

from kindchaos.images.actions import upgrade_variant
from kindchaos.images.actions.release import release
from kindchaos.images.build import BuildContext, build
from kindchaos.progress import Status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cold", action="store_true", help="forget the upgrade variant's steps and Go's build cache")
    args = parser.parse_args()
    figures: list[tuple[str, float]] = []
    ctx = BuildContext()
    status = Status(quiet=True)
    figures.append(("main image build, warm (s)", build(ctx=ctx, status=status, upgrade=False)))
    if args.cold:
        for step in upgrade_variant.steps(ctx, release(ctx, ctx.versions)):
            step.forget()
        subprocess.run(["go", "clean", "-cache"], check=True)
        started = time.monotonic()
        build(ctx=ctx, status=Status())
        figures.append(("upgrade variant build, cold (s)", time.monotonic() - started))
    figures.append(("upgrade variant build, warm (s)", build(ctx=ctx, status=status)))
    width = max(len(label) for label, _ in figures)
    for label, value in figures:
        print(f"{label:<{width}}  {value:8.1f}")


if __name__ == "__main__":
    main()

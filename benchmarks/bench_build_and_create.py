"""Benchmark: image build (warm, and cold with --cold) and cluster create times.

Prints figures; asserts nothing. Targets on the 2-core machine: cold build
under 30 min, warm under 1 min, `single` created in under 90 s, `ha` under 4 min.

    python benchmarks/bench_build_and_create.py [--cold] [--topology single ha]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import time

from kindchaos.cluster.lifecycle import create_or_reuse, delete_cluster, tool_paths
from kindchaos.cluster.readiness import wait_ready
from kindchaos.cluster.topology import topology_named
from kindchaos.images.build import BuildContext, build
from kindchaos.images.pins import CONTROL_PLANE_COMPONENTS
from kindchaos.paths import bin_dir
from kindchaos.progress import Status


def make_cold() -> None:
    """Forget every build: step outputs, built images, Go's build and module caches."""
    ctx = BuildContext()
    refs = ctx.refs
    images = [
        refs.node,
        refs.haproxy,
        refs.etcd,
        refs.coredns,
        refs.pause,
        refs.netd,
        refs.workload,
        refs.local_path_provisioner,
        refs.local_path_helper,
        *(refs.control_plane(c) for c in CONTROL_PLANE_COMPONENTS),
        f"kindchaos/rootfs-base:{ctx.versions.debian_suite}",
        f"kindchaos/rootfs-node:{ctx.versions.debian_suite}",
    ]
    subprocess.run(["docker", "rmi", "-f", *images], capture_output=True, check=False)
    shutil.rmtree(ctx.root / "build", ignore_errors=True)
    shutil.rmtree(bin_dir(), ignore_errors=True)
    subprocess.run(["go", "clean", "-cache", "-modcache"], check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cold", action="store_true", help="drop the build cache and the Go build cache first")
    parser.add_argument("--topology", nargs="*", default=["single", "ha"])
    args = parser.parse_args()
    figures: list[tuple[str, float]] = []
    if args.cold:
        make_cold()
        figures.append(("cold image build (s)", build(status=Status(quiet=True))))
    figures.append(("warm image build (s)", build(status=Status(quiet=True))))
    kind_path, _ = tool_paths()
    for name in args.topology:
        topology = topology_named(name)
        cluster_name = f"kc-bench-{name}"
        delete_cluster(cluster_name, kind_path=kind_path)
        started = time.monotonic()
        cluster = create_or_reuse(topology, name=cluster_name)
        created = time.monotonic() - started
        ready = wait_ready(cluster).seconds
        figures.append((f"{name}: kind create (s)", created))
        figures.append((f"{name}: create until every node and kube-system pod ready (s)", created + ready))
        cluster.delete()
    width = max(len(label) for label, _ in figures)
    for label, value in figures:
        print(f"{label:<{width}}  {value:8.1f}")


if __name__ == "__main__":
    main()

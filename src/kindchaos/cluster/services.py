"""Whether a node can reach a ClusterIP: kube-proxy has written its rule into the node's KUBE-SERVICES chain.

A request to a ClusterIP that a node has no rule for is not dropped: it follows the node's default route out
of the cluster. Nothing in kindchaos sends a request to a ClusterIP from a node before this says yes.
"""

from __future__ import annotations

from collections.abc import Iterable

from kindchaos.cluster.nodes import run
from kindchaos.waiting import wait_for

IPTABLES = ("iptables", "iptables-legacy")  # kube-proxy writes through whichever mode the node's wrapper chose


def programmed(node: str, ip: str) -> bool:
    """kube-proxy (either iptables backend) has a KUBE-SERVICES rule for ``ip`` on ``node``."""
    rules = (run(node, binary, "-t", "nat", "-S", "KUBE-SERVICES").stdout for binary in IPTABLES)
    return any(f"-d {ip}/32" in line for listed in rules for line in listed.splitlines())


def wait_programmed(nodes: Iterable[str], ip: str, *, within: float = 60) -> None:
    def everywhere() -> None:
        missing = [n for n in nodes if not programmed(n, ip)]
        assert not missing, f"no KUBE-SERVICES rule for {ip} yet on {missing}"

    wait_for(everywhere, within=within, interval=0.5, expected=f"kube-proxy rules for {ip} on every node")

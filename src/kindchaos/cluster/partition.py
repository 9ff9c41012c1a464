"""The iptables a network partition adds to a node and the iptables that take it away again.

Both the fault and the health gate use these, so a partition left by a killed run is removed
exactly as the fault itself would remove it.
"""

from __future__ import annotations

from kindchaos.cluster.leftovers import PARTITION_CHAIN
from kindchaos.cluster.nodes import output, run

# (built-in chain, match) for every path on the node's kind-network interface.
JUMPS = (("INPUT", "-i", "eth0"), ("OUTPUT", "-o", "eth0"), ("FORWARD", "-i", "eth0"), ("FORWARD", "-o", "eth0"))
MAX_JUMPS_REMOVED = 100  # per built-in path: more than any number of partitions left by killed runs


def partition_commands(chain: str = PARTITION_CHAIN) -> list[list[str]]:
    """A chain that drops everything, then a jump to it first on every eth0 path."""
    commands = [["iptables", "-N", chain], ["iptables", "-A", chain, "-j", "DROP"]]
    return commands + [["iptables", "-I", builtin, "1", flag, dev, "-j", chain] for builtin, flag, dev in JUMPS]


def partition(node: str, chain: str = PARTITION_CHAIN) -> None:
    """Partition ``node``; raise ``CommandFailed`` at the first rule iptables refuses."""
    for argv in partition_commands(chain):
        output(node, *argv)


def heal(node: str, chain: str = PARTITION_CHAIN) -> None:
    """Remove every jump to the chain and the chain itself; safe when there is none."""
    for builtin, flag, dev in JUMPS:
        for _ in range(MAX_JUMPS_REMOVED):
            if run(node, "iptables", "-D", builtin, flag, dev, "-j", chain).code != 0:
                break
    run(node, "iptables", "-F", chain)
    run(node, "iptables", "-X", chain)


def chain_exists(node: str, chain: str = PARTITION_CHAIN) -> bool:
    return run(node, "iptables", "-n", "-L", chain).code == 0

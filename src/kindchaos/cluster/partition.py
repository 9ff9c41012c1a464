"""The iptables a network partition adds to a node and the iptables that take it away again.

Both the faults and the health gate use these, so a partition left by a killed run is removed exactly as the
fault itself would remove it. Two kinds exist: the whole node cut off (every eth0 path), and an etcd member cut
from its peers (only raft's port 2380 on eth0, so the apiserver beside it still reaches it on localhost).
"""

from __future__ import annotations

from kindchaos.cluster.leftovers import PARTITION_CHAIN, PEER_CUT_CHAIN
from kindchaos.cluster.nodes import output, run

Jump = tuple[str, ...]  # a built-in chain and the match that sends packets to ours

# Every path on the node's kind-network interface.
JUMPS: tuple[Jump, ...] = (
    ("INPUT", "-i", "eth0"),
    ("OUTPUT", "-o", "eth0"),
    ("FORWARD", "-i", "eth0"),
    ("FORWARD", "-o", "eth0"),
)
ETCD_PEER_PORT = "2380"
# etcd's peer traffic only, both directions, as client and as server.
PEER_JUMPS: tuple[Jump, ...] = tuple(
    (builtin, flag, "eth0", "-p", "tcp", port, ETCD_PEER_PORT)
    for builtin, flag in (("INPUT", "-i"), ("OUTPUT", "-o"))
    for port in ("--dport", "--sport")
)
CHAINS: dict[str, tuple[Jump, ...]] = {PARTITION_CHAIN: JUMPS, PEER_CUT_CHAIN: PEER_JUMPS}
MAX_JUMPS_REMOVED = 100  # per built-in path: more than any number of partitions left by killed runs


def partition_commands(chain: str = PARTITION_CHAIN) -> list[list[str]]:
    """A chain that drops everything, then a jump to it first on each of its paths."""
    commands = [["iptables", "-N", chain], ["iptables", "-A", chain, "-j", "DROP"]]
    return commands + [["iptables", "-I", builtin, "1", *match, "-j", chain] for builtin, *match in CHAINS[chain]]


def partition(node: str, chain: str = PARTITION_CHAIN) -> None:
    """Partition ``node`` (or, with ``PEER_CUT_CHAIN``, its etcd member from its peers); raise
    ``CommandFailed`` at the first rule iptables refuses."""
    for argv in partition_commands(chain):
        output(node, *argv)


def heal(node: str, chain: str = PARTITION_CHAIN) -> None:
    """Remove every jump to the chain and the chain itself; safe when there is none."""
    for builtin, *match in CHAINS[chain]:
        for _ in range(MAX_JUMPS_REMOVED):
            if run(node, "iptables", "-D", builtin, *match, "-j", chain).code != 0:
                break
    run(node, "iptables", "-F", chain)
    run(node, "iptables", "-X", chain)


def chain_exists(node: str, chain: str = PARTITION_CHAIN) -> bool:
    return run(node, "iptables", "-n", "-L", chain).code == 0

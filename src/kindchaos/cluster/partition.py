"""The iptables a network partition adds to a node and the iptables that take it away again.

Both the faults and the health gate use these, so a partition left by a killed run is removed exactly as the
fault itself would remove it. Three kinds exist: the whole node cut off (every eth0 path), an etcd member cut
from its peers (only raft's port 2380 on eth0, so the apiserver beside it still reaches it on localhost), and a
control plane cut from external etcd members (etcd's client port 2379 on eth0, dropped only for the members'
addresses, which the chain's own rules name).
"""

from __future__ import annotations

from kindchaos.cluster.leftovers import ETCD_CLIENT_CUT_CHAIN, PARTITION_CHAIN, PEER_CUT_CHAIN
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
ETCD_CLIENT_PORT = "2379"
# The control plane's side of etcd's client traffic: requests out to port 2379, answers in from it.
CLIENT_JUMPS: tuple[Jump, ...] = (
    ("OUTPUT", "-o", "eth0", "-p", "tcp", "--dport", ETCD_CLIENT_PORT),
    ("INPUT", "-i", "eth0", "-p", "tcp", "--sport", ETCD_CLIENT_PORT),
)
CHAINS: dict[str, tuple[Jump, ...]] = {
    PARTITION_CHAIN: JUMPS,
    PEER_CUT_CHAIN: PEER_JUMPS,
    ETCD_CLIENT_CUT_CHAIN: CLIENT_JUMPS,
}
Drops = tuple[tuple[str, ...], ...]  # a DROP rule's match per entry
EVERYTHING: Drops = ((),)  # one DROP rule matching every packet the jumps send
MAX_JUMPS_REMOVED = 100  # per built-in path: more than any number of partitions left by killed runs


def between(address: str) -> Drops:
    """DROP matches for the packets to and from one address (the rest of what the jumps send returns)."""
    return (("-d", address), ("-s", address))


def partition_commands(chain: str = PARTITION_CHAIN, drops: Drops = EVERYTHING) -> list[list[str]]:
    """A chain with a DROP rule per match in ``drops``, then a jump to it first on each of its paths."""
    commands = [["iptables", "-N", chain], *(["iptables", "-A", chain, *match, "-j", "DROP"] for match in drops)]
    return commands + [["iptables", "-I", builtin, "1", *match, "-j", chain] for builtin, *match in CHAINS[chain]]


def partition(node: str, chain: str = PARTITION_CHAIN, drops: Drops = EVERYTHING) -> None:
    """Partition ``node`` (or, with ``PEER_CUT_CHAIN``, its etcd member from its peers; with
    ``ETCD_CLIENT_CUT_CHAIN`` and ``between(address)``, the node from one external member); raise
    ``CommandFailed`` at the first rule iptables refuses."""
    for argv in partition_commands(chain, drops):
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

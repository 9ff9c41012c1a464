"""The iptables a network partition adds to a node and the iptables that take it away again.

Both the faults and the health gate use these, so a partition left by a killed run is removed exactly as the
fault itself would remove it. Three kinds exist: the whole node cut off (every eth0 path), an etcd member cut
from its peers (only raft's port 2380 on eth0, so the apiserver beside it still reaches it on localhost), and a
control plane cut from external etcd members (etcd's client port 2379 on eth0, dropped only for the members'
addresses, which the chain's own rules name).

kind's network is dual-stack, and a node's kubelet reaches the apiserver over IPv6 when the name resolves to
both, so a cut that names no address is made with ip6tables too; a cut by address (IPv4) with iptables alone.
"""

from __future__ import annotations

from kindchaos.cluster.leftovers import ETCD_CLIENT_CUT_CHAIN, PARTITION_CHAIN, PEER_CUT_CHAIN
from kindchaos.cluster.node_access import access_for
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


FAMILIES = ("iptables", "ip6tables")


def families(drops: Drops) -> tuple[str, ...]:
    """Both IP families for a cut that names no address; iptables alone for one by (IPv4) address."""
    by_address = any(flag in match for match in drops for flag in ("-d", "-s"))
    return FAMILIES[:1] if by_address else FAMILIES


def partition_commands(
    chain: str = PARTITION_CHAIN, drops: Drops = EVERYTHING, kept: Drops = (), tool: str = "iptables"
) -> list[list[str]]:
    """A chain that first returns what ``kept`` matches (the node's own access path), then has a DROP rule per
    match in ``drops``, then a jump to it first on each of its paths."""
    commands = [[tool, "-N", chain], *([tool, "-A", chain, *match, "-j", "RETURN"] for match in kept)]
    commands += [[tool, "-A", chain, *match, "-j", "DROP"] for match in drops]
    return commands + [[tool, "-I", builtin, "1", *match, "-j", chain] for builtin, *match in CHAINS[chain]]


def partition(node: str, chain: str = PARTITION_CHAIN, drops: Drops = EVERYTHING) -> None:
    """Partition ``node`` (or, with ``PEER_CUT_CHAIN``, its etcd member from its peers; with
    ``ETCD_CLIENT_CUT_CHAIN`` and ``between(address)``, the node from one external member), keeping the node's
    own access path open (SSH's port for a node reached over SSH); raise ``CommandFailed`` at the first rule
    iptables refuses."""
    kept = access_for(node).kept_open(node)
    for tool in families(drops):
        for argv in partition_commands(chain, drops, kept, tool):
            output(node, *argv)


def heal(node: str, chain: str = PARTITION_CHAIN) -> None:
    """Remove every jump to the chain and the chain itself, in both families; safe when there is none."""
    for tool in FAMILIES:
        if run(node, tool, "-n", "-L", chain).code != 0:
            continue
        for builtin, *match in CHAINS[chain]:
            for _ in range(MAX_JUMPS_REMOVED):
                if run(node, tool, "-D", builtin, *match, "-j", chain).code != 0:
                    break
        run(node, tool, "-F", chain)
        run(node, tool, "-X", chain)


def chain_exists(node: str, chain: str = PARTITION_CHAIN) -> bool:
    """Whether either family still has the chain."""
    return any(run(node, tool, "-n", "-L", chain).code == 0 for tool in FAMILIES)

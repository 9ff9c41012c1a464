"""A node cut off from every other node: all traffic on its cluster interface dropped.

The DROP rules hang on one chain in the node's own network namespace, jumped
to from INPUT, OUTPUT and FORWARD for the node's eth0 (the kind network), so
pod traffic is cut as well as the node's own. Proof is the chain's packet
counter rising and a peer's kubelet port timing out; healing removes the chain.
"""

from __future__ import annotations

from kindchaos.cluster.leftovers import PARTITION_CHAIN
from kindchaos.cluster.lifecycle import Cluster
from kindchaos.cluster.nodes import ip_address, run
from kindchaos.cluster.partition import chain_exists, heal, partition
from kindchaos.expect.conditions import eventually
from kindchaos.faults.nodes import NodeFault
from kindchaos.observe.timeline import Timeline

CURL_TIMEOUT = 28


def dropped_packets(node: str, chain: str = PARTITION_CHAIN) -> int:
    """Packets the chain's DROP rule has dropped (0 when the chain does not exist)."""
    ran = run(node, "iptables", "-L", chain, "-v", "-n", "-x")
    if ran.code != 0:
        return 0
    rows = (line.split() for line in ran.stdout.splitlines())
    return sum(int(row[0]) for row in rows if len(row) > 2 and row[2] == "DROP" and row[0].isdigit())


def reach(node: str, peer_ip: str) -> int:
    """curl's exit code for the peer's kubelet port (0: it answered, 28: timed out)."""
    return run(node, "curl", "-sk", "-m", "3", "-o", "/dev/null", f"https://{peer_ip}:10250/healthz").code


class NetworkPartitioned(NodeFault):
    """A node partitioned from the rest of the cluster, and healed."""

    triage_part = "node-unreachable"

    def __init__(
        self, cluster: Cluster, node: str, *, timeline: Timeline | None = None, await_not_ready: bool = False
    ) -> None:
        super().__init__(cluster, node, timeline=timeline, await_not_ready=await_not_ready)
        self.peer = next(n for n in cluster.nodes if n != node)
        self.peer_ip = ""

    @property
    def title(self) -> str:
        return f"node {self.node!r} partitioned from the cluster"

    def inject(self) -> None:
        self.peer_ip = ip_address(self.peer)
        partition(self.node)

    def prove(self) -> None:
        code = reach(self.node, self.peer_ip)
        assert code == CURL_TIMEOUT, f"{self.peer} ({self.peer_ip}):10250 answered (curl exit {code})"
        dropped = eventually(
            lambda: dropped_packets(self.node) > 0, within=30, expected=f"packets dropped by {PARTITION_CHAIN}"
        )
        self.observed(
            f"{self.peer}:10250 timed out from {self.node}; {PARTITION_CHAIN} dropped "
            f"{dropped_packets(self.node)} packets (first seen after {dropped.seconds:.1f}s)"
        )
        self._prove_api_not_ready()

    def restore(self) -> None:
        heal(self.node)

    def prove_restored(self) -> None:
        assert not chain_exists(self.node), f"chain {PARTITION_CHAIN} still present on {self.node}"
        eventually(
            lambda: reach(self.node, self.peer_ip or ip_address(self.peer)) == 0,
            within=30,
            expected=f"{self.peer}:10250 reachable from {self.node}",
        )
        self.observed(f"{PARTITION_CHAIN} removed; {self.peer}:10250 reachable again")
        self._prove_api_ready()

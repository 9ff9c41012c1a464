"""Where faults leave their marks on a node, so a health gate can find and undo them.

Faults import these names to put things there; the health gate imports them to
take them back. Nothing else is left on a node by a fault.
"""

from __future__ import annotations

from kindchaos.cluster.nodes import run

MANIFESTS_DIR = "/etc/kubernetes/manifests"
# Parked manifests stay under /etc/kubernetes, outside kubelet's static pod path.
PARKED_DIR = "/etc/kubernetes/kindchaos-parked"
# The iptables chain a network partition hangs its DROP rules on.
PARTITION_CHAIN = "KINDCHAOS-PARTITION"
# The chain that cuts an etcd member from its peers (port 2380 only).
PEER_CUT_CHAIN = "KINDCHAOS-ETCD-PEERS"
# The chain that cuts a control plane from external etcd members (their client port 2379 only).
ETCD_CLIENT_CUT_CHAIN = "KINDCHAOS-ETCD-CLIENTS"
NODE_UNITS = ("containerd", "kubelet")
# A Deployment scaled down by a fault carries its earlier replica count here until it is scaled back.
REPLICAS_ANNOTATION = "kindchaos.dev/replicas-before"


def stopped_processes(node: str) -> list[tuple[str, str]]:
    """(pid, command name) of every process in state T (stopped) on the node."""
    listed = run(node, "ps", "-eo", "pid=,stat=,comm=").stdout
    rows = (line.split(None, 2) for line in listed.splitlines())
    return [(row[0], row[2]) for row in rows if len(row) == 3 and row[1].startswith("T")]

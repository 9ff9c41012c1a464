"""What Calico IPAM holds for a node, read from its datastore (the ``crd.projectcalico.org`` objects behind the
Kubernetes datastore): the address blocks affine to the node and the handle of its VXLAN tunnel address.

calico-kube-controllers releases both once the node is gone from the API and none of its pods are left; without
it they stay, and the pool's blocks stay taken.
"""

from __future__ import annotations

from typing import Any

from kubernetes import client

from kindchaos.cluster.lifecycle import Cluster

GROUP = "crd.projectcalico.org"
VERSION = "v1"
TUNNEL_HANDLE_PREFIX = "vxlan-tunnel-addr-"


def _listed(cluster: Cluster, plural: str) -> list[dict[str, Any]]:
    found: Any = client.CustomObjectsApi(cluster.api).list_cluster_custom_object(
        GROUP, VERSION, plural, _request_timeout=10
    )
    return list(found["items"])


def block_affinities(cluster: Cluster, node: str) -> list[str]:
    """The CIDRs of the blocks affine to ``node``."""
    return sorted(
        item["spec"]["cidr"] for item in _listed(cluster, "blockaffinities") if item["spec"].get("node") == node
    )


def tunnel_handles(cluster: Cluster, node: str) -> list[str]:
    """The IPAM handle of ``node``'s VXLAN tunnel address, if one is allocated."""
    return [
        item["spec"]["handleID"]
        for item in _listed(cluster, "ipamhandles")
        if item["spec"].get("handleID") == TUNNEL_HANDLE_PREFIX + node
    ]


def held_by(cluster: Cluster, node: str) -> list[str]:
    """Everything IPAM keeps for ``node``, in words: empty once it is released."""
    return [f"block {cidr}" for cidr in block_affinities(cluster, node)] + [
        f"handle {handle}" for handle in tunnel_handles(cluster, node)
    ]

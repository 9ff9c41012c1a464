"""The pod-network scenario on a pool whose natOutgoing was turned off (and back on after).

The clause "a request to an address outside the pool leaves under its node's address" is then false: the far
side answers the pod's own address, and the scenario must fail on ``egress_masqueraded`` (steady state violated).
"""

from collections.abc import Iterator

import pytest

from kindchaos.cluster import calico
from kindchaos.cluster.lifecycle import Cluster
from kindchaos.cluster.nodes import output
from kindchaos.expect import eventually
from kindchaos.images.actions import calico as calico_build
from kindchaos.images.context import BuildContext
from scenarios.calico import test_pod_network as scenario


def masquerading(cluster: Cluster) -> bool:
    """Whether any worker's felix still programs the pool's rule (kube-proxy's own MASQUERADE rules stay)."""
    return any(
        line.startswith("-A cali-nat-outgoing") and "MASQUERADE" in line
        for node in cluster.workers
        for line in output(node, "iptables-save", "-t", "nat").splitlines()
    )


@pytest.fixture(autouse=True)
def sabotaged(single_cluster: Cluster) -> Iterator[None]:
    ctl = calico_build.calicoctl(BuildContext())
    calico.set_nat_outgoing(kubeconfig=single_cluster.kubeconfig, calicoctl=ctl, enabled=False)
    try:
        eventually(lambda: not masquerading(single_cluster), within=60, expected="no MASQUERADE rule on the workers")
        yield
    finally:
        calico.set_nat_outgoing(kubeconfig=single_cluster.kubeconfig, calicoctl=ctl, enabled=True)
        eventually(lambda: masquerading(single_cluster), within=60, expected="the MASQUERADE rule back on the workers")


pytestmark = scenario.pytestmark
test_pod_traffic_crosses_nodes_through_vxlan = scenario.test_pod_traffic_crosses_nodes_through_vxlan

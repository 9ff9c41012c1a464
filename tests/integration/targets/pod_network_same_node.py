"""The pod-network scenario with its "other node" pod swapped for the one beside the client.

The traffic then never leaves the node, so the clauses "routed through Calico's VXLAN device" and "the device
carries them" are false: the scenario must fail on ``routed_via_vxlan`` and ``vxlan_carried`` (steady state
violated), while every request is still answered.
"""

import pytest

from kindchaos.cluster.workload import Placed
from scenarios.calico import test_pod_network as scenario


def beside(client: Placed, webs: list[Placed]) -> Placed:
    return next(web for web in webs if web.node == client.node)


@pytest.fixture(autouse=True)
def sabotaged(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scenario, "on_another_node", beside)


pytestmark = scenario.pytestmark
test_pod_traffic_crosses_nodes_through_vxlan = scenario.test_pod_traffic_crosses_nodes_through_vxlan

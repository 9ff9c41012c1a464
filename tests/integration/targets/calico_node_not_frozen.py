"""The calico-node scenario with kube-proxy frozen in its place: the CNI agent keeps running.

The clause "a pod created on that worker meanwhile does not become Ready" is then false (calico-node wires the
new pod up at once): the scenario must fail on ``new_pod_not_ready`` (steady state violated).
"""

from typing import Any

import pytest

from kindchaos.cluster.lifecycle import Cluster
from kindchaos.faults import ProcessFrozen
from scenarios.calico import test_calico_node as scenario


class KubeProxyFrozenInstead(ProcessFrozen):
    def __init__(self, cluster: Cluster, node: str, process: str, **_: Any) -> None:
        super().__init__(cluster, node, "kube-proxy", health_url="http://127.0.0.1:10256/healthz")


@pytest.fixture(autouse=True)
def sabotaged(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scenario, "ProcessFrozen", KubeProxyFrozenInstead)


pytestmark = scenario.pytestmark
test_calico_node_frozen_on_a_worker = scenario.test_calico_node_frozen_on_a_worker

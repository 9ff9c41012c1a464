"""The calico-kube-controllers scenario where the controllers come back without their node controller
(``ENABLED_CONTROLLERS=loadbalancer``, as a values file that dropped it would leave them).

The clause "once calico-kube-controllers is back, the removed worker's addresses are released" is then false: the
scenario must breach ``ipam_released_after``. The release's setting is put back after the test.
"""

from collections.abc import Iterator

import pytest

from kindchaos.cluster.calico import KUBE_CONTROLLERS, NAMESPACE
from kindchaos.cluster.lifecycle import Cluster
from kindchaos.faults import DeploymentScaledToZero
from scenarios.calico import test_calico_kube_controllers as scenario

RELEASE_CONTROLLERS = "node,loadbalancer"  # the release manifest's ENABLED_CONTROLLERS


def enabled_controllers(cluster: Cluster, value: str) -> None:
    deployment = f"deployment/{KUBE_CONTROLLERS}"
    cluster.kubectl("set", "env", "-n", NAMESPACE, deployment, f"ENABLED_CONTROLLERS={value}")


class BackWithoutNodeController(DeploymentScaledToZero):
    def restore(self) -> None:
        enabled_controllers(self.cluster, "loadbalancer")
        super().restore()


@pytest.fixture(autouse=True)
def sabotaged(single_cluster: Cluster, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(scenario, "DeploymentScaledToZero", BackWithoutNodeController)
    try:
        yield
    finally:
        enabled_controllers(single_cluster, RELEASE_CONTROLLERS)
        deployment = f"deployment/{KUBE_CONTROLLERS}"
        single_cluster.kubectl("rollout", "status", "-n", NAMESPACE, deployment, "--timeout=180s", timeout=210)


pytestmark = scenario.pytestmark
test_calico_kube_controllers_down = scenario.test_calico_kube_controllers_down

"""The calico-kube-controllers scenario where something puts the replicas back as soon as they are gone (a GitOps
controller reverting the scale), so the controllers are down only for a moment.

The clause "a removed worker keeps its block and tunnel address in Calico IPAM" is then false (the node controller
releases them once the node's pods are gone): the scenario must fail on ``ipam_kept_for_removed_node``.
"""

import pytest

from kindchaos.faults import DeploymentScaledToZero
from scenarios.calico import test_calico_kube_controllers as scenario


class ScaledBackAtOnce(DeploymentScaledToZero):
    def prove(self) -> None:
        super().prove()
        self.restore()


@pytest.fixture(autouse=True)
def sabotaged(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scenario, "DeploymentScaledToZero", ScaledBackAtOnce)


pytestmark = scenario.pytestmark
test_calico_kube_controllers_down = scenario.test_calico_kube_controllers_down

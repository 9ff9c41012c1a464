"""The calico-kube-controllers scenario with the seed pool disabled while the controllers are down (and enabled
again with them).

The clause "a new pod still gets an address from the pool" is then false (Calico's IPAM has no pool to take from,
so the pod never gets a network): the scenario must breach ``new_pod_networked``.
"""

import pytest

from kindchaos.cluster import calico
from kindchaos.faults import DeploymentScaledToZero
from kindchaos.images.actions import calico as calico_build
from kindchaos.images.context import BuildContext
from scenarios.calico import test_calico_kube_controllers as scenario


class DownWithThePoolDisabled(DeploymentScaledToZero):
    def _pool_disabled(self, disabled: bool) -> None:
        ctl = calico_build.calicoctl(BuildContext())
        calico.patch_seed_pool(kubeconfig=self.cluster.kubeconfig, calicoctl=ctl, spec={"disabled": disabled})

    def inject(self) -> None:
        super().inject()
        self._pool_disabled(True)

    def restore(self) -> None:
        self._pool_disabled(False)
        super().restore()


@pytest.fixture(autouse=True)
def sabotaged(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scenario, "DeploymentScaledToZero", DownWithThePoolDisabled)


pytestmark = scenario.pytestmark
test_calico_kube_controllers_down = scenario.test_calico_kube_controllers_down

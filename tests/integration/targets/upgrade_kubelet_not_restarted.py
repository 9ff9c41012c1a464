"""The upgrade drill with one step left out: the last worker's new kubelet is installed but never restarted."""

import pytest

from kindchaos.cluster.lifecycle import Cluster
from kindchaos.cluster.workload import Workload
from kindchaos.evidence.scenario import ChaosRun
from kindchaos.images.pins import UPGRADE_NODE_REF
from kindchaos.runbooks import kubeadm_upgrade

pytestmark = [
    pytest.mark.topology("single"),
    pytest.mark.fresh_cluster(image=UPGRADE_NODE_REF, purpose="upgrade"),
    pytest.mark.disruptive,
]


@pytest.mark.question("engine")
def test_upgrade_with_a_kubelet_not_restarted(
    chaos: ChaosRun, workload_namespace: Workload, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A kubelet replaced on disk but not restarted still runs the old minor, so this drill must fail."""
    left_out = chaos.cluster.workers[-1]
    restart = kubeadm_upgrade.restart_kubelet

    def restart_all_but_one(cluster: Cluster, node: str, target: str) -> None:
        if node == left_out:
            chaos.attach_text(f"kubelet on {node} NOT restarted (sabotage)", name=f"sabotage on {node}")
            return
        restart(cluster, node, target)

    monkeypatch.setattr(kubeadm_upgrade, "restart_kubelet", restart_all_but_one)
    kubeadm_upgrade.run(chaos, workload_namespace)

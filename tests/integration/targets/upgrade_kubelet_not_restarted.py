"""The upgrade drill with one step left out: the last worker's new kubelet is installed but never restarted."""

import pytest

from kindchaos.cluster.workload import Workload
from kindchaos.evidence.scenario import ChaosRun
from kindchaos.images.versions import UPGRADE_NODE_REF
from scenarios.upgrade import upgrade_drill

pytestmark = [
    pytest.mark.topology("single"),
    pytest.mark.fresh_cluster(image=UPGRADE_NODE_REF, purpose="upgrade"),
    pytest.mark.disruptive,
]


@pytest.mark.question("engine")
def test_upgrade_with_a_kubelet_not_restarted(chaos: ChaosRun, workload_namespace: Workload) -> None:
    """A kubelet replaced on disk but not restarted still runs the old minor, so this drill must fail."""
    sabotage = upgrade_drill.Sabotage(kubelet_not_restarted=chaos.cluster.workers[-1])
    upgrade_drill.run(chaos, workload_namespace, sabotage=sabotage)

"""The upgrade drill fails when the runbook is not followed: a kubelet installed but not restarted."""

from pathlib import Path

import pytest

from kindchaos.cluster.lifecycle import delete_cluster, tool_paths
from kindchaos.cluster.pool import ClusterPool
from kindchaos.images.pins import DEFAULT_VERSIONS, UPGRADE_FROM_VERSIONS
from tests.integration.test_catalogue_claims import failed_child

pytestmark = [
    pytest.mark.integration,
    pytest.mark.topology("single"),
    pytest.mark.fresh_cluster(image="(made by the child)", purpose="upgrade"),  # orders it after the shared ones
    pytest.mark.disruptive,
    pytest.mark.slow,
]
CHILD_CLUSTER = "kindchaos-upgrade-single"


def test_a_kubelet_not_restarted_fails_the_version_check(
    kindchaos_clusters: ClusterPool, pytestconfig: pytest.Config, tmp_path: Path
) -> None:
    # One cluster at a time on this machine: the shared ones go first (this test runs after every other).
    kindchaos_clusters.close()
    try:
        message = failed_child("upgrade_kubelet_not_restarted.py", tmp_path, timeout=3000)
    finally:
        delete_cluster(CHILD_CLUSTER, kind_path=tool_paths()[0])
    old, new = UPGRADE_FROM_VERSIONS.kubernetes, DEFAULT_VERSIONS.kubernetes
    assert "not every component and node reports" in message, message
    assert f"kubelet (node status) on {CHILD_CLUSTER}-worker2: {old}, want {new}" in message, message
    assert f"kubelet (process) on {CHILD_CLUSTER}-worker2: Kubernetes {old}, want {new}" in message, message
    assert "-worker: " not in message, "only the sabotaged worker may be behind"

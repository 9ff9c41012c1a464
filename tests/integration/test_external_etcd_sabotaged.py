"""The external etcd's scenarios fail, on the right check and in the right category, when what they claim is false:
a member "stopped" that never was (fault not injected), and a control-plane node loss that takes an etcd member
with it, as it does on stacked etcd (``every_member_healthy``, steady state violated)."""

from pathlib import Path

import pytest

from kindchaos.cluster.external_etcd import etcdctl as host_etcdctl
from kindchaos.cluster.lifecycle import Cluster
from tests.integration.test_catalogue_claims import failed_child, single_result
from tests.integration.test_claims_sabotaged import category_of, failed_check

pytestmark = [pytest.mark.integration, pytest.mark.topology("ha-external"), pytest.mark.disruptive]


def test_a_member_that_was_not_stopped_is_not_a_fault(ha_external_cluster: Cluster, tmp_path: Path) -> None:
    message = failed_child("external_member_stop_skipped.py", tmp_path, timeout=600)
    assert "fault not injected: external etcd member" in message and "still running" in message, message
    assert category_of(single_result(tmp_path)) == "Fault not injected"


def test_a_member_lost_with_the_node_breaks_the_every_member_clause(
    ha_external_cluster: Cluster, tmp_path: Path
) -> None:
    message = failed_child("external_node_lost_with_its_member.py", tmp_path, timeout=900)
    assert "check failed: every_member_healthy" in message, message
    check = failed_check(tmp_path)
    assert check["name"] == "every_member_healthy" and "unhealthy {'kindchaos" in str(check["measured"]), check
    assert category_of(single_result(tmp_path)) == "Steady state violated"
    assert ha_external_cluster.etcd is not None
    host_etcdctl.all_healthy(ha_external_cluster.etcd)  # the sabotaged fault restored the member it stopped

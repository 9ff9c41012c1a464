"""The outage scenarios fail, on the right check and in the right category, when what they claim is false: a flood
exempt from APF under the claim that APF holds it (``flood_rejected``), a webhook registered without its
namespaceSelector (``outside_accepted``), a stacked member "lost" whose data was kept (fault not injected), and, in
the nightly, a disaster recovery whose restores leave out ``--bump-revision`` (``revisions_bumped``) and an expired
cluster whose runbook skips ``kubeadm certs renew all`` (a failed restore)."""

from pathlib import Path

import pytest

from kindchaos.cluster import admission_webhook, flow_control
from kindchaos.cluster.etcd import endpoint_health
from kindchaos.cluster.lifecycle import Cluster, delete_cluster, existing_clusters, tool_paths
from kindchaos.expect import eventually
from tests.integration.test_catalogue_claims import failed_child, single_result
from tests.integration.test_claims_sabotaged import category_of, failed_check
from tests.integration.test_engine_runs import child_pytest

CERTS_CLUSTER = "kindchaos-certs-single"
MEMBER_BACK_WITHIN_S = 240  # a fixed wait: kubelet may take two minutes to start a static pod again

pytestmark = [pytest.mark.integration, pytest.mark.disruptive]


@pytest.mark.topology("single")
def test_an_exempt_flood_breaks_the_apf_clause(single_cluster: Cluster, tmp_path: Path) -> None:
    message = failed_child("api_flood_exempt_under_protection_claim.py", tmp_path, timeout=600)
    assert "check failed: flood_rejected" in message, message
    check = failed_check(tmp_path)
    assert check["name"] == "flood_rejected" and str(check["measured"]).startswith("0 rejected"), check
    assert category_of(single_result(tmp_path)) == "Steady state violated"
    assert not flow_control.flood_objects_left(single_cluster), "the flood's flow schema was left behind"


@pytest.mark.topology("single")
def test_a_webhook_without_its_selector_breaks_the_scope_clause(single_cluster: Cluster, tmp_path: Path) -> None:
    message = failed_child("webhook_without_namespace_selector.py", tmp_path, timeout=600)
    assert "check failed: outside_accepted" in message, message
    check = failed_check(tmp_path)
    assert check["name"] == "outside_accepted" and "failed calling webhook" in str(check["measured"]), check
    assert category_of(single_result(tmp_path)) == "Steady state violated"
    assert not admission_webhook.webhook_objects_left(single_cluster), "the webhook registration was left behind"


@pytest.mark.topology("ha")
def test_a_member_whose_data_was_kept_is_not_lost(ha_cluster: Cluster, tmp_path: Path) -> None:
    message = failed_child("stacked_member_data_kept.py", tmp_path, timeout=600)
    assert "fault not injected: etcd member of" in message and "/member is on" in message, message
    assert category_of(single_result(tmp_path)) == "Fault not injected"

    def all_healthy() -> None:  # the stopped member was started again by the undone injection
        health = endpoint_health(ha_cluster.control_planes[0])
        assert len(health) == 3 and all(ok for ok, _ in health.values()), health

    eventually(all_healthy, within=MEMBER_BACK_WITHIN_S, expected="three etcd members healthy")


@pytest.mark.topology("ha")
@pytest.mark.nightly
def test_a_restore_without_bump_breaks_the_revisions_clause(ha_cluster: Cluster, tmp_path: Path) -> None:
    message = failed_child("stacked_restore_without_bump.py", tmp_path, timeout=1200)
    assert "check failed: revisions_bumped" in message, message
    assert failed_check(tmp_path)["name"] == "revisions_bumped"
    assert category_of(single_result(tmp_path)) == "Steady state violated"


@pytest.mark.topology("single")
@pytest.mark.nightly
def test_a_skipped_renewal_does_not_restore_an_expired_cluster(tmp_path: Path) -> None:
    child = child_pytest("certificates_renewal_skipped.py", tmp_path)
    try:
        out, _ = child.communicate(timeout=1500)
    finally:
        kind = tool_paths()[0]
        if CERTS_CLUSTER in existing_clusters(kind):  # the child keeps its fresh cluster; it is expired for good
            delete_cluster(CERTS_CLUSTER, kind_path=kind)
    assert child.returncode == 1, out
    result = single_result(tmp_path)
    message = str(result["statusDetails"]["message"])  # type: ignore[index]
    assert "failed to restore kubeadm certificates" in message, message
    assert "a verifying client answered" in message, message
    assert category_of(result) == "Restore failed"

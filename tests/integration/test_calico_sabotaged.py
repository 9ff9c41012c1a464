"""Calico's pod-network clauses made false, each failing the scenario on its own checks: traffic that never
crosses nodes is not "through VXLAN", and a pool without natOutgoing does not masquerade. Both run the real
scenario on a real Calico cluster (nightly: a Calico cluster of its own costs a create)."""

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from kindchaos.cluster.lifecycle import Cluster, delete_cluster, tool_paths
from kindchaos.cluster.topology import SINGLE
from tests.integration.test_catalogue_claims import failed_child, single_result
from tests.integration.test_claims_sabotaged import category_of

pytestmark = [pytest.mark.integration, pytest.mark.nightly, pytest.mark.disruptive]
ON_CALICO = ["--kindchaos-cni", "calico"]


@pytest.fixture(scope="module", autouse=True)
def calico_cluster_deleted_after() -> Iterator[None]:
    """The children make (and keep) the Calico cluster; it goes when the module is done."""
    yield
    delete_cluster(SINGLE.with_cni("calico").default_cluster_name(), kind_path=tool_paths()[0])


def test_traffic_that_stays_on_its_node_is_not_through_vxlan(tmp_path: Path) -> None:
    message = failed_child("pod_network_same_node.py", tmp_path, timeout=900, extra=ON_CALICO)
    assert "check failed: routed_via_vxlan" in message, message
    (finding,) = json.loads((tmp_path / "findings.json").read_text())["findings"]
    failed = {c["name"] for c in finding["checks"] if not c["held"]}
    assert failed == {"routed_via_vxlan", "vxlan_carried"}, finding["checks"]  # every request still answered
    assert category_of(single_result(tmp_path)) == "Steady state violated"


def test_a_pool_without_nat_outgoing_is_not_masqueraded(tmp_path: Path) -> None:
    message = failed_child("pod_network_no_nat.py", tmp_path, timeout=900, extra=ON_CALICO)
    assert "check failed: egress_answered" in message, message  # here a pod's own address gets no answer back
    (finding,) = json.loads((tmp_path / "findings.json").read_text())["findings"]
    failed = {c["name"]: c["measured"] for c in finding["checks"] if not c["held"]}
    assert set(failed) == {"egress_answered", "egress_masqueraded"}, finding["checks"]
    assert "answered ['192.168." in failed["egress_masqueraded"], failed  # the pod's own address, not its node's
    assert category_of(single_result(tmp_path)) == "Steady state violated"


def test_a_cluster_that_enforces_no_policy_breaks_the_deny_clause(single_cluster: Cluster, tmp_path: Path) -> None:
    """netd, the project's own agent, enforces no NetworkPolicy: the same scenario on it (the session's own
    `single` cluster, reused by the child) must breach its budget."""
    message = failed_child("network_policy_on_netd.py", tmp_path, timeout=900)
    assert "budget breached: deny_enforced" in message, message
    assert category_of(single_result(tmp_path)) == "Recovery budget breached"


def test_a_running_cni_agent_breaks_the_new_pod_clause(tmp_path: Path) -> None:
    message = failed_child("calico_node_not_frozen.py", tmp_path, timeout=900, extra=ON_CALICO)
    assert "check failed: new_pod_not_ready" in message, message
    assert category_of(single_result(tmp_path)) == "Steady state violated"


KUBE_CONTROLLERS_SABOTAGED = [
    # (target, what its child must print, the Allure category)
    ("kube_controllers_scaled_back.py", "check failed: ipam_kept_for_removed_node", "Steady state violated"),
    ("kube_controllers_without_node_controller.py", "budget breached: ipam_released_after", "Recovery budget breached"),
    ("kube_controllers_pool_disabled.py", "budget breached: new_pod_networked", "Recovery budget breached"),
    ("kube_controllers_policy_selects_nothing.py", "budget breached: deny_enforced", "Recovery budget breached"),
]


@pytest.mark.parametrize(
    ("target", "failure", "category"),
    [pytest.param(*case, id=case[0].removesuffix(".py")) for case in KUBE_CONTROLLERS_SABOTAGED],
)
def test_each_kube_controllers_clause_fails(target: str, failure: str, category: str, tmp_path: Path) -> None:
    """Controllers put back at once (a GitOps revert), back without their node controller, a disabled pool, a
    "deny" selecting no pod: each makes one clause of the calico-kube-controllers scenario false."""
    message = failed_child(target, tmp_path, timeout=900, extra=ON_CALICO)
    assert failure in message, message
    assert category_of(single_result(tmp_path)) == category

"""How do you respond to a cluster failure? With a procedure that finds it: ``kindchaos triage`` run while each
fault the catalogue injects holds, and judged on whether its first finding names that fault.

Every fault here is the catalogue's own (the same classes the other scenarios use), injected and proven the
same way; the evidence layer runs triage once each is proven and keeps the record (``chaos.triage_record``).
The outages with a setup of their own (an admission webhook, an API flood, expired certificates, a stacked
member lost for good) are triaged the same way inside their own scenarios.
"""

from __future__ import annotations

import uuid

import pytest

from kindchaos.cluster.etcd import leader_name
from kindchaos.cluster.external_etcd.etcdctl import leader_name as external_leader
from kindchaos.cluster.markers import Markers
from kindchaos.evidence.scenario import ChaosRun
from kindchaos.faults import (
    ComponentCrashed,
    ComponentDown,
    DeploymentScaledToZero,
    EtcdMemberCutFromControlPlanes,
    EtcdMemberIsolated,
    ExternalMemberFrozen,
    ExternalMemberStopped,
    KubeletStopped,
    NetworkPartitioned,
    NodeCordoned,
    NodeFrozen,
    NodeStopped,
    ProcessFrozen,
    RuntimeStopped,
    SpaceQuotaExceeded,
)
from kindchaos.runbooks.triage import DEADLINE_S, named, no_alarm, settled, slowest_seconds

pytestmark = [
    pytest.mark.question("cluster-failure"),
    pytest.mark.component("triage"),
    pytest.mark.disruptive,
]

KUBE_PROXY_HEALTH = "http://127.0.0.1:10256/healthz"


@pytest.mark.topology("single")
def test_triage_names_single_cluster_faults(chaos: ChaosRun) -> None:
    """On a healthy cluster triage finds nothing [no_false_alarm]. While each fault holds, its first finding
    names it: kube-scheduler down [names_scheduler_down], kube-controller-manager down
    [names_controller_manager_down], kube-apiserver down with the whole API gone [names_apiserver_down], kubelet
    stopped [names_kubelet_stopped], containerd stopped [names_containerd_stopped], a node powered off
    [names_node_stopped], a node frozen [names_node_frozen], a node cut from the network [names_node_partitioned],
    kube-proxy stopped [names_kube_proxy_frozen], CoreDNS at zero replicas [names_coredns_zero], a node cordoned
    [names_node_cordoned], etcd out of space [names_etcd_nospace] and kube-scheduler crashed
    [names_scheduler_crashed]; every triage run returns within its 30 s limit [within_deadline].

    ko: 정상 클러스터에서 triage는 아무것도 찾지 않습니다 [no_false_alarm]. 각 장애가 유지되는 동안 첫 번째 진단이
    그 장애를 가리킵니다: kube-scheduler 중단 [names_scheduler_down], kube-controller-manager 중단
    [names_controller_manager_down], API 전체가 사라진 kube-apiserver 중단 [names_apiserver_down], kubelet 정지
    [names_kubelet_stopped], containerd 정지 [names_containerd_stopped], 노드 전원 꺼짐 [names_node_stopped], 노드
    동결 [names_node_frozen], 네트워크에서 분리된 노드 [names_node_partitioned], kube-proxy 정지
    [names_kube_proxy_frozen], 레플리카 0인 CoreDNS [names_coredns_zero], cordon된 노드 [names_node_cordoned], 공간이
    가득 찬 etcd [names_etcd_nospace], kube-scheduler 크래시 [names_scheduler_crashed]. 모든 triage 실행은 30초 제한
    안에 끝납니다 [within_deadline].
    """
    cluster = chaos.cluster
    worker, other_worker = cluster.workers
    with chaos.step("before: triage on the healthy cluster"):
        chaos.check.that("no_false_alarm", **no_alarm(chaos))

    # First: kubelet's restart back-off grows with every exit, and later faults make the scheduler exit too.
    with chaos.fault(ComponentCrashed(cluster, "kube-scheduler")) as fault:
        chaos.check.that("names_scheduler_crashed", **named(chaos, fault))
    settled(chaos)
    with chaos.fault(ComponentDown(cluster, "kube-scheduler")) as fault:
        chaos.check.that("names_scheduler_down", **named(chaos, fault))
    settled(chaos)
    with chaos.fault(ComponentDown(cluster, "kube-controller-manager")) as fault:
        chaos.check.that("names_controller_manager_down", **named(chaos, fault))
    settled(chaos)
    with chaos.fault(ComponentDown(cluster, "kube-apiserver")) as fault:
        chaos.check.that("names_apiserver_down", **named(chaos, fault))
    settled(chaos)

    with chaos.fault(KubeletStopped(cluster, worker)) as fault:
        chaos.check.that("names_kubelet_stopped", **named(chaos, fault))
    settled(chaos)
    with chaos.fault(RuntimeStopped(cluster, other_worker)) as fault:
        chaos.check.that("names_containerd_stopped", **named(chaos, fault))
    settled(chaos)
    with chaos.fault(NodeStopped(cluster, worker)) as fault:
        chaos.check.that("names_node_stopped", **named(chaos, fault))
    settled(chaos)
    with chaos.fault(NodeFrozen(cluster, other_worker)) as fault:
        chaos.check.that("names_node_frozen", **named(chaos, fault))
    settled(chaos)
    with chaos.fault(NetworkPartitioned(cluster, worker)) as fault:
        chaos.check.that("names_node_partitioned", **named(chaos, fault))
    settled(chaos)
    with chaos.fault(ProcessFrozen(cluster, other_worker, "kube-proxy", health_url=KUBE_PROXY_HEALTH)) as fault:
        chaos.check.that("names_kube_proxy_frozen", **named(chaos, fault))
    settled(chaos)

    with chaos.fault(DeploymentScaledToZero(cluster, "kube-system", "coredns")) as fault:
        chaos.check.that("names_coredns_zero", **named(chaos, fault))
    settled(chaos)
    with chaos.fault(NodeCordoned(cluster, other_worker)) as fault:
        chaos.check.that("names_node_cordoned", **named(chaos, fault))
    settled(chaos)
    markers = Markers(cluster, f"kc-triage-{uuid.uuid4().hex[:6]}")
    markers.create_namespace()
    with chaos.fault(SpaceQuotaExceeded(cluster, markers.namespace)) as fault:
        chaos.check.that("names_etcd_nospace", **named(chaos, fault))

    chaos.check.at_most("within_deadline", slowest_seconds(chaos), DEADLINE_S, what="the slowest triage run", unit="s")


@pytest.mark.topology("ha")
@pytest.mark.slow
def test_triage_names_stacked_etcd_faults(chaos: ChaosRun) -> None:
    """On a healthy HA cluster triage finds nothing [no_false_alarm]. While each fault holds, its first finding
    names it: an etcd follower down [names_member_down], the etcd leader down [names_leader_down], two of three
    members down, so quorum is lost [names_quorum_lost], a member cut from its peers [names_member_isolated] and
    one of three apiservers down [names_one_apiserver_down]; every triage run returns within its 30 s limit
    [within_deadline].

    ko: 정상 HA 클러스터에서 triage는 아무것도 찾지 않습니다 [no_false_alarm]. 각 장애가 유지되는 동안 첫 번째
    진단이 그 장애를 가리킵니다: etcd 팔로워 중단 [names_member_down], etcd 리더 중단 [names_leader_down], 세 멤버 중
    둘이 내려가 쿼럼 상실 [names_quorum_lost], 피어에게서 분리된 멤버 [names_member_isolated], 세 apiserver 중 하나
    중단 [names_one_apiserver_down]. 모든 triage 실행은 30초 제한 안에 끝납니다 [within_deadline].
    """
    cluster = chaos.cluster
    with chaos.step("before: triage on the healthy cluster"):
        chaos.check.that("no_false_alarm", **no_alarm(chaos))

    leader = leader_name(cluster.control_planes[0])
    follower, third = [node for node in cluster.control_planes if node != leader]
    with chaos.fault(ComponentDown(cluster, "etcd", node=follower)) as fault:
        chaos.check.that("names_member_down", **named(chaos, fault))
    settled(chaos)
    with chaos.fault(ComponentDown(cluster, "etcd", node=leader)) as fault:
        chaos.check.that("names_leader_down", **named(chaos, fault))
    settled(chaos)
    with (
        chaos.fault(ComponentDown(cluster, "etcd", node=follower)),
        chaos.fault(ComponentDown(cluster, "etcd", node=third)) as second,
    ):
        chaos.check.that("names_quorum_lost", **named(chaos, second))
    settled(chaos)
    with chaos.fault(EtcdMemberIsolated(cluster, third)) as fault:
        chaos.check.that("names_member_isolated", **named(chaos, fault))
    settled(chaos)
    with chaos.fault(ComponentDown(cluster, "kube-apiserver", node=follower)) as fault:
        chaos.check.that("names_one_apiserver_down", **named(chaos, fault))

    chaos.check.at_most("within_deadline", slowest_seconds(chaos), DEADLINE_S, what="the slowest triage run", unit="s")


@pytest.mark.topology("ha-external")
@pytest.mark.slow
def test_triage_names_external_etcd_faults(chaos: ChaosRun) -> None:
    """On a healthy cluster on external etcd triage finds nothing [no_false_alarm]. While each fault holds, its
    first finding names it: a member stopped [names_external_member_stopped], a member frozen
    [names_external_member_frozen], a member cut from the control planes [names_member_cut_from_control_planes]
    and two of three members stopped, so quorum is lost [names_external_quorum_lost]; every triage run returns
    within its 30 s limit [within_deadline].

    ko: 외부 etcd 위의 정상 클러스터에서 triage는 아무것도 찾지 않습니다 [no_false_alarm]. 각 장애가 유지되는 동안
    첫 번째 진단이 그 장애를 가리킵니다: 멤버 정지 [names_external_member_stopped], 멤버 동결
    [names_external_member_frozen], 컨트롤 플레인에서 분리된 멤버 [names_member_cut_from_control_planes], 세 멤버 중
    둘이 정지해 쿼럼 상실 [names_external_quorum_lost]. 모든 triage 실행은 30초 제한 안에 끝납니다
    [within_deadline].
    """
    cluster = chaos.cluster
    assert cluster.etcd is not None, "an ha-external cluster has an external etcd"
    with chaos.step("before: triage on the healthy cluster"):
        chaos.check.that("no_false_alarm", **no_alarm(chaos))

    leader = external_leader(cluster.etcd)
    first, second = [name for name in cluster.etcd.names if name != leader]
    with chaos.fault(ExternalMemberStopped(cluster, first)) as fault:
        chaos.check.that("names_external_member_stopped", **named(chaos, fault))
    settled(chaos)
    with chaos.fault(ExternalMemberFrozen(cluster, second)) as fault:
        chaos.check.that("names_external_member_frozen", **named(chaos, fault))
    settled(chaos)
    with chaos.fault(EtcdMemberCutFromControlPlanes(cluster, first)) as fault:
        chaos.check.that("names_member_cut_from_control_planes", **named(chaos, fault))
    settled(chaos)
    with (
        chaos.fault(ExternalMemberStopped(cluster, first)),
        chaos.fault(ExternalMemberStopped(cluster, second)) as fault,
    ):
        chaos.check.that("names_external_quorum_lost", **named(chaos, fault))

    chaos.check.at_most("within_deadline", slowest_seconds(chaos), DEADLINE_S, what="the slowest triage run", unit="s")

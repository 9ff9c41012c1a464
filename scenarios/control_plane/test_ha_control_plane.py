"""HA control plane (3 control planes behind haproxy): losing one apiserver, or one whole control-plane node."""

import pytest

from kindchaos.cluster.etcd import has_quorum
from kindchaos.evidence.scenario import ChaosRun
from kindchaos.expect import within_budget
from kindchaos.faults import ComponentDown, NodeStopped
from kindchaos.faults.control_plane import holder_node, lease
from kindchaos.observe import figures

pytestmark = [
    pytest.mark.topology("ha"),
    pytest.mark.question("control-plane-failure"),
    pytest.mark.disruptive,
    pytest.mark.slow,
]

LEASE_HANDOVER_S = 45  # leaseDuration 15 s + retryPeriod 2 s, with headroom; measured: see README
MIN_API_SUCCESS_RATIO = 0.95


def leader_node(chaos: ChaosRun, name: str) -> str:
    return holder_node(lease(chaos.cluster, name)[0])


@pytest.mark.component("kube-apiserver")
def test_one_apiserver_of_three_down(chaos: ChaosRun) -> None:
    """With one of three kube-apiservers down, API requests through the load balancer keep succeeding (at least
    95 %); the few that fail fall in the window before haproxy stops sending to the dead one.

    ko: kube-apiserver 세 개 중 하나가 내려가도 로드 밸런서를 통한 API 요청은 계속
    성공합니다(95% 이상). 실패하는 몇몇 요청은 haproxy가 죽은 apiserver로 보내기를
    멈추기 전의 구간에 몰려 있습니다.
    """
    api = chaos.api_probe()
    node = chaos.cluster.control_planes[-1]
    with (
        chaos.fault(ComponentDown(chaos.cluster, "kube-apiserver", node=node)) as outage,
        chaos.step("during: API requests through the load balancer"),
    ):
        api.wait_for_first_sample()
    with chaos.step(f"after: at least {MIN_API_SUCCESS_RATIO:.0%} of API requests succeeded during the outage"):
        start, end = outage.at("inject"), outage.at("restored")
        during = figures.between(api.samples, start, end)
        failed = [s for s in during if not s.ok]
        ratio = figures.success_ratio(during)
        chaos.figure("api_requests_during_outage", len(during), unit="")
        chaos.figure("api_failed_during_outage", len(failed), unit="")
        chaos.figure("api_success_ratio_during_outage", ratio, unit="")
        window = (failed[-1].mono - failed[0].mono) if failed else 0.0
        chaos.figure("api_failure_window_s", window, note="first to last failed request")
        chaos.figure("apiserver_graceful_stop_s", outage.figures["proven_after_s"])
        assert ratio is not None and ratio >= MIN_API_SUCCESS_RATIO, f"API success ratio {ratio} during the outage"


@pytest.mark.component("kube-scheduler")
@pytest.mark.component("kube-controller-manager")
@pytest.mark.component("etcd")
def test_control_plane_node_lost(chaos: ChaosRun) -> None:
    """When the control-plane node holding the scheduler lease stops, the API stays up, etcd keeps quorum, and
    the scheduler and controller-manager leases move to another control-plane node within 45 s.

    ko: scheduler 리스를 가진 컨트롤 플레인 노드가 멈추면, API는 계속 살아 있고
    etcd는 쿼럼을 유지하며, scheduler와 controller-manager의 리스는 45초
    안에 다른 컨트롤 플레인 노드로 넘어갑니다.
    """
    cluster = chaos.cluster
    api = chaos.api_probe()
    lost = leader_node(chaos, "kube-scheduler")
    assert lost in cluster.control_planes, f"scheduler lease held by {lost!r}"
    survivor = next(n for n in cluster.control_planes if n != lost)
    holders_before = {name: lease(cluster, name)[0] for name in ("kube-scheduler", "kube-controller-manager")}
    with (
        chaos.fault(NodeStopped(cluster, lost)) as stopped,
        chaos.step(f"during: leases leave {lost} within {LEASE_HANDOVER_S} s; etcd keeps quorum"),
    ):
        for name in holders_before:

            def moved(name: str = name) -> None:
                holder = lease(cluster, name)[0]
                assert holder_node(holder) != lost, f"{name} lease still held by {holder}"

            within_budget(moved, budget=LEASE_HANDOVER_S, what=f"{name} lease held by another node")
        quorum = has_quorum(survivor)
        chaos.attach_text(f"etcdctl endpoint health on {survivor}:\n{quorum.output}", name="etcd quorum")
        assert quorum.code == 0 and "is healthy" in quorum.output, f"etcd lost quorum: {quorum.output}"
    with chaos.step("after: the API stayed up; hand-over times recorded"):
        inject = stopped.at("inject")
        assert inject is not None
        for name in holders_before:
            change = figures.holder_change_after(chaos.timeline, f"kube-system/{name}", inject)
            handover = None if change is None else change.mono - inject
            note = f"{holders_before[name]} -> {change.holder if change else '?'}"
            chaos.figure(f"{name}_lease_handover_s", handover, budget=LEASE_HANDOVER_S, note=note)
        during = figures.between(api.samples, inject, stopped.at("restore"))
        chaos.figure("api_requests_while_node_down", len(during), unit="")
        chaos.figure("api_failed_while_node_down", sum(not s.ok for s in during), unit="")
        ratio = figures.success_ratio(during)
        chaos.figure("api_success_ratio_while_node_down", ratio, unit="")
        assert ratio is not None and ratio >= MIN_API_SUCCESS_RATIO, f"API success ratio {ratio} with a node down"

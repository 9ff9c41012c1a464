"""etcd outside the nodes (ha-external, kubeadm's `etcd.external`): a control-plane node lost, one member down, the
leader lost, quorum lost, and the control planes cut from one member, each checked with the operator's own etcdctl
from the host. The stacked twins are in test_members.py and test_ha_control_plane.py; the answer sheet sets their
figures side by side."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

import pytest

from kindchaos.cluster.external_etcd import etcdctl as host_etcdctl
from kindchaos.cluster.external_etcd import members
from kindchaos.cluster.workload import Workload
from kindchaos.evidence.scenario import ChaosRun
from kindchaos.evidence.writes import last_writes_ok, write_figures
from kindchaos.expect import eventually, stays
from kindchaos.faults import EtcdMemberCutFromControlPlanes, ExternalMemberFrozen, ExternalMemberStopped, NodeStopped
from kindchaos.faults.control_plane import holder_node, lease
from kindchaos.faults.external_etcd import ExternalMemberFault, check_member_healthy
from kindchaos.observe import figures
from kindchaos.runbooks.etcd_member_loss import (
    CATCH_UP_S,
    NEW_LEADER_S,
    QUORUM_FAILING_HELD_S,
    WRITES_STEADY_S,
    check_caught_up,
    check_new_leader,
    check_writes_failing,
    check_writes_steady,
    report_election,
)
from kindchaos.safety.recorder import HistoryRecorder

pytestmark = [
    pytest.mark.topology("ha-external"),
    pytest.mark.question("etcd-failure"),
    pytest.mark.component("etcd"),
    pytest.mark.disruptive,
    pytest.mark.slow,
]

# The budgets of the checks both layouts share live in kindchaos.runbooks.etcd_member_loss.
WRITES_BACK_S = 60  # budget: the first write accepted, from the return of the member that restores quorum
WRITES_BACK_WITHIN_S = 120  # a fixed wait, longer than the budget it precedes
MIN_API_SUCCESS_RATIO = 0.95


def roles(chaos: ChaosRun) -> tuple[str, list[str]]:
    """The leading member's name and the followers' names, as the members report them from the host."""
    layout = chaos.cluster.etcd
    assert layout is not None, f"cluster {chaos.cluster.name!r} has no external etcd"
    leader = host_etcdctl.leader_name(layout)
    return leader, [name for name in layout.names if name != leader]


def new_history(chaos: ChaosRun, *, via: str) -> HistoryRecorder:
    """Clients through the load balancer and straight to ``via``'s apiserver, with a watcher on each."""
    return chaos.history(namespace=f"kc-history-{uuid.uuid4().hex[:6]}", via=via)


def attach_view(chaos: ChaosRun, *args: str) -> str:
    """One of the operator's etcdctl views from the host, attached with its command line."""
    layout = chaos.cluster.etcd
    assert layout is not None
    text = host_etcdctl.table(layout, *args)
    chaos.attach_text(text, name="etcdctl " + " ".join(args))
    return text


def healthy_members(chaos: ChaosRun) -> tuple[list[str], dict[str, str]]:
    """The members healthy from the host (a quorum read each), and the others' errors."""
    layout = chaos.cluster.etcd
    assert layout is not None
    health = host_etcdctl.endpoint_health(layout)
    names = {m.client_url: m.name for m in layout.members}
    ok = sorted(names.get(url, url) for url, (up, _) in health.items() if up)
    sick = {names.get(url, url): error for url, (up, error) in health.items() if not up}
    return ok, sick


@pytest.mark.question("control-plane-failure")
@pytest.mark.component("kube-apiserver")
def test_control_plane_node_lost_keeps_every_member(chaos: ChaosRun) -> None:
    """When the control-plane node holding the scheduler lease stops, no etcd member is lost: `etcdctl member list`
    still lists three [three_members_listed] and all three stay healthy [every_member_healthy]; the API stays up
    [api_success_ratio] and writes through the load balancer keep succeeding [writes_steady]; every operation the
    history clients saw is consistent with one order [history_linearizable], their watchers missed, repeated or
    reordered no event [watch_guarantees] and no quorum read was stale [no_stale_quorum_read].

    ko: scheduler 리스를 가진 컨트롤 플레인 노드가 멈춰도 etcd 멤버는 하나도 잃지 않습니다.
    `etcdctl member list`는 여전히 세 멤버를 보여 주고 [three_members_listed] 세 멤버 모두 healthy로
    남습니다 [every_member_healthy]. API는 계속 살아 있고 [api_success_ratio] 로드 밸런서를 거친 쓰기는
    계속 성공합니다 [writes_steady]. 클라이언트들이 본 모든 연산은 하나의 순서로 설명되고
    [history_linearizable], watcher들은 이벤트를 놓치거나 중복하거나 순서를 바꾸지 않았으며
    [watch_guarantees], 쿼럼 읽기는 오래된 값을 돌려주지 않았습니다 [no_stale_quorum_read].
    """
    cluster = chaos.cluster
    api = chaos.api_probe()
    probe = chaos.etcd_probe()
    lost = holder_node(lease(cluster, "kube-scheduler")[0])
    assert lost in cluster.control_planes, f"scheduler lease held by {lost!r}"
    survivor = next(n for n in cluster.control_planes if n != lost)
    history = new_history(chaos, via=survivor)
    with (
        chaos.fault(NodeStopped(cluster, lost)) as stopped,
        chaos.step(f"during: with {lost} stopped, every etcd member healthy; writes succeed"),
    ):
        check_writes_steady(chaos, history)
        attach_view(chaos, "member", "list")
        attach_view(chaos, "endpoint", "status")
        members = host_etcdctl.member_list(cluster.etcd) if cluster.etcd else []
        chaos.check.that(
            "three_members_listed",
            len(members) == 3,
            what="etcdctl member list names three members with a control-plane node down",
            measured=f"{len(members)}: {sorted(m.name for m in members)}",
        )
        ok, sick = healthy_members(chaos)
        chaos.check.that(
            "every_member_healthy",
            len(ok) == 3 and not sick,
            what="etcdctl endpoint health from the host: every member healthy with a control-plane node down",
            measured=f"healthy {ok}; unhealthy {sick or 'none'}",
        )
    inject, restore = stopped.at("inject"), stopped.at("restore")
    with chaos.step("after: the API stayed up; etcd's revision kept rising"):
        during = figures.between(api.samples, inject, restore)
        chaos.figure("api_requests_while_node_down", len(during), unit="")
        chaos.figure("api_failed_while_node_down", sum(not s.ok for s in during), unit="")
        revisions = [int(s.detail["revision"]) for s in figures.between(probe.samples, inject, restore) if s.ok]
        chaos.figure("etcd_members_lost", 3 - len(ok), unit="", note="members unhealthy with the node down")
        chaos.figure(
            "etcd_revisions_while_node_down",
            (max(revisions) - min(revisions)) if revisions else 0,
            unit="",
            note="revisions written while the node was down",
        )
        write_figures(chaos, history, inject, restore)
        chaos.check.at_least(
            "api_success_ratio",
            figures.success_ratio(during),
            MIN_API_SUCCESS_RATIO,
            what="share of API requests that succeeded with the node down",
        )
        chaos.check_data_safety(history)


def test_external_member_down(chaos: ChaosRun) -> None:
    """With one of three external etcd members (a follower) stopped, `etcdctl member list` still lists three
    [three_members_listed] and `etcdctl endpoint health` marks exactly the stopped one unhealthy
    [stopped_one_unhealthy]; API writes [writes_steady] and reads [reads_succeed] keep succeeding; after the restore
    the member catches up to the others' revision within 60 s [caught_up], and every operation the clients saw is
    consistent with one order [history_linearizable], their watchers missed, repeated or reordered no event
    [watch_guarantees] and no quorum read was stale [no_stale_quorum_read].

    ko: 외부 etcd 멤버 세 개 중 하나(팔로워)를 멈춰도 `etcdctl member list`는 여전히 세 멤버를
    보여 주고 [three_members_listed] `etcdctl endpoint health`는 멈춘 멤버 하나만 unhealthy로 표시합니다
    [stopped_one_unhealthy]. API 쓰기 [writes_steady]와 읽기 [reads_succeed]는 계속 성공하고, 복구 후
    그 멤버는 60초 안에 다른 멤버들의 리비전을 따라잡으며 [caught_up], 클라이언트들이 본 모든 연산은 하나의
    순서로 설명되고 [history_linearizable], watcher들은 이벤트를 놓치거나 중복하거나 순서를 바꾸지
    않았으며 [watch_guarantees], 쿼럼 읽기는 오래된 값을 돌려주지 않았습니다 [no_stale_quorum_read].
    """
    cluster = chaos.cluster
    _, followers = roles(chaos)
    down = followers[-1]
    probe = chaos.etcd_probe()
    api = chaos.api_probe()
    history = new_history(chaos, via=cluster.control_planes[-1])
    with (
        chaos.fault(ExternalMemberStopped(cluster, down)) as outage,
        chaos.step(f"during: writes all succeed for {WRITES_STEADY_S} s with {down} stopped"),
    ):
        steady_from = check_writes_steady(chaos, history)
        attach_view(chaos, "member", "list")
        attach_view(chaos, "endpoint", "health")
        members = host_etcdctl.member_list(cluster.etcd) if cluster.etcd else []
        chaos.check.that(
            "three_members_listed",
            len(members) == 3,
            what="etcdctl member list names three members with one stopped (membership is not health)",
            measured=f"{len(members)}: {sorted(m.name for m in members)}",
        )
        ok, sick = healthy_members(chaos)
        chaos.check.that(
            "stopped_one_unhealthy",
            sorted(sick) == [down] and len(ok) == 2,
            what=f"of 3 endpoints exactly the stopped member's ({down}) unhealthy",
            measured=f"healthy {ok}; unhealthy {sorted(sick)}",
        )
    inject, restore, returned = outage.at("inject"), outage.at("restore"), outage.at("returned")
    assert inject is not None and restore is not None and returned is not None
    with chaos.step(f"after: {down} catches up within {CATCH_UP_S} s; the history checked"):
        others = [n for n in cluster.etcd.names if n != down] if cluster.etcd else []
        check_caught_up(chaos, probe, down, others, restore=restore, returned=returned)
        write_figures(chaos, history, inject, restore)
        reads = figures.between(api.samples, inject, restore)
        chaos.figure("read_success_ratio_during_fault", figures.success_ratio(reads), unit="", note="from inject")
        steady_reads = figures.between(api.samples, steady_from, restore)
        chaos.figure("reads_while_writes_steady", len(steady_reads), unit="")
        chaos.check.at_least(
            "reads_succeed",
            figures.success_ratio(steady_reads),
            1.0,
            what=f"share of API reads answered from the {WRITES_STEADY_S} s of steady writes to the restore",
        )
        chaos.check_data_safety(history)


def test_external_leader_lost(chaos: ChaosRun) -> None:
    """When the external etcd leader's container stops, the other two elect a new leader within 10 s
    [new_leader_elected, raft_term_rose], API writes fail at most briefly [writes_back_soon], and every operation the
    clients saw is consistent with one order [history_linearizable], their watchers missed, repeated or reordered no
    event [watch_guarantees] and no quorum read was stale [no_stale_quorum_read].

    ko: 외부 etcd 리더의 컨테이너가 멈추면 나머지 둘이 10초 안에 새 리더를 뽑고
    [new_leader_elected, raft_term_rose], API 쓰기는 길어야 잠깐 실패하며 [writes_back_soon],
    클라이언트들이 본 모든 연산은 하나의 순서로 설명되고 [history_linearizable], watcher들은 이벤트를
    놓치거나 중복하거나 순서를 바꾸지 않았으며 [watch_guarantees], 쿼럼 읽기는 오래된 값을 돌려주지
    않았습니다 [no_stale_quorum_read].
    """
    cluster = chaos.cluster
    leader, _ = roles(chaos)
    probe = chaos.etcd_probe()
    chaos.api_probe()
    history = new_history(chaos, via=cluster.control_planes[-1])
    term_before = max(s.detail["term"] for s in probe.samples if s.ok)
    with (
        chaos.fault(ExternalMemberStopped(cluster, leader)) as outage,
        chaos.step(f"during: a member other than {leader} leads within {NEW_LEADER_S} s"),
    ):
        inject = outage.at("inject")
        assert inject is not None
        new = check_new_leader(chaos, probe, history, leader=leader, inject=inject)
    with chaos.step("after: election figures; the history checked"):
        stopped = (outage.figures.get("docker_stop_s"), "docker stop: etcd's own shutdown")
        report_election(chaos, probe, history, outage, leader=leader, new=new, term_before=term_before, stopped=stopped)


def test_external_quorum_lost(chaos: ChaosRun, workload: Workload) -> None:
    """With two of three external etcd members stopped, quorum is lost [quorum_lost]: every API write fails
    [writes_failing], while the running workload keeps answering through its Service [service_answered]; after the
    restore quorum returns [quorum_back, writes_back], and every operation the clients saw is consistent with one
    order [history_linearizable], their watchers missed, repeated or reordered no event [watch_guarantees] and no
    quorum read was stale [no_stale_quorum_read].

    ko: 외부 etcd 멤버 세 개 중 두 개를 멈추면 쿼럼을 잃습니다 [quorum_lost]. 모든 API 쓰기가
    실패하지만 [writes_failing], 실행 중인 워크로드는 Service를 통해 계속 응답합니다 [service_answered].
    복구 후 쿼럼이 돌아오고 [quorum_back, writes_back], 클라이언트들이 본 모든 연산은 하나의 순서로
    설명되고 [history_linearizable], watcher들은 이벤트를 놓치거나 중복하거나 순서를 바꾸지 않았으며
    [watch_guarantees], 쿼럼 읽기는 오래된 값을 돌려주지 않았습니다 [no_stale_quorum_read].
    """
    cluster = chaos.cluster
    layout = cluster.etcd
    assert layout is not None
    _, followers = roles(chaos)
    first, second = followers
    chaos.etcd_probe()
    api = chaos.api_probe()
    service = chaos.service_probe(url=f"http://{workload.service_ip()}/")
    history = new_history(chaos, via=cluster.control_planes[-1])
    with (
        chaos.fault(ExternalMemberStopped(cluster, first)) as one,
        chaos.fault(ExternalMemberStopped(cluster, second)) as two,
        chaos.step(f"during: every write fails for {QUORUM_FAILING_HELD_S} s; the Service answers"),
    ):
        check_writes_failing(chaos, history)
        lost = host_etcdctl.etcdctl(layout, "endpoint", "health")
        chaos.attach_text(f"exit {lost.code}\n{lost.output}", name="etcdctl endpoint health (host)")
        chaos.check.that(
            "quorum_lost",
            lost.code != 0,
            what="etcdctl endpoint health from the host fails with two members stopped",
            measured=f"exit {lost.code}: {' '.join(lost.output.split())[-160:]}",
        )
    lost_at, restore, restored = two.at("proven"), one.at("restore"), one.at("restored")
    assert lost_at is not None and restore is not None and restored is not None
    with chaos.step("after: quorum back; the Service never failed; the history checked"):
        # The faults restore in reverse order: the second member returns first and restores quorum.
        quorum_member_back = two.at("returned")
        assert quorum_member_back is not None
        eventually(lambda: last_writes_ok(history, 3), within=WRITES_BACK_WITHIN_S, expected="writes succeeding again")
        back = figures.first_success_after(history.samples, quorum_member_back)
        writes_down = figures.unavailability_windows(figures.between(history.samples, one.at("inject"), None))
        longest = max((w.seconds or 0.0 for w in writes_down), default=0.0)
        during_service = figures.between(service.samples, lost_at, restored)
        during_api = figures.between(api.samples, lost_at, restore)
        chaos.figure("write_unavailability_s", longest)
        write_figures(chaos, history, lost_at, restore)
        chaos.figure("api_read_success_ratio_without_quorum", figures.success_ratio(during_api), unit="")
        chaos.figure("service_requests_without_quorum", len(during_service), unit="")
        chaos.check.at_least(
            "service_answered",
            figures.success_ratio(during_service),
            1.0,
            what="share of Service requests answered without quorum",
        )
        chaos.check.within(
            "writes_back",
            back,
            budget=WRITES_BACK_S,
            what="the first write accepted, from the start of the member that restores quorum",
        )
        healthy = host_etcdctl.etcdctl(layout, "endpoint", "health")
        chaos.check.that(
            "quorum_back",
            healthy.code == 0,
            what="etcdctl endpoint health from the host passes after the restore",
            measured=f"exit {healthy.code}",
        )
        chaos.check_data_safety(history)


SILENT_HELD_S = 60  # long enough for the apiservers' etcd clients to give up on the silent member


def still_silent(fault: ExternalMemberFault) -> Callable[[], None]:
    """What must hold all through the hold for the fault to still be what it says: a cut member stays healthy
    from the host (only the path is gone); a frozen one stays paused."""
    layout, member = fault.layout, fault.member
    if isinstance(fault, EtcdMemberCutFromControlPlanes):
        return lambda: check_member_healthy(layout, member)

    def paused() -> None:
        state = members.state(member.name) or {}
        assert state.get("Paused"), f"{member.name}: {state.get('Status')}"

    return paused


SILENCES: dict[str, type[ExternalMemberFault]] = {
    "frozen": ExternalMemberFrozen,
    "cut": EtcdMemberCutFromControlPlanes,
}


@pytest.mark.parametrize("silence", sorted(SILENCES))
def test_one_member_silent(chaos: ChaosRun, silence: str) -> None:
    """With one external member (a follower) silent to the apiservers for 60 s, its container frozen or every
    control plane's path to it dropped while it stays in quorum with its peers, writes through the load balancer
    keep succeeding [writes_steady] and API reads keep being answered [api_success_ratio]; every operation the
    clients saw is consistent with one order [history_linearizable], their watchers missed, repeated or reordered
    no event [watch_guarantees] and no quorum read was stale [no_stale_quorum_read].

    ko: 외부 etcd 멤버 하나(팔로워)가 60초 동안 apiserver에게 응답하지 않으면(컨테이너가 얼어붙거나, 그 멤버는
    다른 멤버들과 쿼럼을 유지한 채 모든 컨트롤 플레인에서 그 멤버로 가는 경로가 끊기면) 로드 밸런서를 거친
    쓰기는 계속 성공하고 [writes_steady] API 읽기도 계속 응답받습니다 [api_success_ratio]. 클라이언트들이 본
    모든 연산은 하나의 순서로 설명되고 [history_linearizable], watcher들은 이벤트를 놓치거나 중복하거나
    순서를 바꾸지 않았으며 [watch_guarantees], 쿼럼 읽기는 오래된 값을 돌려주지 않았습니다
    [no_stale_quorum_read].
    """
    cluster = chaos.cluster
    _, followers = roles(chaos)
    silent = followers[-1]
    chaos.etcd_probe()
    api = chaos.api_probe()
    history = new_history(chaos, via=cluster.control_planes[-1])
    with (
        chaos.fault(SILENCES[silence](cluster, silent)) as fault,
        chaos.step(f"during: {silent} {silence} for {SILENT_HELD_S} s"),
    ):
        check_writes_steady(chaos, history)
        proven = fault.at("proven")
        assert proven is not None
        # A fixed hold, so the apiservers' clients meet the silent member for longer than their keepalives, with
        # the fault checked all through it.
        stays(
            still_silent(fault),
            during=max(0.0, SILENT_HELD_S - (time.monotonic() - proven)),
            interval=5,
            expected=f"{silent} still {silence}",
        )
    inject, restore = fault.at("inject"), fault.at("restore")
    with chaos.step(f"after: what the {silence} member cost the API; the history checked"):
        during = figures.between(api.samples, inject, restore)
        failed = [s for s in during if not s.ok]
        chaos.figure("api_requests_during_fault", len(during), unit="")
        chaos.figure("api_failed_during_fault", len(failed), unit="")
        chaos.figure("api_failure_window_s", (failed[-1].mono - failed[0].mono) if failed else 0.0)
        latencies = sorted(s.latency for s in during)
        chaos.figure("api_latency_max_during_fault_s", latencies[-1] if latencies else None)
        write_figures(chaos, history, inject, restore)
        chaos.check.at_least(
            "api_success_ratio",
            figures.success_ratio(during),
            MIN_API_SUCCESS_RATIO,
            what=f"share of API requests answered with one member {silence}",
        )
        chaos.check_data_safety(history)

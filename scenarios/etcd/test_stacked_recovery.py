"""Recovering a stacked etcd (ha) with the operator's own commands inside the control planes: one member whose
data is gone replaced, and, with two members' data gone, every member restored from one snapshot under a new
cluster token. The external-etcd twins are in ``test_external_recovery.py``; the checks are the same ones."""

from __future__ import annotations

import re
import time
import uuid

import pytest

from kindchaos.cluster.etcd import LOCAL_ARGS, endpoint_status, leader_name, member_list
from kindchaos.cluster.etcd_tools import (
    BACKUP_DIR,
    BUMP_REVISION,
    file_size,
    install_tools,
    save_snapshot,
    snapshot_status,
)
from kindchaos.cluster.nodes import output, run
from kindchaos.cluster.readiness import wait_ready
from kindchaos.evidence.scenario import ChaosRun
from kindchaos.evidence.writes import write_figures
from kindchaos.faults import StackedMemberLost, StackedQuorumLost
from kindchaos.observe import figures
from kindchaos.runbooks.etcd_member_loss import (
    check_caught_up,
    check_quorum_held,
    check_writes_failing,
    check_writes_steady,
)
from kindchaos.runbooks.report import attach_runbook
from kindchaos.runbooks.snapshot_checks import (
    change_after_snapshot,
    check_new_cluster,
    check_restored,
    check_snapshot_saved,
    mark_before_snapshot,
)

pytestmark = [
    pytest.mark.topology("ha"),
    pytest.mark.component("etcd"),
    pytest.mark.disruptive,
    pytest.mark.slow,
]

SNAPSHOT = f"{BACKUP_DIR}/before-disaster.db"
HEALTHY_AFTER_START_S = 300  # budget: nodes Ready and leaders renewing, from the members' start


def members_table(node: str) -> str:
    install_tools(node)
    return output(node, "etcdctl", *LOCAL_ARGS, "member", "list", "-w", "table")


def a_follower(chaos: ChaosRun) -> tuple[str, str]:
    """(a follower's node, the leader's node): kubeadm names each member after its node."""
    planes = chaos.cluster.control_planes
    leader = leader_name(planes[0])
    return next(n for n in reversed(planes) if n != leader), leader


@pytest.mark.question("etcd-failure")
def test_stacked_member_replaced(chaos: ChaosRun) -> None:
    """When one stacked member's data is gone for good (its etcd stopped, its data directory's member tree
    deleted), writes keep succeeding on the other two [writes_steady]; the runbook (`member remove`, `member add`,
    the node's manifest told to join the existing cluster, etcd started on an empty data directory) gives it a new
    member ID with three members listed [replaced_with_new_id], the new member catches up to the others' revision
    within 60 s of its start [caught_up], at least two members answered in every probe round from the loss to the
    end of the replacement [quorum_never_lost], and every operation the clients saw is consistent with one order
    [history_linearizable], their watchers missed, repeated or reordered no event [watch_guarantees] and no quorum
    read was stale [no_stale_quorum_read].

    ko: 스택형 멤버 하나의 데이터가 영영 사라져도(etcd를 멈추고 데이터 디렉터리의 member 트리를 삭제) 나머지
    둘로 쓰기는 계속 성공합니다 [writes_steady]. 런북(`member remove`, `member add`, 기존 클러스터에 합류하도록 고친
    노드의 매니페스트, 빈 데이터 디렉터리에서 시작한 etcd)으로 그 멤버는 새 멤버 ID를 받고 멤버 셋이 나열되며
    [replaced_with_new_id], 새 멤버는 시작 후 60초 안에 다른 멤버들의 리비전을 따라잡고 [caught_up], 손실부터
    교체가 끝날 때까지 프로브의 매 회차마다 적어도 두 멤버가 응답했으며 [quorum_never_lost], 클라이언트들이 본
    모든 연산은 하나의 순서로 설명되고 [history_linearizable], watcher들은 이벤트를 놓치거나 중복하거나 순서를
    바꾸지 않았으며 [watch_guarantees], 쿼럼 읽기는 오래된 값을 돌려주지 않았습니다 [no_stale_quorum_read].
    """
    cluster = chaos.cluster
    lost_node, leader = a_follower(chaos)
    probe = chaos.etcd_probe(vantage=leader)
    history = chaos.history(namespace=f"kc-history-{uuid.uuid4().hex[:6]}", via=leader)
    chaos.attach_text(members_table(leader), name="etcdctl member list (before)")
    with (
        chaos.fault(StackedMemberLost(cluster, lost_node)) as lost,
        chaos.step(f"during: {lost_node}'s etcd data gone; writes succeed on the other two"),
    ):
        check_writes_steady(chaos, history)
    inject, replaced = lost.at("inject"), lost.at("replaced")
    assert inject is not None and replaced is not None
    with chaos.step(f"after: {lost_node} replaced and caught up; quorum held throughout; the history checked"):
        attach_runbook(chaos, lost.steps)
        chaos.attach_text(members_table(leader), name="etcdctl member list (after)")
        chaos.check.that(
            "replaced_with_new_id",
            lost.new_id not in (lost.old_id, 0) and len(member_list(leader)) == 3,
            what=f"{lost_node} listed again under a new member ID, three members in all",
            measured=f"member ID {lost.old_id:x} -> {lost.new_id:x}",
        )
        returned = lost.at("returned")
        assert returned is not None
        chaos.figure(
            "etcd_started_after_manifest_s",
            lost.figures["etcd_started_after_manifest_s"],
            note="kubelet's start of the new member's static pod",
        )
        others = [n for n in cluster.control_planes if n != lost_node]
        check_caught_up(chaos, probe, lost_node, others, restore=returned, returned=returned)
        check_quorum_held(chaos, probe, inject, replaced)
        chaos.figure("replacement_runbook_s", replaced - (lost.at("replace") or replaced), note="remove, add, start")
        write_figures(chaos, history, inject, replaced)
        chaos.check_data_safety(history)


def cluster_id(node: str) -> int:
    """The cluster ID the node's member reports (a restore under a new token gives a new one)."""
    ran = run(node, "etcdctl", *LOCAL_ARGS, "endpoint", "status", "-w", "json")
    match = re.search(r'"cluster_id":(\d+)', ran.stdout)
    assert match, f"no cluster_id in endpoint status on {node}: {ran.output[-200:]}"
    return int(match.group(1))


@pytest.mark.question("etcd-backup")
@pytest.mark.component("kube-apiserver")
def test_stacked_disaster_recovery(chaos: ChaosRun) -> None:
    """When two of three stacked members lose their data for good, quorum is lost [quorum_lost] and every API write
    fails [writes_failing]. A snapshot saved before [snapshot_checked], restored into all three members with
    `etcdutl snapshot restore` under a new cluster token while every apiserver is stopped, makes a new etcd
    cluster [new_cluster_id] with revisions bumped [revisions_bumped] that holds exactly the snapshot's state:
    objects created after it are gone [created_after_gone], objects deleted after it are back
    [deleted_after_back], the history clients' writes up to the snapshot's revision are all there and exactly those
    after it are lost [history_restored_to_snapshot], and the cluster is healthy again within 300 s of starting
    the members [healthy_after_start].

    ko: 스택형 멤버 셋 중 둘의 데이터가 영영 사라지면 쿼럼을 잃고 [quorum_lost] 모든 API 쓰기가 실패합니다
    [writes_failing]. 미리 저장해 둔 스냅샷을 [snapshot_checked] 모든 apiserver를 멈춘 채 새 클러스터 토큰으로 세
    멤버 모두에 `etcdutl snapshot restore`로 복원하면 새 etcd 클러스터가 되고 [new_cluster_id] 리비전이 올라가며
    [revisions_bumped], 정확히 스냅샷 시점의 상태를 담습니다. 스냅샷 뒤에 만든 오브젝트는 사라지고
    [created_after_gone], 스냅샷 뒤에 지운 오브젝트는 돌아오며 [deleted_after_back], 클라이언트들의 쓰기 중 스냅샷
    리비전까지의 것은 모두 남고 그 뒤의 것만 정확히 사라지며 [history_restored_to_snapshot], 멤버를 시작한 뒤
    300초 안에 클러스터가 다시 정상이 됩니다 [healthy_after_start].
    """
    cluster = chaos.cluster
    survivor, *lost_nodes = cluster.control_planes
    suffix = uuid.uuid4().hex[:6]
    with chaos.step(f"before: markers written, snapshot saved on {survivor} and checked with etcdutl"):
        install_tools(survivor)
        marked = mark_before_snapshot(chaos, suffix, via=survivor)
        saved = save_snapshot(survivor, SNAPSHOT)
        status = snapshot_status(survivor, SNAPSHOT)
        chaos.attach_text(saved.ran.output, name="etcdctl snapshot save")
        chaos.attach_text(f"{status}", name="etcdutl snapshot status")
        chaos.figure("snapshot_save_s", saved.seconds)
        check_snapshot_saved(chaos, status, file_size(survivor, SNAPSHOT))
        cluster_before = cluster_id(survivor)
    with chaos.step("before: changes after the snapshot (one marker created, one deleted, one namespace, history)"):
        checked = change_after_snapshot(chaos, marked, status.revision)  # the history up to the restore, its fence
    api = chaos.api_probe()
    disaster = StackedQuorumLost(
        cluster,
        lost_nodes,
        snapshot=SNAPSHOT,
        token=f"kindchaos-restored-{suffix}",
        target=f"/var/lib/etcd-restored-{suffix}",
    )
    with chaos.fault(disaster), chaos.step("during: two members' data gone; every write fails"):
        check_writes_failing(chaos, marked.history)
        lost = run(survivor, "etcdctl", *LOCAL_ARGS, "endpoint", "health")
        chaos.attach_text(f"exit {lost.code}\n{lost.output}", name=f"etcdctl endpoint health on {survivor}")
        chaos.check.that(
            "quorum_lost",
            lost.code != 0,
            what=f"etcdctl endpoint health on {survivor} fails with two members' data gone",
            measured=f"exit {lost.code}: {' '.join(lost.output.split())[-160:]}",
        )
    with chaos.step(f"after: healthy within {HEALTHY_AFTER_START_S} s; exactly the snapshot's markers are back"):
        attach_runbook(chaos, disaster.steps)
        chaos.figure("restore_runbook_s", sum(s.seconds for s in disaster.steps), note="stop, copy, restore, start")
        started = next(s for s in disaster.steps if s.title.startswith("start etcd"))
        recovered = disaster.at("recovered")
        assert recovered is not None
        members_started = recovered - sum(s.seconds for s in disaster.steps[disaster.steps.index(started) :])
        # A fixed wait of twice the budget, so a slow recovery is measured and then held to its budget.
        wait_ready(cluster, within=HEALTHY_AFTER_START_S * 2)
        healthy_after = time.monotonic() - members_started
        stopped, back = disaster.at("recover"), figures.first_success_after(api.samples, members_started)
        chaos.figure(
            "api_down_for_restore_s", None if back is None or stopped is None else members_started + back - stopped
        )
        check_new_cluster(chaos, cluster_before, cluster_id(survivor))
        revision = max(s.revision for s in endpoint_status(survivor))
        chaos.check.at_least(
            "revisions_bumped", revision, status.revision + BUMP_REVISION + 1, what="etcd's revision after the restore"
        )
        check_restored(chaos, marked, checked=checked, snapshot_revision=status.revision)
        chaos.check.within(
            "healthy_after_start",
            healthy_after,
            budget=HEALTHY_AFTER_START_S,
            what="nodes Ready, kube-system running, from the members' start",
        )
    chaos.stop()
    marked.delete()
    output(survivor, "rm", "-f", SNAPSHOT)

"""Recovering an external etcd (ha-external) with the operator's own commands from the host: one member replaced
after its machine is gone for good, and the whole cluster restored from one snapshot under a new cluster token."""

from __future__ import annotations

import time
import uuid
from contextlib import ExitStack
from pathlib import Path

import pytest

from kindchaos.cluster.etcd_tools import BUMP_REVISION
from kindchaos.cluster.external_etcd import etcdctl as host_etcdctl
from kindchaos.cluster.external_etcd import runbook
from kindchaos.cluster.external_etcd.layout import EtcdLayout
from kindchaos.cluster.readiness import wait_ready
from kindchaos.evidence.scenario import ChaosRun
from kindchaos.evidence.writes import write_figures
from kindchaos.faults import ComponentDown, ExternalMemberLost
from kindchaos.observe import figures
from kindchaos.runbooks.etcd_member_loss import check_caught_up, check_quorum_held, check_writes_steady
from kindchaos.runbooks.report import attach_runbook
from kindchaos.runbooks.snapshot_checks import (
    change_after_snapshot,
    check_new_cluster,
    check_restored,
    check_snapshot_saved,
    mark_before_snapshot,
)

pytestmark = [
    pytest.mark.topology("ha-external"),
    pytest.mark.component("etcd"),
    pytest.mark.disruptive,
    pytest.mark.slow,
]

HEALTHY_AFTER_START_S = 300  # budget: nodes Ready and leaders renewing, from the members' start


def layout_of(chaos: ChaosRun) -> EtcdLayout:
    layout = chaos.cluster.etcd
    assert layout is not None, f"cluster {chaos.cluster.name!r} has no external etcd"
    return layout


def a_follower(layout: EtcdLayout) -> str:
    leader = host_etcdctl.leader_name(layout)
    return next(name for name in reversed(layout.names) if name != leader)


@pytest.mark.question("etcd-failure")
def test_external_member_replaced(chaos: ChaosRun) -> None:
    """When one external member's machine is gone for good (container and data directory deleted), writes keep
    succeeding on the other two [writes_steady]; the runbook (`member remove`, `member add`, a new member of the same
    name and address started with an empty data directory) gives it a new member ID with three members listed
    [replaced_with_new_id], the new member catches up to the others' revision within 60 s of its start [caught_up],
    at least two members answered in every probe round from the loss to the end of the replacement
    [quorum_never_lost], and every operation the clients saw is consistent with one order [history_linearizable],
    their watchers missed, repeated or reordered no event [watch_guarantees] and no quorum read was stale
    [no_stale_quorum_read].

    ko: 외부 etcd 멤버 하나의 머신이 영영 사라져도(컨테이너와 데이터 디렉터리 삭제) 나머지 둘로 쓰기는 계속
    성공합니다 [writes_steady]. 런북(`member remove`, `member add`, 같은 이름과 주소로 빈 데이터 디렉터리에서
    시작한 새 멤버)으로 그 멤버는 새 멤버 ID를 받고 멤버 셋이 나열되며 [replaced_with_new_id], 새 멤버는 시작 후
    60초 안에 다른 멤버들의 리비전을 따라잡고 [caught_up], 손실부터 교체가 끝날 때까지 프로브의 매 회차마다
    적어도 두 멤버가 응답했으며 [quorum_never_lost], 클라이언트들이 본 모든 연산은 하나의 순서로 설명되고
    [history_linearizable], watcher들은 이벤트를 놓치거나 중복하거나 순서를 바꾸지 않았으며
    [watch_guarantees], 쿼럼 읽기는 오래된 값을 돌려주지 않았습니다 [no_stale_quorum_read].
    """
    cluster = chaos.cluster
    layout = layout_of(chaos)
    lost_name = a_follower(layout)
    probe = chaos.etcd_probe()
    history = chaos.history(namespace=f"kc-history-{uuid.uuid4().hex[:6]}", via=cluster.control_planes[-1])
    chaos.attach_text(host_etcdctl.table(layout, "member", "list"), name="etcdctl member list (before)")
    with (
        chaos.fault(ExternalMemberLost(cluster, lost_name)) as lost,
        chaos.step(f"during: {lost_name}'s machine gone; writes succeed on the other two"),
    ):
        check_writes_steady(chaos, history)
        chaos.attach_text(host_etcdctl.table(layout, "endpoint", "health"), name="etcdctl endpoint health (lost)")
    inject, replaced = lost.at("inject"), lost.at("replaced")
    assert inject is not None and replaced is not None
    with chaos.step(f"after: {lost_name} replaced and caught up; quorum held throughout; the history checked"):
        attach_runbook(chaos, lost.steps)
        chaos.attach_text(host_etcdctl.table(layout, "member", "list"), name="etcdctl member list (after)")
        chaos.check.that(
            "replaced_with_new_id",
            lost.new_id != lost.old_id and lost.new_id != 0,
            what=f"{lost_name} listed again under a new member ID, three members in all",
            measured=f"member ID {lost.old_id:x} -> {lost.new_id:x}",
        )
        started = next((s for s in lost.steps if s.title.startswith("start ")), None)
        assert started is not None, [s.title for s in lost.steps]
        new_start = replaced - sum(s.seconds for s in lost.steps[lost.steps.index(started) + 1 :])
        others = [n for n in layout.names if n != lost_name]
        check_caught_up(chaos, probe, lost_name, others, restore=new_start, returned=new_start)
        check_quorum_held(chaos, probe, inject, replaced)
        chaos.figure("replacement_runbook_s", replaced - (lost.at("replace") or replaced), note="remove, add, start")
        write_figures(chaos, history, inject, replaced)
        chaos.check_data_safety(history)


@pytest.mark.question("etcd-backup")
@pytest.mark.component("kube-apiserver")
def test_external_snapshot_restore(chaos: ChaosRun, tmp_path: Path) -> None:
    """A snapshot saved from one external member with `etcdctl snapshot save` [snapshot_checked] and restored into
    all three members with `etcdutl snapshot restore` under a new cluster token, the apiservers stopped meanwhile,
    makes a new etcd cluster [new_cluster_id] with revisions bumped [revisions_bumped] that holds exactly the
    snapshot's state: objects created after it are gone [created_after_gone], objects deleted after it are back
    [deleted_after_back], the history clients' writes up to the snapshot's revision are all there and exactly those
    after it are lost [history_restored_to_snapshot], and the cluster is healthy again within 300 s of starting the
    members [healthy_after_start].

    ko: 외부 멤버 하나에서 `etcdctl snapshot save`로 저장한 스냅샷을 [snapshot_checked] apiserver를 멈춘 채
    새 클러스터 토큰으로 세 멤버 모두에 `etcdutl snapshot restore`로 복원하면 새 etcd 클러스터가 되고
    [new_cluster_id] 리비전이 올라가며 [revisions_bumped], 정확히 스냅샷 시점의 상태를 담습니다. 스냅샷 뒤에
    만든 오브젝트는 사라지고 [created_after_gone], 스냅샷 뒤에 지운 오브젝트는 돌아오며 [deleted_after_back],
    클라이언트들의 쓰기 중 스냅샷 리비전까지의 것은 모두 남고 그 뒤의 것만 정확히 사라지며
    [history_restored_to_snapshot], 멤버를 시작한 뒤 300초 안에 클러스터가 다시 정상이 됩니다
    [healthy_after_start].
    """
    cluster = chaos.cluster
    layout = layout_of(chaos)
    suffix = uuid.uuid4().hex[:6]
    snapshot = tmp_path / "snapshot.db"
    token = f"{layout.token}-restored-{suffix}"
    source = layout.member(a_follower(layout))
    with chaos.step(f"before: markers written, snapshot saved from {source.name} and checked with etcdutl"):
        marked = mark_before_snapshot(chaos, suffix)
        saved = runbook.save_snapshot(layout, snapshot, member=source)
        shown, status = runbook.snapshot_status(snapshot)
        chaos.attach_text(saved.text(), name="etcdctl snapshot save")
        chaos.attach_text(shown.text(), name="etcdutl snapshot status")
        chaos.figure("snapshot_save_s", saved.seconds)
        check_snapshot_saved(chaos, status, snapshot.stat().st_size)
        cluster_before = runbook.cluster_id(layout)
    with chaos.step("before: changes after the snapshot (one marker created, one deleted, one namespace, history)"):
        checked = change_after_snapshot(chaos, marked, status.revision)  # the history up to the restore, its fence
    api = chaos.api_probe()
    with ExitStack() as apiservers:
        downs = [
            apiservers.enter_context(chaos.fault(ComponentDown(cluster, "kube-apiserver", node=node)))
            for node in cluster.control_planes
        ]
        with chaos.step(f"during: every member restored from the snapshot under token {token!r}"):
            steps = runbook.restore_all(layout, snapshot, token)
            attach_runbook(chaos, steps)
            chaos.figure("restore_runbook_s", sum(s.seconds for s in steps), note="stop, restore x3, swap, start")
            members_started = time.monotonic() - steps[-1].seconds
    with chaos.step(f"after: healthy within {HEALTHY_AFTER_START_S} s; exactly the snapshot's markers are back"):
        # A fixed wait of twice the budget, so a slow recovery is measured and then held to its budget.
        wait_ready(cluster, within=HEALTHY_AFTER_START_S * 2)
        healthy_after = time.monotonic() - members_started
        stopped, back = downs[0].at("inject"), figures.first_success_after(api.samples, members_started)
        chaos.figure(
            "api_down_for_restore_s", None if back is None or stopped is None else members_started + back - stopped
        )
        check_new_cluster(chaos, cluster_before, runbook.cluster_id(layout))
        revision = max(s.revision for s in host_etcdctl.endpoint_status(layout))
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

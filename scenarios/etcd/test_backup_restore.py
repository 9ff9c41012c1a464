"""etcd backup and restore on a single control plane, run the way an operator runs it.

``etcdctl snapshot save``, ``etcdutl snapshot status``; then, with the
apiserver and etcd stopped, ``etcdutl snapshot restore`` into a new data
directory (the member's own name and peer URLs, revisions bumped and marked
compacted), the etcd manifest pointed at it, and both started again.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

import pytest

from kindchaos.cluster.etcd import member_list
from kindchaos.cluster.etcd_tools import (
    BACKUP_DIR,
    BUMP_REVISION,
    ETCD_MANIFEST,
    Timed,
    container_flags,
    current_revision,
    data_dir,
    file_size,
    install_tools,
    read_manifest,
    restore_snapshot,
    save_snapshot,
    snapshot_status,
    with_data_dir,
    write_manifest,
)
from kindchaos.cluster.leftovers import PARKED_DIR
from kindchaos.cluster.markers import Markers
from kindchaos.cluster.nodes import output, run, sha256
from kindchaos.cluster.readiness import wait_ready
from kindchaos.evidence.scenario import ChaosRun
from kindchaos.faults import ComponentDown
from kindchaos.faults.etcd import DAMAGES, SnapshotDamaged
from kindchaos.observe import figures
from kindchaos.runbooks.snapshot_checks import (
    change_after_snapshot,
    check_restored,
    check_snapshot_saved,
    mark_before_snapshot,
)

pytestmark = [
    pytest.mark.topology("single"),
    pytest.mark.question("etcd-backup"),
    pytest.mark.component("etcd"),
    pytest.mark.disruptive,
]

SNAPSHOT = f"{BACKUP_DIR}/snapshot.db"
HEALTHY_AFTER_START_S = 300  # nodes Ready and both leaders renewing, kubelet back-off included
REFUSALS = {"truncated": "snapshot missing hash", "corrupted": "expected sha256"}

Restore = Callable[[str, str, str], Timed]


def restore_into_new_data_dir(node: str, snapshot: str, target: str) -> Timed:
    """While etcd's manifest is parked: restore into ``target`` and point the parked manifest at it."""
    parked = f"{PARKED_DIR}/etcd.yaml"
    manifest = read_manifest(node, parked)
    done = restore_snapshot(node, snapshot, target, container_flags(manifest))
    assert done.ran.code == 0, f"etcdutl snapshot restore exited {done.ran.code}: {done.ran.output[-400:]}"
    write_manifest(node, parked, with_data_dir(manifest, target))
    return done


def backup_and_restore(chaos: ChaosRun, *, restore: Restore = restore_into_new_data_dir) -> None:
    cluster = chaos.cluster
    node = cluster.control_planes[0]
    suffix = uuid.uuid4().hex[:6]
    target = f"/var/lib/etcd-restored-{suffix}"
    with chaos.step("before: markers written, snapshot saved and checked with etcdutl"):
        install_tools(node)
        marked = mark_before_snapshot(chaos, suffix)
        saved = save_snapshot(node, SNAPSHOT)
        status = snapshot_status(node, SNAPSHOT)
        chaos.attach_text(saved.ran.output, name="etcdctl snapshot save")
        chaos.attach_text(f"{status}", name="etcdutl snapshot status")
        chaos.figure("snapshot_save_s", saved.seconds)
        check_snapshot_saved(chaos, status, file_size(node, SNAPSHOT))
    with chaos.step("before: changes after the snapshot (one marker created, one deleted, one namespace, history)"):
        checked = change_after_snapshot(chaos, marked, status.revision)  # the history up to the restore, its fence
        assert set(marked.markers.versions()) == {"kept", "created-after-snapshot"}
    api = chaos.api_probe()
    with (
        chaos.fault(ComponentDown(cluster, "kube-apiserver")) as apiserver_down,
        chaos.fault(ComponentDown(cluster, "etcd")) as etcd_down,
        chaos.step(f"during: etcdutl snapshot restore into {target}; etcd's manifest pointed at it"),
    ):
        done = restore(node, SNAPSHOT, target)
        chaos.attach_text(done.ran.output, name="etcdutl snapshot restore")
        chaos.figure("snapshot_restore_s", done.seconds)
    started = etcd_down.at("restore")
    assert started is not None
    with chaos.step(f"after: healthy within {HEALTHY_AFTER_START_S} s; exactly the snapshot's markers are back"):
        # A fixed wait of twice the budget, so a slow recovery is measured and then held to its budget.
        ready = wait_ready(cluster, within=HEALTHY_AFTER_START_S * 2)
        healthy_after = time.monotonic() - started
        chaos.figure("api_first_success_after_start_s", figures.first_success_after(api.samples, started))
        stopped = apiserver_down.at("inject")
        back = figures.first_success_after(api.samples, started)
        chaos.figure("api_down_for_restore_s", None if back is None or stopped is None else started + back - stopped)
        chaos.figure("ready_checks", ready.attempts, unit="")
        running_from = data_dir(read_manifest(node))
        revision = current_revision(node)
        chaos.figure("revision_after_restore", revision, unit="", note=f"snapshot revision {status.revision}")
        check_restored(chaos, marked, checked=checked, snapshot_revision=status.revision)
        chaos.check.equals("runs_from_new_dir", running_from, target, what="etcd's data volume")
        chaos.check.at_least(
            "revisions_bumped",
            revision,
            status.revision + BUMP_REVISION + 1,
            what="etcd's revision, past the snapshot's plus the bump",
        )
        chaos.check.within(
            "healthy_after_start",
            healthy_after,
            budget=HEALTHY_AFTER_START_S,
            what="nodes Ready, kube-system running, leaders renewing, from etcd's start",
        )
    chaos.stop()
    marked.delete()
    output(node, "rm", "-f", SNAPSHOT)


def test_snapshot_backup_and_restore(chaos: ChaosRun) -> None:
    """A snapshot saved with etcdctl [snapshot_checked] and restored with etcdutl into a new data directory
    [runs_from_new_dir, revisions_bumped] brings back exactly the snapshot's state: objects created after it are
    gone [created_after_gone], objects deleted after it are back [deleted_after_back], the history clients' writes
    up to the snapshot's revision are all there and exactly those after it are lost [history_restored_to_snapshot],
    and the cluster is healthy again within 300 s of starting etcd [healthy_after_start].

    ko: etcdctl로 저장하고 [snapshot_checked] etcdutl로 새 데이터 디렉터리에 복원한 스냅샷은
    [runs_from_new_dir, revisions_bumped] 정확히 스냅샷 시점의 상태를 되돌립니다. 스냅샷 뒤에 만든 오브젝트는
    사라지고 [created_after_gone], 스냅샷 뒤에 지운 오브젝트는 돌아오며 [deleted_after_back], 클라이언트들의
    쓰기 중 스냅샷 리비전까지의 것은 모두 남고 그 뒤의 것만 정확히 사라지며
    [history_restored_to_snapshot], etcd를 시작한 뒤 300초 안에 클러스터가 다시 정상이 됩니다
    [healthy_after_start].
    """
    backup_and_restore(chaos)


def cluster_state(markers: Markers, node: str) -> dict[str, object]:
    """What a refused restore must leave alone: the data, etcd's process, manifest and membership."""
    return {
        "markers": markers.versions(),
        "etcd container": output(node, "crictl", "ps", "--name", "^etcd$", "-q"),
        "etcd manifest sha256": sha256(node, ETCD_MANIFEST),
        "etcd data dir": data_dir(read_manifest(node)),
        "members": member_list(node),
    }


def attempt_damaged_restore(
    chaos: ChaosRun, damage: str, *, meanwhile: Callable[[Markers], None] = lambda _: None
) -> None:
    cluster = chaos.cluster
    node = cluster.control_planes[0]
    markers = Markers(cluster, f"kc-bad-snapshot-{uuid.uuid4().hex[:6]}")
    good = f"{BACKUP_DIR}/good.db"
    with chaos.step("before: markers written and a good snapshot saved"):
        install_tools(node)
        markers.create_namespace()
        for name in ("first", "second"):
            markers.create(name)
        save_snapshot(node, good)
        before = cluster_state(markers, node)
    with chaos.fault(SnapshotDamaged(cluster, good, damage, node=node)) as bad:
        with chaos.step(f"during: etcdutl refuses to restore the {damage} snapshot"):
            flags = container_flags(read_manifest(node))
            done = restore_snapshot(node, bad.path, bad.restore_dir, flags)
            chaos.attach_text(f"exit {done.ran.code}\n{done.ran.output}", name=f"etcdutl snapshot restore ({damage})")
            meanwhile(markers)
            chaos.check.that(
                "restore_refused",
                done.ran.code != 0 and REFUSALS[damage] in done.ran.output,
                what=f"etcdutl snapshot restore exits non-zero naming {REFUSALS[damage]!r}",
                measured=f"exit {done.ran.code}: {' '.join(done.ran.output.split())[-240:]}",
            )
            left = run(node, "ls", "-A", bad.restore_dir).stdout
            chaos.figure("refused_after_s", done.seconds)
            chaos.figure(
                "partial_data_dir_left", 1 if left else 0, unit="", note=f"{bad.restore_dir}: {left or 'absent'}"
            )
        with chaos.step("after: the running cluster is untouched (markers, etcd container, manifest, members)"):
            after = cluster_state(markers, node)
            changed = {key: (before[key], after[key]) for key in before if before[key] != after[key]}
            chaos.check.that(
                "cluster_untouched",
                not changed,
                what="markers, etcd container, manifest, data directory and members as before the attempt",
                measured=f"cluster data changed: {changed}" if changed else "unchanged",
            )
    chaos.stop()
    markers.delete_namespaces(markers.namespace)
    output(node, "rm", "-f", good)


@pytest.mark.parametrize("damage", DAMAGES)
def test_damaged_snapshot_is_refused(chaos: ChaosRun, damage: str) -> None:
    """etcdutl refuses to restore a truncated or corrupted snapshot, naming the integrity check that failed
    [restore_refused], and the running cluster is untouched [cluster_untouched].

    ko: etcdutl은 잘리거나 손상된 스냅샷의 복원을 거부하고 실패한 무결성 검사를 알려 주며 [restore_refused],
    실행 중인 클러스터는 전혀 바뀌지 않습니다 [cluster_untouched].
    """
    attempt_damaged_restore(chaos, damage)

"""A restore from an etcd snapshot, staged and checked the same way on one control plane, on a stacked HA etcd and
on an external etcd: markers and history writes before the snapshot, changes after it, and after the restore
objects created after the snapshot gone, objects deleted after it back, the history clients' writes exactly as of
the snapshot's revision, and a new cluster ID when every member was restored under a new token."""

from __future__ import annotations

from dataclasses import dataclass

from kindchaos.cluster.etcd_tools import SnapshotStatus
from kindchaos.cluster.markers import Markers
from kindchaos.evidence.scenario import ChaosRun
from kindchaos.evidence.writes import acknowledged
from kindchaos.expect import eventually
from kindchaos.safety.recorder import HistoryRecorder
from kindchaos.safety.report import DataSafetyReport
from kindchaos.safety.restore import after_restore

WRITES_EACH_SIDE = 10  # acknowledged history writes before the snapshot, and after it
WRITES_WITHIN_S = 60  # a fixed wait: a client answers about 2.5 writes a second


@dataclass(frozen=True)
class Marked:
    """What a restore scenario wrote before its snapshot: the markers, their versions then, the history."""

    markers: Markers
    at_snapshot: dict[str, str]
    later_namespace: str
    history: HistoryRecorder

    def delete(self) -> None:
        self.markers.delete_namespaces(self.markers.namespace, self.later_namespace, self.history.namespace)


def mark_before_snapshot(chaos: ChaosRun, suffix: str, *, via: str | None = None) -> Marked:
    """Two markers (one to be deleted after the snapshot) and a running history with writes acknowledged."""
    markers = Markers(chaos.cluster, f"kc-backup-{suffix}")
    markers.create_namespace()
    markers.create("kept")
    markers.create("deleted-after-snapshot")
    at_snapshot = markers.versions()
    history = chaos.history(namespace=f"kc-history-{suffix}", via=via)
    eventually(
        lambda: acknowledged(history, above=0, at_least=WRITES_EACH_SIDE),
        within=WRITES_WITHIN_S,
        expected=f"{WRITES_EACH_SIDE} history writes acknowledged",
    )
    return Marked(markers, at_snapshot, f"kc-after-snapshot-{suffix}", history)


def check_snapshot_saved(chaos: ChaosRun, status: SnapshotStatus, size: int) -> None:
    """[snapshot_checked]: etcdutl reads the snapshot, with keys and a revision; its size and revision figures."""
    chaos.figure("snapshot_size_bytes", size, unit="B")
    chaos.figure("snapshot_revision", status.revision, unit="")
    chaos.figure("snapshot_keys", status.total_keys, unit="")
    chaos.check.that(
        "snapshot_checked",
        status.total_keys > 0 and status.revision > 0,
        what="etcdutl snapshot status reads a snapshot with keys and a revision",
        measured=f"{status.total_keys} keys at revision {status.revision}, {size} bytes",
    )


def change_after_snapshot(chaos: ChaosRun, marked: Marked, revision: int) -> DataSafetyReport:
    """One marker created, one deleted, one namespace made, history writes past ``revision``; then the history
    checked up to here (the restore's fence)."""
    marked.markers.create("created-after-snapshot")
    marked.markers.delete("deleted-after-snapshot")
    marked.markers.create_namespace(marked.later_namespace)
    eventually(
        lambda: acknowledged(marked.history, above=revision, at_least=WRITES_EACH_SIDE),
        within=WRITES_WITHIN_S,
        expected=f"{WRITES_EACH_SIDE} history writes acknowledged after the snapshot's revision",
    )
    return chaos.check_data_safety(marked.history)


def check_new_cluster(chaos: ChaosRun, before: int, after: int) -> None:
    """[new_cluster_id]: every member restored under a new token makes a cluster of another ID."""
    chaos.check.that(
        "new_cluster_id",
        after != before,
        what="the members report a cluster ID other than the old cluster's (the new token)",
        measured=f"{before:x} -> {after:x}",
    )


def check_restored(chaos: ChaosRun, marked: Marked, *, checked: DataSafetyReport, snapshot_revision: int) -> None:
    """[created_after_gone, deleted_after_back, history_restored_to_snapshot] for what ``marked`` wrote."""
    check_snapshot_state(
        chaos,
        marked.markers,
        at_snapshot=marked.at_snapshot,
        later_namespace=marked.later_namespace,
        history=marked.history,
        checked=checked,
        snapshot_revision=snapshot_revision,
    )


def check_snapshot_state(
    chaos: ChaosRun,
    markers: Markers,
    *,
    at_snapshot: dict[str, str],
    later_namespace: str,
    history: HistoryRecorder,
    checked: DataSafetyReport,
    snapshot_revision: int,
) -> None:
    """[created_after_gone, deleted_after_back, history_restored_to_snapshot] after a restore."""
    after = markers.versions()
    created_after = sorted(set(after) - set(at_snapshot))
    lost = sorted(set(at_snapshot) - set(after))
    chaos.check.that(
        "created_after_gone",
        not created_after and not markers.namespace_exists(later_namespace),
        what=f"objects created after the snapshot (a marker, namespace {later_namespace}) are gone",
        measured=f"objects created after the snapshot are still there: {created_after}"
        if created_after
        else f"gone; namespace {later_namespace} exists: {markers.namespace_exists(later_namespace)}",
    )
    chaos.check.that(
        "deleted_after_back",
        not lost and after == at_snapshot,
        what="exactly the snapshot's markers, at their resourceVersions (the one deleted after it is back)",
        measured=f"objects in the snapshot are missing: {lost}" if lost else f"markers {after}",
    )
    restored = after_restore(
        checked.history, checked.resolution, history.keys, snapshot_revision, history.read_objects()
    )
    chaos.figure("history_writes_lost_by_restore", len(restored.lost), unit="", note="committed after the snapshot")
    chaos.figure("history_keys_as_at_snapshot", len(restored.kept), unit="", note=f"of {len(history.keys)}")
    chaos.check.that(
        "history_restored_to_snapshot",
        restored.holds,
        restored.summary(),
        what="every history key as its last write at or below the snapshot's revision left it, and exactly the "
        "writes committed after that revision lost (at least one)",
    )

"""What a restore from an etcd snapshot must bring back, checked the same way on one control plane and on an
external etcd: objects created after the snapshot gone, objects deleted after it back, and the history clients'
writes exactly as of the snapshot's revision."""

from __future__ import annotations

from kindchaos.cluster.markers import Markers
from kindchaos.evidence.scenario import ChaosRun
from kindchaos.safety.recorder import HistoryRecorder
from kindchaos.safety.report import DataSafetyReport
from kindchaos.safety.restore import after_restore


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

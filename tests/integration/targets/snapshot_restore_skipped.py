"""The backup-and-restore scenario with the restore skipped: etcd comes back on its old data, so it must fail."""

import pytest

from kindchaos.cluster.etcd_tools import Timed
from kindchaos.cluster.nodes import Ran
from kindchaos.evidence.scenario import ChaosRun
from scenarios.etcd.test_backup_restore import backup_and_restore

pytestmark = [pytest.mark.topology("single"), pytest.mark.disruptive, pytest.mark.question("engine")]


def skip_restore(node: str, snapshot: str, target: str) -> Timed:
    return Timed(Ran(0, f"sabotaged: {snapshot} not restored into {target}; etcd keeps its old data"), 0.0)


def test_snapshot_restore_skipped(chaos: ChaosRun) -> None:
    """Stopping and starting etcd without restoring the snapshot does not bring the snapshot's state back."""
    backup_and_restore(chaos, restore=skip_restore)

"""The damaged-snapshot scenario while the cluster's data changes: "the cluster is untouched" must then fail."""

import pytest

from kindchaos.cluster.markers import Markers
from kindchaos.evidence.scenario import ChaosRun
from scenarios.etcd.test_backup_restore import attempt_damaged_restore

pytestmark = [pytest.mark.topology("single"), pytest.mark.disruptive, pytest.mark.question("engine")]


def delete_a_marker(markers: Markers) -> None:
    markers.delete("first")


def test_damaged_snapshot_while_data_changes(chaos: ChaosRun) -> None:
    """A marker deleted during the refused restore is a change the scenario must report."""
    attempt_damaged_restore(chaos, "truncated", meanwhile=delete_a_marker)

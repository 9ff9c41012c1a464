"""An older etcd snapshot restored under a running history, without telling the check: it must fail.

The history clients and watchers run from before the snapshot until after the restore, and the data-safety
check is asked as if nothing had happened. Writes acknowledged after the snapshot vanish, and reads after the
restore return versions older than writes acknowledged before them: ``history_linearizable`` must fail, and
name the operations it could not place.
"""

import time
import uuid

import pytest

from kindchaos.cluster.etcd_tools import install_tools, save_snapshot, snapshot_status
from kindchaos.cluster.readiness import wait_ready
from kindchaos.evidence.scenario import ChaosRun
from kindchaos.evidence.writes import acknowledged
from kindchaos.expect import eventually
from kindchaos.faults import ComponentDown
from scenarios.etcd.test_backup_restore import SNAPSHOT, restore_into_new_data_dir

pytestmark = [pytest.mark.topology("single"), pytest.mark.disruptive, pytest.mark.question("engine")]

WRITES = 10
WITHIN_S = 60  # a fixed wait: about 2.5 acknowledged writes a second
READY_WITHIN_S = 600


def test_history_across_an_unannounced_restore(chaos: ChaosRun) -> None:
    """Every operation the history clients saw is consistent with one order [history_linearizable]."""
    cluster = chaos.cluster
    node = cluster.control_planes[0]
    install_tools(node)
    history = chaos.history(namespace=f"kc-history-{uuid.uuid4().hex[:6]}")
    eventually(lambda: acknowledged(history, above=0, at_least=WRITES), within=WITHIN_S, expected="writes")
    save_snapshot(node, SNAPSHOT)
    revision = snapshot_status(node, SNAPSHOT).revision
    eventually(lambda: acknowledged(history, above=revision, at_least=WRITES), within=WITHIN_S, expected="later writes")
    with chaos.fault(ComponentDown(cluster, "kube-apiserver")), chaos.fault(ComponentDown(cluster, "etcd")):
        restore_into_new_data_dir(node, SNAPSHOT, f"/var/lib/etcd-older-{uuid.uuid4().hex[:6]}")
    wait_ready(cluster, within=READY_WITHIN_S)
    ready = time.monotonic()

    def answered_since_ready() -> None:
        found = [op for op in history.history.operations if op.call > ready and op.result == "ok"]
        assert len(found) >= WRITES, f"{len(found)} operations answered since the cluster was ready"

    eventually(answered_since_ready, within=WITHIN_S, expected="operations answered after the restore")
    chaos.check_data_safety(history)

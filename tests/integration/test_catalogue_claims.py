"""A catalogue scenario fails when its claim is not proven: a fake fault, or a budget below the measured time."""

import json
import re
from pathlib import Path

import pytest

from kindchaos.cluster.lifecycle import Cluster
from tests.integration.test_engine_runs import REPO, allure_results, attachments_of, child_pytest

pytestmark = [pytest.mark.integration, pytest.mark.topology("single"), pytest.mark.disruptive]


def single_result(results: Path) -> dict[str, object]:
    (result,) = allure_results(results)
    return result


def failed_child(target: str, tmp_path: Path, *, timeout: float, extra: list[str] | None = None) -> str:
    """Run a target in a child pytest that must fail (exit 1); its one Allure result's failure message."""
    child = child_pytest(target, tmp_path, extra=extra)
    out, _ = child.communicate(timeout=timeout)
    assert child.returncode == 1, out
    result = single_result(tmp_path)
    assert result["status"] == "failed"
    return str(result["statusDetails"]["message"])  # type: ignore[index]


def test_mirror_pod_deletion_is_not_a_scheduler_outage(single_cluster: Cluster, tmp_path: Path) -> None:
    message = failed_child("scheduler_mirror_pod_deleted.py", tmp_path, timeout=600)
    assert "fault not injected: outage of kube-scheduler" in message
    assert "no running kube-scheduler container" in message


def test_a_budget_below_the_measured_time_is_breached(single_cluster: Cluster, tmp_path: Path) -> None:
    scenario = REPO / "scenarios" / "control_plane" / "test_scheduler.py"
    message = failed_child(str(scenario), tmp_path, extra=["-k", "outage", "--budget-scale=0.001"], timeout=900)
    assert "budget breached:" in message, message
    findings = {
        f["test"].rsplit("::", 1)[1]: f for f in json.loads((tmp_path / "findings.json").read_text())["findings"]
    }
    assert findings["test_scheduler_crash"]["outcome"] == "not run", "deselected by -k, so not run"
    finding = findings["test_scheduler_outage"]
    assert finding["outcome"] == "failed"
    (breached,) = [c for c in finding["checks"] if not c["held"]]
    assert breached["name"] == "bound_after_return" and breached["kind"] == "budget", breached
    assert "(30.00 s × budget scale 0.001)" in breached["requirement"], breached
    budget = next(f for f in finding["figures"] if f["name"] == "bound_after_return")["budget"]
    assert budget == 0.03, "the figure carries the budget as applied"


def test_a_skipped_restore_does_not_pass_as_a_restore(single_cluster: Cluster, tmp_path: Path) -> None:
    message = failed_child("snapshot_restore_skipped.py", tmp_path, timeout=900)
    assert "objects created after the snapshot are still there: ['created-after-snapshot']" in message, message


def test_a_data_change_during_a_refused_restore_is_reported(single_cluster: Cluster, tmp_path: Path) -> None:
    message = failed_child("damaged_snapshot_data_changed.py", tmp_path, timeout=600)
    assert "cluster data changed: {'markers'" in message, message


def test_an_unannounced_older_snapshot_breaks_linearizability(single_cluster: Cluster, tmp_path: Path) -> None:
    """Acknowledged writes vanish under a running history: the check fails on it and names the operations."""
    message = failed_child("history_unannounced_restore.py", tmp_path, timeout=1200)
    assert "check failed: history_linearizable" in message, message
    assert re.search(r"not linearizable on \{'key-\d'.*: #\d+ c\d ", message), message
    (finding,) = json.loads((tmp_path / "findings.json").read_text())["findings"]
    failed = {c["name"] for c in finding["checks"] if not c["held"]}
    assert "history_linearizable" in failed, finding["checks"]
    visualizations = [a for r in allure_results(tmp_path) for a in attachments_of(r) if "porcupine" in a["name"]]
    assert visualizations, "porcupine's visualization is not attached"

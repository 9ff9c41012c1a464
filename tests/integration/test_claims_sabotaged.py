"""A clause made false fails the scenario on that clause's check, in the Allure category a reader triages by.

Each target is a catalogue scenario with one thing changed (its module's names patched), so the run is the
real scenario on a real cluster, and only the fact under test is false.
"""

import json
import re
from pathlib import Path

import pytest

from kindchaos.cluster.lifecycle import Cluster
from kindchaos.evidence.report_files import CATEGORIES
from tests.integration.test_catalogue_claims import failed_child, single_result

pytestmark = [pytest.mark.integration, pytest.mark.topology("single"), pytest.mark.disruptive]


def category_of(result: dict[str, object]) -> str | None:
    """The category Allure files a result under: the first whose status and message pattern match."""
    status = result["status"]
    message = str(result.get("statusDetails", {}).get("message", ""))  # type: ignore[attr-defined]
    for category in CATEGORIES:
        if status in category["matchedStatuses"] and re.match(str(category["messageRegex"]), message):
            return str(category["name"])
    return None


def failed_check(tmp_path: Path) -> dict[str, object]:
    """The one check of the child's finding that did not hold."""
    (finding,) = json.loads((tmp_path / "findings.json").read_text())["findings"]
    failed = [c for c in finding["checks"] if not c["held"]]
    assert len(failed) == 1, finding["checks"]
    return dict(failed[0])


def test_a_sigterm_is_not_a_crash(single_cluster: Cluster, tmp_path: Path) -> None:
    message = failed_child("scheduler_crash_by_sigterm.py", tmp_path, timeout=900)
    assert "fault not injected: crash of kube-scheduler" in message, message
    assert "not 137 (SIGKILL)" in message, message
    assert category_of(single_result(tmp_path)) == "Fault not injected"


def test_prebound_pods_break_the_pending_clause(single_cluster: Cluster, tmp_path: Path) -> None:
    message = failed_child("scheduler_outage_pods_prebound.py", tmp_path, timeout=900)
    assert "check failed: new_pods_pending" in message and "bound while the scheduler is down" in message, message
    assert failed_check(tmp_path)["name"] == "new_pods_pending"
    assert category_of(single_result(tmp_path)) == "Steady state violated"


def test_frozen_containers_break_the_serving_clause(single_cluster: Cluster, tmp_path: Path) -> None:
    message = failed_child("runtime_stopped_web_frozen.py", tmp_path, timeout=900)
    assert "check failed: service_answered" in message, message
    check = failed_check(tmp_path)
    assert check["name"] == "service_answered" and float(str(check["value"])) < 0.9, check
    assert category_of(single_result(tmp_path)) == "Steady state violated"

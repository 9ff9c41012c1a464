"""`kindchaos triage` on a real cluster: nothing found while it is healthy, the apiserver named within the time
limit while it is down, bad input answered with one line (and the report of what could still be read), and the
two triage checks failing for the right reason when triage is sabotaged."""

from __future__ import annotations

import glob
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client

from kindchaos.cluster.lifecycle import Cluster
from kindchaos.expect.conditions import eventually
from kindchaos.faults import ComponentDown
from kindchaos.triage.diagnose import RECENT_CRASH_S
from tests.integration.test_catalogue_claims import failed_child, single_result
from tests.integration.test_claims_sabotaged import category_of, failed_check

pytestmark = pytest.mark.integration

CLI = [sys.executable, "-m", "kindchaos.cli", "triage"]
DEADLINE_S = 30
SLACK_S = 10  # interpreter start and the kubeconfig read, on top of triage's own limit


def triage(*args: str, env: dict[str, str] | None = None) -> tuple[subprocess.CompletedProcess[str], float]:
    began = time.monotonic()
    proc = subprocess.run(
        [*CLI, *args], capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=120, check=False
    )
    return proc, time.monotonic() - began


def error_lines(proc: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in proc.stderr.splitlines() if line.startswith("kindchaos:")]


def kubeconfigs_left() -> list[str]:
    return glob.glob(os.path.join(tempfile.gettempdir(), "kindchaos-triage-*"))


def recent_exits(cluster: Cluster) -> list[str]:
    """kube-system containers that stopped within triage's crash window: a fault an earlier test made (a scheduler
    it killed) that triage rightly reports until the window has passed."""
    now = time.time()
    pods: Any = client.CoreV1Api(cluster.api).list_namespaced_pod("kube-system")
    return [
        f"{pod.metadata.name}/{status.name}: exit {ended.exit_code} {now - ended.finished_at.timestamp():.0f} s ago"
        for pod in pods.items
        for status in pod.status.container_statuses or []
        if (ended := status.last_state.terminated if status.last_state else None) is not None
        and ended.finished_at is not None
        and now - ended.finished_at.timestamp() <= RECENT_CRASH_S
    ]


def quiet(cluster: Cluster) -> None:
    """Wait until no kube-system container stopped within the crash window: the premise of "healthy"."""

    def none_recent() -> None:
        exits = recent_exits(cluster)
        assert not exits, "; ".join(exits)

    eventually(
        none_recent,
        within=RECENT_CRASH_S + DEADLINE_S,
        interval=5,
        expected=f"no kube-system container stopped in the last {RECENT_CRASH_S} s",
    )


@pytest.mark.topology("single")
def test_a_healthy_cluster_is_healthy(single_cluster: Cluster) -> None:
    quiet(single_cluster)
    proc, _ = triage("--cluster", single_cluster.name, "--json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads(proc.stdout)
    assert report["status"] == "healthy" and report["findings"] == [], report["findings"]
    assert report["facts"]["machines"] and report["facts"]["etcd"]["members"], "nodes and etcd were looked at"
    assert "BEGIN" not in proc.stdout and "client-key-data" not in proc.stdout, "no key material in the report"
    assert not kubeconfigs_left(), "the kubeconfig taken from kind was left behind"


@pytest.mark.topology("single")
@pytest.mark.disruptive
def test_an_apiserver_outage_is_named_within_the_limit(single_cluster: Cluster) -> None:
    with ComponentDown(single_cluster, "kube-apiserver"):
        proc, wall = triage("--kubeconfig", str(single_cluster.kubeconfig))
    assert proc.returncode == 4, proc.stdout + proc.stderr
    first = proc.stdout.splitlines()[1]
    assert "kube-apiserver @ kindchaos-single-control-plane" in first, proc.stdout
    assert "manifests/kube-apiserver.yaml is missing" in proc.stdout, proc.stdout
    assert wall < DEADLINE_S + SLACK_S, f"triage took {wall:.1f} s"
    assert any("did not answer" in line and "fix:" in line for line in error_lines(proc)), proc.stderr


def test_a_cluster_that_does_not_exist_is_one_line() -> None:
    proc, _ = triage("--cluster", "kc-no-such-cluster")
    assert proc.returncode == 1 and proc.stdout == ""
    (line,) = error_lines(proc)
    assert "no kind cluster named 'kc-no-such-cluster'" in line and "fix:" in line, line
    assert not kubeconfigs_left()


def test_a_missing_kubeconfig_is_one_line(tmp_path: Path) -> None:
    proc, _ = triage("--kubeconfig", str(tmp_path / "nope"))
    assert proc.returncode == 1
    (line,) = error_lines(proc)
    assert "no kubeconfig at" in line and "fix:" in line, line


def test_an_unreachable_server_is_down_within_the_limit(tmp_path: Path) -> None:
    """A kubeconfig whose server refuses connections (a closed loopback port): down, and it says why."""
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: gone\n"
        "clusters: [{name: gone, cluster: {server: 'https://127.0.0.1:1', insecure-skip-tls-verify: true}}]\n"
        "contexts: [{name: gone, context: {cluster: gone, user: gone}}]\nusers: [{name: gone, user: {token: x}}]\n"
    )
    proc, wall = triage("--kubeconfig", str(kubeconfig))
    assert proc.returncode == 4, proc.stdout + proc.stderr
    assert "api-unreachable" in proc.stdout and "could not see" in proc.stdout, proc.stdout
    assert any("did not answer" in line for line in error_lines(proc)), proc.stderr
    assert wall < DEADLINE_S + SLACK_S


@pytest.mark.topology("single")
def test_without_docker_triage_reads_the_api_and_says_what_it_missed(single_cluster: Cluster) -> None:
    proc, _ = triage("--kubeconfig", str(single_cluster.kubeconfig), env={"DOCKER_HOST": "unix:///nonexistent"})
    # Healthy or degraded, not down: the API answers. (Degraded when an earlier test's apiserver outage left the
    # scheduler in kubelet's back-off, which the API shows as a pod not ready.)
    assert proc.returncode in (0, 3), proc.stdout + proc.stderr
    assert any("node access:" in line and "fix:" in line for line in error_lines(proc)), proc.stderr
    assert "node kindchaos-single-worker: Ready=" in proc.stdout, proc.stdout
    assert "could not see:" in proc.stdout and "nodes' machines" in proc.stdout, proc.stdout


@pytest.mark.topology("single")
@pytest.mark.disruptive
def test_triage_blind_to_the_nodes_misses_a_scheduler_outage(single_cluster: Cluster, tmp_path: Path) -> None:
    message = failed_child("triage_blind_to_machines.py", tmp_path, timeout=600)
    assert "check failed: names_scheduler_down" in message, message
    check = failed_check(tmp_path)
    assert str(check["measured"]).startswith("MISSED"), check
    assert category_of(single_result(tmp_path)) == "Steady state violated"


@pytest.mark.topology("single")
def test_triage_alarmed_by_ordinary_traffic_fails_the_false_alarm_check(
    single_cluster: Cluster, tmp_path: Path
) -> None:
    message = failed_child("triage_alarmed_by_ordinary_traffic.py", tmp_path, timeout=600)
    assert "check failed: no_false_alarm" in message, message
    check = failed_check(tmp_path)
    assert str(check["measured"]).startswith("FALSE ALARM") and "api-overload" in str(check["measured"]), check
    assert category_of(single_result(tmp_path)) == "Steady state violated"

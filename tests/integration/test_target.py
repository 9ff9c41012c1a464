"""A cluster the user brings, driven over SSH: the project's own `single` cluster with sshd started on its nodes
and described by a target file, as VMs would be. Scenarios pass through SSH (the report says so), what needs a
fresh cluster or a machine's power switch is skipped with its reason, and bad target input is refused in one
line with nothing on the cluster changed."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from kindchaos.cluster.lifecycle import Cluster
from kindchaos.cluster.nodes import run
from kindchaos.cluster.ssh_nodes import write_target

pytestmark = [pytest.mark.integration, pytest.mark.topology("single")]

REPO = Path(__file__).parents[2]
OVER_SSH = "scenarios/control_plane/test_scheduler.py::test_scheduler_crash"
NEEDS_FRESH = "scenarios/control_plane/test_certificates.py::test_certificates_expire"
NEEDS_HA = "scenarios/control_plane/test_ha_control_plane.py::test_control_plane_node_lost"
NEEDS_POWER = "scenarios/nodes/test_node_lost.py::test_worker_node_lost"


@pytest.fixture(scope="module")
def target(single_cluster: Cluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("target") / "target"
    opened = write_target(
        cluster=single_cluster.name, nodes=single_cluster.nodes, kubeconfig=single_cluster.kubeconfig, output=folder
    )
    yield opened.target_file
    for node in single_cluster.nodes:  # the shared cluster goes back to sshd off and no authorised key
        run(node, "systemctl", "stop", "ssh")
        run(node, "rm", "-f", "/root/.ssh/authorized_keys")


def child(
    target_file: Path, results: Path, *tests: str, extra: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "pytest", *tests, "-p", "no:cacheprovider", "-p", "no:logging", "-rs",
            f"--kindchaos-target={target_file}", f"--alluredir={results / 'allure'}",
            f"--findings={results / 'findings.json'}", *extra]  # fmt: skip
    return subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=900, check=False)


def cluster_state(cluster: Cluster) -> str:
    """Namespaces and kube-system pods with their UIDs and restarts: what a refused run must leave unchanged. A
    namespace an earlier scenario left Terminating is not counted: it may finish going during the refused run."""
    listed = cluster.kubectl(
        "get", "namespaces,pods", "-n", "kube-system", "-o",
        "jsonpath={range .items[*]}{.kind} {.metadata.name} {.metadata.uid} {.status.phase} "
        "{.status.containerStatuses[*].restartCount}{'\\n'}{end}",
    )  # fmt: skip
    kept = [line for line in listed.splitlines() if not (line.startswith("Namespace ") and " Terminating" in line)]
    return "\n".join(kept)


def test_scenarios_run_over_ssh_and_what_cannot_is_skipped_with_its_reason(target: Path, tmp_path: Path) -> None:
    ran = child(target, tmp_path, OVER_SSH, NEEDS_FRESH, NEEDS_HA, NEEDS_POWER)
    assert ran.returncode == 0, ran.stdout[-3000:] + ran.stderr[-2000:]
    assert "1 passed, 3 skipped" in ran.stdout, ran.stdout[-2000:]
    assert "never replaced" in ran.stdout  # the fresh cluster's reason
    assert "this scenario needs ha" in ran.stdout  # the topology's reason
    assert "cannot power its machine off" in ran.stdout  # NodeStopped over SSH
    accesses = []
    for path in (tmp_path / "allure").glob("*-attachment.txt"):
        text = path.read_text()
        if " ssh root@" in text:
            accesses.append(text)
    assert accesses, "no 'node access' attachment names SSH"
    assert all(
        "BEGIN OPENSSH PRIVATE KEY" not in p.read_text(errors="replace") for p in (tmp_path / "allure").iterdir()
    )
    findings = json.loads((tmp_path / "findings.json").read_text())["findings"]
    passed = [f for f in findings if f["outcome"] == "passed"]
    assert [f["test"] for f in passed] == [OVER_SSH]
    assert all(check["held"] for check in passed[0]["checks"])


def _edited(target: Path, tmp_path: Path, change: str) -> Path:
    """A copy of the target folder with one thing wrong."""
    folder = tmp_path / "bad"
    subprocess.run(["cp", "-a", str(target.parent), str(folder)], check=True)
    document = yaml.safe_load((folder / "target.yaml").read_text())
    if change == "open key":
        (folder / "id_ed25519").chmod(0o644)
    elif change == "unreachable kubeconfig":
        kubeconfig = yaml.safe_load((folder / "kubeconfig").read_text())
        kubeconfig["clusters"][0]["cluster"]["server"] = "https://127.0.0.1:9"
        (folder / "kubeconfig").write_text(yaml.safe_dump(kubeconfig))
    elif change == "refuses ssh":
        document["access"]["port"] = 2
    elif change == "missing field":
        del document["kubeconfig"]
    (folder / "target.yaml").write_text(yaml.safe_dump(document))
    return folder / "target.yaml"


@pytest.mark.parametrize(
    ("change", "line"),
    [
        ("open key", "can be read by others (mode 644) (fix: chmod 600"),
        ("unreachable kubeconfig", "does not reach its API server"),
        ("refuses ssh", "does not answer through ssh root@"),
        ("missing field", "the file lacks 'kubeconfig' (fix: add kubeconfig: to the file)"),
    ],
)
def test_bad_target_input_is_one_line_and_changes_nothing(
    target: Path, single_cluster: Cluster, tmp_path: Path, change: str, line: str
) -> None:
    before = cluster_state(single_cluster)
    ran = child(_edited(target, tmp_path, change), tmp_path, OVER_SSH)
    assert ran.returncode == pytest.ExitCode.USAGE_ERROR, ran.stdout[-2000:] + ran.stderr[-2000:]
    errors = [text for text in ran.stderr.splitlines() if text.startswith("ERROR:")]
    assert len(errors) == 1 and line in errors[0], ran.stderr[-2000:]
    assert not (tmp_path / "findings.json").exists()
    assert cluster_state(single_cluster) == before


def test_workers_on_one_target_are_refused(target: Path, tmp_path: Path) -> None:
    ran = child(target, tmp_path, OVER_SSH, extra=("-n", "2"))
    assert ran.returncode == pytest.ExitCode.USAGE_ERROR
    assert "a target is one cluster; its scenarios run in one process (fix: drop -n)" in ran.stderr

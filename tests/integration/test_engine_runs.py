"""The engine end to end, in a child pytest: evidence written, sabotage caught, interrupts restored."""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from kindchaos.cluster.health import heal
from kindchaos.cluster.leftovers import MANIFESTS_DIR, PARKED_DIR
from kindchaos.cluster.lifecycle import Cluster
from kindchaos.cluster.nodes import run
from kindchaos.cluster.partition import chain_exists
from kindchaos.expect import eventually
from kindchaos.faults import KubeletStopped, NetworkPartitioned, NodeCordoned, NodeFrozen
from kindchaos.faults.control_plane import COMPONENTS, running_container
from kindchaos.host.doctor import allure_bin

pytestmark = [pytest.mark.integration, pytest.mark.topology("single"), pytest.mark.disruptive]

TARGETS = Path(__file__).parent / "targets"
REPO = Path(__file__).parents[2]
SECRET_MARKERS = ("BEGIN RSA PRIVATE KEY", "BEGIN EC PRIVATE KEY", "client-key-data", "client-certificate-data")


def child_pytest(
    target: str, results: Path, *, extra: list[str] | None = None, **popen: object
) -> subprocess.Popen[str]:
    """Run one target scenario in a child pytest that reuses (and keeps) the session's cluster."""
    argv = [sys.executable, "-m", "pytest", str(TARGETS / target), "-p", "no:cacheprovider", "--keep-cluster",
            f"--alluredir={results / 'allure'}", f"--findings={results / 'findings.json'}", "-q"]  # fmt: skip
    argv += extra or []
    return subprocess.Popen(argv, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **popen)  # type: ignore[call-overload, no-any-return]


def allure_results(results: Path) -> list[dict[str, object]]:
    return [json.loads(p.read_text()) for p in (results / "allure").glob("*-result.json")]


def attachments_of(result: dict[str, object]) -> list[dict[str, str]]:
    """Attachments of the test body, its steps, and its fixtures' set-up and tear-down."""
    found: list[dict[str, str]] = []

    def walk(node: dict[str, object]) -> None:
        found.extend(node.get("attachments", []))  # type: ignore[arg-type]
        for step in node.get("steps", []):  # type: ignore[attr-defined]
            walk(step)

    walk(result)
    return found


def containers_of(results: Path) -> list[dict[str, object]]:
    return [json.loads(p.read_text()) for p in (results / "allure").glob("*-container.json")]


def all_attachments(results: Path) -> dict[str, str]:
    """Attachment name -> file, across results and fixture containers."""
    found: dict[str, str] = {}
    for result in allure_results(results):
        for att in attachments_of(result):
            found[att["name"]] = att["source"]
    for container in containers_of(results):
        for fixture in [*container.get("befores", []), *container.get("afters", [])]:  # type: ignore[misc]
            for att in attachments_of(fixture):
                found[att["name"]] = att["source"]
    return found


def test_a_scenario_run_leaves_evidence_and_findings(single_cluster: Cluster, tmp_path: Path) -> None:
    child = child_pytest("scheduler_outage.py", tmp_path)
    out, _ = child.communicate(timeout=900)
    assert child.returncode == 0, out
    (result,) = allure_results(tmp_path)
    assert result["status"] == "passed"
    steps = [s["name"] for s in result["steps"]]  # type: ignore[index, union-attr]
    assert steps[0].startswith("before:") and steps[-1].startswith("after:"), steps
    assert any(s.startswith("inject: outage of kube-scheduler") for s in steps), steps
    assert any(s.startswith("restore: outage of kube-scheduler") for s in steps), steps
    attached = all_attachments(tmp_path)
    for name in ("timeline.json", "timeline chart", "figures", "health gate", "kubectl get nodes,pods"):
        assert name in attached, f"{name} missing from {sorted(attached)}"
    assert any(n.startswith("proof: outage of kube-scheduler") for n in attached)
    # triage ran while the fault held, and named it (the record is in the finding, the output in the report)
    assert "triage: outage of kube-scheduler on 'kindchaos-single-control-plane'" in attached, sorted(attached)
    assert "triage (json): outage of kube-scheduler on 'kindchaos-single-control-plane'" in attached
    assert any(n.startswith("log: kube-scheduler") for n in attached)
    chart = tmp_path / "allure" / attached["timeline chart"]
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    for source in attached.values():
        text = (tmp_path / "allure" / source).read_bytes().decode(errors="replace")
        assert not any(marker in text for marker in SECRET_MARKERS), f"secret material in {source}"
    timeline = json.loads((tmp_path / "allure" / attached["timeline.json"]).read_text())
    assert {e["source"] for e in timeline} >= {
        "pod",
        "node",
        "lease",
        "phase",
        "api-probe",
        "service-probe",
        "history-0",
    }
    (finding,) = json.loads((tmp_path / "findings.json").read_text())["findings"]
    assert finding["outcome"] == "passed" and finding["claim"]["question"].startswith("Does the scenario engine")
    figures = {f["name"]: f["value"] for f in finding["figures"]}
    assert figures["restore_to_running_s"] < 60
    assert figures["service_success_ratio_during_fault"] == 1.0, figures
    assert finding["faults"][0]["proven_after_s"] > 0 and finding["wall_s"] > 0
    (record,) = finding["triage"]
    assert record["correct"] and record["diagnosis"].startswith("kube-scheduler @"), record


def test_a_sabotaged_fault_fails_as_not_injected(single_cluster: Cluster, tmp_path: Path) -> None:
    child = child_pytest("sabotaged_outage.py", tmp_path)
    out, _ = child.communicate(timeout=600)
    assert child.returncode == 1, out
    (result,) = allure_results(tmp_path)
    assert result["status"] == "failed"
    message = result["statusDetails"]["message"]  # type: ignore[index]
    assert "fault not injected: failed to inject outage of kube-schedulr" in message
    assert "No such file or directory" in message
    (finding,) = json.loads((tmp_path / "findings.json").read_text())["findings"]
    assert finding["outcome"] == "failed"
    report = tmp_path / "report"
    generated = subprocess.run(
        [str(allure_bin()), "generate", str(tmp_path / "allure"), "-o", str(report), "--clean"],
        capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert generated.returncode == 0, generated.stdout + generated.stderr
    categories = json.loads((report / "data" / "categories.json").read_text())
    names = {c["name"] for c in categories["children"]}
    assert names == {"Fault not injected"}, names


def default_sigint() -> None:
    """SIGINT back to its default in the child: a shell starts a background job with SIGINT ignored, Python then
    installs no KeyboardInterrupt handler, and the parent's Ctrl-C would never reach the child at all (a `.ci/run`
    started with `&` failed here: the child waited out its 600 s instead)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start_fault_child(tmp_path: Path, fault: str) -> subprocess.Popen[str]:
    """A child pytest held inside ``fault``; returns once the fault is injected and proven."""
    mark = tmp_path / "in-fault"
    env = {**os.environ, "KINDCHAOS_FAULT": fault, "KINDCHAOS_IN_FAULT": str(mark)}
    child = child_pytest("interrupted_outage.py", tmp_path, env=env, preexec_fn=default_sigint)
    try:
        eventually(
            lambda: mark.exists() or child.poll() is not None, within=300, interval=0.5, expected="child in its fault"
        )
    except BaseException:
        child.kill()
        raise
    assert mark.exists(), f"the child ended before its fault: {child.communicate()[0]}"
    return child


@pytest.mark.parametrize(
    ("signum", "fault"),
    [(signal.SIGINT, "component:kube-controller-manager"), (signal.SIGTERM, "partition")],
    ids=["SIGINT-controller-manager-outage", "SIGTERM-partition"],
)
def test_an_interrupted_fault_is_restored_before_the_process_exits(
    single_cluster: Cluster, tmp_path: Path, signum: signal.Signals, fault: str
) -> None:
    node, worker = single_cluster.control_planes[0], single_cluster.workers[0]
    child = start_fault_child(tmp_path, fault)
    try:
        if fault.startswith("component:"):
            assert running_container(node, COMPONENTS["kube-controller-manager"]) is None
        else:
            assert chain_exists(worker)
        child.send_signal(signum)
        out, _ = child.communicate(timeout=400)
    finally:
        child.kill()
    assert child.returncode == pytest.ExitCode.INTERRUPTED, out
    assert run(node, "test", "-f", f"{MANIFESTS_DIR}/kube-controller-manager.yaml").code == 0
    assert run(node, "ls", "-A", PARKED_DIR).output == ""
    assert running_container(node, COMPONENTS["kube-controller-manager"]) is not None
    assert not chain_exists(worker)
    assert heal(single_cluster).healed == [], "the next run's health gate found something left broken"


def test_a_killed_run_is_healed_by_the_next_health_gate(single_cluster: Cluster, tmp_path: Path) -> None:
    """SIGKILL gives no chance to restore: the apiserver stays parked until the next health gate."""
    node = single_cluster.control_planes[0]
    child = start_fault_child(tmp_path, "component:kube-apiserver")
    child.kill()
    child.communicate(timeout=60)
    assert run(node, "test", "-f", f"{PARKED_DIR}/kube-apiserver.yaml").code == 0, "SIGKILL should leave it parked"
    report = heal(single_cluster)
    moved, *unstuck = report.healed
    assert moved == f"moved kube-apiserver.yaml back into {MANIFESTS_DIR} on {node}"
    # Components that lost the apiserver may wait in a long back-off after many faults; the gate may end it.
    assert all("to end the crash-loop back-off" in action for action in unstuck), report.healed
    assert running_container(node, COMPONENTS["kube-apiserver"]) is not None


def test_the_health_gate_heals_every_leftover_a_fault_can_leave(single_cluster: Cluster) -> None:
    """Faults injected and never restored (as after SIGKILL): the gate finds and undoes each one."""
    first, second = single_cluster.workers
    left = [
        NodeFrozen(single_cluster, first),
        NetworkPartitioned(single_cluster, second),
        KubeletStopped(single_cluster, second),
        NodeCordoned(single_cluster, second),
    ]
    for fault in left[1:]:
        fault.inject()
    left[0].inject()
    report = heal(single_cluster)
    assert report.healed == [
        f"unpaused node {first}",
        f"started kubelet on {second} (was inactive)",
        f"removed the network partition of {second}",
        f"uncordoned {second}",
    ]
    assert heal(single_cluster).healed == []

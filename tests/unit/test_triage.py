"""Triage's diagnosis rules and parsers on made-up facts (pure logic; the real runs are the triage scenarios)."""

from __future__ import annotations

import json
import time
from pathlib import Path

from kindchaos.answers import triage_table
from kindchaos.evidence import quoted
from kindchaos.faults.expected import expect, held_together
from kindchaos.triage.diagnose import DEGRADED, DOWN, HEALTHY, diagnose
from kindchaos.triage.facts import (
    Certificate,
    Container,
    Deployment,
    Endpoint,
    Etcd,
    EtcdMember,
    Facts,
    FlowSample,
    Machine,
    NodeInfo,
    PodInfo,
    Webhook,
)
from kindchaos.triage.sources.machines import parse_containers, parse_report

CP, W1, W2 = "kc-control-plane", "kc-worker", "kc-worker2"
CP_MANIFESTS = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler")
OK = "https://127.0.0.1:6443"


def machine(name: str, **changes: object) -> Machine:
    control_plane = name == CP
    health = {n: Endpoint(f"http://127.0.0.1/{n}", 200) for n in ("kubelet", "kube-proxy")}
    if control_plane:
        health |= {n: Endpoint(f"https://127.0.0.1/{n}", 200) for n in CP_MANIFESTS}
    found = Machine(
        name,
        "running",
        units={"kubelet": "active", "containerd": "active"},
        manifests=CP_MANIFESTS if control_plane else (),
        containers={
            n: Container(n, "running", 0, 600.0) for n in (*(CP_MANIFESTS if control_plane else ()), "kube-proxy")
        },
        health=health,
        reaches_api=Endpoint(OK, 200),
    )
    for key, value in changes.items():
        setattr(found, key, value)
    return found


def healthy(**changes: object) -> Facts:
    facts = Facts(
        api_server=OK,
        api=Endpoint(f"{OK}/livez", 200, "ok"),
        readyz=Endpoint(f"{OK}/readyz?verbose", 200, "ok"),
        apiservers={CP: Endpoint("https://172.18.0.2:6443/livez", 200)},
        certificates=[Certificate("serving certificate of 127.0.0.1:6443", time.time() + 86400 * 300, time.time())],
        nodes=[NodeInfo(n, "True", "KubeletReady", 900, 3.0, control_plane=n == CP) for n in (CP, W1, W2)],
        pods=[PodInfo(f"kube-proxy-{n}", n, "kube-proxy", "Running", True, 0) for n in (CP, W1, W2)],
        deployments=[Deployment("coredns", 2, 2)],
        machines={n: machine(n) for n in (CP, W1, W2)},
        etcd=Etcd(members=[EtcdMember(CP, "https://172.18.0.2:2379", True, leader=True)], listed=True),
    )
    for key, value in changes.items():
        setattr(facts, key, value)
    return facts


def first(facts: Facts) -> tuple[str, str]:
    found = diagnose(facts).primary
    assert found is not None, "no finding"
    return found.part, found.where


def three_members(*down: str, listed: bool = True) -> Etcd:
    names = ("cp1", "cp2", "cp3")
    return Etcd(
        members=[
            EtcdMember(n, f"https://10.0.0.{i}:2379", n not in down, "" if n not in down else "x")
            for i, n in enumerate(names)
        ],
        listed=listed,
    )


def test_a_healthy_cluster_has_no_finding() -> None:
    diagnosis = diagnose(healthy())
    assert diagnosis.status == HEALTHY and diagnosis.findings == []


def test_a_missing_manifest_names_the_component_on_its_node() -> None:
    cp = machine(CP, manifests=("etcd", "kube-apiserver", "kube-controller-manager"))
    cp.health.pop("kube-scheduler")
    diagnosis = diagnose(healthy(machines={CP: cp, W1: machine(W1), W2: machine(W2)}))
    assert first(healthy(machines={CP: cp, W1: machine(W1), W2: machine(W2)})) == ("kube-scheduler", CP)
    assert diagnosis.status == DEGRADED
    assert any("manifests/kube-scheduler.yaml is missing" in line for line in diagnosis.findings[0].evidence)


def test_a_paused_node_is_frozen_and_its_pods_are_not_reported_again() -> None:
    facts = healthy(machines={CP: machine(CP), W1: machine(W1, state="paused"), W2: machine(W2)})
    facts.nodes[1] = NodeInfo(W1, "Unknown", "NodeStatusUnknown", 50, 45.0)
    facts.pods[1] = PodInfo(f"kube-proxy-{W1}", W1, "kube-proxy", "Running", False, 0)
    diagnosis = diagnose(facts)
    assert [(f.part, f.where) for f in diagnosis.findings] == [("node-frozen", W1)]


def test_a_stopped_unit_claims_its_node() -> None:
    facts = healthy(
        machines={
            CP: machine(CP),
            W1: machine(W1, units={"kubelet": "inactive", "containerd": "active"}),
            W2: machine(W2),
        }
    )
    assert first(facts) == ("kubelet", W1)


def test_a_node_that_cannot_reach_the_api_is_cut_off() -> None:
    cut = machine(W2, reaches_api=Endpoint("https://kc-control-plane:6443", None, "no answer within 3 s"))
    cut.health["kube-proxy"] = Endpoint("http://127.0.0.1:10256/healthz", 503)  # it cannot sync either
    diagnosis = diagnose(healthy(machines={CP: machine(CP), W1: machine(W1), W2: cut}))
    assert [(f.part, f.where) for f in diagnosis.findings] == [("node-unreachable", W2)]


def test_a_control_plane_whose_own_apiserver_is_down_is_not_cut_off() -> None:
    """One apiserver of three down: its node's kubelet cannot reach it, the API answers through the others."""
    local = Endpoint("https://172.18.0.3:6443", None, "no answer within 3 s")
    cp = machine(CP, manifests=("etcd", "kube-controller-manager", "kube-scheduler"), reaches_api=local)
    cp.health.pop("kube-apiserver")
    cp.containers.pop("kube-apiserver")  # kubelet removed the pod whose manifest went away
    diagnosis = diagnose(healthy(machines={CP: cp, W1: machine(W1), W2: machine(W2)}))
    assert [(f.part, f.where) for f in diagnosis.findings] == [("kube-apiserver", CP)]


def test_when_no_one_reaches_the_api_the_apiserver_is_named_not_the_network() -> None:
    gone = Endpoint("https://kc-control-plane:6443", None, "no answer within 3 s")
    cp = machine(CP, manifests=("etcd", "kube-controller-manager", "kube-scheduler"), reaches_api=gone)
    cp.health.pop("kube-apiserver")
    machines = {CP: cp, W1: machine(W1, reaches_api=gone), W2: machine(W2, reaches_api=gone)}
    facts = healthy(machines=machines, api=Endpoint(f"{OK}/livez", None, "connection refused"))
    assert first(facts) == ("kube-apiserver", CP) and diagnose(facts).status == DOWN


def test_a_stopped_process_is_named() -> None:
    frozen = machine(W2, stopped_processes=("kube-proxy",))
    frozen.health["kube-proxy"] = Endpoint("http://127.0.0.1:10256/healthz", None, "no answer (curl)")
    facts = healthy(machines={CP: machine(CP), W1: machine(W1), W2: frozen})
    diagnosis = diagnose(facts)
    assert first(facts) == ("kube-proxy", W2) and len(diagnosis.findings) == 1


def test_etcd_one_member_of_three_is_a_member_two_are_quorum() -> None:
    assert first(healthy(etcd=three_members("cp2"))) == ("etcd-member", "cp2")
    lost = diagnose(healthy(etcd=three_members("cp2", "cp3")))
    assert lost.primary is not None and lost.primary.part == "etcd-quorum" and lost.status == DOWN


def test_no_member_list_from_any_control_plane_is_quorum_lost() -> None:
    assert first(healthy(etcd=three_members("cp1", listed=False))) == ("etcd-quorum", "")


def test_nospace_is_named_before_everything_else_but_certificates() -> None:
    etcd = three_members()
    etcd.alarms = ["NOSPACE on cp1"]
    assert first(healthy(etcd=etcd)) == ("etcd-nospace", "")
    expired = Certificate("serving certificate of x", time.time() - 30, time.time())
    assert first(healthy(etcd=etcd, certificates=[expired])) == ("certificate-expired", "")


def test_a_member_on_a_stopped_machine_is_named_by_the_machine() -> None:
    etcd = three_members("cp2")
    stopped = {name: machine(name) for name in ("cp1", "cp3")} | {"cp2": machine("cp2", state="exited")}
    diagnosis = diagnose(healthy(etcd=etcd, machines=stopped))
    assert [(f.part, f.where) for f in diagnosis.findings] == [("node-stopped", "cp2")]


def test_a_recent_sigkill_is_a_crash_and_a_restart_after_a_node_reboot_is_not() -> None:
    crashed = PodInfo("kube-scheduler-cp", CP, "kube-scheduler", "Running", True, 1, "", 137, 12.0)
    assert first(healthy(pods=[crashed])) == ("kube-scheduler", CP)
    rebooted = PodInfo("kube-proxy-w1", W1, "kube-proxy", "Running", True, 1, "", 255, 12.0)
    old = PodInfo("kube-scheduler-cp", CP, "kube-scheduler", "Running", True, 1, "", 137, 900.0)
    lease_lost = PodInfo("kube-scheduler-cp", CP, "kube-scheduler", "Running", True, 2, "", 1, 30.0)
    assert diagnose(healthy(pods=[rebooted, old, lease_lost])).status == HEALTHY
    still_failing = PodInfo("kube-scheduler-cp", CP, "kube-scheduler", "Running", False, 2, "", 1, 30.0)
    assert first(healthy(pods=[still_failing])) == ("kube-scheduler", CP)


def test_a_component_pod_not_ready_before_its_crash_is_reported_names_the_component() -> None:
    """Seen on a run: the scheduler was SIGKILLed, its pod already not ready, but kubelet had not yet reported the
    new last state (the one shown was an exit 1 twelve minutes old). The part is still the scheduler on its node."""
    just_killed = PodInfo("kube-scheduler-cp", CP, "kube-scheduler", "Running", False, 5, "", 1, 728.0)
    assert first(healthy(pods=[just_killed])) == ("kube-scheduler", CP)
    other = PodInfo("metrics-abc", W1, "metrics", "Running", False, 0)
    assert first(healthy(pods=[other])) == ("kube-system-pod", "metrics-abc"), "an unknown pod is named as a pod"


def test_coredns_webhook_and_flood() -> None:
    assert first(healthy(deployments=[Deployment("coredns", 0, 0)])) == ("coredns", "")
    hook = Webhook("kindchaos-webhook", "enforce.kindchaos.dev", "Fail", "kindchaos-webhook/kindchaos-webhook", 0)
    assert first(healthy(webhooks=[hook])) == ("admission-webhook", "kindchaos-webhook")
    flood = FlowSample(2.0, {"global-default": 10, "kc-flood": 40}, {"kc-flood": 25})
    assert first(healthy(flow=flood)) == ("api-overload", "kc-flood")
    busy = FlowSample(2.0, {"kc-flood": 900, "exempt": 900}, {})
    assert first(healthy(flow=busy)) == ("api-overload", "kc-flood")
    assert diagnose(healthy(flow=FlowSample(2.0, {"exempt": 900, "global-default": 20}, {}))).status == HEALTHY


def test_the_api_gone_with_nothing_else_seen_is_down() -> None:
    facts = healthy(api=Endpoint(f"{OK}/livez", None, "MaxRetryError: connection refused"), machines={}, etcd=None)
    diagnosis = diagnose(facts)
    assert diagnosis.status == DOWN and first(facts) == ("api-unreachable", OK)


def test_faults_held_together_are_judged_together() -> None:
    two = held_together([expect("etcd-member", "cp2"), expect("etcd-member", "cp3")])
    assert two == expect("etcd-quorum")
    one = held_together([expect("kubelet", W1)])
    assert one == expect("kubelet", W1)
    assert held_together([]) is None
    lost = diagnose(healthy(etcd=three_members("cp2", "cp3"))).primary
    assert two is not None and lost is not None and two.matches(lost.part, lost.where)
    assert not expect("etcd-member", "cp2").matches(lost.part, lost.where)


def test_the_node_script_and_crictl_output_parse() -> None:
    found = Machine(W1, "running")
    parse_report(
        found,
        "unit kubelet inactive\nunit containerd active\nmanifest kube-apiserver\nstopped kube-proxy\n"
        "health kubelet 000 http://127.0.0.1:10248/healthz\nhealth kube-proxy 200 http://127.0.0.1:10256/healthz\n"
        "reach 000 https://kc-control-plane:6443\n",
    )
    assert found.units == {"kubelet": "inactive", "containerd": "active"}
    assert found.manifests == ("kube-apiserver",) and found.stopped_processes == ("kube-proxy",)
    assert not found.health["kubelet"].ok and found.health["kube-proxy"].ok
    assert found.reaches_api is not None and found.reaches_api.status is None
    now = 2_000_000_000_000_000_000
    listed = {
        "containers": [
            {"metadata": {"name": "kube-scheduler", "attempt": 1}, "state": "CONTAINER_EXITED", "createdAt": now - 9e9},
            {
                "metadata": {"name": "kube-scheduler", "attempt": 2},
                "state": "CONTAINER_RUNNING",
                "createdAt": now - 1e9,
            },
        ]
    }
    containers = parse_containers(json.dumps(listed), now)
    assert containers["kube-scheduler"] == Container("kube-scheduler", "running", 2, 1.0)


def record(fault: str, correct: bool, seconds: float) -> dict[str, object]:
    expected = "kubelet @ w1" if fault else "healthy"
    return {"fault": fault, "expected": expected, "diagnosis": "x", "correct": correct, "seconds": seconds}


def findings_document() -> dict[str, object]:
    return {
        "run": {"started": 10.0, "finished": 20.0, "selected": []},
        "findings": [
            {"test": "a", "outcome": "passed", "run_started": 10.0,
             "triage": [record("", True, 2.0), record("kubelet stopped", True, 1.5),
                        record("node frozen", False, 3.0)]},
            {"test": "b", "outcome": "passed", "run_started": 5.0, "triage": [record("old run", True, 9.0)]},
        ],
    }  # fmt: skip


def test_the_accuracy_table_counts_only_the_last_run() -> None:
    found = triage_table.records(findings_document())
    assert [r["fault"] for r in found] == ["", "kubelet stopped", "node frozen"]
    assert triage_table.tally(found) == {
        "tried": 2, "correct": 1, "healthy": 1, "alarms": 0, "median": 2.0, "longest": 3.0,
    }  # fmt: skip
    english = "\n".join(triage_table.to_markdown(findings_document(), "en"))
    assert (
        "1 of 2 faults named by the first finding" in english and "| node frozen | kubelet @ w1 | x | ❌ |" in english
    )
    korean = "\n".join(triage_table.to_markdown(findings_document(), "ko"))
    assert "2개 장애 중 1개" in korean and "오탐 0건" in korean


def test_evidence_save_writes_the_accuracy_table_beside_the_findings(tmp_path: Path) -> None:
    source = tmp_path / "findings.json"
    source.write_text(json.dumps(findings_document()))
    saved = quoted.save(source, "run-x", root=tmp_path / "evidence")
    accuracy = json.loads((saved.parent / "triage.json").read_text())
    assert accuracy["tally"]["tried"] == 2 and len(accuracy["records"]) == 3
    assert accuracy["run"]["started"] == 10.0, "the same run as the findings beside it"


def test_an_api_client_error_says_why_in_one_line() -> None:
    from kubernetes.client.exceptions import ApiException

    from kindchaos.triage.session import short_error

    error = ApiException(status=0, reason="MaxRetryError: connection refused")
    assert short_error(error) == "ApiException: (0) MaxRetryError: connection refused"
    assert short_error(ValueError("bad\nsecond line")) == "ValueError: bad"


def test_etcd_refusing_tls_is_a_certificate_finding_not_quorum_lost() -> None:
    refused = "TLS refused: the member's certificate did not verify, expired or not signed by the CA (curl exit 60)"
    etcd = Etcd(members=[EtcdMember(CP, "https://127.0.0.1:2379", False, refused)], listed=False)
    expired = Certificate("serving certificate of 127.0.0.1:6443", time.time() - 5, time.time())
    diagnosis = diagnose(healthy(etcd=etcd, certificates=[expired]))
    assert [(f.part, f.where) for f in diagnosis.findings] == [("certificate-expired", "")]
    alone = diagnose(healthy(etcd=etcd))
    assert alone.primary is not None and alone.primary.part == "certificate-expired" and alone.status == DOWN

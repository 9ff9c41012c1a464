"""Where each component runs, as the interview answer says, and how its health is read today."""

import json

import pytest

from kindchaos.cluster.leftovers import MANIFESTS_DIR
from kindchaos.cluster.nodes import run_in, unit_state
from kindchaos.evidence.scenario import ChaosRun

pytestmark = [pytest.mark.topology("single"), pytest.mark.question("components")]

STATIC = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler")


@pytest.mark.component("kube-apiserver")
@pytest.mark.component("kubelet")
@pytest.mark.component("kube-proxy")
def test_components_run_where_the_answer_says(chaos: ChaosRun) -> None:
    """apiserver, etcd, scheduler and controller-manager are static pods on the control plane; kubelet and the
    container runtime are services on every node; kube-proxy is a DaemonSet with a pod on every node.

    ko: apiserver, etcd, scheduler, controller-manager는 컨트롤
    플레인의 static pod이고, kubelet과 컨테이너 런타임은 모든 노드의 서비스이며,
    kube-proxy는 모든 노드에 파드를 하나씩 두는 DaemonSet입니다.
    """
    cluster = chaos.cluster
    pods = json.loads(cluster.kubectl("get", "pods", "-n", "kube-system", "-o", "json"))["items"]
    with chaos.step("static pods: mirror pods on the control plane, manifests only there"):
        for component in STATIC:
            found = [p for p in pods if p["metadata"].get("labels", {}).get("component") == component]
            assert [p["spec"]["nodeName"] for p in found] == cluster.control_planes, component
            assert all("kubernetes.io/config.mirror" in p["metadata"]["annotations"] for p in found), component
        for node in cluster.nodes:
            manifests = sorted(run_in(node, f"ls {MANIFESTS_DIR}").output.split())
            want = [f"{c}.yaml" for c in STATIC] if node in cluster.control_planes else []
            assert manifests == want, f"{node}: {manifests}"
    with chaos.step("services: kubelet and containerd active under systemd on every node"):
        for node in cluster.nodes:
            assert (unit_state(node, "kubelet"), unit_state(node, "containerd")) == ("active", "active"), node
    with chaos.step("kube-proxy: a DaemonSet with one Running pod per node"):
        owners = {
            p["spec"]["nodeName"]: p["metadata"]["ownerReferences"][0]["kind"]
            for p in pods
            if p["metadata"]["name"].startswith("kube-proxy-") and p["status"]["phase"] == "Running"
        }
        assert owners == dict.fromkeys(cluster.nodes, "DaemonSet"), owners
    chaos.figure("static_pods", len(STATIC), unit="", note="on " + ", ".join(cluster.control_planes))
    chaos.figure("nodes_with_kubelet_and_containerd", len(cluster.nodes), unit="")


@pytest.mark.component("kube-apiserver")
def test_component_health_is_read_from_livez_and_readyz(chaos: ChaosRun) -> None:
    """`kubectl get componentstatuses` is deprecated (and reads the scheduler and controller-manager in a way
    that no longer reflects them); /livez and /readyz?verbose are the health endpoints that say what each
    check found.

    ko: `kubectl get componentstatuses`는 폐기 예정(deprecated)이며
    scheduler와 controller-manager의 상태를 더 이상 제대로 반영하지 못합니다. 각
    검사의 결과를 알려 주는 헬스 엔드포인트는 /livez와 /readyz?verbose입니다.
    """
    cluster = chaos.cluster
    with chaos.step("componentstatuses: still answers, with a deprecation warning"):
        proc = cluster.kubectl("get", "componentstatuses", "--v=0")
        chaos.attach_text(proc, name="kubectl get componentstatuses")
        assert "etcd-0" in proc
    with chaos.step("livez and readyz?verbose: every check listed and ok"):
        livez = cluster.kubectl("get", "--raw", "/livez?verbose")
        readyz = cluster.kubectl("get", "--raw", "/readyz?verbose")
        chaos.attach_text(livez, name="/livez?verbose")
        chaos.attach_text(readyz, name="/readyz?verbose")
        for text, name in ((livez, "livez"), (readyz, "readyz")):
            assert text.strip().endswith(f"{name} check passed"), text[-200:]
            assert "[+]etcd ok" in text
        chaos.figure("readyz_checks", sum(line.startswith("[+]") for line in readyz.splitlines()), unit="")
        chaos.figure("livez_checks", sum(line.startswith("[+]") for line in livez.splitlines()), unit="")

"""Where each component runs, as the interview answer says, and how its health is read today."""

import json

import pytest

from kindchaos import shell
from kindchaos.cluster.leftovers import MANIFESTS_DIR
from kindchaos.cluster.nodes import run, unit_state
from kindchaos.evidence.scenario import ChaosRun

pytestmark = [pytest.mark.topology("single"), pytest.mark.question("components")]

STATIC = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler")
VERBOSE = "/{name}?verbose lists each check ([+]etcd ok among them) and ends '{name} check passed'"


def verbose_passed(text: str, name: str) -> tuple[bool, str]:
    """Whether a verbose health answer passed, listing its checks; and what it said."""
    checks = [line for line in text.splitlines() if line.startswith("[")]
    held = text.strip().endswith(f"{name} check passed") and "[+]etcd ok" in text and len(checks) > 1
    return held, f"{len(checks)} checks listed, last line {text.strip().splitlines()[-1]!r}"


@pytest.mark.component("kube-apiserver")
@pytest.mark.component("kubelet")
@pytest.mark.component("kube-proxy")
def test_components_run_where_the_answer_says(chaos: ChaosRun) -> None:
    """apiserver, etcd, scheduler and controller-manager are static pods on the control plane [static_pods,
    manifests_on_control_plane]; kubelet and the container runtime are services on every node [node_services];
    kube-proxy is a DaemonSet with a pod on every node [kube_proxy_daemonset].

    ko: apiserver, etcd, scheduler, controller-manager는 컨트롤 플레인의 static pod이고 [static_pods,
    manifests_on_control_plane], kubelet과 컨테이너 런타임은 모든 노드의 서비스이며 [node_services],
    kube-proxy는 모든 노드에 파드를 하나씩 두는 DaemonSet입니다 [kube_proxy_daemonset].
    """
    cluster = chaos.cluster
    pods = json.loads(cluster.kubectl("get", "pods", "-n", "kube-system", "-o", "json"))["items"]
    with chaos.step("static pods: mirror pods on the control plane, manifests only there"):
        placement = {}
        for component in STATIC:
            found = [p for p in pods if p["metadata"].get("labels", {}).get("component") == component]
            mirror = all("kubernetes.io/config.mirror" in p["metadata"]["annotations"] for p in found)
            placement[component] = ([p["spec"]["nodeName"] for p in found], mirror)
        chaos.check.that(
            "static_pods",
            all(nodes == cluster.control_planes and mirror for nodes, mirror in placement.values()),
            what=f"each of {', '.join(STATIC)} is a mirror pod on the control plane only",
            measured=str({c: f"{nodes} mirror={mirror}" for c, (nodes, mirror) in placement.items()}),
        )
        manifests = {node: sorted(run(node, "ls", MANIFESTS_DIR).stdout.split()) for node in cluster.nodes}
        want = {n: [f"{c}.yaml" for c in STATIC] if n in cluster.control_planes else [] for n in cluster.nodes}
        chaos.check.that(
            "manifests_on_control_plane",
            manifests == want,
            what=f"their manifests in {MANIFESTS_DIR} on the control plane, none on the workers",
            measured=str(manifests),
        )
    with chaos.step("services: kubelet and containerd active under systemd on every node"):
        units = {node: (unit_state(node, "kubelet"), unit_state(node, "containerd")) for node in cluster.nodes}
        chaos.check.that(
            "node_services",
            all(states == ("active", "active") for states in units.values()),
            what="kubelet and containerd active under systemd on every node",
            measured=str(units),
        )
    with chaos.step("kube-proxy: a DaemonSet with one Running pod per node"):
        owners = {
            p["spec"]["nodeName"]: p["metadata"]["ownerReferences"][0]["kind"]
            for p in pods
            if p["metadata"]["name"].startswith("kube-proxy-") and p["status"]["phase"] == "Running"
        }
        chaos.check.that(
            "kube_proxy_daemonset",
            owners == dict.fromkeys(cluster.nodes, "DaemonSet"),
            what="one Running kube-proxy pod per node, owned by a DaemonSet",
            measured=str(owners),
        )
    chaos.figure("static_pods", len(STATIC), unit="", note="on " + ", ".join(cluster.control_planes))
    chaos.figure("nodes_with_kubelet_and_containerd", len(cluster.nodes), unit="")


@pytest.mark.component("kube-apiserver")
def test_component_health_is_read_from_livez_and_readyz(chaos: ChaosRun) -> None:
    """`kubectl get componentstatuses` is deprecated: the API server still answers it, with a deprecation
    warning [componentstatuses_deprecated]; /livez and /readyz?verbose are the health endpoints that say what each
    check found [livez_verbose, readyz_verbose].

    ko: `kubectl get componentstatuses`는 폐기 예정(deprecated)입니다. API 서버는 아직 응답하지만 폐기 경고를
    함께 보냅니다 [componentstatuses_deprecated]. 각 검사의 결과를 알려 주는 헬스 엔드포인트는 /livez와
    /readyz?verbose입니다 [livez_verbose, readyz_verbose].
    """
    cluster = chaos.cluster
    with chaos.step("componentstatuses: still answers, with a deprecation warning"):
        argv = [str(cluster.kind.kubectl_path), "--kubeconfig", str(cluster.kubeconfig), "get", "componentstatuses"]
        proc = shell.run(argv, timeout=60)
        chaos.attach_text(f"{proc.stdout}\n--- stderr ---\n{proc.stderr}", name="kubectl get componentstatuses")
        warning = next((line for line in proc.stderr.splitlines() if "deprecated" in line), "")
        chaos.check.that(
            "componentstatuses_deprecated",
            "etcd-0" in proc.stdout and "ComponentStatus is deprecated" in warning,
            what="componentstatuses answered (etcd-0 listed) with a 'ComponentStatus is deprecated' warning",
            measured=warning or f"no deprecation warning; stderr: {proc.stderr.strip()[:200]!r}",
        )
    with chaos.step("livez and readyz?verbose: every check listed and ok"):
        livez = cluster.kubectl("get", "--raw", "/livez?verbose")
        readyz = cluster.kubectl("get", "--raw", "/readyz?verbose")
        chaos.attach_text(livez, name="/livez?verbose")
        chaos.attach_text(readyz, name="/readyz?verbose")
        chaos.check.that("livez_verbose", *verbose_passed(livez, "livez"), what=VERBOSE.format(name="livez"))
        chaos.check.that("readyz_verbose", *verbose_passed(readyz, "readyz"), what=VERBOSE.format(name="readyz"))
        chaos.figure("readyz_checks", sum(line.startswith("[+]") for line in readyz.splitlines()), unit="")
        chaos.figure("livez_checks", sum(line.startswith("[+]") for line in livez.splitlines()), unit="")

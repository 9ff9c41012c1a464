"""Every fault on a real cluster: injected and proven, restored and proven, checked independently here."""

import json
from collections.abc import Iterator

import pytest

from kindchaos import shell
from kindchaos.cluster.api import core
from kindchaos.cluster.health import heal
from kindchaos.cluster.leftovers import MANIFESTS_DIR, PARKED_DIR
from kindchaos.cluster.lifecycle import Cluster
from kindchaos.cluster.nodes import container_state, crictl_inspect, ip_address, run, unit_state
from kindchaos.cluster.partition import chain_exists
from kindchaos.faults import (
    ComponentCrashed,
    ComponentDown,
    DrainBlocked,
    KubeletStopped,
    NetworkPartitioned,
    NodeDrained,
    NodeFrozen,
    NodeStopped,
    RuntimeStopped,
    drain,
)
from kindchaos.faults.control_plane import COMPONENTS, CURL_REFUSED, health, running_container
from kindchaos.faults.network import CURL_TIMEOUT, dropped_packets
from kindchaos.faults.nodes import api_ready
from kindchaos.observe.timeline import Timeline

pytestmark = [pytest.mark.integration, pytest.mark.topology("single"), pytest.mark.disruptive]


def phases(timeline: Timeline) -> list[str]:
    return [e.type for e in timeline.events("phase")]


@pytest.fixture
def timeline(single_cluster: Cluster) -> Iterator[Timeline]:
    yield Timeline()
    heal(single_cluster)  # each test leaves the cluster whole


# First: kubelet's restart back-off grows with every earlier restart (outages count too).
def test_component_crash_gets_a_new_container(single_cluster: Cluster, timeline: Timeline) -> None:
    node = single_cluster.control_planes[0]
    before = running_container(node, COMPONENTS["kube-controller-manager"])
    assert before is not None
    with ComponentCrashed(single_cluster, "kube-controller-manager", timeline=timeline) as fault:
        killed = crictl_inspect(node, before["id"])["status"]
        assert killed["state"] == "CONTAINER_EXITED" and killed["exitCode"] == 137
    after = running_container(node, COMPONENTS["kube-controller-manager"])
    assert after is not None and after["id"] != before["id"]
    restarts = int(after["annotations"]["io.kubernetes.container.restartCount"])
    assert restarts == int(before["annotations"]["io.kubernetes.container.restartCount"]) + 1
    assert fault.figures["restored_after_s"] > 0  # kubelet's back-off decides how long; the scenario records it


@pytest.mark.parametrize("component", list(COMPONENTS))
def test_component_down(single_cluster: Cluster, timeline: Timeline, component: str) -> None:
    node = single_cluster.control_planes[0]
    before = running_container(node, COMPONENTS[component])
    assert before is not None
    with ComponentDown(single_cluster, component, timeline=timeline) as fault:
        assert running_container(node, COMPONENTS[component]) is None
        assert health(node, COMPONENTS[component])[0] == CURL_REFUSED
        assert run(node, "test", "-f", f"{PARKED_DIR}/{component}.yaml").code == 0
    after = running_container(node, COMPONENTS[component])
    assert after is not None and after["id"] != before["id"]
    assert health(node, COMPONENTS[component]) == (0, "200")
    assert run(node, "test", "-f", f"{MANIFESTS_DIR}/{component}.yaml").code == 0
    assert phases(timeline) == ["inject", "proven", "restore", "returned", "restored"]
    assert fault.figures["container_back_after_s"] > 0
    assert any("refuses connections" in p for p in fault.proof)
    if COMPONENTS[component].lease:
        assert any(p.startswith(f"lease {component}: not renewed") for p in fault.proof), fault.proof


def test_node_stopped_goes_not_ready_and_comes_back(single_cluster: Cluster, timeline: Timeline) -> None:
    node = single_cluster.workers[-1]
    with NodeStopped(single_cluster, node, timeline=timeline, await_not_ready=True) as fault:
        assert container_state(node)["Running"] is False
        assert api_ready(single_cluster, node) is False
    assert container_state(node)["Running"] and api_ready(single_cluster, node)
    assert fault.proof[-1] == f"API: node {node} Ready"


def test_node_frozen_refuses_exec_and_thaws(single_cluster: Cluster, timeline: Timeline) -> None:
    node = single_cluster.workers[0]
    with NodeFrozen(single_cluster, node, timeline=timeline):
        assert container_state(node)["Paused"] is True
    assert container_state(node)["Paused"] is False
    assert run(node, "true").code == 0


def test_kubelet_stopped_node_goes_not_ready(single_cluster: Cluster, timeline: Timeline) -> None:
    node = single_cluster.workers[0]
    with KubeletStopped(single_cluster, node, timeline=timeline, await_not_ready=True):
        assert unit_state(node, "kubelet") == "inactive"
        assert api_ready(single_cluster, node) is False
    assert unit_state(node, "kubelet") == "active" and api_ready(single_cluster, node)


def test_runtime_stopped_keeps_containers_running(single_cluster: Cluster, timeline: Timeline) -> None:
    node = single_cluster.workers[0]
    with RuntimeStopped(single_cluster, node, timeline=timeline):
        assert unit_state(node, "containerd") == "inactive"
        assert run(node, "pgrep", "-f", "containerd-shim").code == 0, "the shims (and pods) should survive"
    assert run(node, "crictl", "info").code == 0


def test_network_partition_drops_packets_and_heals(single_cluster: Cluster, timeline: Timeline) -> None:
    node = single_cluster.workers[0]
    control_plane = single_cluster.control_planes[0]
    server = f"https://{ip_address(control_plane)}:6443/livez"  # by address: name lookups fail in a partition too
    # kind's network is dual-stack and kubelet reaches the apiserver by name, over IPv6 when it resolves so
    v6 = shell.output(["docker", "inspect", "-f", "{{range .NetworkSettings.Networks}}{{.GlobalIPv6Address}}{{end}}",
                       control_plane])  # fmt: skip
    server6 = f"https://[{v6}]:6443/livez"
    with NetworkPartitioned(single_cluster, node, timeline=timeline) as fault:
        assert run(node, "curl", "-sk", "-m", "3", server).code == CURL_TIMEOUT
        if v6:
            assert run(node, "curl", "-sk", "-m", "3", server6).code == CURL_TIMEOUT, "IPv6 is not cut"
        assert dropped_packets(node) > 0
    assert not chain_exists(node)
    assert run(node, "curl", "-sk", "-m", "3", server).output == "ok"
    if v6:
        assert run(node, "curl", "-sk", "-m", "3", server6).output == "ok"
    assert any("dropped" in p for p in fault.proof)


PDB_DEPLOYMENT = """
apiVersion: v1
kind: Namespace
metadata: {name: kc-drain}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: guarded, namespace: kc-drain}
spec:
  replicas: 2
  selector: {matchLabels: {app: guarded}}
  template:
    metadata: {labels: {app: guarded}}
    spec:
      terminationGracePeriodSeconds: 1
      nodeSelector: {kubernetes.io/hostname: NODE}
      containers:
      - {name: web, image: docker.io/kindchaos/workload:v1, imagePullPolicy: Never}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: guarded, namespace: kc-drain}
spec:
  minAvailable: 2
  selector: {matchLabels: {app: guarded}}
"""


def test_drain_honours_the_pdb_then_evicts_when_it_allows(single_cluster: Cluster, timeline: Timeline) -> None:
    node = single_cluster.workers[0]
    single_cluster.kubectl("apply", "-f", "-", input_text=PDB_DEPLOYMENT.replace("NODE", node))
    single_cluster.kubectl("rollout", "status", "-n", "kc-drain", "deploy/guarded", "--timeout=120s")
    try:
        with pytest.raises(DrainBlocked) as blocked:
            drain(single_cluster, node, timeout=10)
        assert "kc-drain/guarded-" in str(blocked.value) and "disruption budget" in str(blocked.value)
        pods = core(single_cluster.kubeconfig).list_namespaced_pod("kc-drain").items
        assert len(pods) == 2 and all(p.spec.node_name == node and p.status.phase == "Running" for p in pods)

        # Let the budget allow it and free the pods to go elsewhere: the drain now evicts them.
        single_cluster.kubectl("patch", "pdb", "-n", "kc-drain", "guarded", "--type=json",
                               "-p", '[{"op":"replace","path":"/spec/minAvailable","value":0}]')  # fmt: skip
        single_cluster.kubectl("patch", "deploy", "-n", "kc-drain", "guarded", "--type=json",
                               "-p", '[{"op":"remove","path":"/spec/template/spec/nodeSelector"}]')  # fmt: skip
        with NodeDrained(single_cluster, node, timeline=timeline) as fault:
            on_node = json.loads(single_cluster.kubectl("get", "pods", "-A", "-o", "json",
                                                        f"--field-selector=spec.nodeName={node}"))["items"]  # fmt: skip
            owners = {o["kind"] for p in on_node for o in p["metadata"].get("ownerReferences", [])}
            assert owners == {"DaemonSet"}, f"only DaemonSet pods should remain, found owners {owners}"
            assert fault.figures["drain_s"] > 0
        unschedulable = single_cluster.kubectl("get", "node", node, "-o", "jsonpath={.spec.unschedulable}")
        assert unschedulable == ""
    finally:
        single_cluster.kubectl("uncordon", node)
        single_cluster.kubectl("delete", "namespace", "kc-drain", "--wait=false")

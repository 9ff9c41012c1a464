"""The `single` topology from the locally built node image: healthy, networked, and pulling nothing."""

import json

import pytest

from kindchaos.cluster import readiness
from kindchaos.cluster.lifecycle import Cluster
from kindchaos.cluster.workload import Workload
from kindchaos.shell import output
from tests.integration.conftest import SESSION_STARTED

pytestmark = [pytest.mark.integration, pytest.mark.topology("single")]


def test_every_node_ready_and_every_system_pod_running(single_cluster: Cluster) -> None:
    readiness.check_nodes_ready(single_cluster)
    readiness.check_system_pods_running(single_cluster)
    nodes = json.loads(single_cluster.kubectl("get", "nodes", "-o", "json"))["items"]
    assert {n["status"]["nodeInfo"]["kubeletVersion"] for n in nodes} == {"v1.34.12"}
    assert len(single_cluster.control_planes) == 1 and len(single_cluster.workers) == 2


def test_coredns_resolves_kubernetes_default_from_a_pod(single_workload: Workload) -> None:
    kubernetes_ip = single_workload.cluster.kubectl(
        "get", "svc", "-n", "default", "kubernetes", "-o", "jsonpath={.spec.clusterIP}"
    )
    assert single_workload.resolve("kubernetes.default") == [kubernetes_ip]


def test_workload_answers_through_its_cluster_ip_from_another_pod(single_workload: Workload) -> None:
    ip = single_workload.service_ip()
    answers = [single_workload.get(f"http://{ip}/") for _ in range(20)]
    pods = json.loads(
        single_workload.cluster.kubectl("get", "pods", "-n", single_workload.namespace, "-l", "app=web", "-o", "json")
    )["items"]
    web_pods = {p["metadata"]["name"]: p["spec"]["nodeName"] for p in pods}
    answered_by = {str(a["pod"]) for a in answers}
    assert answered_by <= set(web_pods), f"answers from unknown pods: {answered_by - set(web_pods)}"
    assert len(answered_by) == 2, f"20 requests reached only {answered_by}"
    assert all(a["node"] == web_pods[str(a["pod"])] for a in answers)


def test_nothing_was_pulled(single_cluster: Cluster) -> None:
    assert readiness.pull_events(single_cluster) == []
    pulls = output(
        ["docker", "events", "--since", str(SESSION_STARTED), "--until", "0s", "--filter", "type=image",
         "--filter", "event=pull", "--format", "{{.Actor.ID}}"]
    )  # fmt: skip
    assert pulls == ""

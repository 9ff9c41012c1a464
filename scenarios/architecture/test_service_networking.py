"""Service networking: ClusterIP load spreading, and LoadBalancer on a cluster with no cloud controller."""

import json

import pytest
import yaml

from kindchaos.cluster.nodes import ip_address, run_in
from kindchaos.cluster.workload import Workload
from kindchaos.evidence.scenario import ChaosRun
from kindchaos.expect import eventually, stays

pytestmark = [pytest.mark.topology("single"), pytest.mark.question("components"), pytest.mark.component("kube-proxy")]

REQUESTS = 40


def test_cluster_ip_spreads_requests_over_endpoints(chaos: ChaosRun, workload: Workload) -> None:
    """A ClusterIP Service spreads requests over all its ready endpoints.

    ko: ClusterIP Service는 준비된 모든 엔드포인트에 요청을 나누어 보냅니다.
    """
    ip = workload.service_ip()
    with chaos.step(f"{REQUESTS} requests to the ClusterIP from a node"):
        node = chaos.cluster.workers[-1]
        answers = [run_in(node, f"curl -sS -m 2 http://{ip}/").output for _ in range(REQUESTS)]
        failed = [a for a in answers if not a.startswith("{")]
        assert not failed, f"{len(failed)} of {REQUESTS} requests failed: {failed[:3]}"
        pods = [json.loads(a)["pod"] for a in answers]
    endpoints = json.loads(
        chaos.cluster.kubectl("get", "pods", "-n", workload.namespace, "-l", "app=web", "-o", "json")
    )
    names = {p["metadata"]["name"] for p in endpoints["items"]}
    counts = {name: pods.count(name) for name in sorted(names)}
    for name, count in counts.items():
        chaos.figure(f"requests_answered_by_{name}", count, unit="", note=f"of {REQUESTS}")
    assert set(pods) == names, f"answers came from {counts}"


def test_load_balancer_stays_pending_but_its_node_port_answers(chaos: ChaosRun, workload: Workload) -> None:
    """Without a cloud-controller-manager (kind has none) a type LoadBalancer Service never gets an external
    address, yet the NodePort it allocates answers on every node.

    ko: cloud-controller-manager가 없으면(kind에는 없습니다)
    LoadBalancer 타입 Service는 외부 주소를 끝내 받지 못하지만, 할당된
    NodePort는 모든 노드에서 응답합니다.
    """
    cluster = chaos.cluster
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "public", "namespace": workload.namespace},
        "spec": {
            "type": "LoadBalancer",
            "selector": {"app": workload.name},
            "ports": [{"port": 80, "targetPort": 8080}],
        },
    }
    cluster.kubectl("apply", "-f", "-", input_text=yaml.safe_dump(service))

    def ingress() -> list[object]:
        found = json.loads(cluster.kubectl("get", "svc", "-n", workload.namespace, "public", "-o", "json"))
        return list(found["status"].get("loadBalancer", {}).get("ingress", []))

    with chaos.step("the LoadBalancer gets no external address for 20 s"):
        stays(lambda: ingress() == [], during=20, interval=2, expected="no load balancer ingress")
    port = cluster.kubectl("get", "svc", "-n", workload.namespace, "public", "-o", "jsonpath={.spec.ports[0].nodePort}")
    with chaos.step(f"its NodePort {port} answers on every node's address"):
        for node in cluster.nodes:
            url = f"http://{ip_address(node)}:{port}/"
            answer = eventually(
                lambda url=url: json.loads(run_in(cluster.workers[0], f"curl -s -m 2 {url}").output),
                within=30,
                retry_on=(AssertionError, ValueError),
                expected=f"{url} answering",
            )
            chaos.figure(f"node_port_answer_from_{node}", str(answer.value), unit="")
    chaos.figure("node_port", int(port), unit="")

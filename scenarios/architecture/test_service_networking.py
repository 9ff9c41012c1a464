"""Service networking: ClusterIP load spreading, and LoadBalancer on a cluster with no cloud controller."""

import json

import pytest
import yaml

from kindchaos.cluster.nodes import ip_address, run
from kindchaos.cluster.workload import Workload
from kindchaos.evidence.scenario import ChaosRun
from kindchaos.expect import eventually

pytestmark = [pytest.mark.topology("single"), pytest.mark.question("components"), pytest.mark.component("kube-proxy")]

REQUESTS = 40
NO_INGRESS_HELD_S = 20
NODE_PORT_WITHIN_S = 30  # a fixed wait: kube-proxy programs the NodePort on each node


def test_cluster_ip_spreads_requests_over_endpoints(chaos: ChaosRun, workload: Workload) -> None:
    """A ClusterIP Service answers every request [every_request_answered] and spreads them over all its ready
    endpoints [spread_over_endpoints].

    ko: ClusterIP Service는 모든 요청에 응답하며 [every_request_answered] 준비된 모든 엔드포인트에 요청을
    나누어 보냅니다 [spread_over_endpoints].
    """
    ip = workload.service_ip()
    with chaos.step(f"{REQUESTS} requests to the ClusterIP from a node"):
        node = chaos.cluster.workers[-1]
        answers = [run(node, "curl", "-sS", "-m", "2", f"http://{ip}/").output for _ in range(REQUESTS)]
        failed = [a for a in answers if not a.startswith("{")]
        chaos.check.equals("every_request_answered", REQUESTS - len(failed), REQUESTS, what="requests answered")
        pods = [json.loads(a)["pod"] for a in answers]
    endpoints = json.loads(
        chaos.cluster.kubectl("get", "pods", "-n", workload.namespace, "-l", "app=web", "-o", "json")
    )
    names = {p["metadata"]["name"] for p in endpoints["items"]}
    counts = {name: pods.count(name) for name in sorted(names)}
    for name, count in counts.items():
        chaos.figure(f"requests_answered_by_{name}", count, unit="", note=f"of {REQUESTS}")
    chaos.check.that(
        "spread_over_endpoints",
        set(pods) == names,
        what=f"answers from every web pod ({len(names)})",
        measured=f"answers came from {counts}",
    )


def test_load_balancer_stays_pending_but_its_node_port_answers(chaos: ChaosRun, workload: Workload) -> None:
    """Without a cloud-controller-manager (kind has none) a type LoadBalancer Service gets no external address
    (none for 20 s) [no_external_address], yet the NodePort it allocates answers on every node [node_port_answers].

    ko: cloud-controller-manager가 없으면(kind에는 없습니다) LoadBalancer 타입 Service는 외부 주소를 받지
    못하지만(20초 동안 없음) [no_external_address], 할당된 NodePort는 모든 노드에서 응답합니다
    [node_port_answers].
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

    with chaos.step(f"the LoadBalancer gets no external address for {NO_INGRESS_HELD_S} s"):
        chaos.check.stays(
            "no_external_address",
            lambda: ingress() == [],
            during=NO_INGRESS_HELD_S,
            interval=2,
            expected="no load balancer ingress",
        )
    port = cluster.kubectl("get", "svc", "-n", workload.namespace, "public", "-o", "jsonpath={.spec.ports[0].nodePort}")
    with chaos.step(f"its NodePort {port} answers on every node's address"):
        answered = {}
        for node in cluster.nodes:
            url = f"http://{ip_address(node)}:{port}/"
            answer = eventually(
                lambda url=url: json.loads(run(cluster.workers[0], "curl", "-s", "-m", "2", url).output),
                within=NODE_PORT_WITHIN_S,
                retry_on=(AssertionError, ValueError),
                expected=f"{url} answering",
            )
            answered[node] = answer.value.get("pod") if isinstance(answer.value, dict) else None
            chaos.figure(f"node_port_answer_from_{node}", str(answer.value), unit="")
        chaos.check.that(
            "node_port_answers",
            all(answered.values()) and set(answered) == set(cluster.nodes),
            what=f"the NodePort {port} answered by a web pod on every node's address",
            measured=str(answered),
        )
    chaos.figure("node_port", int(port), unit="")

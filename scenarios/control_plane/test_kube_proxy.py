"""kube-proxy stopped on one node: the rules it wrote keep working, new ones are not written.

Reachability of a Service that a node has no rules for is read from the node's rules, not by sending it a
request: without kube-proxy's DNAT the packet would leave the cluster through the node's default route.
"""

import pytest
import yaml

from kindchaos.cluster.nodes import run
from kindchaos.cluster.services import programmed
from kindchaos.cluster.workload import Workload
from kindchaos.evidence.scenario import ChaosRun
from kindchaos.expect import eventually
from kindchaos.faults import ProcessFrozen
from kindchaos.observe import figures

pytestmark = [
    pytest.mark.topology("single"),
    pytest.mark.question("control-plane-failure"),
    pytest.mark.component("kube-proxy"),
    pytest.mark.disruptive,
]

NEW_SERVICE_AFTER_RETURN_S = 30  # from kube-proxy running again (the fault's restore proven)
ELSEWHERE_S = 30  # a fixed wait: the new Service programmed on the other node
OUTAGE_HELD_S = 15


def answers(node: str, ip: str) -> bool:
    """A request to the ClusterIP from ``node``; only sent where the node has a rule for it."""
    return programmed(node, ip) and run(node, "curl", "-s", "-m", "2", "-o", "/dev/null", f"http://{ip}/").code == 0


def test_kube_proxy_stopped(chaos: ChaosRun, workload: Workload) -> None:
    """While kube-proxy is stopped on a node, an existing Service keeps routing from that node
    [existing_service_answered], and a Service created meanwhile gets no rule there (so it is not reachable
    through it) [no_rule_while_stopped] until kube-proxy returns; then it answers there within 30 s
    [new_service_after_return].

    ko: 어떤 노드에서 kube-proxy가 멈춰 있는 동안, 기존 Service는 그 노드에서 계속
    라우팅되지만 [existing_service_answered], 그사이 새로 만든 Service는 그 노드에 규칙이 생기지 않아
    그 노드를 통해서는 접근할 수 없습니다 [no_rule_while_stopped]. kube-proxy가 돌아오면 30초 안에 그
    노드에서도 응답합니다 [new_service_after_return].
    """
    cluster, ns = chaos.cluster, workload.namespace
    stopped_on, other = cluster.workers
    existing = chaos.service_probe(url=f"http://{workload.service_ip()}/", node=stopped_on)
    late_service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "late", "namespace": ns},
        "spec": {"selector": {"app": workload.name}, "ports": [{"port": 80, "targetPort": 8080}]},
    }
    frozen = ProcessFrozen(cluster, stopped_on, "kube-proxy", health_url="http://127.0.0.1:10256/healthz")
    with (
        chaos.fault(frozen),
        chaos.step(f"during: a new Service answers from {other}, and {stopped_on} has no rule for it"),
    ):
        cluster.kubectl("apply", "-f", "-", input_text=yaml.safe_dump(late_service))
        ip = cluster.kubectl("get", "svc", "-n", ns, "late", "-o", "jsonpath={.spec.clusterIP}")
        elsewhere = eventually(lambda: answers(other, ip), within=ELSEWHERE_S, expected=f"{ip} answering from {other}")
        chaos.figure("new_service_answering_elsewhere_s", elsewhere.seconds)
        chaos.check.stays(
            "no_rule_while_stopped",
            lambda: not programmed(stopped_on, ip),
            during=OUTAGE_HELD_S,
            interval=1,
            expected=f"no KUBE-SERVICES rule for {ip} on {stopped_on}",
        )
    with chaos.step(f"after: the new Service answers from {stopped_on} within {NEW_SERVICE_AFTER_RETURN_S} s"):
        chaos.figure("kube_proxy_running_after_restore_s", frozen.restore_seconds(), note="SIGCONT, health 200")
        # The wait starts when the fault's restore is proven (kube-proxy healthy): the figure is that wait.
        chaos.check.reaches(
            "new_service_after_return",
            lambda: answers(stopped_on, ip),
            budget=NEW_SERVICE_AFTER_RETURN_S,
            interval=0.5,
            what=f"the new Service answering from {stopped_on}, from kube-proxy healthy",
        )
        during = figures.between(existing.samples, frozen.at("proven"), frozen.at("restore"))
        chaos.figure("existing_service_requests_while_stopped", len(during), unit="")
        chaos.check.at_least(
            "existing_service_answered",
            figures.success_ratio(during),
            1.0,
            what=f"share of the existing Service's requests answered from {stopped_on} while kube-proxy was stopped",
        )

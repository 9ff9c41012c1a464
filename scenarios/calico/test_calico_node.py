"""calico-node frozen (SIGSTOP) on a worker: what keeps working without the CNI agent, and what waits for it.

The dataplane felix already programmed (routes, the VXLAN device, iptables) stays in the kernel, so traffic to
the node's existing pods keeps flowing; what needs felix (a new pod's endpoint, a policy change) waits until it
runs again. The freeze is kept under a minute: calico-node's liveness probe (every 10 s, 6 failures) would
otherwise have kubelet restart it, which is a different fault.
"""

import pytest

from kindchaos.cluster import network_policy
from kindchaos.cluster.workload import Workload, on_another_node
from kindchaos.evidence.scenario import ChaosRun
from kindchaos.faults import ProcessFrozen

pytestmark = [
    pytest.mark.topology("single"),
    pytest.mark.cni("calico"),
    pytest.mark.question("pod-network"),
    pytest.mark.component("calico"),
    pytest.mark.disruptive,
]

FELIX_LIVENESS = "http://localhost:9099/liveness"
REQUESTS = 20
NEW_POD_HELD_S = 15
POLICY_ELSEWHERE_WITHIN_S = 15
POLICY_HELD_OFF_S = 10
NEW_POD_READY_AFTER_S = 60  # from calico-node running again
POLICY_AFTER_S = 30  # from calico-node running again
LATE_POD = "late"


def test_calico_node_frozen_on_a_worker(chaos: ChaosRun, workload_namespace: Workload) -> None:
    """While calico-node is frozen on a worker, requests to that worker's existing pod are all answered
    [existing_traffic_kept]; a pod created on that worker meanwhile does not become Ready (for 15 s)
    [new_pod_not_ready]; and a deny policy applied meanwhile is enforced on the other worker within 15 s
    [policy_enforced_elsewhere] but does not reach the frozen worker's pod (for 10 s) [policy_not_reaching_node].
    Once calico-node runs again, the new pod is Ready within 60 s [new_pod_ready_after] and the policy holds on
    that worker within 30 s [policy_caught_up].

    ko: 어떤 워커에서 calico-node가 멈춰 있는(SIGSTOP) 동안, 그 워커의 기존 파드로 가는 요청은 모두
    응답되고 [existing_traffic_kept], 그사이 그 워커에 만든 파드는 Ready가 되지 않으며(15초 동안)
    [new_pod_not_ready], 그사이 적용한 거부 정책은 다른 워커에서는 15초 안에 적용되지만
    [policy_enforced_elsewhere] 멈춘 워커의 파드에는 닿지 않습니다(10초 동안) [policy_not_reaching_node].
    calico-node가 다시 돌면 새 파드는 60초 안에 Ready가 되고 [new_pod_ready_after], 정책은 30초 안에 그
    워커에서도 적용됩니다 [policy_caught_up].
    """
    workload, cluster, ns = workload_namespace, chaos.cluster, workload_namespace.namespace
    with chaos.step("before: web on both workers, the client beside one of them"):
        workload.apply(replicas=2, spread=True)
        workload.wait_ready()
        client = workload.placed(workload.client)
        webs = [workload.placed(name) for name in workload.web_pods()]
        far = on_another_node(client, webs)
        near = next(web for web in webs if web.node == client.node)
    far_url, near_url = f"http://{far.ip}:8080/", f"http://{near.ip}:8080/"
    frozen = ProcessFrozen(cluster, far.node, "calico-node", health_url=FELIX_LIVENESS)

    def late_ready() -> bool:
        return workload.ready(LATE_POD)

    with chaos.fault(frozen):
        with chaos.step(f"during: {REQUESTS} requests from {client.node} to {far.name} on {far.node}"):
            answered = sum(workload.answered(workload.client, far_url) for _ in range(REQUESTS))
            chaos.check.equals("existing_traffic_kept", answered, REQUESTS, what=f"requests answered by {far.name}")
        with chaos.step(f"during: a new pod on {far.node} is not Ready"):
            workload.add_client(LATE_POD, node=far.node)
            chaos.check.stays(
                "new_pod_not_ready",
                lambda: not late_ready(),
                during=NEW_POD_HELD_S,
                interval=1,
                expected=f"pod {LATE_POD} on {far.node} not Ready",
            )
        with chaos.step(f"during: a deny policy holds on {near.node}, not on {far.node}"):
            network_policy.apply(cluster, network_policy.deny_all_ingress(ns))
            chaos.check.reaches(
                "policy_enforced_elsewhere",
                lambda: not workload.answered(workload.client, near_url),
                budget=POLICY_ELSEWHERE_WITHIN_S,
                interval=0.2,
                what=f"{near.name} on {near.node} refusing the client, from the policy applied",
            )
            chaos.check.stays(
                "policy_not_reaching_node",
                lambda: workload.answered(workload.client, far_url),
                during=POLICY_HELD_OFF_S,
                interval=0.5,
                expected=f"{far.name} on {far.node} still answering the client",
            )
    with chaos.step(f"after: calico-node runs again on {far.node}"):
        chaos.figure("calico_node_live_after_restore_s", frozen.restore_seconds(), note="SIGCONT, felix liveness 200")
        # The waits below start when the fault's restore is proven (felix live again): the figures are those waits.
        chaos.check.reaches(
            "new_pod_ready_after",
            late_ready,
            budget=NEW_POD_READY_AFTER_S,
            interval=0.5,
            what=f"pod {LATE_POD} on {far.node} Ready, from calico-node running again",
        )
        chaos.check.reaches(
            "policy_caught_up",
            lambda: not workload.answered(workload.client, far_url),
            budget=POLICY_AFTER_S,
            interval=0.2,
            what=f"{far.name} on {far.node} refusing the client, from calico-node running again",
        )

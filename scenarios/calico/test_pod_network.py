"""Calico's pod network as built here: VXLAN between nodes, and natOutgoing on egress from the pool.

Requests are sent from the workload's client pod to a web pod on the other worker (crossing nodes) and to the other
worker's own address (outside the pool). What carried them is read on the nodes: the route the kernel picks, the
VXLAN device's packet counters, and conntrack's record of the address the far side answered.
"""

import json

import pytest

from kindchaos.cluster import pod_network
from kindchaos.cluster.nodes import ip_address
from kindchaos.cluster.workload import Workload, on_another_node
from kindchaos.evidence.scenario import ChaosRun

pytestmark = [
    pytest.mark.topology("single"),
    pytest.mark.cni("calico"),
    pytest.mark.question("pod-network"),
    pytest.mark.component("calico"),
]

REQUESTS = 50
PACKETS_PER_REQUEST = 3  # at least: SYN, the request, the ACK of the answer (each HTTP exchange sends more)
OUTSIDE_PORT = 10256  # kube-proxy's health port on every node's own address: outside Calico's pool


def test_pod_traffic_crosses_nodes_through_vxlan(chaos: ChaosRun, workload_namespace: Workload) -> None:
    """A pod reaching a pod on another node is routed through Calico's VXLAN device [routed_via_vxlan], every
    request is answered [cross_node_answered] and the device carries them, its packet counters moving on both
    nodes [vxlan_carried]; a request from a pod to an address outside the pool is answered [egress_answered] and
    leaves under its node's address, as the pool's natOutgoing says [egress_masqueraded].

    ko: 다른 노드의 파드로 가는 트래픽은 Calico의 VXLAN 장치로 라우팅되고 [routed_via_vxlan], 모든 요청이
    응답되며 [cross_node_answered], 그 장치가 트래픽을 실어 나르므로 양쪽 노드에서 패킷 카운터가 움직입니다
    [vxlan_carried]. 파드에서 풀 바깥 주소로 가는 요청은 응답을 받으며 [egress_answered], 풀의 natOutgoing
    설정대로 노드 주소로 바뀌어 나갑니다 [egress_masqueraded].
    """
    workload = workload_namespace
    with chaos.step("before: web on both workers, the client beside one of them"):
        workload.apply(replicas=2, spread=True)
        workload.wait_ready()
        client = workload.placed(workload.client)
        far = on_another_node(client, [workload.placed(name) for name in workload.web_pods()])
    crossing = f"{REQUESTS} requests from {client.ip} on {client.node} to {far.ip} on {far.node}"
    # Judged together: a report shows every clause that failed, not only the first.
    with chaos.step(crossing), chaos.check.together():
        device = pod_network.route_device(client.node, far.ip)
        chaos.check.equals(
            "routed_via_vxlan",
            device,
            pod_network.VXLAN_DEVICE,
            what=f"the device {client.node} routes {far.ip} through",
        )
        sent_before = pod_network.packets(client.node, pod_network.VXLAN_DEVICE, "tx")
        received_before = pod_network.packets(far.node, pod_network.VXLAN_DEVICE, "rx")
        answers = [workload.exec_client("get", f"http://{far.ip}:8080/") for _ in range(REQUESTS)]
        sent = pod_network.packets(client.node, pod_network.VXLAN_DEVICE, "tx") - sent_before
        received = pod_network.packets(far.node, pod_network.VXLAN_DEVICE, "rx") - received_before
        answered = sum(1 for a in answers if json.loads(a).get("pod") == far.name)
        chaos.check.equals("cross_node_answered", answered, REQUESTS, what=f"requests answered by {far.name}")
        chaos.figure("vxlan_tx_packets_on_client_node", sent, unit="")
        chaos.figure("vxlan_rx_packets_on_far_node", received, unit="")
        chaos.check.at_least(
            "vxlan_carried",
            min(sent, received),
            REQUESTS * PACKETS_PER_REQUEST,
            what=f"packets through {pod_network.VXLAN_DEVICE}, the fewer of sent on {client.node} and received "
            f"on {far.node}, for {REQUESTS} requests",
        )
    outside = ip_address(far.node)
    with (
        chaos.step(f"a request from {client.name} to {outside}:{OUTSIDE_PORT}, outside the pool"),
        chaos.check.together(),
    ):
        answered_outside = workload.answered(client.name, f"http://{outside}:{OUTSIDE_PORT}/healthz")
        chaos.check.that(
            "egress_answered",
            answered_outside,
            measured="answered" if answered_outside else "no answer within the client's 3 s",
            what=f"{outside}:{OUTSIDE_PORT} answering {client.name}",
        )
        # conntrack keeps the connection (answered or not) with the address the far side was to answer.
        seen = pod_network.answered_addresses(client.node, source=client.ip, destination=outside, port=OUTSIDE_PORT)
        node_address = ip_address(client.node)
        chaos.check.that(
            "egress_masqueraded",
            bool(seen) and set(seen) == {node_address},
            measured=f"{outside} answered {sorted(set(seen)) or 'nothing recorded'}; the pod is {client.ip}, "
            f"its node {node_address}",
            what=f"{outside} answers the client's node ({node_address}), not the pod",
        )

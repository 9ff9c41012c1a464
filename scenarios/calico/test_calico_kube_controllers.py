"""calico-kube-controllers down: what keeps working without it, and the one thing that waits for it.

With the Kubernetes datastore, calico-node and the CNI plugin read and write Calico's objects through the API
themselves: a new pod's address comes from the CNI plugin's own IPAM, and felix reads NetworkPolicy straight from
the API. What the controllers do is garbage collection: when a node is removed, its address blocks and its VXLAN
tunnel address stay taken until the node controller releases them.

The removal is what a scale-down does: the node's machine stopped and its Node object deleted. The pod garbage
collector (in the controller-manager) deletes the node's pods about 40 s later; only then may Calico's IPAM let go,
so the hold is measured from that moment. Restoring starts the machine again and its kubelet registers the node
anew.
"""

import ipaddress
import time

import pytest

from kindchaos.cluster import api, calico_ipam, network_policy
from kindchaos.cluster.calico import KUBE_CONTROLLERS, NAMESPACE
from kindchaos.cluster.topology import CALICO_POD_SUBNET
from kindchaos.cluster.workload import Workload, on_another_node
from kindchaos.evidence.scenario import ChaosRun
from kindchaos.expect import eventually
from kindchaos.faults import DeploymentScaledToZero, NodeRemoved

pytestmark = [
    pytest.mark.topology("single"),
    pytest.mark.cni("calico"),
    pytest.mark.question("pod-network"),
    pytest.mark.component("calico"),
    pytest.mark.disruptive,
]

NEW_POD_WITHIN_S = 60  # from the pod created to Ready, with an address of the pool, answered by a web pod
DENY_WITHIN_S = 15  # from the policy applied to no client reaching either web pod
PODS_GONE_WITHIN_S = 180  # the pod garbage collector's 40 s quarantine and its 20 s period, with room
IPAM_HELD_S = 30
IPAM_RELEASED_AFTER_S = 60  # from calico-kube-controllers Ready again
LATE_POD = "late"


def controllers_down(chaos: ChaosRun) -> DeploymentScaledToZero:
    return chaos.fault(DeploymentScaledToZero(chaos.cluster, NAMESPACE, KUBE_CONTROLLERS))


def test_calico_kube_controllers_down(chaos: ChaosRun, workload_namespace: Workload) -> None:
    """While calico-kube-controllers has no replica, a new pod still becomes Ready within 60 s with an address
    from the pool and reaches a web pod on the other worker [new_pod_networked], and a default-deny policy is
    enforced for the web pods on both workers within 15 s [deny_enforced]. A worker removed from the cluster
    meanwhile keeps its address block and tunnel address in Calico IPAM once its pods are gone (for 30 s)
    [ipam_kept_for_removed_node]; once calico-kube-controllers is back, they are released within 60 s
    [ipam_released_after].

    ko: calico-kube-controllers 레플리카가 하나도 없는 동안에도 새 파드는 60초 안에 풀의 주소를 받아 Ready가
    되고 다른 워커의 웹 파드에 접근하며 [new_pod_networked], 기본 거부 정책은 15초 안에 두 워커의 웹 파드 모두에
    적용됩니다 [deny_enforced]. 그사이 클러스터에서 제거한 워커의 주소 블록과 터널 주소는 그 노드의 파드가
    사라진 뒤에도 Calico IPAM에 남아 있고(30초 동안) [ipam_kept_for_removed_node], calico-kube-controllers가
    돌아오면 60초 안에 해제됩니다 [ipam_released_after].
    """
    workload, cluster, ns = workload_namespace, chaos.cluster, workload_namespace.namespace
    with chaos.step("before: web on both workers, the client beside one; IPAM holds a block for each worker"):
        workload.apply(replicas=2, spread=True)
        workload.wait_ready()
        client = workload.placed(workload.client)
        webs = [workload.placed(name) for name in workload.web_pods()]
        far = on_another_node(client, webs)
        near = next(web for web in webs if web.node == client.node)
        held = calico_ipam.held_by(cluster, far.node)
        chaos.attach_text("\n".join(held), name=f"Calico IPAM for {far.node}")
        assert held, f"Calico IPAM holds nothing for {far.node} before the removal"

    with controllers_down(chaos):
        with chaos.step(f"during: a new pod on {far.node} gets an address and reaches {near.name} on {near.node}"):
            workload.add_client(LATE_POD, node=far.node)
            pool = ipaddress.ip_network(CALICO_POD_SUBNET)

            def late_networked() -> bool:
                if not workload.ready(LATE_POD):
                    return False
                address = workload.placed(LATE_POD).ip
                assert ipaddress.ip_address(address) in pool, f"{LATE_POD} has {address}, not in {pool}"
                return workload.answered(LATE_POD, f"http://{near.ip}:8080/")

            chaos.check.reaches(
                "new_pod_networked",
                late_networked,
                budget=NEW_POD_WITHIN_S,
                interval=1,
                what=f"{LATE_POD} Ready with a pool address and answered by {near.name}, from its creation",
            )
        with chaos.step("during: a default-deny policy holds on both workers"):
            pairs = [(c, f"http://{web.ip}:8080/") for c in (workload.client, LATE_POD) for web in (near, far)]
            network_policy.apply(cluster, network_policy.deny_all_ingress(ns))
            chaos.check.reaches(
                "deny_enforced",
                lambda: not any(network_policy.reachable(workload.answered, pairs).values()),
                budget=DENY_WITHIN_S,
                interval=0.2,
                what="no client reaching the web pod on either worker, from the policy applied",
            )

    removed = chaos.fault(NodeRemoved(cluster, far.node))
    with removed:
        second = controllers_down(chaos)
        with second:
            with chaos.step(f"during: {far.node}'s pods deleted by the pod garbage collector"):
                eventually(
                    lambda: not api.pods_bound_to(cluster.api, far.node),
                    within=PODS_GONE_WITHIN_S,
                    interval=1,
                    expected=f"no pod bound to {far.node} in the API",
                )
                removed_at = removed.at("inject")
                assert removed_at is not None
                chaos.figure("removed_node_pods_gone_s", time.monotonic() - removed_at, note="from the node's removal")
            with chaos.step(f"during: Calico IPAM keeps {far.node}'s block and tunnel address"):
                chaos.check.stays(
                    "ipam_kept_for_removed_node",
                    lambda: bool(calico_ipam.held_by(cluster, far.node)),
                    during=IPAM_HELD_S,
                    interval=2,
                    expected=f"Calico IPAM still holding a block or tunnel address for {far.node}",
                )
        with chaos.step(f"after: calico-kube-controllers back; {far.node}'s addresses released"):
            chaos.figure("kube_controllers_ready_after_restore_s", second.restore_seconds(), note="replicas Ready")
            # The wait below starts once the controllers are Ready again (the fault's restore proven).
            chaos.check.reaches(
                "ipam_released_after",
                lambda: not calico_ipam.held_by(cluster, far.node),
                budget=IPAM_RELEASED_AFTER_S,
                interval=1,
                what=f"no block or tunnel address held for {far.node}, from the controllers Ready again",
            )
    chaos.figure("removed_node_ready_after_restore_s", removed.restore_seconds(), note="registered anew, Ready")

"""A worker lost three ways: its machine stopped, frozen, or cut off from the network.

Each runs the same chain (see ``node_loss``): NotReady after the node-monitor
grace period, pods evicted after their ``tolerationSeconds``, the Deployment's
pod replaced on the other worker, the StatefulSet's pod not replaced while the
node is only unreachable, and the node Ready again once the fault is undone.
"""

from collections.abc import Callable

import pytest

from kindchaos.cluster.lifecycle import Cluster
from kindchaos.cluster.settings import node_monitor_grace_period
from kindchaos.cluster.workload import Workload
from kindchaos.evidence.scenario import ChaosRun
from kindchaos.faults import NetworkPartitioned, NodeFrozen, NodeStopped
from kindchaos.faults.nodes import NodeFault
from kindchaos.observe import replay
from kindchaos.runbooks.lost_node import follow_the_chain, prepare, report_the_chain, wait_stateful_back

pytestmark = [
    pytest.mark.topology("single"),
    pytest.mark.question("cluster-failure"),
    pytest.mark.component("kubelet"),
    pytest.mark.component("kube-controller-manager"),
    pytest.mark.disruptive,
    pytest.mark.slow,
]


def lose_node(chaos: ChaosRun, workload: Workload, make_fault: Callable[[Cluster, str], NodeFault]) -> None:
    setup = prepare(chaos, workload)
    grace = node_monitor_grace_period(chaos.cluster)
    chaos.service_probe(url=setup.url, node=chaos.cluster.control_planes[0])
    started = chaos.timeline.now()[0]
    before = replay.pods_on_node(chaos.timeline, setup.node, workload.namespace, before=started)
    with chaos.fault(make_fault(chaos.cluster, setup.node)) as fault:
        follow_the_chain(chaos, setup, grace)
    with chaos.step(f"after: {setup.node} Ready again, the StatefulSet pod back; delays against the settings"):
        wait_stateful_back(chaos, setup)
        report_the_chain(chaos, setup, fault, grace=grace, before=before)


def test_worker_node_lost(chaos: ChaosRun, workload_namespace: Workload) -> None:
    """A stopped worker is NotReady after the node-monitor grace period [not_ready_after_grace]; its pods are
    evicted after their tolerationSeconds [evicted_after_toleration, toleration_as_set] and the Deployment's is
    Running on the other worker [replacement_running]; the StatefulSet's pod is not recreated while the node is
    unreachable [stateful_not_recreated, stateful_never_two]; from 15 s after NotReady at least 95 % of Service
    requests are answered [service_settled]; the node is Ready again after it starts [ready_again, stateful_back].

    ko: 멈춘 워커는 node-monitor grace period가 지나면 NotReady가 됩니다 [not_ready_after_grace].
    그 노드의 파드는 tolerationSeconds가 지나면 축출되고 [evicted_after_toleration, toleration_as_set]
    Deployment의 파드는 다른 워커에서 Running이 됩니다 [replacement_running]. StatefulSet의 파드는 노드에 닿을
    수 없는 동안 다른 곳에 다시 만들어지지 않습니다 [stateful_not_recreated, stateful_never_two]. NotReady 15초
    뒤부터는 Service 요청의 95% 이상이 응답받습니다 [service_settled]. 노드를 다시 시작하면 노드는 다시
    Ready가 됩니다 [ready_again, stateful_back].
    """
    lose_node(chaos, workload_namespace, NodeStopped)


def test_worker_node_frozen(chaos: ChaosRun, workload_namespace: Workload) -> None:
    """A frozen worker (every process paused) misses its heartbeats: the same chain as a stopped node
    [not_ready_after_grace, evicted_after_toleration, replacement_running, stateful_not_recreated,
    stateful_never_two, service_settled], and after the thaw the node is Ready and its pods come back
    [ready_again, stateful_back].

    ko: 얼어붙은 워커(모든 프로세스가 일시 정지됨)는 하트비트를 놓칩니다. 멈춘 노드와 같은 과정을
    거치며 [not_ready_after_grace, evicted_after_toleration, replacement_running, stateful_not_recreated,
    stateful_never_two, service_settled], 정지를 풀면 노드는 Ready가 되고 파드도 돌아옵니다
    [ready_again, stateful_back].
    """
    lose_node(chaos, workload_namespace, NodeFrozen)


def test_worker_node_partitioned(chaos: ChaosRun, workload_namespace: Workload) -> None:
    """A worker cut off from every other node (the control plane included) turns Unknown [not_ready_unknown,
    not_ready_after_grace], its pods are evicted per their tolerations [evicted_after_toleration,
    replacement_running, stateful_not_recreated], and after the partition heals it rejoins Ready [ready_again,
    stateful_back].

    ko: 다른 모든 노드(컨트롤 플레인 포함)와 네트워크가 끊긴 워커는 Unknown 상태가 되고 [not_ready_unknown,
    not_ready_after_grace], 그 파드는 toleration에 따라 축출되며 [evicted_after_toleration, replacement_running,
    stateful_not_recreated], 파티션이 풀리면 다시 Ready로 합류합니다 [ready_again, stateful_back].
    """
    lose_node(chaos, workload_namespace, NetworkPartitioned)

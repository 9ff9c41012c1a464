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
from kindchaos.observe import node_loss
from scenarios.nodes.node_loss import follow_the_chain, prepare, report_the_chain, wait_stateful_back

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
    before = node_loss.pods_on_node(chaos.timeline, setup.node, workload.namespace, before=started)
    with chaos.fault(make_fault(chaos.cluster, setup.node)) as fault:
        follow_the_chain(chaos, setup, grace)
    with chaos.step(f"after: {setup.node} Ready again, the StatefulSet pod back; delays against the settings"):
        wait_stateful_back(chaos, setup)
        report_the_chain(chaos, setup, fault, grace=grace, before=before)


def test_worker_node_lost(chaos: ChaosRun, workload_namespace: Workload) -> None:
    """A stopped worker is NotReady after the node-monitor grace period; its pods are evicted after their
    tolerationSeconds and the Deployment's is Running on the other worker; the StatefulSet's pod is not
    recreated while the node is unreachable; the node is Ready again after it starts."""
    lose_node(chaos, workload_namespace, NodeStopped)


def test_worker_node_frozen(chaos: ChaosRun, workload_namespace: Workload) -> None:
    """A frozen worker (every process paused) misses its heartbeats: the same chain as a stopped node, and
    after the thaw the node is Ready and its pods come back."""
    lose_node(chaos, workload_namespace, NodeFrozen)


def test_worker_node_partitioned(chaos: ChaosRun, workload_namespace: Workload) -> None:
    """A worker cut off from every other node (the control plane included) turns Unknown, its pods are
    evicted per their tolerations, and after the partition heals it rejoins Ready."""
    lose_node(chaos, workload_namespace, NetworkPartitioned)

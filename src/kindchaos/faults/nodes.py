"""Node faults: the node container stopped or frozen, kubelet or the container runtime stopped.

Proof comes from the host (Docker's view of the container), from the node
(systemd unit state, the process table, crictl) and, where asked, from the
API (the node's Ready condition). Restoring always waits until the API
reports the node Ready again, so the next scenario starts from a whole cluster.
"""

from __future__ import annotations

from kubernetes import client

from kindchaos.cluster import addresses
from kindchaos.cluster.api import found, node_ready
from kindchaos.cluster.lifecycle import Cluster
from kindchaos.cluster.nodes import (
    container_state,
    ip_address,
    output,
    pause_container,
    run,
    start_container,
    stop_container,
    unit_state,
    unpause_container,
)
from kindchaos.errors import UsageError
from kindchaos.expect.conditions import eventually
from kindchaos.faults.base import Fault
from kindchaos.faults.expected import Expected, expect
from kindchaos.observe.timeline import Timeline

API_ERRORS = (AssertionError, OSError, client.exceptions.ApiException)
NOT_READY_WITHIN = 120  # node-monitor-grace-period is 50 s in Kubernetes 1.34
READY_WITHIN = 180


def api_ready(cluster: Cluster, node: str) -> bool:
    return node_ready(client.CoreV1Api(cluster.api).read_node(node, _request_timeout=5))


def wait_api_ready(cluster: Cluster, node: str, *, ready: bool, within: float) -> None:
    def condition() -> None:
        seen = api_ready(cluster, node)
        assert seen == ready, f"node {node} Ready={seen}"

    word = "Ready" if ready else "not Ready"
    eventually(condition, within=within, interval=2, retry_on=API_ERRORS, expected=f"API reporting {node} {word}")


class NodeFault(Fault):
    """A fault on one node; restoring it always ends with the API reporting the node Ready."""

    def __init__(
        self, cluster: Cluster, node: str, *, timeline: Timeline | None = None, await_not_ready: bool = False
    ) -> None:
        super().__init__(timeline=timeline)
        if node not in cluster.nodes:
            raise UsageError(f"{node!r} is not a node of {cluster.name!r}", hint=f"use one of {cluster.nodes}")
        self.cluster = cluster
        self.node = node
        self.await_not_ready = await_not_ready

    triage_part = ""  # what triage names on the node while this fault holds

    def triage_expects(self) -> Expected | None:
        return expect(self.triage_part, self.node) if self.triage_part else None

    def _prove_api_not_ready(self) -> None:
        if self.await_not_ready:
            wait_api_ready(self.cluster, self.node, ready=False, within=NOT_READY_WITHIN)
            self.observed(f"API: node {self.node} not Ready")

    def _prove_api_ready(self) -> None:
        wait_api_ready(self.cluster, self.node, ready=True, within=READY_WITHIN)
        self.observed(f"API: node {self.node} Ready")


class NodeStopped(NodeFault):
    """The node's container stopped (as a machine powered off) and started again."""

    triage_part = "node-stopped"
    ip_before = ""

    @property
    def title(self) -> str:
        return f"node {self.node!r} stopped"

    holding = False  # the node addresses (``cluster.addresses``), from the stop until the machine runs again

    def inject(self) -> None:
        self.ip_before = ip_address(self.node)
        waited = addresses.hold(f"stopping {self.node}")
        self.holding = True
        if waited:
            self.observed(f"waited {waited:.1f} s for another process's stopped node to run again")
        stop_container(self.node)

    def prove(self) -> None:
        state = container_state(self.node)
        assert not state["Running"], f"container {self.node} is {state['Status']}"
        self.observed(f"docker: {self.node} is {state['Status']} (exit code {state['ExitCode']})")
        self._prove_api_not_ready()

    def restore(self) -> None:
        try:
            if not container_state(self.node)["Running"]:
                start_container(self.node)
        finally:
            if self.holding:
                self.holding = False
                addresses.release()

    def prove_restored(self) -> None:
        state = container_state(self.node)
        assert state["Running"], f"container {self.node} is {state['Status']}"
        ip = ip_address(self.node)
        assert ip == self.ip_before, f"{self.node} came back with address {ip}, not {self.ip_before}"
        self._prove_api_ready()


class NodeRemoved(NodeStopped):
    """The node removed from the cluster as a scale-down removes it: its machine stopped and its Node object
    deleted. Started again, its kubelet registers the node anew under the same name."""

    triage_part = ""  # no node left to name: the cluster is one node smaller

    @property
    def title(self) -> str:
        return f"node {self.node!r} removed"

    def inject(self) -> None:
        super().inject()
        client.CoreV1Api(self.cluster.api).delete_node(self.node, _request_timeout=10)

    def prove(self) -> None:
        super().prove()
        core = client.CoreV1Api(self.cluster.api)
        eventually(
            lambda: not found(core.read_node, self.node),
            within=30,
            retry_on=API_ERRORS,
            expected=f"no Node {self.node}",
        )
        self.observed(f"API: no Node object {self.node}")

    def prove_restored(self) -> None:
        super().prove_restored()
        self.observed(f"API: {self.node} registered again by its kubelet")


class NodeFrozen(NodeFault):
    """Every process of the node frozen (docker pause, the cgroup freezer) and thawed."""

    triage_part = "node-frozen"

    @property
    def title(self) -> str:
        return f"node {self.node!r} frozen"

    def inject(self) -> None:
        pause_container(self.node)

    def prove(self) -> None:
        state = container_state(self.node)
        assert state["Paused"], f"container {self.node} is {state['Status']}, not paused"
        ran = run(self.node, "true")
        assert ran.code != 0, "a command could still run inside the frozen node"
        self.observed(f"docker: {self.node} paused; docker exec refused: {ran.output[:120]}")
        self._prove_api_not_ready()

    def restore(self) -> None:
        if container_state(self.node)["Paused"]:
            unpause_container(self.node)

    def prove_restored(self) -> None:
        state = container_state(self.node)
        assert state["Running"] and not state["Paused"], f"container {self.node} is {state['Status']}"
        self._prove_api_ready()


class _UnitStopped(NodeFault):
    unit = ""
    process = ""

    @property
    def title(self) -> str:
        return f"{self.unit} stopped on {self.node!r}"

    def inject(self) -> None:
        output(self.node, "systemctl", "stop", self.unit, timeout=120)

    def prove(self) -> None:
        state = unit_state(self.node, self.unit)
        assert state in ("inactive", "failed"), f"{self.unit} is {state}"
        left = run(self.node, "pgrep", "-x", self.process)
        assert left.code != 0, f"{self.process} still running: pid {left.output}"
        self.observed(f"systemctl: {self.unit} {state}; no {self.process} process")
        self._prove_extra()
        self._prove_api_not_ready()

    def _prove_extra(self) -> None:
        """More evidence specific to the unit."""

    def restore(self) -> None:
        if unit_state(self.node, self.unit) != "active":
            output(self.node, "systemctl", "start", self.unit, timeout=120)

    def prove_restored(self) -> None:
        eventually(
            lambda: unit_state(self.node, self.unit) == "active",
            within=60,
            expected=f"{self.unit} active on {self.node}",
        )
        self.observed(f"systemctl: {self.unit} active")
        self._prove_api_ready()


class KubeletStopped(_UnitStopped):
    """kubelet stopped on a node; the containers it started keep running."""

    unit = "kubelet"
    process = "kubelet"
    triage_part = "kubelet"


class RuntimeStopped(_UnitStopped):
    """containerd stopped on a node; running containers keep running under their shims."""

    unit = "containerd"
    process = "containerd"
    triage_part = "containerd"

    def _prove_extra(self) -> None:
        ran = run(self.node, "crictl", "--timeout", "3s", "info")
        assert ran.code != 0, "crictl still reaches the runtime"
        self.observed(f"crictl info fails: {ran.output.splitlines()[-1][:120] if ran.output else ran.code}")

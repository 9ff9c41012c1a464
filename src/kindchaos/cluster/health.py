"""The health gate run before each scenario: find what an earlier scenario left broken and undo it.

It looks for exactly what faults leave behind (a stopped or paused node, a parked manifest,
an etcd NOSPACE alarm, a crash-loop back-off, a stopped unit, a partition chain, a cordon)
whether or not the process that left it is still alive, so a run killed with SIGKILL is
healed by the next one. When healing does not bring the cluster back to Ready, the
caller recreates the cluster.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from kubernetes import client

from kindchaos import shell
from kindchaos.cluster import addresses, admission_webhook, etcd_runbook, flow_control
from kindchaos.cluster.api import core
from kindchaos.cluster.etcd import etcdctl
from kindchaos.cluster.etcd_tools import data_dir, read_manifest, recover_space
from kindchaos.cluster.external_etcd import steps as external_etcd
from kindchaos.cluster.external_etcd.etcdctl import all_healthy
from kindchaos.cluster.leftovers import (
    ETCD_CLIENT_CUT_CHAIN,
    MANIFESTS_DIR,
    NODE_UNITS,
    PARKED_DIR,
    PARTITION_CHAIN,
    PEER_CUT_CHAIN,
    REPLICAS_ANNOTATION,
    stopped_processes,
)
from kindchaos.cluster.lifecycle import Cluster
from kindchaos.cluster.nodes import container_state, output, run, start_container, unit_state, unpause_container
from kindchaos.cluster.partition import chain_exists
from kindchaos.cluster.partition import heal as heal_partition
from kindchaos.cluster.readiness import wait_ready
from kindchaos.cluster.settings import duration_seconds
from kindchaos.errors import ClusterError
from kindchaos.waiting import ConditionTimeout, wait_for


@dataclass
class HealthReport:
    """What the gate found and did; empty ``healed`` means the cluster was already whole."""

    healed: list[str] = field(default_factory=list)
    ready_seconds: float = 0.0
    recreated: bool = False

    def summary(self) -> str:
        if self.recreated:
            return "cluster recreated: " + "; ".join(self.healed)
        return "healed: " + "; ".join(self.healed) if self.healed else "healthy; nothing to heal"


def _heal_containers(cluster: Cluster, report: HealthReport) -> None:
    for node in cluster.nodes:
        state = container_state(node)
        if state["Paused"]:
            unpause_container(node)
            report.healed.append(f"unpaused node {node}")
        elif not state["Running"]:
            with addresses.kept(f"starting {node}"):
                start_container(node)
            report.healed.append(f"started node {node} (was {state['Status']})")


CHAIN_LEFTOVERS = (
    (PARTITION_CHAIN, "the network partition"),
    (PEER_CUT_CHAIN, "the etcd peer cut"),
    (ETCD_CLIENT_CUT_CHAIN, "the cut from the external etcd members"),
)


def _heal_inside(cluster: Cluster, node: str, report: HealthReport) -> None:
    listed = run(node, "ls", PARKED_DIR)
    parked = listed.stdout.split() if listed.code == 0 else []
    for manifest in parked:
        output(node, "mv", f"{PARKED_DIR}/{manifest}", f"{MANIFESTS_DIR}/{manifest}")
        report.healed.append(f"moved {manifest} back into {MANIFESTS_DIR} on {node}")
    for unit in NODE_UNITS:
        state = unit_state(node, unit)
        if state != "active":
            output(node, "systemctl", "start", unit, timeout=120)
            report.healed.append(f"started {unit} on {node} (was {state})")
    for pid, name in stopped_processes(node):
        run(node, "kill", "-CONT", pid)
        report.healed.append(f"continued stopped process {name} (pid {pid}) on {node}")
    for chain, what in CHAIN_LEFTOVERS:
        if chain_exists(node, chain):
            heal_partition(node, chain)
            if chain_exists(node, chain):
                raise ClusterError(f"failed to remove chain {chain} on {node}", hint="it will be recreated")
            report.healed.append(f"removed {what} of {node}")


EXTERNAL_HEALTHY_WITHIN_S = 60


def _heal_external_etcd(cluster: Cluster, report: HealthReport) -> None:
    """Start or unpause stopped or frozen external members, then wait until every one answers a quorum read."""
    layout = cluster.etcd
    if layout is None:
        return
    report.healed += external_etcd.ensure_running(layout)
    wait_for(
        lambda: all_healthy(layout),
        within=EXTERNAL_HEALTHY_WITHIN_S,
        interval=1,
        expected="every external etcd member healthy over TLS",
    )


def _heal_etcd_alarms(cluster: Cluster, report: HealthReport) -> None:
    """A NOSPACE alarm outlives the quota that raised it; clear it with etcd's runbook."""
    for node in cluster.control_planes:
        raised = etcdctl(node, "alarm", "list")
        if raised.code == 0 and "NOSPACE" in raised.output:
            recover_space(node)
            report.healed.append(f"cleared etcd's NOSPACE alarm on {node} (compact, defrag, disarm)")


LONG_BACK_OFF_S = 60
"""A shorter back-off ends well inside the gate's wait; only a longer one is worth a kubelet restart."""

_BACK_OFF = re.compile(r"back-off (\S+) restarting")


def back_off_seconds(message: str | None) -> float | None:
    """The back-off kubelet states in a CrashLoopBackOff message ("back-off 5m0s restarting ..."), if any."""
    found = _BACK_OFF.search(message or "")
    if found is None:
        return None
    try:
        return duration_seconds(found.group(1))
    except ValueError:
        return None


def _end_back_off(cluster: Cluster, report: HealthReport, restarted: set[str]) -> None:
    """Restart kubelet where a kube-system container waits in crash-loop back-off.

    A component that lost its lease in several faults in a row waits up to five minutes before kubelet
    starts it again, longer than the gate waits. The back-off lives only in kubelet's memory, so a
    restart of kubelet starts the container at once; it is done at most once per node, and only for a
    back-off of at least ``LONG_BACK_OFF_S`` (or one kubelet does not state), since a shorter one ends
    on its own.
    """
    pods: list[Any] = core(cluster.kubeconfig).list_namespaced_pod("kube-system", _request_timeout=5).items
    for pod in pods:
        node = pod.spec.node_name
        for status in pod.status.container_statuses or []:
            waiting = status.state.waiting if status.state else None
            if waiting is None or waiting.reason != "CrashLoopBackOff" or node in restarted:
                continue
            back_off = back_off_seconds(waiting.message)
            if back_off is not None and back_off < LONG_BACK_OFF_S:
                continue
            output(node, "systemctl", "restart", "kubelet", timeout=120)
            restarted.add(node)
            report.healed.append(
                f"restarted kubelet on {node} to end the crash-loop back-off of {status.name}"
                f" (restarts {status.restart_count}: {waiting.message})"
            )


def _heal_objects(cluster: Cluster, report: HealthReport) -> None:
    """Through the API: uncordon nodes, scale back Deployments a fault scaled down."""
    core = client.CoreV1Api(cluster.api)
    apps = client.AppsV1Api(cluster.api)
    deployments: list[Any] = apps.list_deployment_for_all_namespaces().items
    for found in deployments:
        before = (found.metadata.annotations or {}).get(REPLICAS_ANNOTATION)
        if before is not None:
            name, namespace = found.metadata.name, found.metadata.namespace
            apps.patch_namespaced_deployment(
                name, namespace, {"metadata": {"annotations": {REPLICAS_ANNOTATION: None}}}
            )
            apps.patch_namespaced_deployment_scale(name, namespace, {"spec": {"replicas": int(before)}})
            report.healed.append(f"scaled deployment {namespace}/{name} back to {before}")

            def ready(name: str = name, namespace: str = namespace, want: int = int(before)) -> None:
                status: Any = apps.read_namespaced_deployment(name, namespace).status
                assert (status.ready_replicas or 0) >= want, f"{namespace}/{name}: {status.ready_replicas} ready"

            wait_for(ready, within=120, interval=2, expected=f"deployment {namespace}/{name} ready")
    nodes: list[Any] = core.list_node().items
    for node in nodes:
        if node.spec.unschedulable:
            core.patch_node(node.metadata.name, {"spec": {"unschedulable": False}})
            report.healed.append(f"uncordoned {node.metadata.name}")


def _heal_scenario_objects(cluster: Cluster, report: HealthReport) -> None:
    """What a run killed mid-scenario leaves in the API: an API flood's flow schema and priority level, an
    admission webhook's registration (with ``failurePolicy: Fail`` it would refuse creates in its scope)."""
    if flow_control.flood_objects_left(cluster):
        removed = flow_control.remove_flood_objects(cluster)
        report.healed.append(f"removed the API flood's {', '.join(removed)}")
    if admission_webhook.webhook_objects_left(cluster):
        removed = admission_webhook.remove(cluster)
        report.healed.append(f"removed the admission webhook's {', '.join(removed)}")


def _check_stacked_etcd_data(cluster: Cluster) -> None:
    """A stacked member whose data directory lost its ``member`` tree cannot be healed by starting it again
    (an interrupted replacement or restore): the cluster is recreated, and the gate's report says why."""
    if cluster.etcd is not None:
        return
    for node in cluster.control_planes:
        path = etcd_runbook.etcd_manifest_path(node)
        if run(node, "test", "-f", path).code != 0:
            continue
        found = data_dir(read_manifest(node, path))
        if not etcd_runbook.data_dir_has_member(node, found):
            raise ClusterError(
                f"the etcd member of {node} lost its data ({found}/member is gone) and cannot be restarted",
                hint="it will be recreated",
            )


def heal(cluster: Cluster, *, ready_within: float = 240) -> HealthReport:
    """Undo every fault leftover and wait until the cluster is Ready; raise ``ClusterError`` if it is not."""
    report = HealthReport()
    try:
        _heal_containers(cluster, report)
        _heal_external_etcd(cluster, report)
        _check_stacked_etcd_data(cluster)
        for node in cluster.nodes:
            _heal_inside(cluster, node, report)
        _heal_etcd_alarms(cluster, report)
        restarted: set[str] = set()
        waited = wait_ready(cluster, within=ready_within, unstick=lambda: _end_back_off(cluster, report, restarted))
        _heal_objects(cluster, report)
        _heal_scenario_objects(cluster, report)
    except (shell.CommandFailed, ConditionTimeout, AssertionError) as exc:
        raise ClusterError(f"failed to heal cluster {cluster.name!r}: {exc}", hint="it will be recreated") from exc
    report.ready_seconds = waited.seconds
    return report

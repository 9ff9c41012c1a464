"""The drain and uncordon steps of an upgrade runbook, with a PodDisruptionBudget in the way or not."""

import time
from typing import Any

import pytest
import yaml

from kindchaos.cluster.api import core
from kindchaos.cluster.pods import pod_states
from kindchaos.cluster.workload import Workload
from kindchaos.cluster.workload_objects import daemon_set, pod_disruption_budget
from kindchaos.evidence.scenario import ChaosRun
from kindchaos.faults import NodeCordoned, NodeDrained
from kindchaos.faults.drain import DrainBlocked, drain, is_unschedulable, set_unschedulable
from kindchaos.observe import figures, replay

pytestmark = [
    pytest.mark.topology("single"),
    pytest.mark.question("upgrade"),
    pytest.mark.component("kubelet"),
    pytest.mark.disruptive,
]

AGENT = "agent"
BUDGET = "web"
DRAIN_WITHIN_S = 180
BLOCKED_FOR_S = 30


def web_nodes(chaos: ChaosRun, workload: Workload) -> dict[str, str]:
    pods: list[Any] = (
        core(chaos.cluster.kubeconfig).list_namespaced_pod(workload.namespace, label_selector="app=web").items
    )
    return {p.metadata.name: p.spec.node_name for p in pods if not p.metadata.deletion_timestamp}


def apply(chaos: ChaosRun, docs: list[dict[str, Any]]) -> None:
    chaos.cluster.kubectl("apply", "-f", "-", input_text=yaml.safe_dump_all(docs))


def test_drain_with_a_pod_disruption_budget(chaos: ChaosRun, workload_namespace: Workload) -> None:
    """Draining a worker that runs both web replicas (PDB minAvailable 1) cordons it [cordoned] and evicts them
    one at a time [web_pods_moved, pdb_refused_one], so at least one replica is available throughout
    [one_replica_available]; the DaemonSet pod stays [daemonset_pod_stays]; uncordon makes it schedulable
    [uncordoned].

    ko: web 레플리카 두 개가 모두 있는 워커를 drain하면(PDB minAvailable 1) 노드가 cordon되고 [cordoned]
    파드가 하나씩 축출되므로 [web_pods_moved, pdb_refused_one], 그동안 항상 적어도 하나의 레플리카가 사용
    가능합니다 [one_replica_available]. DaemonSet 파드는 남아 있고 [daemonset_pod_stays], uncordon하면 다시
    스케줄할 수 있게 됩니다 [uncordoned].
    """
    workload, cluster = workload_namespace, chaos.cluster
    node, ns = cluster.workers[0], workload_namespace.namespace
    with chaos.step(f"before: both web replicas on {node}, PDB minAvailable 1, a DaemonSet on every worker"):
        other = cluster.workers[1]
        set_unschedulable(cluster, other, True)  # so both replicas start on the node to drain
        try:
            workload.apply(replicas=2)
            apply(chaos, [pod_disruption_budget(name=BUDGET, namespace=ns, labels={"app": "web"}, min_available=1)])
            apply(chaos, [daemon_set(name=AGENT, namespace=ns)])
            workload.wait_ready()
        finally:
            set_unschedulable(cluster, other, False)
        cluster.kubectl("rollout", "status", "-n", ns, f"daemonset/{AGENT}", "--timeout=120s", timeout=150)
        placed = web_nodes(chaos, workload)
        assert sorted(placed.values()) == [node, node], f"web pods on {placed}, want both on {node}"
        agents_before = pod_states(cluster, ns, f"app={AGENT}")
    service = chaos.service_probe(url=f"http://{workload.service_ip()}/", node=cluster.control_planes[0])
    with (
        chaos.fault(NodeDrained(cluster, node, timeout=DRAIN_WITHIN_S)) as drained,
        chaos.step(f"during: {node} cordoned, web pods moved, the DaemonSet pod still there"),
    ):
        cordoned = is_unschedulable(cluster, node)
        chaos.check.that("cordoned", cordoned, what=f"{node} unschedulable", measured=f"unschedulable={cordoned}")
        moved = web_nodes(chaos, workload)
        chaos.check.that(
            "web_pods_moved",
            node not in moved.values() and len(moved) == 2,
            what=f"both web pods running elsewhere than {node}",
            measured=str(moved),
        )
        agents = pod_states(cluster, ns, f"app={AGENT}")
        chaos.check.that(
            "daemonset_pod_stays",
            agents == agents_before,
            what="the DaemonSet pods keep their UID, node and restart count",
            measured="unchanged" if agents == agents_before else f"{agents_before} -> {agents}",
        )
    with chaos.step("after: uncordoned; at least one web replica available throughout; figures"):
        still = is_unschedulable(cluster, node)
        chaos.check.that("uncordoned", not still, what=f"{node} schedulable again", measured=f"unschedulable={still}")
        inject, restored = drained.at("inject"), drained.at("restored")
        assert inject is not None and restored is not None
        counts = replay.available_counts(chaos.timeline, ns, "web-", after=inject)
        lowest = min((c for t, c in counts if t <= restored), default=None)
        web_evicted = [p for p in drained.result.evicted if p.startswith(f"{ns}/web-")]
        during = figures.between(service.samples, inject, restored)
        failed = [s for s in during if not s.ok]
        chaos.figure("evictions", len(drained.result.evicted), unit="", note=", ".join(drained.result.evicted))
        chaos.figure("web_evictions", len(web_evicted), unit="")
        chaos.figure(
            "evictions_refused_by_pdb", len(drained.result.refused), unit="", note="; ".join(drained.result.refused)
        )
        chaos.figure("web_available_min_during_drain", lowest, unit="", note="replayed from every pod record")
        chaos.figure("service_requests_during_drain", len(during), unit="")
        chaos.figure(
            "service_failed_during_drain",
            len(failed),
            unit="",
            note=failed[0].detail.get("error", "") if failed else "",
        )
        chaos.check.equals("web_evicted", len(web_evicted), 2, what="web pods evicted by the drain")
        chaos.check.at_least(
            "pdb_refused_one",
            len(drained.result.refused),
            1,
            what="evictions the PDB refused first (the drain waited for a replacement)",
        )
        chaos.check.at_least(
            "one_replica_available",
            lowest,
            1,
            what="fewest web replicas available at any pod record during the drain",
        )


def test_drain_blocked_by_a_pod_disruption_budget(chaos: ChaosRun, workload_namespace: Workload) -> None:
    """With minAvailable equal to the replica count, a drain evicts nothing and times out naming each blocked pod
    and the budget [drain_refused_naming]; the workload is untouched [pods_unchanged].

    ko: minAvailable이 레플리카 수와 같으면 drain은 아무것도 축출하지 못하고, 막힌
    파드와 예산(PDB)을 하나하나 알려 주며 시간 초과로 끝납니다 [drain_refused_naming]. 워크로드는
    건드려지지 않습니다 [pods_unchanged].
    """
    workload, cluster = workload_namespace, chaos.cluster
    node, ns = cluster.workers[0], workload_namespace.namespace
    with chaos.step(f"before: 2 web replicas, one on {node}, PDB minAvailable 2"):
        workload.apply(replicas=2, spread=True)
        apply(chaos, [pod_disruption_budget(name=BUDGET, namespace=ns, labels={"app": "web"}, min_available=2)])
        workload.wait_ready()
        placed = web_nodes(chaos, workload)
        blocked_pods = sorted(name for name, where in placed.items() if where == node)
        assert blocked_pods, f"no web pod on {node}: {placed}"
        before = pod_states(cluster, ns, "app=web")
    with chaos.fault(NodeCordoned(cluster, node)) as cordoned:
        with (
            chaos.step(f"during: the drain of {node} is refused for {BLOCKED_FOR_S} s"),
            pytest.raises(DrainBlocked) as refused,
        ):
            started = time.monotonic()
            drain(cluster, node, timeout=BLOCKED_FOR_S)
        refused_for = time.monotonic() - started
        message = str(refused.value)
        chaos.attach_text(message, name="drain refusal")
        unnamed = [pod for pod in blocked_pods if f"{ns}/{pod}" not in message]
        chaos.check.that(
            "drain_refused_naming",
            not unnamed and f"disruption budget {BUDGET}" in message,
            what=f"the refusal names each blocked pod {blocked_pods} and 'disruption budget {BUDGET}'",
            measured=message[:300],
        )
    with chaos.step("after: no web pod evicted or restarted; the node is schedulable again"):
        after = pod_states(cluster, ns, "app=web")
        chaos.check.that(
            "pods_unchanged",
            after == before,
            what="the web pods keep their UID, node and restart count",
            measured="unchanged" if after == before else f"the drain changed the web pods: {before} -> {after}",
        )
        still = is_unschedulable(cluster, node)
        chaos.check.that("uncordoned", not still, what=f"{node} schedulable again", measured=f"unschedulable={still}")
        chaos.figure("drain_refused_for_s", refused_for, note=f"the drain's deadline was {BLOCKED_FOR_S} s")
        chaos.figure("cordoned_s", (cordoned.at("restore") or 0) - (cordoned.at("inject") or 0))

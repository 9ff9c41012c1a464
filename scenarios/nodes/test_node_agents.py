"""A node's own agents stopped: kubelet, then the container runtime. The containers they started keep running."""

from typing import Any

import pytest

from kindchaos.cluster.api import core
from kindchaos.cluster.lifecycle import Cluster
from kindchaos.cluster.nodes import quoted, script
from kindchaos.cluster.pods import pod_states
from kindchaos.cluster.settings import node_monitor_grace_period
from kindchaos.cluster.workload import Workload
from kindchaos.evidence.scenario import ChaosRun
from kindchaos.expect import eventually
from kindchaos.faults import KubeletStopped, RuntimeStopped
from kindchaos.faults.base import Fault
from kindchaos.faults.nodes import API_ERRORS
from kindchaos.observe import figures, replay
from kindchaos.observe.probes import ServiceProbe

pytestmark = [
    pytest.mark.topology("single"),
    pytest.mark.question("cluster-failure"),
    pytest.mark.disruptive,
]

WORKLOAD_PROCESS = "/usr/local/bin/workload"
MIN_SERVICE_RATIO = 0.99
RUNTIME_NOT_READY_WITHIN_S = 90


def workload_processes(node: str, namespace: str) -> list[str]:
    """Pids of the scenario's own workload processes on ``node``, found from the node without the runtime.

    Matched by the POD_NAMESPACE in each process's environment: pods of an earlier scenario's namespace
    may still be terminating on the node.
    """
    # A loop over /proc inside the node: a real shell, with every value quoted.
    loop = (
        f"for p in $(pgrep -f {quoted('^' + WORKLOAD_PROCESS)}); do "
        f"tr '\\0' '\\n' < /proc/$p/environ 2>/dev/null | grep -qx {quoted('POD_NAMESPACE=' + namespace)}"
        " && echo $p; done"
    )
    return sorted(script(node, loop).output.split())


def node_condition(cluster: Cluster, node: str) -> tuple[str, str]:
    found: Any = core(cluster.kubeconfig).read_node(node, _request_timeout=5)
    ready = next(c for c in found.status.conditions if c.type == "Ready")
    return ready.status, ready.message or ""


def spread_workload(chaos: ChaosRun, workload: Workload) -> tuple[str, dict[str, Any], list[str]]:
    node = chaos.cluster.workers[0]
    with chaos.step(f"before: web spread over both workers; its processes on {node} listed"):
        workload.apply(replicas=2, spread=True)
        workload.wait_ready()
        pods = pod_states(chaos.cluster, workload.namespace, "app=web")
        assert node in {p.node for p in pods.values()}, f"no web pod on {node}: {pods}"
        processes = workload_processes(node, workload.namespace)
        assert processes, f"no {WORKLOAD_PROCESS} process on {node}"
        chaos.attach_text("\n".join(processes), name=f"workload pids on {node}")
    return node, pods, processes


def service_figures(chaos: ChaosRun, service: ServiceProbe, fault: Fault) -> float | None:
    """The Service probe's figures for the fault (``ChaosRun.probe_figures``), and the first failure's reason."""
    found = chaos.probe_figures(service, fault=fault)
    for name, value in found.items():
        chaos.figure(name, value, unit="s" if name.endswith("_s") else "")
    failed = [s for s in figures.between(service.samples, fault.at("inject"), fault.at("restore")) if not s.ok]
    if failed:
        chaos.figure("service_first_failure_during_fault", failed[0].detail.get("error", ""), unit="")
    ratio: float | None = found["service_success_ratio_during_fault"]
    return ratio


def same_processes(node: str, namespace: str, before: list[str]) -> tuple[bool, str]:
    """Whether the workload's processes on ``node`` are the ones from before (same pids), and what was seen."""
    now = workload_processes(node, namespace)
    return now == before, f"before {before}, now {now}"


SAME_PROCESSES = "the workload's processes on the node are the ones from before (same pids)"


def pods_check(chaos: ChaosRun, namespace: str, before: dict[str, Any]) -> None:
    now = pod_states(chaos.cluster, namespace, "app=web")
    chaos.check.that(
        "pods_unchanged",
        now == before,
        what="the web pods keep their UID, node and restart count",
        measured="unchanged" if now == before else f"before {before}, after {now}",
    )


@pytest.mark.component("kubelet")
def test_kubelet_stopped(chaos: ChaosRun, workload_namespace: Workload) -> None:
    """With kubelet stopped the node goes NotReady [node_not_ready], but its containers keep running
    [processes_kept] and the workload keeps answering through its Service [service_answered]; restarting kubelet
    brings the node Ready [ready_again] without restarting them [processes_unchanged, pods_unchanged].

    ko: kubelet이 멈추면 노드는 NotReady가 되지만 [node_not_ready] 그 노드의 컨테이너는 계속 실행되고
    [processes_kept] 워크로드는 Service를 통해 계속 응답합니다 [service_answered]. kubelet을 다시 시작하면
    노드가 Ready로 돌아오고 [ready_again] 컨테이너는 재시작되지 않습니다 [processes_unchanged, pods_unchanged].
    """
    cluster, namespace = chaos.cluster, workload_namespace.namespace
    node, pods, processes = spread_workload(chaos, workload_namespace)
    service = chaos.service_probe(url=f"http://{workload_namespace.service_ip()}/", node=cluster.control_planes[0])
    with (
        chaos.fault(KubeletStopped(cluster, node, await_not_ready=True)) as stopped,
        chaos.step(f"during: {node} NotReady, its workload processes unchanged"),
    ):
        status, message = node_condition(cluster, node)
        chaos.check.that(
            "node_not_ready",
            status != "True",
            what=f"the API reports {node} not Ready",
            measured=f"Ready={status}: {message}",
        )
        chaos.check.that("processes_kept", *same_processes(node, namespace, processes), what=SAME_PROCESSES)
    with chaos.step("after: node Ready; same pods, same processes, no restarts; the Service answered throughout"):
        inject, restore = stopped.at("inject"), stopped.at("restore")
        assert inject is not None and restore is not None
        not_ready = replay.not_ready_at(chaos.timeline, node, inject)
        back = replay.ready_at(chaos.timeline, node, restore)
        chaos.figure("time_to_not_ready_s", None if not_ready is None else not_ready.mono - inject, note="from inject")
        heartbeat = None if not_ready is None else replay.last_heartbeat_before(chaos.timeline, node, not_ready.mono)
        grace = node_monitor_grace_period(cluster)
        chaos.figure("setting_node_monitor_grace_period_s", grace.seconds, note=grace.source)
        chaos.figure(
            "last_heartbeat_to_not_ready_s",
            None if heartbeat is None or not_ready is None else not_ready.wall - heartbeat,
            note="the lease's last renewTime to NotReady",
        )
        chaos.figure("restore_to_ready_s", None if back is None else back - restore)
        chaos.check.that(
            "ready_again",
            back is not None,
            what=f"{node} reported Ready after kubelet's restart",
            measured="never" if back is None else f"{back - restore:.2f} s after the restore",
        )
        ratio = service_figures(chaos, service, stopped)
        chaos.check.at_least(
            "service_answered", ratio, MIN_SERVICE_RATIO, what="share of Service requests answered with kubelet stopped"
        )
        chaos.check.that("processes_unchanged", *same_processes(node, namespace, processes), what=SAME_PROCESSES)
        pods_check(chaos, namespace, pods)


@pytest.mark.component("containerd")
def test_container_runtime_stopped(chaos: ChaosRun, workload_namespace: Workload) -> None:
    """With containerd stopped its containers keep running under their shims [processes_kept] and keep serving
    [service_answered]; kubelet reports the node NotReady ("container runtime is down") [runtime_down_reported];
    after a restart of containerd both recover [ready_again], with no container restarted [processes_unchanged,
    pods_unchanged].

    ko: containerd가 멈춰도 그 컨테이너들은 shim 아래에서 계속 실행되며 [processes_kept] 요청을
    처리합니다 [service_answered]. kubelet은 노드를 NotReady("container runtime is down")로 보고하고
    [runtime_down_reported], containerd를 다시 시작하면 둘 다 회복되며 [ready_again] 재시작된 컨테이너는
    없습니다 [processes_unchanged, pods_unchanged].
    """
    cluster, namespace = chaos.cluster, workload_namespace.namespace
    node, pods, processes = spread_workload(chaos, workload_namespace)
    service = chaos.service_probe(url=f"http://{workload_namespace.service_ip()}/", node=cluster.control_planes[0])
    with (
        chaos.fault(RuntimeStopped(cluster, node)) as stopped,
        chaos.step(f"during: {node}'s condition as kubelet reports it; its workload processes unchanged"),
    ):

        def not_ready() -> tuple[str, str]:
            status, message = node_condition(cluster, node)
            assert status != "True", f"{node} Ready={status}"
            return status, message

        # A fixed wait: kubelet's runtime health check and its status update decide when; the time is a figure.
        eventually(
            not_ready,
            within=RUNTIME_NOT_READY_WITHIN_S,
            interval=1,
            retry_on=API_ERRORS,
            expected=f"{node} not Ready",
        )
        status, message = node_condition(cluster, node)
        chaos.check.that(
            "runtime_down_reported",
            status == "False" and "container runtime is down" in message,
            what=f'kubelet reports {node} Ready=False, "container runtime is down"',
            measured=f"Ready={status}: {message}",
        )
        chaos.check.that("processes_kept", *same_processes(node, namespace, processes), what=SAME_PROCESSES)
    with chaos.step("after: node Ready; same pods and processes, no restarts; the Service answered throughout"):
        inject, restore = stopped.at("inject"), stopped.at("restore")
        assert inject is not None and restore is not None
        went = replay.not_ready_at(chaos.timeline, node, inject)
        chaos.figure("time_to_not_ready_s", None if went is None else went.mono - inject, note="from inject")
        back = replay.ready_at(chaos.timeline, node, restore)
        chaos.figure("restore_to_ready_s", None if back is None else back - restore)
        ratio = service_figures(chaos, service, stopped)
        chaos.check.at_least(
            "service_answered",
            ratio,
            MIN_SERVICE_RATIO,
            what="share of Service requests answered with containerd stopped",
        )
        chaos.check.that(
            "ready_again",
            back is not None,
            what=f"{node} reported Ready after containerd's restart",
            measured="never" if back is None else f"{back - restore:.2f} s after the restore",
        )
        chaos.check.that("processes_unchanged", *same_processes(node, namespace, processes), what=SAME_PROCESSES)
        pods_check(chaos, namespace, pods)

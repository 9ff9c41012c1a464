"""A full engine run: scheduler outage with every observer on, for its evidence."""

import uuid
from collections.abc import Iterator

import pytest

from kindchaos.cluster.workload import Workload
from kindchaos.evidence.scenario import ChaosRun
from kindchaos.expect import eventually
from kindchaos.faults import ComponentDown
from kindchaos.images.pins import DEFAULT_REFS
from kindchaos.observe import figures

pytestmark = [pytest.mark.topology("single"), pytest.mark.disruptive]


@pytest.fixture
def namespace(chaos: ChaosRun) -> Iterator[str]:
    name = f"kc-engine-{uuid.uuid4().hex[:6]}"
    yield name
    chaos.stop()  # no probe may run against a Service being deleted
    chaos.cluster.kubectl("delete", "namespace", name, f"{name}-history", "--wait=false", "--ignore-not-found")


@pytest.mark.question("engine")
@pytest.mark.component("kube-scheduler")
def test_scheduler_outage_evidence(chaos: ChaosRun, namespace: str) -> None:
    """While kube-scheduler is down a new pod stays Pending [pending_unbound] and the Service keeps answering
    [service_answered]; it is Running within 60 s of its return [restore_to_running_s]."""
    cluster = chaos.cluster
    workload = Workload(cluster, namespace=namespace)
    with chaos.step("before: the workload answers through its Service"):
        workload.apply(replicas=2)
        workload.wait_ready()
        api = chaos.api_probe()
        service = chaos.service_probe(url=f"http://{workload.service_ip()}/")
        history = chaos.history(namespace=f"{namespace}-history")

    def pending_unbound() -> None:
        phase_node = cluster.kubectl("get", "pod", "-n", namespace, "late", "-o",
                                     "jsonpath={.status.phase}/{.spec.nodeName}")  # fmt: skip
        assert phase_node == "Pending/", f"pod late is {phase_node}"

    with (
        chaos.fault(ComponentDown(cluster, "kube-scheduler")) as outage,
        chaos.step("during: a pod created now stays Pending with no node"),
    ):
        cluster.kubectl("run", "late", "-n", namespace, f"--image={DEFAULT_REFS.workload}",
                        "--image-pull-policy=Never", "--restart=Never")  # fmt: skip
        chaos.check.stays(
            "pending_unbound", pending_unbound, during=10, interval=1, expected="pod late Pending with no nodeName"
        )

    with chaos.step("after: the pod is bound and Running within 60 s"):
        eventually(
            lambda: (
                cluster.kubectl("get", "pod", "-n", namespace, "late", "-o", "jsonpath={.status.phase}") == "Running"
            ),
            within=120,
            expected="pod late Running",
        )
        running_at = figures.pod_first_seen(chaos.timeline, f"{namespace}/late", lambda pod: pod["phase"] == "Running")
        # From the scheduler's return (its new container running), as every catalogue budget counts: the kubelet
        # back-off after the sabotaged scheduler runs before this one is not the scheduler's binding time.
        returned_at = outage.at("returned")
        assert running_at is not None and returned_at is not None, "the pod watch never saw late Running"
        chaos.check.within(
            "restore_to_running_s", running_at - returned_at, budget=60, what="pod late Running, from the return"
        )
        for name, value in chaos.probe_figures(api, fault=outage).items():
            chaos.figure(name, value, unit="")
        found = chaos.probe_figures(service, fault=outage)
        for name, value in found.items():
            chaos.figure(name, value, unit="")
        chaos.check.at_least(
            "service_answered", found["service_success_ratio_during_fault"], 1.0, what="Service requests answered"
        )
        eventually(lambda: service.samples[-1].ok, within=30, expected="the Service answering")
        chaos.check_data_safety(history)

"""kube-proxy stopped on one node: the rules it wrote keep working, new ones are not written."""

import pytest
import yaml

from kindchaos.cluster.nodes import run_in
from kindchaos.cluster.workload import Workload
from kindchaos.evidence.scenario import ChaosRun
from kindchaos.expect import eventually, stays, within_budget
from kindchaos.faults import ProcessFrozen
from kindchaos.observe import figures

pytestmark = [
    pytest.mark.topology("single"),
    pytest.mark.question("control-plane-failure"),
    pytest.mark.component("kube-proxy"),
    pytest.mark.disruptive,
]

NEW_SERVICE_AFTER_RESTORE_S = 30  # measured: see README "Measured figures"
OUTAGE_HELD_S = 15


def curl_code(node: str, url: str) -> int:
    return run_in(node, f"curl -s -m 2 -o /dev/null {url}").code


def test_kube_proxy_stopped(chaos: ChaosRun, workload: Workload) -> None:
    """While kube-proxy is stopped on a node, an existing Service keeps routing from that node, and a Service
    created meanwhile is not reachable through it until kube-proxy returns."""
    cluster, ns = chaos.cluster, workload.namespace
    stopped_on, other = cluster.workers
    existing = chaos.service_probe(url=f"http://{workload.service_ip()}/", node=stopped_on)
    late_service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "late", "namespace": ns},
        "spec": {"selector": {"app": workload.name}, "ports": [{"port": 80, "targetPort": 8080}]},
    }
    with (
        chaos.fault(
            ProcessFrozen(cluster, stopped_on, "kube-proxy", health_url="http://127.0.0.1:10256/healthz")
        ) as frozen,
        chaos.step("during: a new Service answers from the other node but not from this one"),
    ):
        cluster.kubectl("apply", "-f", "-", input_text=yaml.safe_dump(late_service))
        ip = cluster.kubectl("get", "svc", "-n", ns, "late", "-o", "jsonpath={.spec.clusterIP}")
        url = f"http://{ip}/"
        reachable_elsewhere = eventually(
            lambda: curl_code(other, url) == 0, within=30, expected=f"{url} answering from {other}"
        )
        chaos.figure("new_service_ready_elsewhere_s", reachable_elsewhere.seconds)
        stays(
            lambda: curl_code(stopped_on, url) != 0,
            during=OUTAGE_HELD_S,
            interval=1,
            expected=f"{url} unreachable from {stopped_on}",
        )
    with chaos.step(f"after: the new Service answers from {stopped_on} within {NEW_SERVICE_AFTER_RESTORE_S} s"):
        waited = within_budget(
            lambda: curl_code(stopped_on, url) == 0,
            budget=NEW_SERVICE_AFTER_RESTORE_S,
            interval=0.5,
            what=f"{url} answering from {stopped_on}",
        )
        restore, restored = frozen.at("restore"), frozen.at("restored")
        assert restore is not None and restored is not None
        during = figures.between(existing.samples, frozen.at("proven"), restore)
        ratio = figures.success_ratio(during)
        chaos.figure("existing_service_requests_while_stopped", len(during), unit="")
        chaos.figure("existing_service_success_ratio_while_stopped", ratio, unit="")
        chaos.figure(
            "restore_to_new_service_reachable_s",
            restored - restore + waited.seconds,
            budget=NEW_SERVICE_AFTER_RESTORE_S,
        )
        assert during and ratio == 1.0, f"the existing Service failed from {stopped_on}: ratio {ratio}"

"""kube-controller-manager outage: nothing reconciles while it is down, everything does after."""

import pytest

from kindchaos.cluster.pods import pod_states
from kindchaos.cluster.workload import Workload
from kindchaos.evidence.scenario import ChaosRun
from kindchaos.expect import stays, within_budget
from kindchaos.faults import ComponentDown

pytestmark = [
    pytest.mark.topology("single"),
    pytest.mark.question("control-plane-failure"),
    pytest.mark.component("kube-controller-manager"),
    pytest.mark.disruptive,
]

RECONCILE_AFTER_RESTORE_S = 60  # measured: see README "Measured figures"
OUTAGE_HELD_S = 20


def test_controller_manager_outage(chaos: ChaosRun, workload: Workload) -> None:
    """While kube-controller-manager is down a scale-up creates no pod and a deleted pod is not replaced;
    both reconcile within 60 s of its return."""
    cluster, ns = chaos.cluster, workload.namespace
    before = pod_states(cluster, ns, "app=web")
    victim = sorted(before)[0]

    def nothing_reconciled() -> None:
        now = pod_states(cluster, ns, "app=web")
        assert set(now) == set(before) - {victim}, f"web pods {sorted(now)}; expected {sorted(set(before) - {victim})}"

    with (
        chaos.fault(ComponentDown(cluster, "kube-controller-manager")) as outage,
        chaos.step(f"during: scaled to 3 and {victim} deleted; still only the other pod for {OUTAGE_HELD_S} s"),
    ):
        cluster.kubectl("scale", "deployment", "-n", ns, workload.name, "--replicas=3")
        cluster.kubectl("delete", "pod", "-n", ns, victim, "--wait=true", "--timeout=60s")
        stays(nothing_reconciled, during=OUTAGE_HELD_S, interval=2, expected="no pod created or replaced")

    with chaos.step(f"after: 3 web pods Running within {RECONCILE_AFTER_RESTORE_S} s"):

        def three_running() -> None:
            now = pod_states(cluster, ns, "app=web")
            running = [n for n, s in now.items() if s.phase == "Running"]
            assert len(running) == 3, f"Running web pods: {sorted(running)} of {sorted(now)}"

        waited = within_budget(three_running, budget=RECONCILE_AFTER_RESTORE_S, what="3 web pods Running")
        restore = outage.at("restore")
        restored = outage.at("restored")
        assert restore is not None and restored is not None
        created = [
            e.mono for e in chaos.timeline.events("pod")
            if e.name.startswith(f"{ns}/{workload.name}-") and e.type == "ADDED" and e.mono > restore
        ]  # fmt: skip
        chaos.figure("restore_to_first_new_pod_s", min(created) - restore if created else None)
        chaos.figure("restore_to_3_running_s", restored - restore + waited.seconds, budget=RECONCILE_AFTER_RESTORE_S)
        chaos.figure("controller_manager_container_back_s", outage.figures.get("container_back_after_s"))
        assert created, "no web pod was created after the restore"

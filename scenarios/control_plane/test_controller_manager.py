"""kube-controller-manager outage: nothing reconciles while it is down, everything does after."""

import pytest

from kindchaos.cluster.pods import pod_states
from kindchaos.cluster.workload import Workload
from kindchaos.evidence.scenario import ChaosRun
from kindchaos.expect import eventually
from kindchaos.faults import ComponentDown
from kindchaos.faults.control_plane import BACKOFF_WITHIN
from kindchaos.observe import figures

pytestmark = [
    pytest.mark.topology("single"),
    pytest.mark.question("control-plane-failure"),
    pytest.mark.component("kube-controller-manager"),
    pytest.mark.disruptive,
]

RECONCILE_AFTER_RETURN_S = 60  # from its return (new container running); measured figures: README
OUTAGE_HELD_S = 20


def test_controller_manager_outage(chaos: ChaosRun, workload: Workload) -> None:
    """While kube-controller-manager is down a scale-up creates no pod and a deleted pod is not replaced
    [nothing_reconciled, no_pod_before_return]; both reconcile within 60 s of its return [reconciled_after_return].

    ko: kube-controller-manager가 내려가 있는 동안에는 스케일 업을 해도 파드가
    생기지 않고 삭제된 파드도 다시 만들어지지 않습니다 [nothing_reconciled, no_pod_before_return]. 돌아온 뒤
    60초 안에 둘 다 조정(reconcile)됩니다 [reconciled_after_return].
    """
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
        chaos.check.stays(
            "nothing_reconciled",
            nothing_reconciled,
            during=OUTAGE_HELD_S,
            interval=2,
            expected="no web pod created or replaced",
        )

    with chaos.step(f"after: 3 web pods Running within {RECONCILE_AFTER_RETURN_S} s of its return"):

        def three_running() -> None:
            now = pod_states(cluster, ns, "app=web")
            running = [n for n, s in now.items() if s.phase == "Running"]
            assert len(running) == 3, f"Running web pods: {sorted(running)} of {sorted(now)}"

        # A fixed wait (kubelet's back-off decides when it returns); the budget counts from its return, below.
        eventually(three_running, within=BACKOFF_WITHIN, expected="3 web pods Running")
        restore, returned = outage.at("restore"), outage.at("returned")
        assert restore is not None and returned is not None
        new_pods = sorted(
            {e.name for e in chaos.timeline.events("pod") if e.name.startswith(f"{ns}/{workload.name}-")}
            - {f"{ns}/{name}" for name in before}
        )
        created = [figures.pod_first_seen(chaos.timeline, pod, lambda d: True) for pod in new_pods]
        running = [figures.pod_first_seen(chaos.timeline, pod, lambda d: d["phase"] == "Running") for pod in new_pods]
        assert len(new_pods) == 2 and None not in created and None not in running, f"new pods {new_pods}"
        first_created = min(t for t in created if t is not None)
        reconciled = max(t for t in running if t is not None)
        chaos.figure("controller_manager_back_after_restore_s", returned - restore, note="includes kubelet back-off")
        chaos.figure("return_to_first_new_pod_s", first_created - returned)
        chaos.check.that(
            "no_pod_before_return",
            first_created > returned,
            what="the first new web pod appeared only after the controller-manager returned",
            measured=f"first new pod {first_created - returned:+.2f} s from its return",
        )
        chaos.check.within(
            "reconciled_after_return",
            reconciled - returned,
            budget=RECONCILE_AFTER_RETURN_S,
            what="3 web pods Running, from its return",
        )

"""CoreDNS down: names stop resolving, addresses keep working."""

import pytest

from kindchaos.cluster.workload import Workload
from kindchaos.errors import KindChaosError
from kindchaos.evidence.scenario import ChaosRun
from kindchaos.expect import eventually, stays, within_budget
from kindchaos.faults import DeploymentScaledToZero

pytestmark = [
    pytest.mark.topology("single"),
    pytest.mark.question("control-plane-failure"),
    pytest.mark.component("coredns"),
    pytest.mark.disruptive,
]

LOOKUPS_BACK_AFTER_RESTORE_S = 60  # measured: see README "Measured figures"
OUTAGE_HELD_S = 15


def lookup(workload: Workload) -> list[str] | str:
    """The addresses the name resolves to, or the error text."""
    try:
        return workload.resolve(f"{workload.name}.{workload.namespace}.svc.cluster.local")
    except KindChaosError as exc:
        return str(exc)


def test_coredns_down(chaos: ChaosRun, workload: Workload) -> None:
    """While CoreDNS has no replica, Service names do not resolve but connections by ClusterIP still work;
    lookups work again within 60 s of its return.

    ko: CoreDNS 레플리카가 하나도 없는 동안 Service 이름은 해석되지 않지만
    ClusterIP로의 연결은 계속 됩니다. CoreDNS가 돌아오면 60초 안에 이름 조회가 다시
    됩니다.
    """
    ip = workload.service_ip()
    with chaos.step("before: the Service name resolves to its ClusterIP"):
        eventually(lambda: lookup(workload) == [ip], within=30, expected=f"the Service name resolving to {ip}")

    def fails_but_ip_works() -> None:
        found = lookup(workload)
        assert isinstance(found, str), f"the name still resolved to {found}"
        answer = workload.get(f"http://{ip}/")
        assert answer.get("pod"), f"no pod answered by ClusterIP: {answer}"

    with (
        chaos.fault(DeploymentScaledToZero(chaos.cluster, "kube-system", "coredns")) as outage,
        chaos.step(f"during: lookups fail and the ClusterIP answers, for {OUTAGE_HELD_S} s"),
    ):
        stays(fails_but_ip_works, during=OUTAGE_HELD_S, interval=2, expected="lookup failing, ClusterIP answering")

    with chaos.step(f"after: the name resolves within {LOOKUPS_BACK_AFTER_RESTORE_S} s of the restore"):
        restore, restored = outage.at("restore"), outage.at("restored")
        assert restore is not None and restored is not None
        waited = within_budget(
            lambda: lookup(workload) == [ip], budget=LOOKUPS_BACK_AFTER_RESTORE_S, what="the Service name resolving"
        )
        chaos.figure("coredns_ready_after_restore_s", restored - restore)
        chaos.figure("restore_to_lookup_ok_s", restored - restore + waited.seconds, budget=LOOKUPS_BACK_AFTER_RESTORE_S)

"""CoreDNS down: names stop resolving, addresses keep working."""

import pytest

from kindchaos.cluster.workload import Workload
from kindchaos.errors import KindChaosError
from kindchaos.evidence.scenario import ChaosRun
from kindchaos.expect import eventually
from kindchaos.faults import DeploymentScaledToZero

pytestmark = [
    pytest.mark.topology("single"),
    pytest.mark.question("control-plane-failure"),
    pytest.mark.component("coredns"),
    pytest.mark.disruptive,
]

LOOKUPS_BACK_AFTER_RETURN_S = 60  # from CoreDNS Ready again (the fault's restore proven)
NAME_RESOLVES_BEFORE_S = 30  # a fixed wait: the steady state before the fault
OUTAGE_HELD_S = 15


def lookup(workload: Workload) -> list[str] | str:
    """The addresses the name resolves to, or the error text."""
    try:
        return workload.resolve(f"{workload.name}.{workload.namespace}.svc.cluster.local")
    except KindChaosError as exc:
        return str(exc)


def test_coredns_down(chaos: ChaosRun, workload: Workload) -> None:
    """While CoreDNS has no replica, Service names do not resolve but connections by ClusterIP still work
    [lookups_fail_ip_works]; lookups work again within 60 s of its return [lookups_back_after_return].

    ko: CoreDNS 레플리카가 하나도 없는 동안 Service 이름은 해석되지 않지만
    ClusterIP로의 연결은 계속 됩니다 [lookups_fail_ip_works]. CoreDNS가 돌아오면 60초 안에 이름 조회가 다시
    됩니다 [lookups_back_after_return].
    """
    ip = workload.service_ip()
    with chaos.step("before: the Service name resolves to its ClusterIP"):
        eventually(
            lambda: lookup(workload) == [ip],
            within=NAME_RESOLVES_BEFORE_S,
            expected=f"the Service name resolving to {ip}",
        )

    def fails_but_ip_works() -> None:
        found = lookup(workload)
        assert isinstance(found, str), f"the name still resolved to {found}"
        answer = workload.get(f"http://{ip}/")
        assert answer.get("pod"), f"no pod answered by ClusterIP: {answer}"

    with (
        chaos.fault(DeploymentScaledToZero(chaos.cluster, "kube-system", "coredns")) as outage,
        chaos.step(f"during: lookups fail and the ClusterIP answers, for {OUTAGE_HELD_S} s"),
    ):
        chaos.check.stays(
            "lookups_fail_ip_works",
            fails_but_ip_works,
            during=OUTAGE_HELD_S,
            interval=2,
            expected="the Service name not resolving and its ClusterIP answering",
        )

    with chaos.step(f"after: the name resolves within {LOOKUPS_BACK_AFTER_RETURN_S} s of CoreDNS's return"):
        chaos.figure(
            "coredns_ready_after_restore_s", outage.restore_seconds(), note="scale back to its replicas, Ready"
        )
        # The wait starts when the fault's restore is proven (CoreDNS Ready): the figure is that wait.
        chaos.check.reaches(
            "lookups_back_after_return",
            lambda: lookup(workload) == [ip],
            budget=LOOKUPS_BACK_AFTER_RETURN_S,
            what="the Service name resolving to its ClusterIP, from CoreDNS Ready",
        )

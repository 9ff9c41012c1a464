"""Triage blinded to the nodes' machines (the API only, as for a cluster whose nodes cannot be reached).

A scheduler whose manifest was moved away leaves nothing in the API for seconds: its mirror pod is gone and
its leader lease is not yet stale. Triage that cannot look inside the node finds nothing, so the check that it
named the outage must fail, measured as a miss.
"""

from __future__ import annotations

import dataclasses

import pytest

from kindchaos.evidence import triaged
from kindchaos.evidence.scenario import ChaosRun
from kindchaos.faults import ComponentDown
from kindchaos.runbooks.triage import named
from kindchaos.triage import target


def api_only(cluster: object) -> target.Target:
    seen = target.of_cluster(cluster)  # type: ignore[arg-type]
    return dataclasses.replace(seen, machines={}, etcd_containers=(), no_machines="blinded by the sabotage")


@pytest.fixture(autouse=True)
def sabotaged(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(triaged, "of_cluster", api_only)


pytestmark = [pytest.mark.question("cluster-failure"), pytest.mark.disruptive]


@pytest.mark.topology("single")
def test_triage_names_a_scheduler_outage(chaos: ChaosRun) -> None:
    """While kube-scheduler is down, triage's first finding names it [names_scheduler_down].

    ko: kube-scheduler가 내려가 있는 동안 triage의 첫 번째 진단이 그것을 가리킵니다 [names_scheduler_down].
    """
    with chaos.fault(ComponentDown(chaos.cluster, "kube-scheduler")) as fault:
        chaos.check.that("names_scheduler_down", **named(chaos, fault))

"""A scenario whose fault cannot happen: the component's manifest is misspelled, so there is nothing to park."""

import dataclasses

import pytest

from kindchaos.evidence.scenario import ChaosRun
from kindchaos.faults import ComponentDown
from kindchaos.faults.control_plane import COMPONENTS

pytestmark = [pytest.mark.topology("single"), pytest.mark.disruptive]
MISSPELLED = "kube-schedulr"


@pytest.fixture(autouse=True)
def misspelled_component(monkeypatch: pytest.MonkeyPatch) -> None:
    """kube-scheduler under a name no manifest has: the outage's inject finds no file to move."""
    monkeypatch.setitem(COMPONENTS, MISSPELLED, dataclasses.replace(COMPONENTS["kube-scheduler"], name=MISSPELLED))


@pytest.mark.question("engine")
def test_outage_of_a_component_that_does_not_exist(chaos: ChaosRun) -> None:
    """An outage of kube-schedulr (sic) cannot be injected, so this scenario must fail, never pass."""
    with chaos.fault(ComponentDown(chaos.cluster, MISSPELLED)), chaos.step("during: nothing to see"):
        pass

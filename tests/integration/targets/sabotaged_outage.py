"""A scenario whose fault cannot happen: the manifest name does not exist."""

import pytest

from kindchaos.evidence.scenario import ChaosRun
from kindchaos.faults import ComponentDown

pytestmark = [pytest.mark.topology("single"), pytest.mark.disruptive]


@pytest.mark.question("engine")
def test_outage_of_a_component_that_does_not_exist(chaos: ChaosRun) -> None:
    """An outage of kube-schedulr (sic) cannot be injected, so this scenario must fail, never pass."""
    with chaos.fault(ComponentDown(chaos.cluster, "kube-schedulr")), chaos.step("during: nothing to see"):
        pass

"""An outage held open until the test process is interrupted from outside."""

import os
from pathlib import Path

import pytest

from kindchaos.evidence.scenario import ChaosRun
from kindchaos.expect import eventually
from kindchaos.faults import ComponentDown

pytestmark = [pytest.mark.topology("single"), pytest.mark.disruptive]


def test_outage_until_interrupted(chaos: ChaosRun) -> None:
    """Held in an outage until the parent test sends a signal (it never passes on its own)."""
    with chaos.fault(ComponentDown(chaos.cluster, "kube-scheduler")):
        Path(os.environ["KINDCHAOS_IN_OUTAGE"]).write_text("in outage\n")
        eventually(lambda: False, within=600, interval=1, expected="a signal from the parent test")

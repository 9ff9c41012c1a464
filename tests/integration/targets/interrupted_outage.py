"""A fault held open until the test process is interrupted from outside.

The parent test picks the fault with KINDCHAOS_FAULT: ``component:<name>``, ``partition`` or ``freeze``.
"""

import os
from pathlib import Path

import pytest

from kindchaos.evidence.scenario import ChaosRun
from kindchaos.expect import eventually
from kindchaos.faults import ComponentDown, Fault, NetworkPartitioned, NodeFrozen

pytestmark = [pytest.mark.topology("single"), pytest.mark.disruptive]


def chosen_fault(chaos: ChaosRun) -> Fault:
    kind, _, name = os.environ["KINDCHAOS_FAULT"].partition(":")
    if kind == "component":
        return ComponentDown(chaos.cluster, name)
    if kind == "partition":
        return NetworkPartitioned(chaos.cluster, chaos.cluster.workers[0])
    return NodeFrozen(chaos.cluster, chaos.cluster.workers[0])


def test_fault_until_interrupted(chaos: ChaosRun) -> None:
    """Held in a fault until the parent test sends a signal (it never passes on its own)."""
    with chaos.fault(chosen_fault(chaos)):
        Path(os.environ["KINDCHAOS_IN_FAULT"]).write_text("in fault\n")
        eventually(lambda: False, within=600, interval=1, expected="a signal from the parent test")

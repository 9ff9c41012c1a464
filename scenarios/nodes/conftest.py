"""Fixtures of the node scenarios: a workload namespace the scenario configures itself."""

import uuid
from collections.abc import Iterator

import pytest

from kindchaos.cluster.workload import Workload
from kindchaos.evidence.scenario import ChaosRun


@pytest.fixture
def workload_namespace(chaos: ChaosRun) -> Iterator[Workload]:
    """A ``Workload`` in a namespace of its own, not yet applied: each scenario chooses replicas and placement."""
    found = Workload(chaos.cluster, namespace=f"kc-{uuid.uuid4().hex[:6]}")
    yield found
    chaos.stop()  # no probe may run against a Service being deleted
    found.delete()

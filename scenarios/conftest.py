"""Scenario catalogue configuration: fixtures shared by the scenarios; the engine comes from the plugin."""

import uuid
from collections.abc import Iterator

import pytest

from kindchaos.cluster.workload import Workload
from kindchaos.evidence.scenario import ChaosRun


@pytest.fixture
def workload(chaos: ChaosRun) -> Iterator[Workload]:
    """The web Deployment (2 replicas) behind a Service and a client pod, in a namespace of its own."""
    found = Workload(chaos.cluster, namespace=f"kc-{uuid.uuid4().hex[:6]}")
    with chaos.step(f"before: web (2 replicas) ready in {found.namespace}"):
        found.apply(replicas=2)
        found.wait_ready()
    yield found
    chaos.stop()  # no probe may run against a Service being deleted
    found.delete()


@pytest.fixture
def workload_namespace(chaos: ChaosRun) -> Iterator[Workload]:
    """A ``Workload`` in a namespace of its own, not yet applied: each scenario chooses replicas and placement."""
    found = Workload(chaos.cluster, namespace=f"kc-{uuid.uuid4().hex[:6]}")
    yield found
    chaos.stop()  # no probe may run against a Service being deleted
    found.delete()

import os
import time
from collections.abc import Iterator

import pytest

from kindchaos.cluster.lifecycle import Cluster
from kindchaos.cluster.workload import Workload

SESSION_STARTED = int(time.time())


@pytest.fixture(scope="module")
def single_workload(single_cluster: Cluster) -> Iterator[Workload]:
    workload = Workload(single_cluster, namespace="kc-smoke")
    workload.apply(replicas=2)
    workload.wait_ready()
    yield workload
    workload.delete()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked ``nightly`` (proofs of many minutes each) run only when KINDCHAOS_NIGHTLY=1, as the nightly
    workflow sets it; `.ci/run` skips them and says so."""
    if os.environ.get("KINDCHAOS_NIGHTLY") == "1":
        return
    skip = pytest.mark.skip(reason="nightly only: KINDCHAOS_NIGHTLY=1 scripts/test -m nightly runs it")
    for item in items:
        if item.get_closest_marker("nightly") is not None:
            item.add_marker(skip)

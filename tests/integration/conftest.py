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

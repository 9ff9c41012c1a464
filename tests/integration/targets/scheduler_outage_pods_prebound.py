"""The scheduler outage scenario with new pods that name their node themselves (``spec.nodeName``).

Such a pod never waits for a scheduler: kubelet runs it at once, so the clause "new pods stay Pending"
is false and the scenario must fail on its check ``new_pods_pending`` (steady state violated).
"""

from typing import Any

import pytest

from kindchaos.cluster.pods import bare_pod
from scenarios.control_plane import test_scheduler as scenario


@pytest.fixture(autouse=True)
def sabotaged(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> None:
    def prebound(name: str, **options: Any) -> dict[str, Any]:
        pod = bare_pod(name, **options)
        chaos = request.getfixturevalue("chaos")
        pod["spec"]["nodeName"] = chaos.cluster.workers[0]
        return pod

    monkeypatch.setattr(scenario, "bare_pod", prebound)


pytestmark = scenario.pytestmark
test_scheduler_outage = scenario.test_scheduler_outage

"""The APF-protected flood scenario with the flood's flow schema sent to the exempt level: APF's protection is
removed while the claim says the flood is held in its flow, so ``flood_rejected`` must fail."""

import pytest

from kindchaos.cluster import flow_control
from kindchaos.cluster.lifecycle import Cluster
from scenarios.control_plane import test_api_flood as scenario

real_identity = flow_control.flood_identity


@pytest.fixture(autouse=True)
def sabotaged(monkeypatch: pytest.MonkeyPatch) -> None:
    def exempt(cluster: Cluster, level: str) -> flow_control.FloodIdentity:
        return real_identity(cluster, "exempt")

    monkeypatch.setattr(flow_control, "flood_identity", exempt)


pytestmark = scenario.pytestmark
test_api_flood_held_by_apf = scenario.test_api_flood_held_by_apf

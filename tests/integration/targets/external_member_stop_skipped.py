"""The external member-down scenario with its ``docker stop`` skipped: the member keeps answering, so the fault's
proof must fail and the scenario end as *fault not injected*, never pass."""

import pytest

from kindchaos.faults.external_etcd import ExternalMemberStopped
from scenarios.etcd import test_external_etcd as scenario


@pytest.fixture(autouse=True)
def sabotaged(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ExternalMemberStopped, "inject", lambda self: None)


pytestmark = scenario.pytestmark
test_external_member_down = scenario.test_external_member_down

"""The stacked member-replacement scenario with the data deletion skipped: the member is only stopped, its data
still there, so the fault's proof must fail and the scenario end as *fault not injected*, never pass."""

from typing import Any

import pytest

from kindchaos.faults import stacked_etcd
from scenarios.etcd import test_stacked_recovery as scenario

real_output = stacked_etcd.output


@pytest.fixture(autouse=True)
def sabotaged(monkeypatch: pytest.MonkeyPatch) -> None:
    def keep_data(node: str, *argv: str, **options: Any) -> str:
        return "" if argv[:1] == ("rm",) else real_output(node, *argv, **options)

    monkeypatch.setattr(stacked_etcd, "output", keep_data)


pytestmark = scenario.pytestmark
test_stacked_member_replaced = scenario.test_stacked_member_replaced

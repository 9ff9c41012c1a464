"""Triage whose flood threshold is below a healthy cluster's own traffic (0.1 requests/s per flow schema).

The leader elections and kubelets of an idle cluster then read as a flood, so triage on the healthy cluster
reports a finding and the no-false-alarm check must fail, measured as a false alarm.
"""

from __future__ import annotations

import pytest

import kindchaos.triage.diagnose as rules
from kindchaos.evidence.scenario import ChaosRun
from kindchaos.runbooks.triage import no_alarm


@pytest.fixture(autouse=True)
def sabotaged(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rules, "FLOOD_RATE", 0.1)


pytestmark = [pytest.mark.question("cluster-failure")]


@pytest.mark.topology("single")
def test_triage_finds_nothing_on_a_healthy_cluster(chaos: ChaosRun) -> None:
    """On a healthy cluster triage finds nothing [no_false_alarm].

    ko: 정상 클러스터에서 triage는 아무것도 찾지 않습니다 [no_false_alarm].
    """
    chaos.check.that("no_false_alarm", **no_alarm(chaos))

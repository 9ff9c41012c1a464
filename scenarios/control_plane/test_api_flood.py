"""One client floods the API: API Priority and Fairness keeps it in its own flow while node heartbeats and a
``system:masters`` client go on; and the same flood with APF's protection removed for that client, whose heartbeat
gaps and probe latency are figures beside the protected run's (what they show is measured, not claimed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kindchaos.evidence.scenario import ChaosRun
from kindchaos.runbooks.api_flood import (
    check_flood_never_rejected,
    check_flood_rejected,
    check_protected,
    flood_and_observe,
    report,
)

pytestmark = [
    pytest.mark.topology("single"),
    pytest.mark.question("control-plane-failure"),
    pytest.mark.component("kube-apiserver"),
    pytest.mark.disruptive,
]


def test_api_flood_held_by_apf(chaos: ChaosRun, tmp_path: Path) -> None:
    """When one service account floods the API (32 clients listing 650 KiB each, as fast as answers come, for
    45 s) from a flow schema of its own on a small priority level, API Priority and Fairness rejects part of the
    flood with 429 [flood_rejected] and rejects nothing of any other flow [other_flows_not_rejected]; every node
    renews its lease at most 20 s after the last renewal [heartbeats_kept], and a system:masters client is
    answered every time [masters_probe_answered], 95 % of the time within 1 s [masters_probe_fast].

    ko: 서비스 어카운트 하나가 자기만의 플로 스키마와 작은 우선순위 레벨에서 API에 요청을 쏟아부으면(클라이언트
    32개가 650 KiB짜리 목록을 응답이 오는 대로 45초 동안 요청) API Priority and Fairness가 그 일부를 429로
    거절하고 [flood_rejected] 다른 플로의 요청은 하나도 거절하지 않습니다 [other_flows_not_rejected]. 모든 노드는
    마지막 갱신 후 20초 안에 리스를 다시 갱신하고 [heartbeats_kept], system:masters 클라이언트는 매번 응답을 받으며
    [masters_probe_answered] 그 95 %는 1초 안에 받습니다 [masters_probe_fast].
    """
    seen = flood_and_observe(chaos, "limited", tmp_path)
    with chaos.step("after: the flood held in its flow; heartbeats and the system:masters client unharmed"):
        report(chaos, seen)
        check_flood_rejected(chaos, seen)
        check_protected(chaos, seen)


def test_api_flood_without_apf_protection(chaos: ChaosRun, tmp_path: Path) -> None:
    """When the same flood's flow schema sends it to the exempt priority level (APF's protection removed for that
    client), none of its requests is rejected [flood_never_rejected].

    ko: 같은 요청 폭주의 플로 스키마가 exempt 우선순위 레벨을 가리키면(그 클라이언트에 대한 APF의 보호를 없애면)
    어떤 요청도 거절되지 않습니다 [flood_never_rejected].
    """
    seen = flood_and_observe(chaos, "exempt", tmp_path)
    with chaos.step("after: nothing of the flood rejected; what the heartbeats and the probe saw, as figures"):
        report(chaos, seen)
        check_flood_never_rejected(chaos, seen)

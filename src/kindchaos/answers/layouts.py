"""Stacked or external etcd: the same faults on kubeadm's two HA layouts, their figures side by side.

Each pair names a stacked scenario (``ha``) and its external twin (``ha-external``) and the checks and figures
both record under the same names, so a row compares like with like. A cell shows what the findings file holds
for that test: a check's value with ✅ or ❌ (held or not), a figure's value, or ``—`` when the test recorded
none; the scenario's outcome and date follow the table, so a figure from a failed or an older run is never
read as this run's fact.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from kindchaos.answers.words import words


@dataclass(frozen=True)
class Measure:
    name: str  # a check or figure name both twins record
    en: str
    ko: str


@dataclass(frozen=True)
class Pair:
    en: str
    ko: str
    stacked: str  # test id, as findings.json records it
    external: str
    measures: tuple[Measure, ...]
    recovery: tuple[tuple[str, str], tuple[str, str]] = (("", ""), ("", ""))  # what each run's restore did (en, ko)


STACKED_MEMBERS = "scenarios/etcd/test_members.py::"
EXTERNAL = "scenarios/etcd/test_external_etcd.py::"
STATIC_POD_BACK = (
    "etcd's manifest moved back into /etc/kubernetes/manifests; kubelet starts the static pod",
    "etcd 매니페스트를 /etc/kubernetes/manifests로 되돌리면 kubelet이 정적 파드를 시작",
)
CONTAINER_BACK = (
    "the member's container started again with its data (`docker start`; on a machine, `systemctl start etcd`)",
    "멤버 컨테이너를 데이터 그대로 다시 시작 (`docker start`; 실제 머신에서는 `systemctl start etcd`)",
)
WRITES_FAILED = Measure("writes_failed_during_fault", "writes failed during the fault", "장애 중 실패한 쓰기")
PAIRS = (
    Pair(
        "A control-plane node stopped",
        "컨트롤 플레인 노드 하나가 멈춤",
        "scenarios/control_plane/test_ha_control_plane.py::test_control_plane_node_lost",
        EXTERNAL + "test_control_plane_node_lost_keeps_every_member",
        (
            Measure(
                "etcd_members_lost",
                "etcd members unhealthy with the node down",
                "노드가 멈춘 동안 unhealthy인 etcd 멤버",
            ),
            Measure("api_success_ratio", "share of API requests answered", "응답받은 API 요청 비율"),
            WRITES_FAILED,
        ),
        (
            ("the node started again; its etcd member rejoins", "노드를 다시 시작하면 그 etcd 멤버가 다시 합류"),
            ("the node started again; no etcd member to recover", "노드를 다시 시작; 되살릴 etcd 멤버 없음"),
        ),
    ),
    Pair(
        "One etcd member (a follower) down",
        "etcd 멤버 하나(팔로워)가 내려감",
        STACKED_MEMBERS + "test_one_member_down",
        EXTERNAL + "test_external_member_down",
        (
            Measure("writes_steady", "time to 10 s of steady writes (s)", "쓰기가 10초 연속 성공하기까지 (초)"),
            WRITES_FAILED,
            Measure("caught_up", "member caught up after its return (s)", "돌아온 멤버가 따라잡기까지 (초)"),
        ),
        (STATIC_POD_BACK, CONTAINER_BACK),
    ),
    Pair(
        "The etcd leader down",
        "etcd 리더가 내려감",
        STACKED_MEMBERS + "test_leader_lost",
        EXTERNAL + "test_external_leader_lost",
        (
            Measure("new_leader_elected", "new leader, from the stop (s)", "멈춘 뒤 새 리더까지 (초)"),
            Measure("leaderless_s", "no leader seen (s)", "리더가 보이지 않은 시간 (초)"),
            WRITES_FAILED,
        ),
        (STATIC_POD_BACK, CONTAINER_BACK),
    ),
    Pair(
        "Quorum lost (two members down)",
        "쿼럼 상실 (멤버 두 개가 내려감)",
        STACKED_MEMBERS + "test_quorum_lost",
        EXTERNAL + "test_external_quorum_lost",
        (
            Measure("write_unavailability_s", "longest run of failed writes (s)", "가장 길게 이어진 쓰기 실패 (초)"),
            Measure("writes_back", "first write after quorum returned (s)", "쿼럼 복귀 후 첫 쓰기까지 (초)"),
            Measure("service_answered", "share of Service requests answered", "응답받은 Service 요청 비율"),
        ),
        (STATIC_POD_BACK, CONTAINER_BACK),
    ),
)


def _cell(finding: dict[str, Any] | None, name: str) -> str:
    """A check's value and mark, else a figure's value, else ``—``."""
    if finding is None:
        return "—"
    checks = {c.get("name"): c for c in finding.get("checks") or [] if isinstance(c, dict)}
    values = {f.get("name"): f for f in finding.get("figures") or [] if isinstance(f, dict)}
    check, figure = checks.get(name), values.get(name)
    if check is None and figure is None:
        return "—"
    value = (check if check is not None and "value" in check else figure or {}).get("value")
    text = "—" if value is None else f"{value:.2f}" if isinstance(value, float) else str(value)
    if check is not None:
        text += " ✅" if check.get("held") else " ❌"
    return text


def _source(finding: dict[str, Any] | None, w: dict[str, str]) -> str:
    if finding is None:
        return w["layouts_missing"]
    finished = finding.get("finished")
    date = time.strftime("%Y-%m-%d %H:%M", time.gmtime(finished)) if finished else "?"
    return w["layouts_source"].format(outcome=finding.get("outcome", "?"), date=date)


def to_markdown(document: dict[str, Any], lang: str) -> list[str]:
    """The section's lines; empty when the findings hold neither twin of any pair."""
    w = words(lang)
    by_test = {f["test"]: f for f in document.get("findings") or [] if isinstance(f, dict) and "test" in f}
    lines: list[str] = []
    for pair in PAIRS:
        stacked, external = by_test.get(pair.stacked), by_test.get(pair.external)
        if stacked is None and external is None:
            continue
        title = pair.ko if lang == "ko" else pair.en
        lines += [
            "",
            f"### {title}",
            "",
            f"| {w['layouts_measure']} | {w['layouts_stacked']} | {w['layouts_external']} |",
        ]
        lines.append("| --- | --- | --- |")
        for measure in pair.measures:
            label = measure.ko if lang == "ko" else measure.en
            lines.append(
                f"| {label} (`{measure.name}`) | {_cell(stacked, measure.name)} | {_cell(external, measure.name)} |"
            )
        index = 1 if lang == "ko" else 0
        (stacked_recovery, external_recovery) = (pair.recovery[0][index], pair.recovery[1][index])
        lines += [
            "",
            f"- {w['layouts_stacked']}: `{pair.stacked}`, {_source(stacked, w)}; {w['layouts_recovery']}: "
            f"{stacked_recovery}",
            f"- {w['layouts_external']}: `{pair.external}`, {_source(external, w)}; {w['layouts_recovery']}: "
            f"{external_recovery}",
        ]
    if not lines:
        return []
    return ["", f"## {w['layouts_title']}", "", w["layouts_legend"], *lines]

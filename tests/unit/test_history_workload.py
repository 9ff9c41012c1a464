"""How a history client picks its next operation from what it last saw of a key."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from kindchaos.observe.history.client import Endpoint
from kindchaos.observe.history.operations import Version
from kindchaos.observe.history.workload import Belief, HistoryWorkload
from kindchaos.observe.timeline import Timeline


def workload() -> HistoryWorkload:
    return HistoryWorkload(
        kubeconfig=Path("unused"), namespace="ns", endpoints=[Endpoint("a")], timeline=Timeline(), seed=7
    )


def picks(belief: Belief, n: int = 2000) -> Counter[str]:
    chooser = workload()
    return Counter(chooser._choose(belief) for _ in range(n))


def test_a_key_seen_absent_is_created_and_one_never_seen_is_read() -> None:
    assert set(picks(Belief(absent=True))) == {"create"}
    assert set(picks(Belief())) == {"get"}


def test_a_known_version_is_mostly_updated_with_every_read_kind_in_between() -> None:
    found = picks(Belief(Version("v", 10)))
    assert set(found) == {"update", "get", "list", "cached-list", "delete"}
    assert found.most_common(1)[0][0] == "update"


def test_after_an_unanswered_operation_it_reads_first_or_still_writes() -> None:
    """During an outage the history keeps writes as well as quorum and cached reads."""
    found = picks(Belief(Version("v", 10), certain=False))
    assert found["get"] > 0 and found["cached-list"] > 0 and found["update"] > 0
    assert 0.45 < (found["get"] + found["cached-list"]) / sum(found.values()) < 0.85

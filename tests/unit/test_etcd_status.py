"""Catch-up and election times derived from etcd probe samples, and the probe's loop."""

import json
import threading

from kindchaos.cluster.etcd import Member
from kindchaos.observe.figures import Sample
from kindchaos.observe.probes.etcd_status import (
    EtcdStatusProbe,
    caught_up,
    highest_revision,
    last_answer,
    leader_seen,
    term_after,
)
from kindchaos.observe.timeline import Timeline


def answer(t: float, member: str, revision: int, leader: str = "a") -> Sample:
    return Sample(t, True, 0.01, {"member": member, "revision": revision, "leader": leader, "term": 2})


def silent(t: float, member: str) -> Sample:
    return Sample(t, False, 1.0, {"member": member})


SAMPLES = [
    answer(1, "a", 100),
    answer(1, "b", 100),
    answer(1, "c", 100),
    answer(2, "a", 120),
    answer(2, "b", 119),
    silent(2, "c"),
    answer(3, "a", 150),
    answer(3, "b", 150),
    silent(3, "c"),
    answer(4, "a", 160, leader="b"),
    answer(4, "b", 160, leader="b"),
    answer(4, "c", 130, leader="b"),
    answer(5, "c", 161, leader="b"),
]


def test_highest_revision_uses_each_members_last_answer_before_the_moment() -> None:
    assert highest_revision(SAMPLES, ["a", "b"], at=2.5) == 120
    assert highest_revision(SAMPLES, ["c"], at=3.5) == 100
    assert highest_revision(SAMPLES, ["d"], at=9) is None


def test_a_member_has_caught_up_only_once_it_reaches_the_revision() -> None:
    assert caught_up(SAMPLES, "c", revision=150, after=3.5) == 5
    assert caught_up(SAMPLES, "c", revision=200, after=3.5) is None
    assert caught_up(SAMPLES, "c", revision=100, after=0) == 1


def test_a_new_leader_is_the_first_answer_naming_another_member() -> None:
    seen = leader_seen(SAMPLES, other_than="a", after=1.5)
    assert seen is not None and (seen.mono, seen.detail["leader"]) == (4, "b")
    assert leader_seen(SAMPLES, other_than="b", after=3.5) is None


def with_term(sample: Sample, term: int) -> Sample:
    return Sample(sample.mono, sample.ok, sample.latency, {**sample.detail, "term": term})


def test_the_term_under_a_new_leader_is_read_past_a_torn_answer() -> None:
    """Seen on a run: the first answer naming the new leader still carried the old term (3); the members said 4
    half a second later. An election that did not happen (the stopped member did not lead) keeps the old term."""
    torn = with_term(answer(4, "a", 160, leader="b"), 3)
    settled = [with_term(answer(4.5, m, 161, leader="b"), 4) for m in ("a", "b")]
    assert term_after([torn, *settled], torn) == 4
    no_election = [with_term(answer(t, "a", 160, leader="b"), 3) for t in (4, 4.5, 5)]
    assert term_after(no_election, no_election[0]) == 3
    late = with_term(answer(9, "a", 170, leader="b"), 5)  # a later election is not this one's term
    assert term_after([torn, late], torn) == 3


def test_last_answer_ignores_unanswered_rounds() -> None:
    assert last_answer(SAMPLES, "c", before=4) == 1
    assert last_answer(SAMPLES, "z", before=4) is None


def test_the_probe_records_one_sample_per_member_from_whatever_it_asks() -> None:
    """The probe's loop is the same wherever etcdctl runs; a member missing from the answer is a failed sample."""

    members = [Member(1, "m1", (), ("https://m1:2379",)), Member(2, "m2", (), ("https://m2:2379",))]
    status = {"header": {"member_id": 1, "revision": 42}, "leader": 1, "raftTerm": 3}
    asked = threading.Event()

    def ask() -> str:
        asked.set()
        return json.dumps([{"Endpoint": "https://m1:2379", "Status": status}])

    probe = EtcdStatusProbe(ask=ask, members=members, timeline=Timeline(), interval=0.05).start()
    probe.wait_for_first_sample()
    probe.stop()
    first_round = probe.samples[:2]
    assert asked.is_set()
    assert [(s.detail["member"], s.ok) for s in first_round] == [("m1", True), ("m2", False)]
    assert first_round[0].detail["revision"] == 42 and first_round[0].detail["leader"] == "m1"

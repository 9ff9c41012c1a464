"""What the etcd member-loss scenarios measure, written once for both HA layouts (stacked ``ha`` and external
``ha-external``), so their figures compare like with like: writes through the load balancer steady again, a
returning member caught up, a new leader elected, writes failing while quorum is lost.

Each function runs the named checks of a clause; the scenario passes in what differs between the layouts (its
probe, its fault, the member names).
"""

from __future__ import annotations

import time
from typing import Any

from kubernetes import client

from kindchaos.evidence.scenario import ChaosRun
from kindchaos.evidence.writes import last_writes_ok, write_figures
from kindchaos.expect import eventually
from kindchaos.faults.base import Fault
from kindchaos.observe import figures
from kindchaos.observe.figures import Sample
from kindchaos.observe.probes import etcd_status
from kindchaos.observe.probes.etcd_status import EtcdStatusProbe
from kindchaos.safety.recorder import HistoryRecorder

WRITES_STEADY_S = 10  # writes all succeeding for this long while a member is down
WRITES_STEADY_WITHIN_S = 60  # budget: haproxy and the apiservers' etcd clients leave the lost member behind
CATCH_UP_S = 60  # budget: a returning member at the others' revision, from its start
NEW_LEADER_S = 10  # budget: another member leading, from the inject
QUORUM_FAILING_HELD_S = 15
WRITES_FAIL_WITHIN_S = 30  # a fixed wait: writes failing once the second member is down
WRITE_ATTEMPT_TIMEOUT = (2.0, 5.0)  # connect, read


def check_writes_steady(chaos: ChaosRun, history: HistoryRecorder) -> float:
    """[writes_steady]: 10 s in a row of answered writes, reached within the budget; returns when they began."""
    chaos.check.reaches(
        "writes_steady",
        lambda: last_writes_ok(history, WRITES_STEADY_S),
        budget=WRITES_STEADY_WITHIN_S,
        what=f"{WRITES_STEADY_S} s in a row of answered writes through the load balancer, from the proof",
    )
    return time.monotonic() - WRITES_STEADY_S


def check_caught_up(
    chaos: ChaosRun, probe: EtcdStatusProbe, member: str, others: list[str], *, restore: float, returned: float
) -> None:
    """[caught_up]: ``member`` at the highest revision the others had at the restore, within the budget of its
    return; the time is read from the probe's samples."""
    target = etcd_status.highest_revision(probe.samples, others, at=restore)
    assert target is not None, "no revision from the other members before the restore"
    # A fixed wait; the catch-up time is read from the probe's samples and held to its budget below.
    eventually(
        lambda: etcd_status.caught_up(probe.samples, member, revision=target, after=returned) is not None,
        within=CATCH_UP_S * 2,
        expected=f"{member} at revision {target} or later",
        interval=0.5,
    )
    caught = etcd_status.caught_up(probe.samples, member, revision=target, after=returned)
    chaos.check.within(
        "caught_up",
        None if caught is None else caught - returned,
        budget=CATCH_UP_S,
        what=f"{member} at the others' revision {target}, from its start",
    )


def check_new_leader(
    chaos: ChaosRun, probe: EtcdStatusProbe, history: HistoryRecorder, *, leader: str, inject: float
) -> Sample:
    """[new_leader_elected, writes_back_soon]: another member leads within the budget of the inject, and writes
    are answered again; returns the first sample that follows the new leader."""
    # A fixed wait; the election time is read from the probe's samples and held to its budget below.
    eventually(
        lambda: etcd_status.leader_seen(probe.samples, other_than=leader, after=inject) is not None,
        within=NEW_LEADER_S * 3,
        expected="a new etcd leader",
        interval=0.5,
    )
    new = etcd_status.leader_seen(probe.samples, other_than=leader, after=inject)
    assert new is not None
    chaos.check.within(
        "new_leader_elected",
        new.mono - inject,
        budget=NEW_LEADER_S,
        what=f"a member other than {leader} leading, from the inject",
        note=str(new.detail),
    )
    chaos.check.reaches(
        "writes_back_soon",
        lambda: last_writes_ok(history, 5),
        budget=WRITES_STEADY_WITHIN_S,
        what="5 s in a row of answered writes through the load balancer, from the new leader",
    )
    return new


def report_election(
    chaos: ChaosRun,
    probe: EtcdStatusProbe,
    history: HistoryRecorder,
    outage: Fault,
    *,
    leader: str,
    new: Sample,
    term_before: int,
    stopped: tuple[float | None, str],
) -> None:
    """The election's figures, [raft_term_rose] and the history's checks; ``stopped`` is how long the old leader
    took to stop, and how it was stopped."""
    last_led = max(
        (s.mono for s in probe.samples if s.ok and s.mono < new.mono and s.detail.get("leader") == leader),
        default=None,
    )
    chaos.figure("leaderless_s", None if last_led is None else new.mono - last_led, note="probe every 0.5 s")
    chaos.figure("raft_term_before", term_before, unit="")
    term = etcd_status.term_after(probe.samples, new)
    settle = f"highest within {etcd_status.TERM_SETTLE_S:g} s of the new leader"
    chaos.figure("raft_term_after", term, unit="", note=settle)
    chaos.figure("old_leader_stopped_s", stopped[0], note=stopped[1])
    write_figures(chaos, history, outage.at("inject"), outage.at("restore"))
    chaos.check.at_least("raft_term_rose", term, term_before + 1, what="the new leader's raft term, above the old one")
    chaos.check_data_safety(history)


def attempted_write_fails(chaos: ChaosRun, namespace: str) -> None:
    """One ConfigMap create through the cluster's endpoint, which must not be acknowledged (any error or a
    timeout passes; a created object fails)."""
    body = {"metadata": {"generateName": "kc-write-attempt-"}, "data": {"at": str(time.monotonic())}}
    api: Any = client.CoreV1Api(chaos.cluster.api)
    try:
        made = api.create_namespaced_config_map(namespace, body, _request_timeout=WRITE_ATTEMPT_TIMEOUT)
    except Exception:  # refused, timed out or reset: not acknowledged
        return
    raise AssertionError(f"a write was acknowledged: configmap {made.metadata.name} created")


def check_writes_failing(chaos: ChaosRun, history: HistoryRecorder) -> None:
    """[writes_failing]: for 15 s, a write attempted every second is not acknowledged, and no history write
    started in that time is applied. (The history's clients may go on reading only, while they are unsure of
    what their unanswered writes did; the attempted write is there so the hold never rests on reads.)"""
    since = time.monotonic()

    def writes_failing() -> None:
        attempted_write_fails(chaos, history.namespace)
        applied = [s for s in history.samples if s.mono >= since and s.detail.get("result") == "ok"]
        assert not applied, f"a history write was applied: {applied[:2]}"

    eventually(writes_failing, within=WRITES_FAIL_WITHIN_S, expected="writes failing without quorum")
    since = time.monotonic()
    chaos.check.stays(
        "writes_failing",
        writes_failing,
        during=QUORUM_FAILING_HELD_S,
        interval=1,
        expected="a ConfigMap create every second not acknowledged, and no history write applied",
    )


def quorum_rounds(samples: list[Sample], start: float, end: float) -> tuple[int, int]:
    """(rounds of the probe between ``start`` and ``end``, rounds in which fewer than two members answered)."""
    rounds: dict[float, int] = {}
    for sample in figures.between(samples, start, end):
        rounds[sample.mono] = rounds.get(sample.mono, 0) + int(sample.ok)
    return len(rounds), sum(1 for answered in rounds.values() if answered < 2)


def check_quorum_held(chaos: ChaosRun, probe: EtcdStatusProbe, start: float, end: float) -> None:
    """[quorum_never_lost]: at least two members answered in every round of the probe from ``start`` to ``end``."""
    rounds, short = quorum_rounds(probe.samples, start, end)
    chaos.check.that(
        "quorum_never_lost",
        rounds > 0 and short == 0,
        what="at least two members answered endpoint status in every probe round, loss to replacement",
        measured=f"{rounds} rounds, {short} with fewer than two answers",
    )

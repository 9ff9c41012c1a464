"""The chain of a lost node read from a timeline: heartbeat, NotReady, taint, deletion, replacement."""

from datetime import datetime

import pytest

from kindchaos.cluster.settings import duration_seconds, parse_help_default
from kindchaos.observe import replay
from kindchaos.observe.timeline import Timeline, TimelineEvent

NODE = "w1"
UNREACHABLE = "node.kubernetes.io/unreachable:NoExecute"


def timeline_of(*events: tuple[float, str, str, str, dict[str, object]]) -> Timeline:
    timeline = Timeline(clock=lambda: 0.0, wall=lambda: 0.0)
    for mono, source, type_, name, detail in events:
        timeline.append(TimelineEvent(mono, 1000 + mono, source, type_, name, dict(detail)))
    return timeline


def pod(
    mono: float, name: str, uid: str, node: str, *, ready: bool = True, deleting: bool = False, type_: str = "MODIFIED"
):
    return (mono, "pod", type_, f"ns/{name}", {"uid": uid, "node": node, "ready": ready, "deleting": deleting})


LOST = timeline_of(
    (0, "node", "ADDED", NODE, {"ready": "True", "taints": []}),
    (1, "lease", "MODIFIED", f"kube-node-lease/{NODE}", {"renew": "2026-11-25T01:00:01.000000Z"}),
    (2, "lease", "MODIFIED", "kube-node-lease/w2", {"renew": "2026-11-25T01:00:12.000000Z"}),
    pod(3, "web-a", "u1", NODE),
    pod(3, "web-b", "u2", "w2"),
    (11, "lease", "MODIFIED", f"kube-node-lease/{NODE}", {"renew": "2026-11-25T01:00:10.500000Z"}),
    (15, "phase", "inject", "node stopped", {}),
    (61, "node", "MODIFIED", NODE, {"ready": "Unknown", "taints": ["node.kubernetes.io/unreachable:NoSchedule"]}),
    (62, "node", "MODIFIED", NODE, {"ready": "Unknown", "taints": [UNREACHABLE]}),
    pod(92, "web-a", "u1", NODE, ready=False, deleting=True),
    pod(93, "web-c", "u3", "w2", ready=False),
    pod(96, "web-c", "u3", "w2", ready=True),
    (120, "node", "MODIFIED", NODE, {"ready": "True", "taints": []}),
    pod(121, "web-a", "u1", NODE, ready=False, deleting=True, type_="DELETED"),
)


def test_each_link_of_the_chain_is_found_after_the_fault() -> None:
    assert replay.last_heartbeat_before(LOST, NODE, 15) == datetime.fromisoformat("2026-11-25T01:00:10.5Z").timestamp()
    not_ready = replay.not_ready_at(LOST, NODE, 15)
    assert not_ready is not None and not_ready.mono == 61 and not_ready.detail["ready"] == "Unknown"
    taint = replay.no_execute_taint_at(LOST, NODE, 15)
    assert taint is not None and taint.mono == 62
    assert replay.ready_at(LOST, NODE, 62) == 120


def test_the_heartbeat_is_the_lease_renew_time_not_when_the_watch_listed_it() -> None:
    listed_late = timeline_of((30, "lease", "ADDED", f"kube-node-lease/{NODE}", {"renew": "2026-11-25T01:00:00Z"}))
    assert (
        replay.last_heartbeat_before(listed_late, NODE, 40)
        == datetime.fromisoformat("2026-11-25T01:00:00Z").timestamp()
    )
    assert replay.last_heartbeat_before(listed_late, NODE, 20) is None
    assert datetime.fromisoformat("1970-01-01T00:01:00.5Z").timestamp() == 60.5


def test_pods_on_the_node_and_their_fate() -> None:
    on_node = replay.pods_on_node(LOST, NODE, "ns", before=15)
    assert on_node == {"ns/web-a": "u1"}
    (fate,) = replay.fates(LOST, on_node, after=15)
    assert (fate.marked_for_deletion, fate.gone) == (92, 121)


def test_the_replacement_is_a_new_pod_ready_on_another_node() -> None:
    found = replay.replacement_running_at(LOST, "ns", "web-", avoid_node=NODE, old_uids={"u1", "u2"}, after=15)
    assert found is not None and found.mono == 96 and found.detail["uid"] == "u3"
    assert (
        replay.replacement_running_at(LOST, "ns", "web-", avoid_node=NODE, old_uids={"u1", "u2", "u3"}, after=15)
        is None
    )


def test_available_counts_replay_every_record() -> None:
    counts = replay.available_counts(LOST, "ns", "web-", after=15)
    assert counts == [(92, 1), (93, 1), (96, 2), (121, 2)]
    assert min(c for _, c in counts) == 1


def test_two_pods_of_one_identity_at_once_are_counted() -> None:
    one_at_a_time = timeline_of(
        pod(1, "db-0", "a", NODE), pod(5, "db-0", "a", NODE, type_="DELETED"), pod(6, "db-0", "b", "w2")
    )
    assert replay.identities_running(one_at_a_time, "ns", "db-0") == 1
    overlapping = timeline_of(pod(1, "db-0", "a", NODE, deleting=True), pod(6, "db-0", "b", "w2"))
    assert replay.identities_running(overlapping, "ns", "db-0") == 2


def test_go_durations_are_read_as_seconds() -> None:
    assert duration_seconds("50s") == 50
    assert duration_seconds("1m30s") == 90
    assert duration_seconds("500ms") == 0.5
    for bad in ("", "50", "5x", "s50"):
        with pytest.raises(ValueError, match="not a duration"):
            duration_seconds(bad)


def test_a_flag_default_is_read_from_help_text() -> None:
    text = (
        "      --node-monitor-grace-period duration     Amount of time which we allow running Node to be"
        " unresponsive (default 50s)\n"
        "      --node-monitor-period duration    The period for syncing NodeStatus. (default 5s)\n"
    )
    assert parse_help_default(text, "node-monitor-grace-period") == "50s"
    assert parse_help_default(text, "node-monitor-period") == "5s"
    assert parse_help_default(text, "node-startup-grace-period") is None


def test_each_eviction_is_counted_with_the_replicas_available_just_before_it() -> None:
    timeline = timeline_of(
        pod(0, "web-a", "a", "w1", type_="ADDED"),
        pod(0, "web-b", "b", "w2", type_="ADDED"),
        pod(5, "web-a", "a", "w1", deleting=True),  # evicted with 2 available: the PDB allowed it
        pod(6, "web-c", "c", "w2", ready=False, type_="ADDED"),
        pod(7, "web-a", "a", "w1", ready=False, deleting=True, type_="DELETED"),
        pod(8, "web-b", "b", "w2", deleting=True),  # evicted while web-c is not Ready: 1 available
        pod(9, "web-b", "b", "w2", deleting=True),  # the same deletion seen again is not a second eviction
    )
    assert replay.available_at_evictions(timeline, "ns", "web-", after=1) == [("ns/web-a", 2), ("ns/web-b", 1)]


def test_not_ready_windows_span_from_the_first_record_to_ready_again() -> None:
    timeline = timeline_of(
        (0, "node", "ADDED", "w1", {"ready": "True"}),
        (10, "node", "MODIFIED", "w1", {"ready": "Unknown"}),
        (12, "node", "MODIFIED", "w1", {"ready": "Unknown"}),
        (20, "node", "MODIFIED", "w1", {"ready": "True"}),
        (30, "node", "MODIFIED", "w2", {"ready": "False"}),
    )
    assert replay.not_ready_windows(timeline, after=5) == [("w1", 10, 20), ("w2", 30, None)]

"""The chain of a lost node read from a timeline: heartbeat, NotReady, taint, deletion, replacement."""

import pytest

from kindchaos.cluster.settings import duration_seconds
from kindchaos.observe import node_loss
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
    (1, "lease", "MODIFIED", f"kube-node-lease/{NODE}", {"renew": "t1"}),
    (2, "lease", "MODIFIED", "kube-node-lease/w2", {"renew": "x"}),
    pod(3, "web-a", "u1", NODE),
    pod(3, "web-b", "u2", "w2"),
    (11, "lease", "MODIFIED", f"kube-node-lease/{NODE}", {"renew": "t2"}),
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
    assert node_loss.last_heartbeat_before(LOST, NODE, 15) == 11
    not_ready = node_loss.not_ready_at(LOST, NODE, 15)
    assert not_ready is not None and not_ready.mono == 61 and not_ready.detail["ready"] == "Unknown"
    taint = node_loss.no_execute_taint_at(LOST, NODE, 15)
    assert taint is not None and taint.mono == 62
    assert node_loss.ready_at(LOST, NODE, 62) == 120


def test_a_repeated_lease_record_is_not_a_heartbeat() -> None:
    repeated = timeline_of(
        (1, "lease", "MODIFIED", f"kube-node-lease/{NODE}", {"renew": "t1"}),
        (5, "lease", "MODIFIED", f"kube-node-lease/{NODE}", {"renew": "t1"}),
    )
    assert node_loss.last_heartbeat_before(repeated, NODE, 10) == 1
    assert node_loss.last_heartbeat_before(repeated, NODE, 0.5) is None


def test_pods_on_the_node_and_their_fate() -> None:
    on_node = node_loss.pods_on_node(LOST, NODE, "ns", before=15)
    assert on_node == {"ns/web-a": "u1"}
    (fate,) = node_loss.fates(LOST, on_node, after=15)
    assert (fate.marked_for_deletion, fate.gone) == (92, 121)


def test_the_replacement_is_a_new_pod_ready_on_another_node() -> None:
    found = node_loss.replacement_running_at(LOST, "ns", "web-", avoid_node=NODE, old_uids={"u1", "u2"}, after=15)
    assert found is not None and found.mono == 96 and found.detail["uid"] == "u3"
    assert (
        node_loss.replacement_running_at(LOST, "ns", "web-", avoid_node=NODE, old_uids={"u1", "u2", "u3"}, after=15)
        is None
    )


def test_available_counts_replay_every_record() -> None:
    counts = node_loss.available_counts(LOST, "ns", "web-", after=15)
    assert counts == [(92, 1), (93, 1), (96, 2), (121, 2)]
    assert min(c for _, c in counts) == 1


def test_two_pods_of_one_identity_at_once_are_counted() -> None:
    one_at_a_time = timeline_of(
        pod(1, "db-0", "a", NODE), pod(5, "db-0", "a", NODE, type_="DELETED"), pod(6, "db-0", "b", "w2")
    )
    assert node_loss.identities_running(one_at_a_time, "ns", "db-0") == 1
    overlapping = timeline_of(pod(1, "db-0", "a", NODE, deleting=True), pod(6, "db-0", "b", "w2"))
    assert node_loss.identities_running(overlapping, "ns", "db-0") == 2


def test_go_durations_are_read_as_seconds() -> None:
    assert duration_seconds("50s") == 50
    assert duration_seconds("1m30s") == 90
    assert duration_seconds("500ms") == 0.5
    for bad in ("", "50", "5x", "s50"):
        with pytest.raises(ValueError, match="not a duration"):
            duration_seconds(bad)

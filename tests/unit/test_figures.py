"""Figure derivations over recorded samples and watch events."""

import pytest

from kindchaos.observe import figures
from kindchaos.observe.figures import Sample, Window
from kindchaos.observe.probes import parse_service_line
from kindchaos.observe.timeline import Timeline, TimelineEvent


def run(pattern: str, *, step: float = 1.0) -> list[Sample]:
    """Samples from a string like '++--+': + ok, - failed, one per ``step`` seconds from t=0."""
    return [Sample(i * step, c == "+", 0.01 * (i + 1), {}) for i, c in enumerate(pattern)]


def timeline_of(*events: tuple[float, str, str, str, dict[str, object]]) -> Timeline:
    timeline = Timeline(clock=lambda: 0.0, wall=lambda: 0.0)
    for mono, source, type_, name, detail in events:
        timeline.append(TimelineEvent(mono, 1000 + mono, source, type_, name, dict(detail)))
    return timeline


def test_unavailability_windows_are_closed_by_the_next_success() -> None:
    assert figures.unavailability_windows(run("++---++-+")) == [Window(2, 5, 3), Window(7, 8, 1)]
    assert figures.unavailability_windows(run("++---++-+"))[0].seconds == 3


def test_a_window_never_closed_has_no_duration() -> None:
    (window,) = figures.unavailability_windows(run("+--"))
    assert window == Window(1, None, 2) and window.seconds is None


def test_no_failures_no_windows_and_unsorted_input_is_sorted() -> None:
    assert figures.unavailability_windows(run("++++")) == []
    assert figures.unavailability_windows(list(reversed(run("+-+")))) == [Window(1, 2, 1)]


def test_success_ratio_and_first_success_after() -> None:
    samples = run("++--+-++")
    assert figures.success_ratio(figures.between(samples, 2, 5)) == 0.25
    assert figures.success_ratio([]) is None
    assert figures.first_success_after(samples, 2.5) == pytest.approx(1.5)
    assert figures.first_success_after(run("+--"), 1) is None


def test_latency_summary_uses_successes_only() -> None:
    summary = figures.latency_summary(run("+-+++"))
    assert summary["max_s"] == pytest.approx(0.05)
    assert summary["p50_s"] == pytest.approx(0.035)
    assert figures.latency_summary(run("--")) == {}


def test_lease_holder_changes_ignore_the_first_sighting_and_renewals() -> None:
    timeline = timeline_of(
        (0, "lease", "ADDED", "kube-system/kube-scheduler", {"holder": "cp1_a", "renew": "t0"}),
        (2, "lease", "MODIFIED", "kube-system/kube-scheduler", {"holder": "cp1_a", "renew": "t2"}),
        (3, "lease", "MODIFIED", "kube-system/other", {"holder": "x", "renew": "t3"}),
        (19, "lease", "MODIFIED", "kube-system/kube-scheduler", {"holder": "cp2_b", "renew": "t19"}),
    )
    (change,) = figures.lease_holder_changes(timeline, "kube-system/kube-scheduler")
    assert (change.mono, change.previous, change.holder) == (19, "cp1_a", "cp2_b")
    assert figures.holder_change_after(timeline, "kube-system/kube-scheduler", 20) is None
    assert len(figures.lease_renewals(timeline, "kube-system/kube-scheduler")) == 3


def test_all_nodes_ready_replays_node_events() -> None:
    timeline = timeline_of(
        (0, "node", "ADDED", "a", {"ready": "True"}),
        (0, "node", "ADDED", "b", {"ready": "True"}),
        (10, "node", "MODIFIED", "b", {"ready": "Unknown"}),
        (30, "node", "MODIFIED", "b", {"ready": "True"}),
    )
    assert figures.all_nodes_ready_at(timeline, ["a", "b"], after=5) == 30
    assert figures.all_nodes_ready_at(timeline, ["a", "b"], after=40) == 40
    assert figures.all_nodes_ready_at(timeline, ["a", "c"], after=0) is None


def test_pod_and_event_lookups() -> None:
    timeline = timeline_of(
        (1, "pod", "ADDED", "ns/p", {"node": None, "phase": "Pending"}),
        (4, "pod", "MODIFIED", "ns/p", {"node": "w1", "phase": "Pending"}),
        (5, "event", "ADDED", "Pod/ns/p", {"reason": "Scheduled"}),
    )
    assert figures.pod_first_seen(timeline, "ns/p", lambda d: d["node"] is not None) == 4
    assert figures.event_seen(timeline, "Scheduled", "Pod/ns/p") == 5
    assert figures.event_seen(timeline, "Scheduled", after=6) is None


def test_service_probe_lines_parse_success_and_failure() -> None:
    ok = parse_service_line('1700000000.5\t0\t200\t0.004\t{"pod":"web-1","node":"w1"}\t\n')
    assert ok == (1700000000.5, True, 0.004, {"http": "200", "pod": "web-1"})
    refused = parse_service_line("1700000001.0\t7\t000\t0.001\t\tcurl: (7) Failed to connect\n")
    assert refused is not None and refused[1] is False
    assert refused[3]["error"] == "curl: (7) Failed to connect"
    assert parse_service_line("garbage\n") is None

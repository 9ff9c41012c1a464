"""Figures derived from a timeline: unavailability windows, recovery and hand-over times.

Pure functions over recorded samples and events, so each derivation is unit
tested without a cluster and a scenario's figures can be recomputed from its
attached timeline JSON.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from kindchaos.observe.timeline import Timeline, TimelineEvent


@dataclass(frozen=True)
class Sample:
    """One probe request: when it started, whether it succeeded, how long it took."""

    mono: float
    ok: bool
    latency: float
    detail: dict[str, Any]


@dataclass(frozen=True)
class Window:
    """A run of consecutive failed samples; ``end`` is the next success (None: never recovered)."""

    start: float
    end: float | None
    failures: int

    @property
    def seconds(self) -> float | None:
        return None if self.end is None else self.end - self.start


def samples(timeline: Timeline, source: str, name: str | None = None) -> list[Sample]:
    return [
        Sample(e.mono, e.type == "ok", float(e.detail.get("latency", 0.0)), e.detail)
        for e in timeline.events(source)
        if name is None or e.name == name
    ]


def unavailability_windows(found: Sequence[Sample]) -> list[Window]:
    """Consecutive failures, each closed by the first success after it."""
    windows: list[Window] = []
    start: float | None = None
    failures = 0
    for sample in sorted(found, key=lambda s: s.mono):
        if not sample.ok:
            if start is None:
                start, failures = sample.mono, 0
            failures += 1
        elif start is not None:
            windows.append(Window(start, sample.mono, failures))
            start = None
    if start is not None:
        windows.append(Window(start, None, failures))
    return windows


def between(found: Iterable[Sample], start: float | None = None, end: float | None = None) -> list[Sample]:
    return [s for s in found if (start is None or s.mono >= start) and (end is None or s.mono <= end)]


def success_ratio(found: Sequence[Sample]) -> float | None:
    """The share of samples that succeeded (None when there were none)."""
    return sum(s.ok for s in found) / len(found) if found else None


def first_success_after(found: Sequence[Sample], after: float) -> float | None:
    """Seconds from ``after`` until a sample that started after it succeeded."""
    return next((s.mono - after for s in sorted(found, key=lambda s: s.mono) if s.mono >= after and s.ok), None)


def latency_summary(found: Sequence[Sample]) -> dict[str, float]:
    latencies = sorted(s.latency for s in found if s.ok)
    if not latencies:
        return {}
    p95 = latencies[min(len(latencies) - 1, round(0.95 * (len(latencies) - 1)))]
    return {"p50_s": statistics.median(latencies), "p95_s": p95, "max_s": latencies[-1]}


def first_after(
    events: Iterable[TimelineEvent], after: float, predicate: Callable[[TimelineEvent], bool]
) -> TimelineEvent | None:
    return next((e for e in sorted(events, key=lambda e: e.mono) if e.mono >= after and predicate(e)), None)


@dataclass(frozen=True)
class HolderChange:
    mono: float
    previous: str | None
    holder: str | None


def lease_holder_changes(timeline: Timeline, lease: str) -> list[HolderChange]:
    """Each time the lease's holder changed (the first sighting is not a change)."""
    changes: list[HolderChange] = []
    current: str | None = None
    seen = False
    for event in timeline.events("lease"):
        if event.name != lease or event.type == "DELETED":
            continue
        holder = event.detail.get("holder")
        if seen and holder != current:
            changes.append(HolderChange(event.mono, current, holder))
        current, seen = holder, True
    return changes


def holder_change_after(timeline: Timeline, lease: str, after: float) -> HolderChange | None:
    return next((c for c in lease_holder_changes(timeline, lease) if c.mono >= after), None)


def lease_renewals(timeline: Timeline, lease: str) -> list[TimelineEvent]:
    """Lease updates that moved its renewTime forward."""
    renewals, last = [], None
    for event in timeline.events("lease"):
        if event.name == lease and event.type != "DELETED" and event.detail.get("renew") != last:
            last = event.detail.get("renew")
            renewals.append(event)
    return renewals


def all_nodes_ready_at(timeline: Timeline, nodes: Iterable[str], after: float) -> float | None:
    """The first time at or after ``after`` when every node in ``nodes`` was Ready, replaying node events."""
    wanted = set(nodes)
    state: dict[str, str] = {}
    for event in timeline.events("node"):
        state[event.name] = "gone" if event.type == "DELETED" else str(event.detail.get("ready"))
        if event.mono >= after and all(state.get(n) == "True" for n in wanted):
            return event.mono
    if all(state.get(n) == "True" for n in wanted) and timeline.events("node"):
        return after  # already Ready and nothing changed since
    return None


def pod_first_seen(timeline: Timeline, pod: str, predicate: Callable[[dict[str, Any]], bool]) -> float | None:
    """The first time the pod ``namespace/name`` was recorded in a state matching ``predicate``."""
    return next((e.mono for e in timeline.events("pod") if e.name == pod and predicate(e.detail)), None)


def event_seen(timeline: Timeline, reason: str, obj: str | None = None, after: float = 0.0) -> float | None:
    """The first Kubernetes Event with ``reason`` (on object ``Kind/ns/name``) after ``after``."""
    found = first_after(
        timeline.events("event"),
        after,
        lambda e: e.detail.get("reason") == reason and (obj is None or e.name == obj),
    )
    return None if found is None else found.mono

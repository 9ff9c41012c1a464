"""API Priority and Fairness over a measured window: how many requests each flow schema had dispatched and
rejected. The window is the triage run itself (first sample before every other source, second after), so
no fixed wait is added."""

from __future__ import annotations

import time
from collections import Counter

from kindchaos.cluster.flow_control import parse_flow_counters
from kindchaos.triage.facts import FlowSample
from kindchaos.triage.session import Session

DISPATCHED = "apiserver_flowcontrol_dispatched_requests"
REJECTED = "apiserver_flowcontrol_rejected_requests"


def sample(session: Session) -> tuple[float, Counter[tuple[str, str, str]]] | None:
    """The counters now, or None when /metrics does not answer."""
    try:
        status, body = session.raw("/metrics")
    except Exception:  # the API being down is seen by the other sources
        return None
    return (time.monotonic(), parse_flow_counters(body)) if status == 200 else None


def window(
    first: tuple[float, Counter[tuple[str, str, str]]], second: tuple[float, Counter[tuple[str, str, str]]]
) -> FlowSample:
    (start, before), (end, after) = first, second
    dispatched: Counter[str] = Counter()
    rejected: Counter[str] = Counter()
    for key in {*before, *after}:
        counter, flow_schema, _level = key
        delta = after[key] - before[key]
        if counter == DISPATCHED:
            dispatched[flow_schema] += delta
        elif counter == REJECTED:
            rejected[flow_schema] += delta
    return FlowSample(round(end - start, 3), dict(dispatched), {k: v for k, v in rejected.items() if v})

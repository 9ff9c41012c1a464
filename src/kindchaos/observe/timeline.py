"""One ordered record of what happened, from every watch, probe and fault phase.

Each record carries a monotonic time (for durations) and a wall time (for
matching against logs and Kubernetes timestamps). Everything that observes a
scenario appends here, so figures are derived from one source.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class TimelineEvent:
    """Something seen at one instant: a watch event, a probe sample or a phase mark."""

    mono: float
    wall: float
    source: str  # pod, node, event, lease, phase, api-probe, service-probe, history-N, watch
    type: str  # ADDED/MODIFIED/DELETED for watches, ok/fail for probes, the phase name for marks
    name: str
    detail: dict[str, Any] = field(default_factory=dict)


class Timeline:
    """A thread-safe, append-only list of ``TimelineEvent``s sharing one origin."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic, wall: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._wall = wall
        self._lock = threading.Lock()
        self._events: list[TimelineEvent] = []
        self.origin = clock()

    def now(self) -> tuple[float, float]:
        return self._clock(), self._wall()

    def add(self, source: str, type_: str, name: str, detail: dict[str, Any] | None = None) -> TimelineEvent:
        mono, wall = self.now()
        return self.append(TimelineEvent(mono, wall, source, type_, name, detail or {}))

    def append(self, event: TimelineEvent) -> TimelineEvent:
        with self._lock:
            self._events.append(event)
        return event

    def mark(self, phase: str, fault: str, **detail: Any) -> TimelineEvent:
        """Mark a fault phase (inject, proven, restore, restored) on the timeline."""
        return self.add("phase", phase, fault, detail)

    def events(self, source: str | None = None) -> list[TimelineEvent]:
        with self._lock:
            found = list(self._events)
        found.sort(key=lambda e: e.mono)
        return [e for e in found if source is None or e.source == source]

    def as_dicts(self) -> list[dict[str, Any]]:
        return [{**asdict(e), "t": round(e.mono - self.origin, 3)} for e in self.events()]


def _status_message(body: object) -> str:
    """The ``message`` of a Kubernetes Status body (e.g. etcd's "database space exceeded"), if there is one."""
    try:
        found = json.loads(body) if isinstance(body, str | bytes) else None
    except ValueError:
        return ""
    return str(found.get("message", "")) if isinstance(found, dict) else ""


def error_text(exc: BaseException) -> str:
    """A failed request as one short line: the HTTP status and the API's message, or the error's first line."""
    status = getattr(exc, "status", None)
    reason = str(getattr(exc, "reason", "") or "")
    if status == 0 and reason:  # the Kubernetes client's wrapping of a TLS failure (SSLError and its message)
        first, _, rest = reason.partition("\n")
        return f"{first}: {' '.join(rest.split())[:160]}" if rest else first
    if status:
        text = f"HTTP {status} {getattr(exc, 'reason', '')}".strip()
        message = _status_message(getattr(exc, "body", None))
        return f"{text}: {message[:160]}" if message else text
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text[:160]}"

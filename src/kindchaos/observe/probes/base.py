"""What every probe shares: a loop of bounded requests, each outcome a sample and a timeline event."""

from __future__ import annotations

import abc
import threading
from typing import Any, Self

from kindchaos.observe.figures import Sample
from kindchaos.observe.observer import Observer
from kindchaos.observe.timeline import Timeline, TimelineEvent

DEFAULT_INTERVAL = 0.25
DEFAULT_TIMEOUT = 2.0


class Probe(Observer, abc.ABC):
    """Requests in a loop until stopped, each outcome a sample and a timeline event."""

    source = "probe"

    def __init__(self, *, name: str, timeline: Timeline, interval: float) -> None:
        super().__init__()
        self.name = name
        self.timeline = timeline
        self.interval = interval
        self._thread: threading.Thread | None = None
        self._samples: list[Sample] = []
        self._lock = threading.Lock()
        self._first = threading.Event()

    @property
    def samples(self) -> list[Sample]:
        with self._lock:
            return list(self._samples)

    def record(self, *, started_mono: float, started_wall: float, ok: bool, latency: float, **detail: Any) -> None:
        detail = {"latency": round(latency, 4), **detail}
        sample = Sample(started_mono, ok, latency, detail)
        with self._lock:
            self._samples.append(sample)
        self._first.set()
        self.timeline.append(
            TimelineEvent(started_mono, started_wall, self.source, "ok" if ok else "fail", self.name, detail)
        )

    def wait_for_first_sample(self, *, within: float = 30) -> None:
        """Block until the probe has recorded a sample, so the loop is known to be running."""
        if not self._first.wait(within):
            raise TimeoutError(f"probe {self.name!r} recorded no sample within {within:.0f}s")

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=15)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> Self:
        """Start the loop in a thread of its own, after ``_prepare``; an early end is recorded, never silent."""
        self._prepare()
        self._thread = threading.Thread(
            target=self._guarded(self._loop), name=f"kindchaos-{self.name}-probe", daemon=True
        )
        self._thread.start()
        return self

    def _prepare(self) -> None:
        """What must hold, or be started, before the loop runs."""

    @abc.abstractmethod
    def _loop(self) -> None:
        """Bounded requests until ``stop``, each outcome passed to ``record``."""

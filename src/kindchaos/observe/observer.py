"""What every background observer (probe, history client, watch) shares: it runs until stopped, never stops silently.

An observer's loop has no deadline of its own. If it ends before ``stop`` (its thread raised, the loop inside
a node exited), ``ended`` says why and when, and the scenario fails with that text instead of computing
ratios from samples that just stop.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any


class Observer:
    """A background loop with a stop event and a record of an early end."""

    name = "observer"

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._began = time.monotonic()
        self.ended: str | None = None

    def _guarded(self, body: Callable[..., None]) -> Callable[..., None]:
        """``body`` as a thread target that records why it ended, if it ended before ``stop``."""

        def run(*args: Any) -> None:
            try:
                body(*args)
            except Exception as exc:  # recorded for the scenario to fail on; a thread has nobody to raise to
                self.ended = f"{self.name} stopped after {time.monotonic() - self._began:.0f} s: {exc!r}"
                return
            if not self._stop.is_set():
                self.ended = f"{self.name} ended on its own after {time.monotonic() - self._began:.0f} s"

        return run

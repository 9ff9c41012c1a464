"""Progress lines for people: one line per step, with the time it took.

Modelled on kind's ``Status.Start``/``End``: a step announces itself, then ends
with a tick or a cross and its elapsed seconds, so a slow or failing step is
visible in CI logs without a debugger.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO


class Status:
    """Prints step starts and ends with elapsed time."""

    def __init__(self, *, stream: TextIO | None = None, quiet: bool = False) -> None:
        self._stream = stream
        self._quiet = quiet

    @property
    def stream(self) -> TextIO:
        return self._stream or sys.stderr

    def info(self, text: str) -> None:
        if not self._quiet:
            print(f"  {text}", file=self.stream, flush=True)

    @contextmanager
    def step(self, title: str) -> Iterator[None]:
        """Announce ``title``; on exit print ✓ or ✗ with the elapsed time."""
        started = time.monotonic()
        if not self._quiet:
            print(f"• {title} ...", file=self.stream, flush=True)
        try:
            yield
        except BaseException:
            self._end(title, ok=False, started=started)
            raise
        self._end(title, ok=True, started=started)

    def _end(self, title: str, *, ok: bool, started: float) -> None:
        if self._quiet:
            return
        mark = "✓" if ok else "✗"
        elapsed = time.monotonic() - started
        print(f"{mark} {title} ({elapsed:.1f}s)", file=self.stream, flush=True)

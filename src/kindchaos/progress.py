"""Progress lines for people: one line per step, with the time it took.

Modelled on kind's ``Status.Start``/``End``: a step announces itself, then ends
with a tick or a cross and its elapsed seconds, so a slow or failing step is
visible in CI logs without a debugger.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

Echo = Callable[[str], None]
_live_echo: Echo | None = None


def set_live_echo(echo: Echo | None) -> None:
    """Send progress lines to ``echo`` instead of stderr (pytest -v: past output capture, to the terminal)."""
    global _live_echo
    _live_echo = echo


class Status:
    """Prints step starts and ends with elapsed time."""

    def __init__(self, *, stream: TextIO | None = None, quiet: bool = False) -> None:
        self._stream = stream
        self._quiet = quiet

    @property
    def stream(self) -> TextIO:
        return self._stream or sys.stderr

    def _print(self, line: str) -> None:
        if self._quiet:
            return
        if self._stream is None and _live_echo is not None:
            _live_echo(line)
        else:
            print(line, file=self.stream, flush=True)

    def info(self, text: str) -> None:
        self._print(f"  {text}")

    @contextmanager
    def step(self, title: str) -> Iterator[None]:
        """Announce ``title``; on exit print ✓ or ✗ with the elapsed time."""
        started = time.monotonic()
        self._print(f"• {title} ...")
        try:
            yield
        except BaseException:
            self._end(title, ok=False, started=started)
            raise
        self._end(title, ok=True, started=started)

    def _end(self, title: str, *, ok: bool, started: float) -> None:
        mark = "✓" if ok else "✗"
        self._print(f"{mark} {title} ({time.monotonic() - started:.1f}s)")

"""SIGTERM unwinds like Ctrl-C, and a restore in progress is not cut short by either.

A fault is undone in ``__exit__``. A second Ctrl-C or a SIGTERM arriving while
that undo runs would leave the cluster half-restored, so restores run inside
``deferred()``: signals are noted and re-raised once the block ends.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

HANDLED = (signal.SIGINT, signal.SIGTERM)


class Terminated(KeyboardInterrupt):
    """SIGTERM, delivered as an interrupt so every ``finally`` and ``__exit__`` runs."""


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise Terminated(f"signal {signal.Signals(signum).name}")


def interrupt_on_sigterm() -> None:
    """Make SIGTERM unwind the stack like Ctrl-C (main thread only)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _raise_terminated)


@contextmanager
def deferred() -> Iterator[None]:
    """Hold SIGINT and SIGTERM until the block ends, then raise the first one that came."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []

    def note(signum: int, frame: FrameType | None) -> None:
        received.append(signum)

    previous = {sig: signal.signal(sig, note) for sig in HANDLED}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if received:
        if received[0] == signal.SIGTERM:
            raise Terminated("signal SIGTERM (received during a restore)")
        raise KeyboardInterrupt("signal SIGINT (received during a restore)")

"""SIGTERM unwinds like Ctrl-C, and a restore in progress is not cut short by either.

A fault is undone in ``__exit__``. A second Ctrl-C or a SIGTERM arriving while
that undo runs would leave the cluster half-restored, so restores run inside
``deferred()``: signals are noted and re-raised once the block ends.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

HANDLED = (signal.SIGINT, signal.SIGTERM)


class Terminated(KeyboardInterrupt):
    """SIGTERM, delivered as an interrupt so every ``finally`` and ``__exit__`` runs."""


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise Terminated(f"signal {signal.Signals(signum).name}")


Handler = Callable[[int, FrameType | None], Any] | int | None


def interrupt_on_sigterm() -> Handler:
    """Make SIGTERM unwind the stack like Ctrl-C (main thread only); return the handler it replaced, for
    ``restore_sigterm``."""
    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGTERM, _raise_terminated)


def restore_sigterm(previous: Handler) -> None:
    """Put back the SIGTERM handler ``interrupt_on_sigterm`` replaced (nothing if it replaced none)."""
    if previous is not None and threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, previous)


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

"""Node addresses kept while a node's machine is stopped, across every kindchaos process on the machine.

Docker frees a stopped container's address, and the next container started on the network may take it: a
cluster another xdist worker creates meanwhile, or a node it starts again. The stopped node would then come back
at another address, which its certificates, its kubelet and etcd do not know. So a stopped node holds a
machine-wide lock until it runs again, and whatever starts containers on the nodes' networks (a cluster made, a
node started) takes the same lock first.

The lock is a file lock: the kernel drops it with the process, so a killed run never keeps it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from filelock import FileLock, Timeout

from kindchaos import paths
from kindchaos.errors import ClusterError
from kindchaos.progress import Status

HELD_UP_TO_S = 15 * 60.0  # the longest a node stays stopped in the catalogue is a few minutes; room for a queue


@cache
def _lock() -> FileLock:
    """One lock object per process: re-entrant, so a holder may start its own node or make a cluster."""
    return FileLock(str(paths.cache_root() / "node-addresses.lock"))


def hold(why: str) -> float:
    """Take the lock, waiting while another process holds it; how long the wait was. Re-entrant in a process."""
    lock = _lock()
    try:
        lock.acquire(timeout=0)
        return 0.0
    except Timeout:
        Status().info(f"waiting for the node addresses ({why}): another kindchaos process has a node stopped")
    started = time.monotonic()
    try:
        lock.acquire(timeout=HELD_UP_TO_S)
    except Timeout as exc:
        raise ClusterError(
            f"node addresses held by another process for {HELD_UP_TO_S:.0f} s ({why})",
            hint="look for a kindchaos run with a node stopped (docker ps -a); let it finish or stop it",
        ) from exc
    return time.monotonic() - started


def release() -> None:
    """Give back one hold."""
    _lock().release()


@contextmanager
def kept(why: str) -> Iterator[float]:
    """Hold the node addresses for a block (a cluster being made, a node being started)."""
    waited = hold(why)
    try:
        yield waited
    finally:
        release()

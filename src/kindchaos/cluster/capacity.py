"""How many clusters this machine holds at once, shared by every pytest process on it (xdist workers too).

Each live cluster holds a weight: ``single`` 1, an HA topology 2 (three control planes and a load
balancer). The machine's capacity, 2 by default (what a 2-core machine holds: one HA cluster, or two
``single`` ones), is an option a bigger machine raises. ``ha-external`` also holds its etcd network's
subnet, which is fixed, so there is one of those per machine whatever the capacity.

The ledger is a JSON file in the cache folder guarded by a file lock; an entry whose process has gone is
dropped, so a killed run never holds capacity for good. A worker that finds no room waits for another
worker to close a cluster; it never holds one of its own while it waits (the pool closes its own first),
so two workers cannot wait on each other.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock

from kindchaos import paths, progress
from kindchaos.cluster.topology import topology_named
from kindchaos.errors import UsageError
from kindchaos.waiting import ConditionTimeout, wait_for

DEFAULT_CAPACITY = 2
# Fixed wait: another worker may run a whole topology's scenarios (most of an hour) before it closes its cluster.
ROOM_WAIT_S = 3 * 3600
ROOM_POLL_S = 2.0
EXCLUSIVE = {"ha-external": "the external etcd's subnet"}  # resources one cluster on the machine holds alone


def weight(topology_name: str) -> int:
    """The share of the machine a cluster of this topology takes."""
    return 2 if topology_named(topology_name).control_planes > 1 else 1


@dataclass(frozen=True)
class Held:
    cluster: str
    topology: str
    weight: int
    pid: int


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class MachineCapacity:
    """The ledger of live clusters on this machine, and the wait for room."""

    def __init__(self, limit: int = DEFAULT_CAPACITY, ledger: Path | None = None) -> None:
        if limit < 1:
            raise UsageError(f"the machine's capacity must be 1 or more, got {limit}", hint="--kindchaos-capacity=2")
        self.limit = limit
        self.ledger = ledger or paths.cache_root() / "capacity.json"
        self._lock = FileLock(str(paths.lock_for(self.ledger)))

    def _read(self) -> list[Held]:
        try:
            raw = json.loads(self.ledger.read_text())
        except (OSError, ValueError):
            return []
        held = [Held(**entry) for entry in raw if isinstance(entry, dict)]
        return [entry for entry in held if _alive(entry.pid)]

    def _write(self, held: list[Held]) -> None:
        self.ledger.parent.mkdir(parents=True, exist_ok=True)
        self.ledger.write_text(json.dumps([entry.__dict__ for entry in held], indent=1) + "\n")

    def held(self) -> list[Held]:
        """Every live cluster the ledger knows, with the process that holds it."""
        self.ledger.parent.mkdir(parents=True, exist_ok=True)
        with self._lock:
            return self._read()

    def _why_not(self, held: list[Held], wanted: Held) -> str:
        """Why ``wanted`` does not fit now ('' when it does). A cluster two processes share (a child pytest
        reusing its parent's) counts once."""
        others = {entry.cluster: entry for entry in held if entry.cluster != wanted.cluster}
        if wanted.topology in EXCLUSIVE and (same := [e for e in others.values() if e.topology == wanted.topology]):
            return f"{EXCLUSIVE[wanted.topology]} is held by {same[0].cluster} (pid {same[0].pid})"
        used = sum(entry.weight for entry in others.values())
        if used + wanted.weight > self.limit:
            names = ", ".join(f"{entry.cluster} ({entry.weight})" for entry in others.values())
            return f"{used} of {self.limit} in use by {names}; {wanted.cluster} needs {wanted.weight}"
        return ""

    def _take_now(self, wanted: Held) -> str:
        """Hold ``wanted`` if it fits; else the reason it does not."""
        self.ledger.parent.mkdir(parents=True, exist_ok=True)
        with self._lock:
            held = self._read()
            if reason := self._why_not(held, wanted):
                return reason
            self._write([e for e in held if (e.cluster, e.pid) != (wanted.cluster, wanted.pid)] + [wanted])
            return ""

    def _wanted(self, cluster: str, topology_name: str) -> Held:
        wanted = Held(cluster, topology_name, weight(topology_name), os.getpid())
        if wanted.weight > self.limit:
            raise UsageError(
                f"a {topology_name} cluster takes {wanted.weight} of the machine's capacity, set to {self.limit}",
                hint=f"--kindchaos-capacity={wanted.weight} or more",
            )
        return wanted

    def try_take(self, cluster: str, topology_name: str) -> bool:
        """Hold room for ``cluster`` if there is some now, without waiting."""
        return not self._take_now(self._wanted(cluster, topology_name))

    def take(self, cluster: str, topology_name: str, *, within: float = ROOM_WAIT_S) -> float:
        """Hold room for ``cluster`` (waiting for other processes' clusters to close); the seconds waited."""
        wanted = self._wanted(cluster, topology_name)
        first = self._take_now(wanted)
        if not first:
            return 0.0
        progress.Status().info(f"waiting for room on this machine for {cluster}: {first}")

        def room() -> None:
            reason = self._take_now(wanted)
            assert not reason, reason

        try:
            waited = wait_for(room, within=within, expected=f"room for {cluster} on this machine", interval=ROOM_POLL_S)
        except ConditionTimeout as exc:
            raise UsageError(
                f"no room for {cluster} within {within:.0f}s: {exc.last_seen}",
                hint="lower -n, or raise --kindchaos-capacity on a bigger machine",
            ) from None
        return waited.seconds

    def give_back(self, cluster: str) -> None:
        """This process no longer holds ``cluster`` (another process sharing it still may)."""
        self.ledger.parent.mkdir(parents=True, exist_ok=True)
        with self._lock:
            self._write([e for e in self._read() if (e.cluster, e.pid) != (cluster, os.getpid())])

"""Which writes took effect: acknowledged ones, and unknown ones settled by what watchers and reads saw.

A write whose answer was lost is settled as *applied* when its value (unique to it) shows up later in a watch
event, a relist or a read; the earliest sighting bounds when it took effect. A create or update whose value
never shows up is settled as *not applied*: the clients change an object only at a version they read, so an
applied write is either read before anyone replaces it, or still there for the final list. A delete is
recognised by the DELETED event of the version it named; it did not apply if another write consumed that
version, or if a watcher that caught up to the final fence saw every event that could be the delete's (no
relist gap after it began) and no such event came. Any other stays *unresolved*, and the linearizability
check lets it have taken effect or not.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field

from kindchaos.observe.history.operations import History, Operation, WatchRecord

SEEN_TYPES = frozenset({"ADDED", "MODIFIED", "RELISTED"})


@dataclass(frozen=True)
class Sighting:
    """A version seen somewhere: its resourceVersion and the earliest time it was seen."""

    rv: int
    at: float


@dataclass(frozen=True)
class Committed:
    """A write that took effect: its operation, the version it made (rv None: a delete not seen) and by when."""

    op: Operation
    rv: int | None
    by: float


@dataclass
class Resolution:
    """How each unknown write was settled, and every write that took effect."""

    applied: dict[int, Sighting] = field(default_factory=dict)  # op id -> where it was seen
    not_applied: set[int] = field(default_factory=set)
    unresolved: set[int] = field(default_factory=set)
    delete_rvs: dict[int, Sighting] = field(default_factory=dict)  # acknowledged deletes' own versions
    committed: list[Committed] = field(default_factory=list)

    def summary(self) -> str:
        return f"{len(self.applied)} applied, {len(self.not_applied)} not applied, {len(self.unresolved)} unresolved"


def _earliest(found: dict[tuple[str, str], Sighting], key: tuple[str, str], seen: Sighting) -> None:
    if key not in found or seen.at < found[key].at:
        found[key] = seen


def sightings(history: History) -> tuple[dict[tuple[str, str], Sighting], dict[tuple[str, str], Sighting]]:
    """(key, value) -> earliest sighting of that version; and (key, deleted value) -> the delete's sighting."""
    versions: dict[tuple[str, str], Sighting] = {}
    deletes: dict[tuple[str, str], Sighting] = {}
    for watch in history.watches:
        for event in watch.events:
            if event.value is None:
                continue
            target = deletes if event.type == "DELETED" else versions if event.type in SEEN_TYPES else None
            if target is not None:
                _earliest(target, (event.key, event.value), Sighting(event.rv, event.received))
    for op in history.operations:
        if op.result != "ok" or op.returned is None:
            continue
        if op.kind == "get" and op.key and op.value is not None and op.rv is not None:
            _earliest(versions, (op.key, op.value), Sighting(op.rv, op.returned))
        for key, version in (op.items or {}).items():
            _earliest(versions, (key, version.value), Sighting(version.rv, op.returned))
        if op.kind in ("create", "update") and op.key and op.value is not None and op.rv is not None:
            _earliest(versions, (op.key, op.value), Sighting(op.rv, op.returned))
    return versions, deletes


def values_by_version(history: History) -> dict[tuple[str, int], str]:
    """(key, resourceVersion) -> the value it held, from every answer and event that showed a version."""
    found: dict[tuple[str, int], str] = {}
    for watch in history.watches:
        for event in watch.events:
            if event.type in SEEN_TYPES and event.value is not None:
                found[(event.key, event.rv)] = event.value
    for op in history.operations:
        if op.result == "ok" and op.kind != "delete" and op.key and op.rv is not None and op.value is not None:
            found[(op.key, op.rv)] = op.value
        for key, version in (op.items or {}).items():
            found[(key, version.rv)] = version.value
    return found


class RevisionFloor:
    """The highest resourceVersion any answer returned before a time: a write invoked later gets a higher one."""

    def __init__(self, history: History) -> None:
        answers = sorted(
            (op.returned, max(op.rv or 0, op.list_rv or 0)) for op in history.operations if op.returned is not None
        )
        self._times = [at for at, _ in answers]
        self._highest = list(itertools.accumulate((rv for _, rv in answers), max))

    def before(self, at: float) -> int:
        index = bisect.bisect_left(self._times, at)
        return self._highest[index - 1] if index else 0


def watch_complete_since(watches: Iterable[WatchRecord], floor: int, call: float) -> bool:
    """Whether a watcher that caught up to the fence saw every event a write invoked at ``call`` could have made:
    after ``floor``, and no relist gap that ended after the call (a relist done before it skipped only
    versions committed before it)."""
    return any(
        w.end_rv > 0 and w.start_rv <= floor and all(r.list_rv <= floor or r.at < call for r in w.relists)
        for w in watches
    )


def consumed_versions(history: History) -> dict[tuple[str, int], int]:
    """(key, version) -> the acknowledged update or delete that replaced it (a version is replaced once)."""
    return {
        (op.key, op.expected): op.id
        for op in history.operations
        if op.kind in ("update", "delete") and op.result == "ok" and op.key and op.expected is not None
    }


def resolve(history: History) -> Resolution:
    """Settle the unknown writes and list every write that took effect."""
    versions, deletes = sightings(history)
    values, floor = values_by_version(history), RevisionFloor(history)
    consumed = consumed_versions(history)
    final_list = max((op.call for op in history.operations if op.kind == "list" and op.result == "ok"), default=0.0)
    resolution = Resolution()
    for op in history.operations:
        if not op.is_write or op.key is None or op.result not in ("ok", "unknown"):
            continue
        seen: Sighting | None
        if op.kind == "delete":
            deleted_value = values.get((op.key, op.expected or 0))
            seen = None if deleted_value is None else deletes.get((op.key, deleted_value))
        else:
            seen = versions.get((op.key, op.value or ""))
        if op.result == "ok":
            if op.kind == "delete" and seen is not None:
                resolution.delete_rvs[op.id] = seen
            rv = seen.rv if op.kind == "delete" and seen else op.rv
            resolution.committed.append(Committed(op, rv, op.returned or op.call))
            continue
        if consumed.get((op.key, op.expected or -1), op.id) != op.id:
            resolution.not_applied.add(op.id)  # the version it named was replaced by another, acknowledged write
        elif seen is not None:
            resolution.applied[op.id] = seen
            resolution.committed.append(Committed(op, seen.rv, seen.at))
        elif op.kind != "delete" and final_list > op.call:
            resolution.not_applied.add(op.id)  # never read, and not there for the final list
        elif watch_complete_since(history.watches, floor.before(op.call), op.call):
            resolution.not_applied.add(op.id)
        else:
            resolution.unresolved.add(op.id)
    resolution.committed.sort(key=lambda c: c.by)
    return resolution

"""One recorded operation on a Kubernetes object, and the history that holds them all.

An operation records when it was invoked and when its answer came (monotonic seconds), what was asked and
what came back. Its ``result`` is what the client learned: ``ok``, a definite refusal (``exists``,
``conflict``, ``absent``, ``failed``) or ``unknown`` when the request may have reached etcd and no answer
came back (a timeout, a dropped connection, an apiserver error after the write was sent). Unknown writes are
kept as such: they may or may not have taken effect, and the checks treat them that way.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import urllib3.exceptions
from kubernetes.client.exceptions import ApiException

from kindchaos.observe.timeline import error_text

Kind = Literal["create", "update", "delete", "get", "list", "cached-list"]
Result = Literal["ok", "exists", "conflict", "absent", "failed", "unknown"]
WRITES: frozenset[str] = frozenset({"create", "update", "delete"})
QUORUM_READS: frozenset[str] = frozenset({"get", "list"})
ANSWERED: frozenset[str] = frozenset({"ok", "exists", "conflict", "absent"})

# Statuses the apiserver answers before anything is sent to etcd: the write certainly did not happen.
REFUSED_STATUSES = frozenset({400, 401, 403, 405, 413, 415, 422, 429})
NO_SPACE = "database space exceeded"  # etcd refuses the write before it is proposed: certainly not applied


@dataclass(frozen=True)
class Version:
    """One object as an answer showed it: its value and resourceVersion."""

    value: str
    rv: int


@dataclass
class Operation:
    """One request and what came back; ``returned`` None: no answer (``result`` is then unknown or failed)."""

    id: int
    client: int
    kind: Kind
    key: str | None  # None for a list
    call: float
    value: str | None = None  # written (create/update) or read (get)
    expected: int | None = None  # the resourceVersion precondition of an update or delete
    returned: float | None = None
    result: Result = "unknown"
    rv: int | None = None  # the object's resourceVersion in the answer (create/update/get)
    items: dict[str, Version] | None = None  # a list's answer: key -> version
    list_rv: int | None = None
    error: str = ""
    via: str = ""  # which apiserver the client went through

    @property
    def is_write(self) -> bool:
        return self.kind in WRITES

    def as_dict(self) -> dict[str, Any]:
        found = asdict(self)
        if self.items is not None:
            found["items"] = {k: asdict(v) for k, v in self.items.items()}
        return found

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Operation:
        items = raw.get("items")
        fields = {**raw, "items": None if items is None else {k: Version(**v) for k, v in items.items()}}
        return cls(**fields)


@dataclass(frozen=True)
class WatchEvent:
    """One event a watcher received (or a relist's item, ``type`` RELISTED), with when it arrived."""

    watcher: int
    type: str  # ADDED, MODIFIED, DELETED, BOOKMARK, RELISTED
    key: str
    value: str | None
    rv: int
    received: float


@dataclass(frozen=True)
class Relist:
    """A watcher told its resourceVersion is gone (410) and listed again: events between are not seen."""

    watcher: int
    after_rv: int  # the last resourceVersion it had seen
    list_rv: int  # the new list's
    at: float


@dataclass
class WatchRecord:
    """Everything one watcher saw, from its first list to its stop."""

    watcher: int
    via: str
    start_rv: int
    events: list[WatchEvent] = field(default_factory=list)
    relists: list[Relist] = field(default_factory=list)
    reconnects: int = 0
    end_rv: int = 0  # the fence it caught up to; 0: it never did

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> WatchRecord:
        return cls(
            **{
                **raw,
                "events": [WatchEvent(**e) for e in raw.get("events", [])],
                "relists": [Relist(**r) for r in raw.get("relists", [])],
            }
        )


class History:
    """Operations appended from several client threads; ids are given in invocation order per history."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._next = 0
        self.operations: list[Operation] = []
        self.watches: list[WatchRecord] = []

    def invoke(self, client: int, kind: Kind, key: str | None, call: float, **fields: Any) -> Operation:
        with self._lock:
            op = Operation(self._next, client, kind, key, call, **fields)
            self._next += 1
            self.operations.append(op)
        return op

    def counts(self) -> Counter[str]:
        """``kind/result`` -> how many, for the figures."""
        return Counter(f"{op.kind}/{op.result}" for op in self.operations)

    def as_dict(self) -> dict[str, Any]:
        return {"operations": [op.as_dict() for op in self.operations], "watches": [w.as_dict() for w in self.watches]}

    def dump(self, path: Path) -> Path:
        """The whole history as JSON (attached to the report; the checks can be rerun from it)."""
        path.write_text(json.dumps(self.as_dict(), separators=(",", ":")))
        return path

    @classmethod
    def load(cls, path: Path) -> History:
        raw = json.loads(path.read_text())
        history = cls()
        history.operations = [Operation.from_dict(op) for op in raw["operations"]]
        history.watches = [WatchRecord.from_dict(w) for w in raw.get("watches", [])]
        history._next = len(history.operations)
        return history


def result_of_error(exc: BaseException, kind: Kind) -> tuple[Result, str]:
    """What a failed request tells the client: a definite answer, certainly not applied, or unknown.

    A refused or timed-out connection never reached the apiserver; 4xx answers other than 404/409 come before etcd. A
    timeout, a reset connection or a 5xx (etcd's "request timed out", the apiserver's 504) may follow a write
    etcd committed: unknown.
    """
    text = error_text(exc)
    if isinstance(exc, ApiException):
        if exc.status == 404:
            return "absent", text
        if exc.status == 409:
            return ("exists" if kind == "create" else "conflict"), text
        if exc.status in REFUSED_STATUSES or NO_SPACE in text:
            return "failed", text
        return "unknown", text
    reason = exc.reason if isinstance(exc, urllib3.exceptions.MaxRetryError) else exc
    if isinstance(reason, urllib3.exceptions.ConnectTimeoutError | ConnectionRefusedError):
        return "failed", text
    return "unknown", text

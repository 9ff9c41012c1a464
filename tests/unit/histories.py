"""Hand-written histories for the data-safety unit tests: each call appends one operation or watch event."""

from __future__ import annotations

from typing import Any

from kindchaos.observe.history.operations import History, Operation, Relist, Version, WatchEvent, WatchRecord


class Builder:
    """``b.create(0, "k", "v1", at=(1, 2), rv=10)``: client 0 created k=v1 between t=1 and t=2, answered rv 10."""

    def __init__(self) -> None:
        self.history = History()

    def _op(self, client: int, kind: Any, key: str | None, at: tuple[float, float | None], **fields: Any) -> Operation:
        op = self.history.invoke(client, kind, key, float(at[0]), **fields)
        op.returned = None if at[1] is None else float(at[1])
        return op

    def create(
        self,
        client: int,
        key: str,
        value: str,
        *,
        at: tuple[float, float | None],
        rv: int | None = None,
        result: str = "ok",
    ) -> Operation:
        return self._op(client, "create", key, at, value=value, rv=rv, result=result)

    def update(
        self,
        client: int,
        key: str,
        value: str,
        *,
        expected: int,
        at: tuple[float, float | None],
        rv: int | None = None,
        result: str = "ok",
    ) -> Operation:
        return self._op(client, "update", key, at, value=value, expected=expected, rv=rv, result=result)

    def delete(
        self, client: int, key: str, *, expected: int, at: tuple[float, float | None], result: str = "ok"
    ) -> Operation:
        return self._op(client, "delete", key, at, expected=expected, result=result)

    def get(
        self, client: int, key: str, value: str | None, *, at: tuple[float, float], rv: int | None = None
    ) -> Operation:
        if value is None:
            return self._op(client, "get", key, at, result="absent")
        return self._op(client, "get", key, at, value=value, rv=rv, result="ok")

    def list(
        self,
        client: int,
        items: dict[str, tuple[str, int]],
        *,
        at: tuple[float, float],
        list_rv: int,
        cached: bool = False,
    ) -> Operation:
        found = {k: Version(v, rv) for k, (v, rv) in items.items()}
        kind = "cached-list" if cached else "list"
        return self._op(client, kind, None, at, items=found, list_rv=list_rv, result="ok")

    def watcher(
        self,
        number: int,
        *,
        start_rv: int,
        end_rv: int,
        events: list[tuple[str, str, str | None, int, float]],
        relists: list[tuple[int, int, float]] = (),
    ) -> WatchRecord:  # type: ignore[assignment]
        record = WatchRecord(watcher=number, via="test", start_rv=start_rv, end_rv=end_rv)
        record.events = [WatchEvent(number, t, k, v, rv, at) for t, k, v, rv, at in events]
        record.relists = [Relist(number, after, list_rv, at) for after, list_rv, at in relists]
        self.history.watches.append(record)
        return record

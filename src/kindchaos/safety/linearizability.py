"""The linearizability check: the history, as porcupine's input, through the checker the build makes.

The checker (``images/checker``, porcupine v1.3.1) models each key as an object whose writes carry rising
resourceVersions; updates and deletes succeed only at the version they name. Quorum reads are checked, reads
at ``resourceVersion=0`` are not (the watch cache may answer them stale by design: ``stale_reads`` measures
them). A list is split into one read per key, at the list's resourceVersion. Writes settled by
``committed.resolve`` go in with what was learned; unresolved ones go in as unknown, which the model lets
take effect or not; writes certainly not applied, and reads without an answer, carry nothing to check.
"""

from __future__ import annotations

import bisect
import json
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from kindchaos.errors import BuildError
from kindchaos.observe.history.operations import History, Operation
from kindchaos.paths import checker_path
from kindchaos.safety.committed import Resolution

NANOS = 1_000_000_000

Verdict = Literal["ok", "illegal", "undecided"]


@dataclass
class LinearizabilityResult:
    """The checker's verdict; on ``illegal``, per key the operations it could not place."""

    verdict: Verdict
    seconds: float
    operations: int
    keys: int
    illegal: dict[str, list[int]] = field(default_factory=dict)
    undecided: list[str] = field(default_factory=list)
    visualization: Path | None = None
    revision_order: list[str] = field(default_factory=list)  # across keys: see ``revision_order``

    @property
    def holds(self) -> bool:
        return self.verdict == "ok" and not self.revision_order

    def summary(self, history: History | None = None) -> str:
        text = f"{self.verdict}: {self.operations} operations on {self.keys} keys checked in {self.seconds:.2f} s"
        if self.illegal:
            named = {k: ids for k, ids in sorted(self.illegal.items())}
            text += f"; not linearizable on {named}"
            if history is not None:
                first = [
                    history.operations[i] for ids in named.values() for i in ids[:2] if i < len(history.operations)
                ]
                text += ": " + "; ".join(describe(op) for op in first)
        if self.undecided:
            text += f"; undecided on {self.undecided} within the time limit"
        if self.revision_order:
            text += f"; resourceVersions against real time: {'; '.join(self.revision_order[:3])}"
        return text


def describe(op: Operation) -> str:
    """One operation as a reader of the report sees it: ``#12 update key-1=c0-5 if rv=123 → conflict``."""
    text = f"#{op.id} c{op.client} {op.kind} {op.key or ''}".rstrip()
    if op.value is not None and op.kind in ("create", "update", "get"):
        text += f"={op.value}"
    if op.expected is not None:
        text += f" if rv={op.expected}"
    text += f" → {op.result}"
    if op.rv is not None:
        text += f" rv={op.rv}"
    if op.items is not None:
        shown = ", ".join(f"{k}={v.value}@{v.rv}" for k, v in sorted(op.items.items())[:4])
        text += f" at rv={op.list_rv} [{shown}{', …' if len(op.items) > 4 else ''}]"
    return text


def _nanos(seconds: float) -> int:
    return int(seconds * NANOS)


def checker_input(history: History, resolution: Resolution, keys: list[str]) -> list[dict[str, Any]]:
    """The operations porcupine checks, each on one key, as the checker's JSON reads them."""
    found: list[dict[str, Any]] = []
    for op in history.operations:
        if op.kind == "cached-list" or op.result == "failed" or op.id in resolution.not_applied:
            continue
        if not op.is_write and op.result not in ("ok", "absent"):
            continue  # a read without an answer tells nothing
        base = {"id": op.id, "client": op.client, "call": _nanos(op.call)}
        returned = None if op.returned is None else _nanos(op.returned)
        if op.kind == "list":
            for key in keys:
                item = (op.items or {}).get(key)
                read = {"kind": "list-read", "key": key, "return": returned, "list_rv": op.list_rv}
                if item is None:
                    found.append({**base, **read, "result": "absent"})
                else:
                    found.append({**base, **read, "result": "ok", "value": item.value, "rv": item.rv})
            continue
        entry: dict[str, Any] = {**base, "kind": op.kind, "key": op.key, "return": returned, "result": op.result}
        if op.value is not None and op.kind != "delete":
            entry["value"] = op.value
        if op.expected is not None:
            entry["expected"] = op.expected
        if op.rv is not None:
            entry["rv"] = op.rv
        if op.id in resolution.applied:
            seen = resolution.applied[op.id]
            entry.update(result="ok", rv=seen.rv, **{"return": _nanos(seen.at)})
        elif op.id in resolution.delete_rvs:
            entry["rv"] = resolution.delete_rvs[op.id].rv
        found.append(entry)
    return found


def require_checker() -> Path:
    path = checker_path()
    if not path.exists():
        raise BuildError(
            f"the linearizability checker is not built ({path})",
            hint="run `kindchaos images build`: its linearizability-checker step makes it",
        )
    return path


def run_checker(
    operations: list[dict[str, Any]], *, timeout: float = 60.0, visualize: Path | None = None
) -> LinearizabilityResult:
    """Run the checker on ``operations``; past ``timeout`` the verdict is undecided, never a pass."""
    checker = require_checker()
    with tempfile.TemporaryDirectory(prefix="kindchaos-history-") as scratch:
        path = Path(scratch) / "history.json"
        path.write_text(json.dumps({"operations": operations}))
        argv = [str(checker), "--history", str(path), "--timeout", f"{max(1, round(timeout * 1e6))}us"]
        if visualize is not None:
            argv += ["--visualize", str(visualize)]
        started = time.monotonic()
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout * 4 + 60, check=False)
    if done.returncode != 0 or not done.stdout.strip():
        raise BuildError(
            f"the linearizability checker failed (exit {done.returncode}): {done.stderr.strip()[:300]}",
            hint="rebuild it with `kindchaos images build`",
        )
    raw = json.loads(done.stdout)
    return LinearizabilityResult(
        verdict=raw["verdict"],
        seconds=float(raw.get("seconds", time.monotonic() - started)),
        operations=int(raw["operations"]),
        keys=int(raw["keys"]),
        illegal={k: list(v) for k, v in (raw.get("illegal") or {}).items()},
        undecided=list(raw.get("undecided") or []),
        visualization=visualize if visualize is not None and visualize.exists() else None,
    )


def revision_order(history: History) -> list[str]:
    """Acknowledged writes on any keys whose resourceVersions contradict real time: a write that began after
    another was acknowledged must carry a higher version (etcd's revision is one counter for every key; the
    checker partitions by key and would not see this)."""
    acked = [op for op in history.operations if op.is_write and op.result == "ok" and op.rv is not None]
    by_return = sorted(acked, key=lambda op: op.returned or 0.0)
    returned_at = [op.returned or 0.0 for op in by_return]
    highest: list[Operation] = []
    for op in by_return:
        highest.append(op if not highest or (op.rv or 0) > (highest[-1].rv or 0) else highest[-1])
    found = []
    for op in acked:
        index = bisect.bisect_left(returned_at, op.call)
        before = highest[index - 1] if index else None
        if before is not None and (before.rv or 0) >= (op.rv or 0):
            found.append(f"{describe(op)} began after {describe(before)} was answered")
    return found


def check(
    history: History, resolution: Resolution, keys: list[str], *, timeout: float = 60.0, visualize: Path | None = None
) -> LinearizabilityResult:
    result = run_checker(checker_input(history, resolution, keys), timeout=timeout, visualize=visualize)
    result.revision_order = revision_order(history)
    return result

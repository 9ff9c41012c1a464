"""One run against earlier ones: which claims hold the same, which checks changed, which figures moved.

The base is each scenario's latest result among the given findings files (a run's own results only, as the
tables read them), so a catalogue run on a Calico cluster can be set against the netd runs committed before it.
A figure "moved" when it changed by more than a factor (default 1.5x either way) and by more than a floor in
its own unit (default 1 s): a 0.2 s wait that became 0.4 s is noise, a 3 s one that became 30 s is news.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kindchaos.answers.sheet import read_findings

MOVED_FACTOR = 1.5
MOVED_FLOOR = 1.0


def run_results(path: Path) -> dict[str, dict[str, Any]]:
    """A findings file's own results (passed or failed in that run), by test id."""
    document = read_findings(path)
    run = document.get("run") if isinstance(document.get("run"), dict) else None
    started = run.get("started") if run else None
    return {
        f["test"]: f
        for f in document["findings"]
        if isinstance(f, dict)
        and f.get("outcome") in ("passed", "failed")
        and (started is None or f.get("run_started") == started)
    }


def latest(paths: Iterable[Path]) -> dict[str, dict[str, Any]]:
    """Each scenario's latest result among ``paths`` (by when it finished)."""
    found: dict[str, dict[str, Any]] = {}
    for path in paths:
        for test, finding in run_results(path).items():
            if test not in found or (finding.get("finished") or 0) >= (found[test].get("finished") or 0):
                found[test] = finding
    return found


@dataclass(frozen=True)
class Moved:
    test: str
    figure: str
    base: float
    other: float
    unit: str

    @property
    def factor(self) -> float:
        low, high = sorted((abs(self.base), abs(self.other)))
        return high / low if low else float("inf")


@dataclass(frozen=True)
class Changed:
    test: str
    base_outcome: str
    other_outcome: str
    lost: list[str]  # checks that held in the base and failed in the other run
    unreached: list[str]  # checks that held in the base and the other run never got to (it stopped earlier)
    gained: list[str]  # checks that held in the other run and not in the base
    new: list[str]  # checks the base did not have


@dataclass(frozen=True)
class Comparison:
    same: list[str]  # scenarios with the same outcome and the same checks holding
    changed: list[Changed]
    moved: list[Moved]
    only_other: list[str]  # scenarios with no base result
    only_base: list[str]  # scenarios the other run did not run


def _held(finding: dict[str, Any]) -> dict[str, bool]:
    return {c["name"]: bool(c.get("held")) for c in finding.get("checks") or []}


def _figures(finding: dict[str, Any]) -> dict[str, tuple[float, str]]:
    values = {
        f["name"]: (float(f["value"]), str(f.get("unit") or ""))
        for f in finding.get("figures") or []
        if isinstance(f.get("value"), int | float) and not isinstance(f.get("value"), bool)
    }
    if finding.get("wall_s") is not None:
        values["wall_s"] = (float(finding["wall_s"]), "s")
    return values


def _moved(base: float, other: float, *, factor: float, floor: float) -> bool:
    low, high = sorted((abs(base), abs(other)))
    return high - low > floor and (low == 0 or high / low > factor)


def compare(
    base: dict[str, dict[str, Any]],
    other: dict[str, dict[str, Any]],
    *,
    factor: float = MOVED_FACTOR,
    floor: float = MOVED_FLOOR,
) -> Comparison:
    same: list[str] = []
    changed: list[Changed] = []
    moved: list[Moved] = []
    for test in sorted(set(base) & set(other)):
        b, o = base[test], other[test]
        held_b, held_o = _held(b), _held(o)
        lost = sorted(n for n, h in held_b.items() if h and n in held_o and not held_o[n])
        unreached = sorted(n for n, h in held_b.items() if h and n not in held_o)
        gained = sorted(n for n, h in held_o.items() if h and n in held_b and not held_b[n])
        new = sorted(n for n in held_o if n not in held_b)
        if b["outcome"] == o["outcome"] and not lost and not unreached and not gained and not new:
            same.append(test)
        else:
            changed.append(Changed(test, b["outcome"], o["outcome"], lost, unreached, gained, new))
        figures_b, figures_o = _figures(b), _figures(o)
        for name in sorted(set(figures_b) & set(figures_o)):
            (vb, unit), (vo, _) = figures_b[name], figures_o[name]
            if _moved(vb, vo, factor=factor, floor=floor):
                moved.append(Moved(test, name, vb, vo, unit))
    return Comparison(
        same=same,
        changed=changed,
        moved=moved,
        only_other=sorted(set(other) - set(base)),
        only_base=sorted(set(base) - set(other)),
    )


def _short(test: str) -> str:
    return test.removeprefix("scenarios/").replace(".py::", "::")


def markdown(comparison: Comparison, *, base_label: str, other_label: str, factor: float, floor: float) -> str:
    c = comparison
    both = len(c.same) + len(c.changed)
    lines = [
        f"{both} scenarios in both {base_label} and {other_label}: {len(c.same)} the same (outcome and every "
        f"check), {len(c.changed)} changed; {len(c.moved)} figures moved (more than {factor:g}x and "
        f"{floor:g} of their unit); {len(c.only_other)} only in {other_label}, {len(c.only_base)} only in "
        f"{base_label}.",
        "",
    ]
    if c.changed:
        lines += ["| scenario | outcome | checks failing now | not reached now | checks now holding | checks new |"]
        lines += ["| --- | --- | --- | --- | --- | --- |"]
        for ch in c.changed:
            outcome = ch.base_outcome
            if ch.other_outcome != ch.base_outcome:
                outcome += f" → {ch.other_outcome}"
            lines.append(
                f"| `{_short(ch.test)}` | {outcome} | {', '.join(ch.lost) or '–'} | {', '.join(ch.unreached) or '–'} "
                f"| {', '.join(ch.gained) or '–'} | {', '.join(ch.new) or '–'} |"
            )
        lines.append("")
    if c.moved:
        lines += [f"| scenario | figure | {base_label} | {other_label} | factor |", "| --- | --- | --- | --- | --- |"]
        for m in sorted(c.moved, key=lambda m: -m.factor):
            lines.append(
                f"| `{_short(m.test)}` | `{m.figure}` | {m.base:g} {m.unit} | {m.other:g} {m.unit} | {m.factor:.1f}x |"
            )
        lines.append("")
    if c.only_other:
        lines += [f"Only in {other_label}: " + ", ".join(f"`{_short(t)}`" for t in c.only_other), ""]
    if c.only_base:
        lines += [f"Not run in {other_label}: " + ", ".join(f"`{_short(t)}`" for t in c.only_base), ""]
    return "\n".join(lines)

"""Recovery budgets: the deadline a claim states, widened by ``--budget-scale`` on slow machines.

A budget is the claim's own number (e.g. "bound within 30 s of restore"). It
is scaled once for the whole run, and a breach raises ``BudgetBreached`` with
the budget, the scale and the figure actually measured.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kindchaos.errors import BudgetBreached, UsageError
from kindchaos.waiting import ConditionTimeout, Waited, wait_for

_scale = 1.0


def set_budget_scale(scale: float) -> None:
    if not scale > 0:
        raise UsageError(f"budget scale must be a positive number, got {scale!r}", hint="pass e.g. --budget-scale=2")
    global _scale
    _scale = float(scale)


def budget_scale() -> float:
    return _scale


def scaled(seconds: float) -> float:
    return seconds * _scale


def _describe(budget: float) -> str:
    return f"{scaled(budget):.0f}s" if _scale == 1 else f"{scaled(budget):.0f}s ({budget:.0f}s x {_scale:g})"


def within_budget(
    check: Callable[[], Any],
    *,
    budget: float,
    what: str,
    interval: float = 1.0,
    retry_on: tuple[type[BaseException], ...] = (AssertionError,),
) -> Waited:
    """Wait for ``check`` for the scaled budget; a timeout is a breached budget, not a plain failure."""
    try:
        return wait_for(check, within=scaled(budget), expected=what, interval=interval, retry_on=retry_on)
    except ConditionTimeout as exc:
        raise BudgetBreached(
            f"budget breached: expected {what} within {_describe(budget)}; "
            f"not seen after {exc.waited:.1f}s ({exc.attempts} checks); last seen: {exc.last_seen}"
        ) from exc


def assert_within_budget(measured: float | None, *, budget: float, what: str) -> None:
    """Check a figure measured from the timeline against its scaled budget."""
    if measured is None:
        raise BudgetBreached(f"budget breached: {what} never happened (budget {_describe(budget)})")
    if measured > scaled(budget):
        raise BudgetBreached(f"budget breached: {what} took {measured:.1f}s, budget {_describe(budget)}")

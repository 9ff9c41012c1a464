"""Recovery budgets: the deadline a claim states, widened by ``--budget-scale`` on slow machines.

A budget is the claim's own number (e.g. "bound within 30 s of restore"). It
is scaled once for the whole run. Budgets are asserted by ``chaos.check.within``
and ``chaos.check.reaches`` (``evidence.checks``), so every budget shown is a
check on record.
"""

from __future__ import annotations

from kindchaos.errors import UsageError

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

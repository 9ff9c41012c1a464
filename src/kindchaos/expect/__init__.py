"""Assertions over time: eventually, stays, and recovery budgets."""

from kindchaos.expect.budget import budget_scale, scaled, set_budget_scale
from kindchaos.expect.conditions import Held, eventually, settles, stays

__all__ = ["Held", "budget_scale", "eventually", "scaled", "set_budget_scale", "settles", "stays"]

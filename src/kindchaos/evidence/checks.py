"""Named checks: each clause of a claim is one, recorded with what was required, what was measured, and whether it held.

A scenario calls ``chaos.check.<kind>("name", ...)``. The call evaluates (or waits), records a ``Check``, opens
an Allure step whose title says the requirement and the measurement, and raises when it does not hold: a
recovery budget as ``BudgetBreached`` (scaled by ``--budget-scale``, and shown as applied), anything else as
``SteadyStateViolated``. A figure with a budget exists only through ``within``, so a budget shown is a budget
asserted. The claim's docstring names its checks (``[name]`` after each clause); ``missing`` tells which ran
no check at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Any, NoReturn

import allure

from kindchaos.errors import BudgetBreached, ClaimViolated, SteadyStateViolated
from kindchaos.evidence.findings import Figure
from kindchaos.expect.budget import budget_scale, scaled
from kindchaos.expect.conditions import Held, stays
from kindchaos.progress import Status
from kindchaos.redact import redact
from kindchaos.waiting import ConditionTimeout, Waited, wait_for

Value = float | int | str | bool | None


@dataclass(frozen=True)
class Check:
    """One check that ran: its name, what it required, what it measured, and whether it held."""

    name: str
    requirement: str
    measured: str
    held: bool
    value: Value = None
    unit: str = ""
    limit: float | None = None  # the applied (scaled) budget or threshold, when the check has one
    kind: str = "condition"  # budget (scaled by --budget-scale), threshold, window, hold or condition

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def row(self) -> dict[str, Any]:
        return {"check": self.name, "requirement": self.requirement, "measured": self.measured,
                "held": "held" if self.held else "FAILED"}  # fmt: skip


def show(value: Value, unit: str = "") -> str:
    """A value as a check states it: seconds to two decimals, ratios to three."""
    if value is None:
        return "never"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        text = f"{value:.2f}" if unit == "s" or abs(value) >= 10 else f"{value:.3g}"
        return f"{text} {unit}".strip()
    return f"{value} {unit}".strip()


def _budget_text(budget: float, unit: str) -> str:
    applied = scaled(budget)
    if budget_scale() == 1:
        return f"≤ {show(applied, unit)}"
    return f"≤ {show(applied, unit)} ({show(float(budget), unit)} × budget scale {budget_scale():g})"


class CheckBook:
    """The checks of one scenario run, in the order they ran; figures with a budget go to ``figures``."""

    def __init__(self, figures: list[Figure]) -> None:
        self.checks: list[Check] = []
        self._figures = figures
        self._deferred: list[ClaimViolated] | None = None  # inside ``together``: failures not yet raised

    def names(self) -> set[str]:
        return {check.name for check in self.checks}

    def missing(self, declared: list[str]) -> list[str]:
        """The declared check names no check ran under."""
        ran = self.names()
        return [name for name in declared if name not in ran]

    # --- the kinds of check --------------------------------------------------------------------

    def within(
        self, name: str, measured: float | None, *, budget: float, what: str, unit: str = "s", note: str = ""
    ) -> float:
        """A recovery figure held to its budget (scaled): recorded as a figure with the applied budget."""
        applied = scaled(budget)
        self._figures.append(
            Figure(name, None if measured is None else round(measured, 3), unit, round(applied, 3), note)
        )
        held = measured is not None and measured <= applied
        requirement = f"{what} {_budget_text(budget, unit)}"
        outcome = "never happened" if measured is None else show(measured, unit)
        self._record(
            Check(name, requirement, outcome, held, measured, unit, applied, "budget"),
            BudgetBreached,
            "budget breached",
        )
        assert measured is not None
        return measured

    def at_most(self, name: str, value: float | int | None, limit: float, *, what: str, unit: str = "") -> None:
        """A measured value no larger than a fixed threshold (not scaled: it is the claim's own number)."""
        held = value is not None and value <= limit
        self._record(
            Check(name, f"{what} ≤ {show(limit, unit)}", show(value, unit), held, value, unit, limit, "threshold")
        )

    def at_least(self, name: str, value: float | int | None, limit: float, *, what: str, unit: str = "") -> None:
        """A measured value no smaller than a fixed threshold (a success ratio, a count)."""
        held = value is not None and value >= limit
        self._record(
            Check(name, f"{what} ≥ {show(limit, unit)}", show(value, unit), held, value, unit, limit, "threshold")
        )

    def between(
        self, name: str, value: float | int | None, low: float, high: float, *, what: str, unit: str = ""
    ) -> None:
        """A measured value inside a window (a delay a setting should produce, with its tolerance)."""
        held = value is not None and low <= value <= high
        requirement = f"{what} in {show(float(low), unit)} to {show(float(high), unit)}"
        self._record(Check(name, requirement, show(value, unit), held, value, unit, high, "window"))

    def equals(self, name: str, value: Value, expected: Value, *, what: str, unit: str = "") -> None:
        held = value == expected
        self._record(Check(name, f"{what} = {show(expected, unit)}", show(value, unit), held, value, unit))

    def that(self, name: str, held: bool, measured: str, *, what: str) -> None:
        """A condition that is true or not; ``measured`` says what was seen either way."""
        self._record(Check(name, what, measured, bool(held)))

    @contextmanager
    def together(self) -> Iterator[None]:
        """Checks judged together: inside, a check that does not hold is recorded (a failed step) without
        raising; on leaving, the first such failure raises, so the report shows every one that failed."""
        self._deferred = []
        try:
            yield
        finally:
            failed, self._deferred = self._deferred, None
        if failed:
            raise failed[0]

    def stays(
        self, name: str, check: Callable[[], Any], *, during: float, expected: str, interval: float = 1.0
    ) -> Held:
        """A condition checked for ``during`` seconds (a fixed hold: the claim's own duration, not scaled)."""
        requirement = f"{expected}, at every check for {during:g} s"
        try:
            held = stays(check, during=during, expected=expected, interval=interval)
        except AssertionError as exc:
            self._fail(Check(name, requirement, str(exc), False, kind="hold"))
        self._record(
            Check(
                name,
                requirement,
                f"held {held.seconds:.1f} s ({held.checks} checks)",
                True,
                round(held.seconds, 3),
                "s",
                kind="hold",
            )
        )
        return held

    def reaches(
        self,
        name: str,
        check: Callable[[], Any],
        *,
        budget: float,
        what: str,
        interval: float = 1.0,
        retry_on: tuple[type[BaseException], ...] = (AssertionError,),
    ) -> Waited:
        """Wait for a condition within its recovery budget (scaled); the wait itself is the figure."""
        applied = scaled(budget)
        requirement = f"{what} {_budget_text(budget, 's')}"
        try:
            waited = wait_for(check, within=applied, expected=what, interval=interval, retry_on=retry_on)
        except ConditionTimeout as exc:
            seen = f"not seen after {exc.waited:.1f} s ({exc.attempts} checks); last seen: {exc.last_seen}"
            self._fail(
                Check(name, requirement, seen, False, None, "s", applied, "budget"), BudgetBreached, "budget breached"
            )
        self._figures.append(Figure(name, round(waited.seconds, 3), "s", round(applied, 3)))
        self._record(
            Check(name, requirement, show(waited.seconds, "s"), True, round(waited.seconds, 3), "s", applied, "budget")
        )
        return waited

    # --- bookkeeping -----------------------------------------------------------------------------

    def _record(
        self, check: Check, error: type[ClaimViolated] = SteadyStateViolated, label: str = "check failed"
    ) -> None:
        if not check.held:
            if self._deferred is None:
                self._fail(check, error, label)
            try:
                self._fail(check, error, label)
            except ClaimViolated as exc:
                self._deferred.append(exc)
            return
        self.checks.append(check)
        with _check_step(check):
            pass

    def _fail(
        self, check: Check, error: type[ClaimViolated] = SteadyStateViolated, label: str = "check failed"
    ) -> NoReturn:
        """Record a check that did not hold, as a failed step, and raise ``error`` (its Allure category)."""
        self.checks.append(check)
        with _check_step(check):
            raise error(f"{label}: {check.name}: required {check.requirement}; measured {check.measured}")


_status = Status()


@contextmanager
def _check_step(check: Check) -> Iterator[None]:
    """The check as one Allure step (failed when it raises) and one progress line."""
    verdict = "held" if check.held else "FAILED"
    title = f"check {check.name}: {check.requirement}; measured {check.measured} ({verdict})"
    _status.info(("✓ " if check.held else "✗ ") + title)
    with allure.step(redact(title)):
        yield

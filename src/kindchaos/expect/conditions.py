"""``eventually``, ``settles`` and ``stays``: a condition reached by a deadline, reached and kept, or held.

A check is a callable that raises ``AssertionError`` (or returns ``False``)
while its condition does not hold. Failures say what was expected, what was
last seen and for how long; nothing here sleeps except tenacity between checks.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import tenacity

from kindchaos.errors import SteadyStateViolated
from kindchaos.waiting import ConditionTimeout, Waited, wait_for

__all__ = ["ConditionTimeout", "Held", "Waited", "eventually", "settles", "stays"]


def eventually(
    check: Callable[[], Any],
    *,
    within: float,
    expected: str,
    interval: float = 1.0,
    retry_on: tuple[type[BaseException], ...] = (AssertionError,),
) -> Waited:
    """Wait until ``check`` passes; raise ``ConditionTimeout`` naming what was expected and last seen."""
    return wait_for(check, within=within, expected=expected, interval=interval, retry_on=retry_on)


@dataclass(frozen=True)
class Held:
    """A condition that held for the whole period: how long and how many checks."""

    seconds: float
    checks: int


def stays(
    check: Callable[[], Any],
    *,
    during: float,
    expected: str,
    interval: float = 1.0,
    error: type[AssertionError] = SteadyStateViolated,
) -> Held:
    """Check repeatedly for ``during`` seconds; fail on the first check that does not pass."""
    started = time.monotonic()
    checks = 0

    def attempt() -> None:
        nonlocal checks
        checks += 1
        try:
            value = check()
        except AssertionError as exc:
            held = time.monotonic() - started
            raise error(
                f"expected {expected} for {during:.0f}s; it broke after {held:.1f}s (check {checks}): {exc}"
            ) from exc
        if value is False:
            held = time.monotonic() - started
            raise error(f"expected {expected} for {during:.0f}s; it broke after {held:.1f}s (check {checks})")

    tenacity.Retrying(
        stop=tenacity.stop_after_delay(during),
        wait=tenacity.wait_fixed(interval),
        retry=tenacity.retry_if_result(lambda _: True),
        retry_error_callback=lambda state: None,
    )(attempt)
    return Held(seconds=time.monotonic() - started, checks=checks)


def settles(
    check: Callable[[], Any],
    *,
    within: float,
    holding: float,
    expected: str,
    interval: float = 1.0,
    retry_on: tuple[type[BaseException], ...] = (AssertionError,),
) -> Waited:
    """Wait until ``check`` has passed on every attempt for ``holding`` seconds in a row.

    For a component that may pass once and then restart (an apiserver whose kubelet was just replaced): the
    first pass alone proves nothing.
    """
    streak: list[float | None] = [None]

    def steady() -> None:
        try:
            check()
        except retry_on:
            streak[0] = None
            raise
        now = time.monotonic()
        started = streak[0] = streak[0] if streak[0] is not None else now
        assert now - started >= holding, f"passing for {now - started:.1f}s of {holding:g}s"

    return eventually(
        steady,
        within=within,
        interval=interval,
        retry_on=(*retry_on, AssertionError),
        expected=f"{expected}, for {holding:g}s in a row",
    )

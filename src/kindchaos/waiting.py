"""Waiting on a condition with a deadline, built on tenacity.

The foundation under ``kindchaos.expect``: a check is a callable that raises
``AssertionError`` (or returns ``False``) while the condition does not
hold. On timeout the last failure is re-raised with what was expected, what
was last seen and for how long, instead of tenacity's ``RetryError``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import tenacity

T = TypeVar("T")


class ConditionTimeout(AssertionError):
    """A condition did not hold within its deadline."""

    def __init__(self, *, expected: str, last_seen: str, waited: float, attempts: int) -> None:
        self.expected = expected
        self.last_seen = last_seen
        self.waited = waited
        self.attempts = attempts
        super().__init__(f"expected {expected} within {waited:.1f}s; last seen after {attempts} attempts: {last_seen}")


@dataclass(frozen=True)
class Waited:
    """The outcome of a successful wait: the value and the time it took."""

    value: object
    seconds: float
    attempts: int


def _run_check(check: Callable[[], T]) -> T:
    value = check()
    if value is False:
        raise AssertionError(f"{getattr(check, '__name__', 'check')} returned {value!r}")
    return value


def wait_for(
    check: Callable[[], T],
    *,
    within: float,
    expected: str,
    interval: float = 1.0,
    retry_on: tuple[type[BaseException], ...] = (AssertionError,),
    error: type[ConditionTimeout] = ConditionTimeout,
) -> Waited:
    """Call ``check`` until it passes or ``within`` seconds have gone by."""
    started = time.monotonic()
    attempts = 0
    last: list[str] = ["nothing (the check never ran)"]

    def attempt() -> T:
        nonlocal attempts
        attempts += 1
        try:
            return _run_check(check)
        except retry_on as exc:
            last[0] = str(exc) or type(exc).__name__
            raise

    retrying = tenacity.Retrying(
        stop=tenacity.stop_after_delay(within),
        wait=tenacity.wait_fixed(interval),
        retry=tenacity.retry_if_exception_type(retry_on),
        reraise=True,
    )
    try:
        value = retrying(attempt)
    except retry_on as exc:
        raise error(
            expected=expected,
            last_seen=last[0],
            waited=time.monotonic() - started,
            attempts=attempts,
        ) from exc
    return Waited(value=value, seconds=time.monotonic() - started, attempts=attempts)

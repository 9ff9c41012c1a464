"""eventually / stays / budgets: what passes, what fails, and what the failure says."""

import pytest

from kindchaos.errors import SteadyStateViolated, UsageError
from kindchaos.expect import budget, eventually, settles, stays
from kindchaos.waiting import ConditionTimeout


@pytest.fixture(autouse=True)
def default_scale() -> None:
    budget.set_budget_scale(1)


def counter_check(passes_from: int) -> tuple[list[int], object]:
    calls: list[int] = []

    def check() -> int:
        calls.append(1)
        assert len(calls) >= passes_from, f"call {len(calls)} of {passes_from}"
        return len(calls)

    return calls, check


def test_eventually_returns_the_value_and_the_time_it_took() -> None:
    _, check = counter_check(3)
    waited = eventually(check, within=5, interval=0.01, expected="third call")  # type: ignore[arg-type]
    assert waited.value == 3 and waited.attempts == 3 and waited.seconds < 5


def test_eventually_timeout_says_what_was_expected_and_last_seen() -> None:
    _, check = counter_check(10_000)
    with pytest.raises(ConditionTimeout) as caught:
        eventually(check, within=0.2, interval=0.05, expected="the pod bound")  # type: ignore[arg-type]
    message = str(caught.value)
    assert message.startswith("expected the pod bound within 0.")
    assert "last seen after" in message and "call " in message


def test_stays_holds_for_the_whole_period() -> None:
    held = stays(lambda: True, during=0.3, interval=0.05, expected="always true")
    assert held.seconds >= 0.3 and held.checks >= 4


def test_stays_fails_on_the_first_violation_and_says_when() -> None:
    calls: list[int] = []

    def breaks_on_third() -> None:
        calls.append(1)
        assert len(calls) < 3, "pod rescheduled to w2"

    with pytest.raises(SteadyStateViolated) as caught:
        stays(breaks_on_third, during=5, interval=0.01, expected="pods stay on w1")
    message = str(caught.value)
    assert "expected pods stay on w1 for 5s; it broke after" in message
    assert "(check 3): pod rescheduled to w2" in message


def test_stays_treats_false_as_a_violation() -> None:
    with pytest.raises(SteadyStateViolated, match="check 1"):
        stays(lambda: False, during=1, interval=0.01, expected="a truthy check")


def test_budget_scale_widens_the_deadline() -> None:
    budget.set_budget_scale(3)
    assert budget.scaled(10) == 30


@pytest.mark.parametrize("bad", [0, -1.5])
def test_a_non_positive_scale_is_refused(bad: float) -> None:
    with pytest.raises(UsageError, match="budget scale must be a positive number"):
        budget.set_budget_scale(bad)


def test_settles_waits_for_a_streak_not_a_first_pass() -> None:
    outcomes = iter([True, False, True, True, True, True, True, True])
    seen: list[bool] = []

    def check() -> None:
        ok = next(outcomes)
        seen.append(ok)
        assert ok, "refused"

    waited = settles(check, within=5, holding=0.1, interval=0.05, expected="steady")
    assert seen[:3] == [True, False, True] and waited.attempts >= 4


def test_settles_times_out_naming_the_streak() -> None:
    flips = iter([True, False] * 100)

    def check() -> None:
        assert next(flips), "refused"

    with pytest.raises(ConditionTimeout, match="for 1s in a row"):
        settles(check, within=0.5, holding=1, interval=0.05, expected="steady")

"""Each check records what it required and measured; one that does not hold raises in its Allure category."""

import pytest

from kindchaos.errors import BudgetBreached, SteadyStateViolated
from kindchaos.evidence.checks import CheckBook
from kindchaos.evidence.findings import Figure
from kindchaos.expect.budget import set_budget_scale


@pytest.fixture
def book() -> CheckBook:
    return CheckBook([])


@pytest.fixture
def scale_two() -> object:
    set_budget_scale(2)
    yield
    set_budget_scale(1)


def test_a_budget_held_is_a_figure_with_its_budget_and_a_check(book: CheckBook) -> None:
    figures: list[Figure] = []
    book = CheckBook(figures)
    assert book.within("bound", 12.3456, budget=30, what="every pod bound") == 12.3456
    (check,) = book.checks
    assert check.held and check.requirement == "every pod bound ≤ 30.00 s" and check.measured == "12.35 s"
    assert figures == [Figure("bound", 12.346, "s", 30.0, "")]


def test_a_budget_breached_raises_budget_breached_and_is_recorded(book: CheckBook) -> None:
    breached = r"budget breached: bound: required every pod bound ≤ 30\.00 s; measured 31"
    with pytest.raises(BudgetBreached, match=breached):
        book.within("bound", 31.0, budget=30, what="every pod bound")
    assert not book.checks[0].held
    with pytest.raises(BudgetBreached, match="measured never happened"):
        book.within("running", None, budget=30, what="every pod Running")


@pytest.mark.usefixtures("scale_two")
def test_the_budget_shown_is_the_budget_applied(book: CheckBook) -> None:
    figures: list[Figure] = []
    book = CheckBook(figures)
    book.within("bound", 45.0, budget=30, what="bound")
    assert book.checks[0].requirement == "bound ≤ 60.00 s (30.00 s × budget scale 2)"
    assert figures[0].budget == 60.0


def test_thresholds_are_not_scaled_and_fail_as_steady_state(book: CheckBook) -> None:
    book.at_least("ratio", 0.995, 0.99, what="share answered")
    with pytest.raises(
        SteadyStateViolated, match=r"check failed: ratio2: required share answered ≥ 0\.99; measured 0\.9"
    ):
        book.at_least("ratio2", 0.9, 0.99, what="share answered")
    with pytest.raises(SteadyStateViolated):
        book.at_most("failed", None, 0.02, what="share failed")
    book.between("gap", 52.0, 49, 60, what="NotReady after the lease", unit="s")
    with pytest.raises(SteadyStateViolated, match=r"in 49\.00 s to 60\.00 s; measured 70\.00 s"):
        book.between("gap2", 70.0, 49, 60, what="NotReady after the lease", unit="s")


def test_stays_records_how_long_it_held_or_where_it_broke(book: CheckBook) -> None:
    book.stays("quiet", lambda: True, during=0.3, interval=0.1, expected="quiet")
    assert book.checks[-1].held and book.checks[-1].measured.startswith("held ")
    with pytest.raises(SteadyStateViolated, match=r"check failed: loud: .*it broke after"):
        book.stays("loud", lambda: False, during=1, interval=0.1, expected="quiet")
    assert not book.checks[-1].held


def test_reaches_within_budget_or_breaches(book: CheckBook) -> None:
    waited = book.reaches("up", lambda: True, budget=5, what="it answers", interval=0.1)
    assert waited.seconds < 5 and book.checks[-1].held

    def never() -> None:
        raise AssertionError("still down")

    with pytest.raises(BudgetBreached, match=r"not seen after .* last seen: still down"):
        book.reaches("down", never, budget=0.3, what="it answers", interval=0.1)


def test_missing_names_the_declared_checks_that_never_ran(book: CheckBook) -> None:
    book.that("seen", True, "yes", what="something seen")
    book.equals("count", 3, 3, what="pods")
    assert book.missing(["seen", "count", "absent"]) == ["absent"]


def test_checks_judged_together_all_record_then_the_first_failure_raises(book: CheckBook) -> None:
    with pytest.raises(SteadyStateViolated, match="check failed: first_bad"), book.together():
        book.that("good", True, "fine", what="holds")
        book.that("first_bad", False, "broken", what="holds")
        book.that("second_bad", False, "broken too", what="holds")
    assert [(c.name, c.held) for c in book.checks] == [("good", True), ("first_bad", False), ("second_bad", False)]
    with pytest.raises(SteadyStateViolated, match="after"):
        book.that("after", False, "raises at once again", what="holds")


def test_checks_together_that_all_hold_raise_nothing(book: CheckBook) -> None:
    with book.together():
        book.that("one", True, "fine", what="holds")
    assert book.names() == {"one"}

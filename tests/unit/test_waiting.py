import pytest

from kindchaos.waiting import ConditionTimeout, wait_for


def test_wait_for_returns_value_and_time_once_the_check_passes() -> None:
    calls = iter([AssertionError("not yet"), AssertionError("still not"), "done"])

    def check() -> str:
        item = next(calls)
        if isinstance(item, Exception):
            raise item
        return item

    waited = wait_for(check, within=5, interval=0.01, expected="done")
    assert waited.value == "done"
    assert waited.attempts == 3


def test_timeout_says_what_was_expected_and_last_seen() -> None:
    def never() -> None:
        raise AssertionError("3 of 4 nodes Ready")

    with pytest.raises(ConditionTimeout) as info:
        wait_for(never, within=0.2, interval=0.05, expected="every node Ready")
    message = str(info.value)
    assert message.startswith("expected every node Ready within 0.")
    assert "last seen after" in message and "3 of 4 nodes Ready" in message
    assert info.value.attempts >= 2


def test_false_counts_as_not_yet_and_none_as_passed() -> None:
    with pytest.raises(ConditionTimeout, match="returned False"):
        wait_for(lambda: False, within=0.1, interval=0.05, expected="x")
    assert wait_for(lambda: None, within=1, expected="x").attempts == 1


def test_other_exceptions_are_not_retried() -> None:
    def broken() -> None:
        raise KeyError("boom")

    with pytest.raises(KeyError):
        wait_for(broken, within=1, expected="x")

"""The health gate restarts kubelet only for a long crash-loop back-off."""

import pytest

from kindchaos.cluster.health import LONG_BACK_OFF_S, back_off_seconds

MESSAGE = "back-off {} restarting failed container=kube-controller-manager pod=kube-controller-manager-x_kube-system"


@pytest.mark.parametrize(("stated", "seconds"), [("10s", 10), ("20s", 20), ("2m40s", 160), ("5m0s", 300)])
def test_reads_the_back_off_kubelet_states(stated: str, seconds: float) -> None:
    assert back_off_seconds(MESSAGE.format(stated)) == seconds


@pytest.mark.parametrize("message", [None, "", "something else", "back-off soon restarting"])
def test_no_stated_back_off_is_none(message: str | None) -> None:
    assert back_off_seconds(message) is None


def test_twenty_seconds_is_short_and_five_minutes_is_long() -> None:
    assert back_off_seconds(MESSAGE.format("20s")) < LONG_BACK_OFF_S <= back_off_seconds(MESSAGE.format("5m0s"))

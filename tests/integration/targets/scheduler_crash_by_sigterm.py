"""The scheduler crash scenario with a stop that is not a crash: SIGTERM, which the scheduler exits on cleanly.

The crash fault proves its effect by the old container's exit code 137 (SIGKILL); a container that exited
on SIGTERM is not that crash, so the scenario must fail as "fault not injected".
"""

import pytest

from kindchaos.faults import ComponentCrashed
from scenarios.control_plane import test_scheduler as scenario


class ComponentTerminated(ComponentCrashed):
    """SIGTERM instead of SIGKILL: kubelet still starts a new container, but nothing crashed."""

    signal = "TERM"


@pytest.fixture(autouse=True)
def sabotaged(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scenario, "ComponentCrashed", ComponentTerminated)


pytestmark = scenario.pytestmark
test_scheduler_crash = scenario.test_scheduler_crash

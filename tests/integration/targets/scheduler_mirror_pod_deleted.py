"""The scheduler outage scenario with the fault other chaos tools use: deleting the mirror pod.

Deleting a static pod's mirror pod through the API does nothing to the process, so the scenario's proof
must fail it as "fault not injected" instead of letting it pass.
"""

import pytest

from kindchaos.faults import ComponentDown
from scenarios.control_plane import test_scheduler as scenario


class MirrorPodDeleted(ComponentDown):
    """What a chaos tool calls a scheduler outage: the API object deleted, the process left running."""

    def inject(self) -> None:
        """Delete the mirror pod, once kubelet has posted it: an earlier test that restarted the scheduler may
        have left the cluster between the mirror pod's deletion and its recreation."""
        mirror = f"pod/{self.component.name}-{self.node}"
        self.cluster.kubectl("wait", "-n", "kube-system", "--for=create", mirror, "--timeout=120s", timeout=150)
        self.cluster.kubectl("delete", "-n", "kube-system", mirror)

    def restore(self) -> None:
        """Nothing was done to the node, so there is nothing to undo."""


@pytest.fixture(autouse=True)
def sabotaged(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scenario, "ComponentDown", MirrorPodDeleted)


pytestmark = scenario.pytestmark
test_scheduler_outage = scenario.test_scheduler_outage

"""The container-runtime scenario with the workload's processes on that node frozen too (SIGSTOP).

The clause "its containers keep serving" is then false: requests routed to the frozen pod time out, and
the scenario must fail on its check ``service_answered`` (steady state violated). The freeze is undone
with the runtime's restore.
"""

import pytest

from kindchaos.cluster.nodes import run_in
from kindchaos.faults import RuntimeStopped
from kindchaos.faults.processes import process_states
from scenarios.nodes import test_node_agents as scenario


class RuntimeStoppedWorkloadFrozen(RuntimeStopped):
    """containerd stopped and every workload process on the node stopped with it."""

    frozen: list[int]

    def inject(self) -> None:
        super().inject()
        self.frozen = sorted(process_states(self.node, "workload"))
        assert self.frozen, f"no workload process on {self.node} to freeze"
        run_in(self.node, "kill -STOP " + " ".join(map(str, self.frozen)))

    def restore(self) -> None:
        if getattr(self, "frozen", None):
            run_in(self.node, "kill -CONT " + " ".join(map(str, self.frozen)))
        super().restore()


@pytest.fixture(autouse=True)
def sabotaged(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scenario, "RuntimeStopped", RuntimeStoppedWorkloadFrozen)


pytestmark = scenario.pytestmark
test_container_runtime_stopped = scenario.test_container_runtime_stopped

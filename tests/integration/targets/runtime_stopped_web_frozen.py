"""The container-runtime scenario with the workload's processes frozen (SIGSTOP) while containerd is stopped.

The clause "its containers keep serving" is then false, and the scenario must fail on its check
``service_answered`` (steady state violated). Every worker's workload is frozen, not only the stopped node's:
kubelet's readiness probe takes a single frozen pod out of the Service within a few seconds (1.7 % of
requests failed in the first try, too close to the 1 % the check allows to be a sure failure). The freeze is
undone with the runtime's restore.
"""

import pytest

from kindchaos.cluster.nodes import run
from kindchaos.faults import RuntimeStopped
from kindchaos.faults.processes import process_states
from scenarios.nodes import test_node_agents as scenario


class RuntimeStoppedWorkloadFrozen(RuntimeStopped):
    """containerd stopped on the node, and every workload process on every worker stopped with it."""

    frozen: dict[str, list[int]]

    def inject(self) -> None:
        super().inject()
        self.frozen = {node: sorted(process_states(node, "workload")) for node in self.cluster.workers}
        assert self.frozen.get(self.node), f"no workload process on {self.node} to freeze"
        for node, pids in self.frozen.items():
            if pids:
                run(node, "kill", "-STOP", *map(str, pids))

    def restore(self) -> None:
        for node, pids in getattr(self, "frozen", {}).items():
            if pids:
                run(node, "kill", "-CONT", *map(str, pids))
        super().restore()


@pytest.fixture(autouse=True)
def sabotaged(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scenario, "RuntimeStopped", RuntimeStoppedWorkloadFrozen)


pytestmark = scenario.pytestmark
test_container_runtime_stopped = scenario.test_container_runtime_stopped

"""The control-plane node loss on ``ha-external`` with an etcd member stopped along with the node, as a stacked
cluster loses one: the clause "no etcd member is lost" is false, so the scenario must fail on its check
``every_member_healthy`` (steady state violated)."""

from typing import Any

import pytest

from kindchaos.faults import ExternalMemberStopped, NodeStopped
from scenarios.etcd import test_external_etcd as scenario


class NodeStoppedWithAMember(NodeStopped):
    """The node stopped, and one external member with it (restored in reverse order)."""

    def __init__(self, cluster: Any, node: str, **options: Any) -> None:
        super().__init__(cluster, node, **options)
        self.member = ExternalMemberStopped(cluster, cluster.etcd.names[-1])

    def inject(self) -> None:
        super().inject()
        self.member.__enter__()

    def restore(self) -> None:
        if self.member.active:
            self.member.__exit__(None, None, None)
        super().restore()


@pytest.fixture(autouse=True)
def sabotaged(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scenario, "NodeStopped", NodeStoppedWithAMember)


pytestmark = scenario.pytestmark
test_control_plane_node_lost_keeps_every_member = scenario.test_control_plane_node_lost_keeps_every_member

"""Node access: a node registered with another access is reached through it; healing a partition needs no shell."""

from collections.abc import Sequence
from pathlib import Path
from subprocess import Popen

import pytest

from kindchaos.cluster import node_access
from kindchaos.cluster.leftovers import PARTITION_CHAIN
from kindchaos.cluster.node_access import NodeAccess, Ran
from kindchaos.cluster.partition import heal
from kindchaos.errors import UsageError
from kindchaos.faults.control_plane import component_named


class Recorded(NodeAccess):
    """Records every command; ``iptables -D`` succeeds twice per path (two jumps left by killed runs)."""

    def __init__(self) -> None:
        self.commands: list[list[str]] = []
        self.deleted: dict[str, int] = {}

    def run(self, node: str, argv: Sequence[str], *, input_text: str | None = None, timeout: float = 60) -> Ran:
        command = list(argv)
        self.commands.append(command)
        if command[0] in ("iptables", "ip6tables") and command[1] == "-D":
            path = " ".join(command[:5])
            self.deleted[path] = self.deleted.get(path, 0) + 1
            return Ran(0 if self.deleted[path] <= 2 else 1, "")
        return Ran(0, "")

    def stdout(self, node: str, argv: Sequence[str], *, input_text: str | None = None, timeout: float = 60) -> str:
        return self.run(node, argv).stdout

    def stream(self, node: str, argv: Sequence[str]) -> Popen[str]:
        raise NotImplementedError

    def copy_in(self, node: str, source: Path, dest: str) -> None:
        raise NotImplementedError

    def describe(self, node: str) -> str:
        return f"recorded {node}"

    def address(self, node: str) -> str:
        return "10.0.0.1"

    def machine_state(self, node: str) -> dict[str, object]:
        return {"Status": "running", "Running": True, "Paused": False}


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> Recorded:
    access = Recorded()
    monkeypatch.setattr(node_access, "_registered", {})
    node_access.register(["n1"], access)
    return access


def test_an_unregistered_node_is_a_kind_container(recorded: Recorded) -> None:
    assert node_access.access_for("n1") is recorded
    assert node_access.access_for("other") is node_access.DOCKER_EXEC


def test_heal_removes_every_jump_then_the_chain_as_argument_lists(recorded: Recorded) -> None:
    heal("n1", PARTITION_CHAIN)
    for tool in ("iptables", "ip6tables"):  # kind's network is dual-stack: both families are cut and healed
        mine = [c for c in recorded.commands if c[0] == tool]
        deletes = [c for c in mine if c[1] == "-D"]
        assert len(deletes) == 4 * 3, "each of the 4 paths: two jumps removed, then the refusal that ends the loop"
        assert mine[-2:] == [[tool, "-F", PARTITION_CHAIN], [tool, "-X", PARTITION_CHAIN]]
    assert all(isinstance(word, str) and " " not in word for c in recorded.commands for word in c)


def test_an_unknown_component_is_a_usage_error_naming_the_known_ones() -> None:
    with pytest.raises(UsageError, match="unknown control-plane component 'kube-schedulr'") as raised:
        component_named("kube-schedulr")
    assert "kube-scheduler" in str(raised.value.hint)


def test_a_machine_switch_the_access_lacks_is_unsupported_not_faked(recorded: Recorded) -> None:
    from kindchaos.cluster.nodes import pause_container, stop_container

    with pytest.raises(node_access.Unsupported, match="recorded n1 cannot power its machine off"):
        stop_container("n1")
    with pytest.raises(node_access.Unsupported, match="recorded n1 cannot freeze its machine"):
        pause_container("n1")

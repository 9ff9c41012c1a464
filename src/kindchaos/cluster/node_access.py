"""How commands reach a node: one small interface, with kind's way (``docker exec``) and SSH behind it.

Faults, probes and health checks never build a ``docker exec`` themselves; they call ``cluster.nodes``'
``run``/``output`` with an argument list (or ``script`` where a shell is really needed), and the node's access
carries it. A cluster reached another way (SSH to machines the user already has) registers its own access for
its nodes (``cluster.ssh_access``), and no fault changes.

The machine itself (its power, its freezer, its address) is part of the access too: a kind node is a container
Docker can stop, pause and inspect; a machine over SSH has no such switch, and says so (``Unsupported``), so a
fault that needs one is skipped with that reason instead of faking it.
"""

from __future__ import annotations

import json
import subprocess
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kindchaos import shell
from kindchaos.errors import KindChaosError


class Unsupported(KindChaosError):
    """The node's access cannot do this (power a machine off over SSH); the scenario needing it is skipped."""


@dataclass(frozen=True)
class Ran:
    """A command's exit code and combined output (stdout then stderr, stripped), for checks that expect failure."""

    code: int
    output: str
    stdout: str = ""  # stdout alone, stripped (for output that must parse, with complaints on stderr)


class NodeAccess(ABC):
    """Runs a command inside a node and reports its exit code and output; never raises on a non-zero exit."""

    @abstractmethod
    def run(self, node: str, argv: Sequence[str], *, input_text: str | None = None, timeout: float = 60) -> Ran:
        """Run ``argv`` in ``node``; ``timeout`` raises ``subprocess.TimeoutExpired``."""

    @abstractmethod
    def stdout(self, node: str, argv: Sequence[str], *, input_text: str | None = None, timeout: float = 60) -> str:
        """Run ``argv`` in ``node`` and return its stripped stdout; raise ``CommandFailed`` on a non-zero exit."""

    @abstractmethod
    def stream(self, node: str, argv: Sequence[str]) -> subprocess.Popen[str]:
        """Start ``argv`` in ``node`` with its stdout readable line by line (a probe's loop)."""

    @abstractmethod
    def copy_in(self, node: str, source: Path, dest: str) -> None:
        """Copy the host file ``source`` to ``dest`` on the node."""

    @abstractmethod
    def describe(self, node: str) -> str:
        """How ``node`` is reached, for the report (never a key's contents)."""

    @abstractmethod
    def address(self, node: str) -> str:
        """The node's IP address on the cluster's network."""

    @abstractmethod
    def machine_state(self, node: str) -> dict[str, Any]:
        """The machine's state as Docker's State block says it: Status, Running, Paused."""

    def kept_open(self, node: str) -> tuple[tuple[str, ...], ...]:
        """iptables matches for the traffic this access itself needs, which a partition of the node keeps open
        (none for ``docker exec``, which does not use the node's network)."""
        return ()

    def power_off(self, node: str) -> None:
        raise Unsupported(f"{self.describe(node)} cannot power its machine off")

    def power_on(self, node: str) -> None:
        raise Unsupported(f"{self.describe(node)} cannot power its machine on")

    def freeze(self, node: str) -> None:
        raise Unsupported(f"{self.describe(node)} cannot freeze its machine")

    def thaw(self, node: str) -> None:
        raise Unsupported(f"{self.describe(node)} cannot thaw its machine")


class DockerExec(NodeAccess):
    """A kind node is a container on this host: ``docker exec`` into it."""

    @staticmethod
    def _argv(node: str, argv: Sequence[str], input_text: str | None) -> list[str]:
        return ["docker", "exec", *(["-i"] if input_text is not None else []), node, *argv]

    def run(self, node: str, argv: Sequence[str], *, input_text: str | None = None, timeout: float = 60) -> Ran:
        proc = shell.run(self._argv(node, argv, input_text), input=input_text, timeout=timeout, check=False)
        return Ran(proc.returncode, (proc.stdout + proc.stderr).strip(), proc.stdout.strip())

    def stdout(self, node: str, argv: Sequence[str], *, input_text: str | None = None, timeout: float = 60) -> str:
        return shell.output(self._argv(node, argv, input_text), input=input_text, timeout=timeout)

    def stream(self, node: str, argv: Sequence[str]) -> subprocess.Popen[str]:
        argv = self._argv(node, argv, None)
        return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)

    def copy_in(self, node: str, source: Path, dest: str) -> None:
        shell.run(["docker", "cp", str(source), f"{node}:{dest}"])

    def describe(self, node: str) -> str:
        return f"docker exec {node}"

    @staticmethod
    def _inspect(node: str) -> dict[str, Any]:
        found: list[dict[str, Any]] = json.loads(shell.output(["docker", "inspect", node]))
        return found[0]

    def address(self, node: str) -> str:
        networks = self._inspect(node)["NetworkSettings"]["Networks"]
        return next((n["IPAddress"] for n in networks.values() if n.get("IPAddress")), "")

    def machine_state(self, node: str) -> dict[str, Any]:
        state: dict[str, Any] = self._inspect(node)["State"]
        return state

    def power_off(self, node: str) -> None:
        shell.run(["docker", "stop", node], timeout=120)

    def power_on(self, node: str) -> None:
        shell.run(["docker", "start", node], timeout=120)

    def freeze(self, node: str) -> None:
        shell.run(["docker", "pause", node])

    def thaw(self, node: str) -> None:
        shell.run(["docker", "unpause", node])


DOCKER_EXEC = DockerExec()
_registered: dict[str, NodeAccess] = {}
_lock = threading.Lock()


def register(nodes: Iterable[str], access: NodeAccess) -> None:
    """Reach ``nodes`` through ``access`` from now on (a node not registered is a kind container)."""
    with _lock:
        _registered.update(dict.fromkeys(nodes, access))


def access_for(node: str) -> NodeAccess:
    return _registered.get(node, DOCKER_EXEC)


def forget(nodes: Iterable[str]) -> None:
    """Reach ``nodes`` as kind containers again."""
    with _lock:
        for node in nodes:
            _registered.pop(node, None)


__all__ = ["DOCKER_EXEC", "DockerExec", "NodeAccess", "Ran", "Unsupported", "access_for", "forget", "register"]

"""How commands reach a node: one small interface, and kind's way (``docker exec``) behind it.

Faults, probes and health checks never build a ``docker exec`` themselves; they call ``cluster.nodes``'
``run``/``output`` with an argument list (or ``script`` where a shell is really needed), and the node's access
carries it. A cluster reached another way (SSH to machines the user already has) registers its own access for
its nodes, and no fault changes.
"""

from __future__ import annotations

import subprocess
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from kindchaos import shell


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


DOCKER_EXEC = DockerExec()
_registered: dict[str, NodeAccess] = {}
_lock = threading.Lock()


def register(nodes: Iterable[str], access: NodeAccess) -> None:
    """Reach ``nodes`` through ``access`` from now on (a node not registered is a kind container)."""
    with _lock:
        _registered.update(dict.fromkeys(nodes, access))


def access_for(node: str) -> NodeAccess:
    return _registered.get(node, DOCKER_EXEC)


__all__ = ["DOCKER_EXEC", "DockerExec", "NodeAccess", "Ran", "access_for", "register"]

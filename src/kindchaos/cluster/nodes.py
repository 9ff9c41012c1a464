"""What a node says about itself: commands run inside it, its units and containers; and what its access says
of its machine (state, address, power).

``run``, ``output`` and ``script`` go through the node's access (``node_access``): an argument list is passed
as it is; ``script`` is for the few commands that need a shell (pipes, redirections), with every value quoted.
"""

from __future__ import annotations

import json
import shlex
import subprocess
from pathlib import Path
from typing import Any

from kindchaos.cluster.node_access import Ran as Ran
from kindchaos.cluster.node_access import access_for


def run(node: str, *argv: str, timeout: float = 60, input_text: str | None = None) -> Ran:
    """Run ``argv`` inside ``node`` without raising on a non-zero exit."""
    return access_for(node).run(node, argv, input_text=input_text, timeout=timeout)


def output(node: str, *argv: str, timeout: float = 60, input_text: str | None = None) -> str:
    """Run ``argv`` inside ``node`` and return its stripped stdout; raise ``CommandFailed`` on a non-zero exit."""
    return access_for(node).stdout(node, argv, input_text=input_text, timeout=timeout)


def script(node: str, text: str, *, timeout: float = 60) -> Ran:
    """Run a bash script inside ``node`` (for pipes and redirections; quote values with ``quoted``)."""
    return run(node, "bash", "-c", text, timeout=timeout)


def stream(node: str, *argv: str) -> subprocess.Popen[str]:
    """Start ``argv`` inside ``node``, its stdout readable line by line."""
    return access_for(node).stream(node, argv)


def copy_in(node: str, source: Path, dest: str) -> None:
    access_for(node).copy_in(node, source, dest)


def sha256(node: str, path: str) -> str:
    return output(node, "sha256sum", path).split()[0]


def quoted(*words: object) -> str:
    """Words joined for a shell, each quoted."""
    return shlex.join(str(word) for word in words)


def http_status(node: str, url: str) -> tuple[int, str]:
    """curl's exit code and the HTTP status for ``url``, requested from inside the node (TLS unverified)."""
    ran = run(node, "curl", "-sk", "-m", "3", "-o", "/dev/null", "-w", "%{http_code}", url)
    return ran.code, ran.output


def container_state(node: str) -> dict[str, Any]:
    """The node's machine state, as Docker's State block says it: Status, Running, Paused, ..."""
    return access_for(node).machine_state(node)


def ip_address(node: str) -> str:
    return access_for(node).address(node)


def unit_state(node: str, unit: str) -> str:
    """``systemctl is-active`` of a unit in the node (active, inactive, failed, ...)."""
    lines = run(node, "systemctl", "is-active", unit).output.splitlines()
    return lines[-1] if lines else "unknown"


def crictl_container(node: str, name: str, *, state: str | None = "running") -> list[dict[str, Any]]:
    """Containers named exactly ``name`` in the node's containerd, newest first."""
    listed = output(node, "crictl", "ps", "-a", "--name", f"^{name}$", "-o", "json")
    found: list[dict[str, Any]] = json.loads(listed).get("containers", [])
    if state:
        found = [c for c in found if c.get("state") == f"CONTAINER_{state.upper()}"]
    return sorted(found, key=lambda c: int(c.get("createdAt", 0)), reverse=True)


def crictl_inspect(node: str, container_id: str) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(output(node, "crictl", "inspect", container_id))
    return found


def stop_container(node: str) -> None:
    """Stop the node's machine (a kind node: its container)."""
    access_for(node).power_off(node)


def start_container(node: str) -> None:
    access_for(node).power_on(node)


def pause_container(node: str) -> None:
    """Freeze every process of the node at once (the cgroup freezer)."""
    access_for(node).freeze(node)


def unpause_container(node: str) -> None:
    access_for(node).thaw(node)

"""What the host and a node say about the node: container state, units, commands run inside it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from kindchaos import shell


@dataclass(frozen=True)
class Ran:
    """A command's exit code and combined output, for checks that expect failure."""

    code: int
    output: str


def run_in(node: str, script: str, *, timeout: float = 60) -> Ran:
    """Run a bash script inside a node container without raising on a non-zero exit."""
    proc = shell.run(["docker", "exec", node, "bash", "-c", script], timeout=timeout, check=False)
    return Ran(proc.returncode, (proc.stdout + proc.stderr).strip())


def sh(node: str, script: str, *, timeout: float = 60) -> str:
    """Run a bash script inside a node container; raise ``CommandFailed`` on a non-zero exit."""
    return shell.output(["docker", "exec", node, "bash", "-c", script], timeout=timeout)


def http_status(node: str, url: str) -> tuple[int, str]:
    """curl's exit code and the HTTP status for ``url``, requested from inside the node (TLS unverified)."""
    ran = run_in(node, f"curl -sk -m 3 -o /dev/null -w '%{{http_code}}' {url}")
    return ran.code, ran.output


def inspect(container: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = json.loads(shell.output(["docker", "inspect", container]))
    return found[0]


def container_state(container: str) -> dict[str, Any]:
    """Docker's State block: Status, Running, Paused, StartedAt, ..."""
    state: dict[str, Any] = inspect(container)["State"]
    return state


def ip_address(container: str) -> str:
    networks = inspect(container)["NetworkSettings"]["Networks"]
    return next((n["IPAddress"] for n in networks.values() if n.get("IPAddress")), "")


def unit_state(node: str, unit: str) -> str:
    """``systemctl is-active`` of a unit in the node (active, inactive, failed, ...)."""
    lines = run_in(node, f"systemctl is-active {unit}").output.splitlines()
    return lines[-1] if lines else "unknown"


def crictl_container(node: str, name: str, *, state: str | None = "running") -> list[dict[str, Any]]:
    """Containers named exactly ``name`` in the node's containerd, newest first."""
    args = f"crictl ps -a --name '^{name}$' -o json"
    found: list[dict[str, Any]] = json.loads(sh(node, args)).get("containers", [])
    if state:
        found = [c for c in found if c.get("state") == f"CONTAINER_{state.upper()}"]
    return sorted(found, key=lambda c: int(c.get("createdAt", 0)), reverse=True)


def crictl_inspect(node: str, container_id: str) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(sh(node, f"crictl inspect {container_id}"))
    return found

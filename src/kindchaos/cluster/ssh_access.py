"""Reaching a node over SSH: machines the user already has (a kubeadm cluster on VMs), with OpenSSH's client.

Each command is one ``ssh`` call in batch mode (never a password prompt) with the target's key, a time limit
to connect, and a known-hosts file of the target's own under the cache folder (a host is trusted the first time
it is met and checked every time after). A user other than root runs each command under ``sudo -n``. The key
file's path is named in reports; its contents never are.

A machine reached over SSH has no power switch or freezer this access can use, so faults that need one are
skipped (``Unsupported``).
"""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kindchaos import shell
from kindchaos.cluster.node_access import NodeAccess, Ran

CONNECT_TIMEOUT_S = 5


@dataclass(frozen=True)
class SshHost:
    """One node's SSH endpoint and its address on the cluster's network."""

    host: str
    address: str  # the node's InternalIP (the host's own address unless the target says otherwise)


class SshAccess(NodeAccess):
    """Commands through ``ssh user@host``, one call each."""

    def __init__(self, *, user: str, key: Path, port: int, hosts: dict[str, SshHost], known_hosts: Path) -> None:
        self.user = user
        self.key = key
        self.port = port
        self.hosts = hosts
        self.known_hosts = known_hosts

    def _ssh(self, node: str, *, stdin: bool = False) -> list[str]:
        options = {
            "BatchMode": "yes",
            "ConnectTimeout": str(CONNECT_TIMEOUT_S),
            "StrictHostKeyChecking": "accept-new",
            "UserKnownHostsFile": str(self.known_hosts),
            "IdentitiesOnly": "yes",
            "LogLevel": "ERROR",
        }
        argv = ["ssh", "-i", str(self.key), "-p", str(self.port), *(["-T"] if stdin else [])]
        for name, value in options.items():
            argv += ["-o", f"{name}={value}"]
        return [*argv, f"{self.user}@{self.hosts[node].host}", "--"]

    def _remote(self, argv: Sequence[str]) -> str:
        command = shlex.join(argv)
        return command if self.user == "root" else f"sudo -n {command}"

    def run(self, node: str, argv: Sequence[str], *, input_text: str | None = None, timeout: float = 60) -> Ran:
        full = [*self._ssh(node, stdin=input_text is not None), self._remote(argv)]
        proc = shell.run(full, input=input_text, timeout=timeout, check=False)
        return Ran(proc.returncode, (proc.stdout + proc.stderr).strip(), proc.stdout.strip())

    def stdout(self, node: str, argv: Sequence[str], *, input_text: str | None = None, timeout: float = 60) -> str:
        full = [*self._ssh(node, stdin=input_text is not None), self._remote(argv)]
        return shell.output(full, input=input_text, timeout=timeout)

    def stream(self, node: str, argv: Sequence[str]) -> subprocess.Popen[str]:
        full = [*self._ssh(node), self._remote(argv)]
        return subprocess.Popen(full, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)

    def copy_in(self, node: str, source: Path, dest: str) -> None:
        with source.open("rb") as data:
            argv = [*self._ssh(node, stdin=True), self._remote(["tee", dest])]
            subprocess.run(argv, stdin=data, stdout=subprocess.DEVNULL, check=True, timeout=120)

    def describe(self, node: str) -> str:
        return f"ssh {self.user}@{self.hosts[node].host}:{self.port} (key {self.key})"

    def kept_open(self, node: str) -> tuple[tuple[str, ...], ...]:
        """This connection's own port, both ways: a partitioned VM stays reachable for its restore, as an
        operator's management path would."""
        port = str(self.port)
        return (("-p", "tcp", "--dport", port), ("-p", "tcp", "--sport", port))

    def address(self, node: str) -> str:
        return self.hosts[node].address

    def machine_state(self, node: str) -> dict[str, Any]:
        """Running when the machine answers over SSH; a machine that does not is reported, never powered on."""
        ran = self.run(node, ["true"], timeout=CONNECT_TIMEOUT_S + 10)
        if ran.code == 0:
            return {"Status": "running", "Running": True, "Paused": False}
        return {"Status": f"unreachable over SSH ({ran.output.splitlines()[-1:]})", "Running": False, "Paused": False}

"""The host's Docker engine: is it there, is it up, and starting it if not."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from kindchaos.errors import HostError
from kindchaos.waiting import ConditionTimeout, wait_for

DAEMON_JSON = Path("/etc/docker/daemon.json")
DOCKERD_LOG = Path("/var/log/kindchaos-dockerd.log")
WRAPPER_RUNTIME = "kindchaos-runc"


def daemon_running() -> bool:
    """True when ``docker info`` answers."""
    if shutil.which("docker") is None:
        return False
    proc = subprocess.run(
        ["docker", "info", "--format", "{{.ServerVersion}}"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    return proc.returncode == 0 and bool(proc.stdout.strip())


def require_daemon() -> None:
    """Raise a one-line error naming the fix when Docker is not answering."""
    if not daemon_running():
        raise HostError("Docker is not running", hint="run `kindchaos doctor --fix`")


def read_daemon_config(path: Path = DAEMON_JSON) -> dict[str, object]:
    if not path.exists():
        return {}
    data = json.loads(path.read_text() or "{}")
    if not isinstance(data, dict):
        raise HostError(f"{path} is not a JSON object", hint=f"fix or remove {path}")
    return data


def with_wrapper_runtime(config: dict[str, object], wrapper: Path) -> dict[str, object]:
    """Return ``config`` with the capability-filtering runtime as the default."""
    runtimes = dict(config.get("runtimes", {}) or {})  # type: ignore[call-overload]
    runtimes[WRAPPER_RUNTIME] = {"path": str(wrapper)}
    return {**config, "runtimes": runtimes, "default-runtime": WRAPPER_RUNTIME}


def start_daemon(*, timeout: float = 90.0) -> None:
    """Start dockerd (systemd if it is PID 1, else detached) and wait until it answers."""
    if Path("/run/systemd/system").is_dir():
        subprocess.run(["systemctl", "restart", "docker"], check=True)
    else:
        stop_daemon()
        with DOCKERD_LOG.open("ab") as log:
            subprocess.Popen(
                ["dockerd"],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                close_fds=True,
            )
    try:
        wait_for(daemon_running, within=timeout, expected="`docker info` to answer")
    except ConditionTimeout as exc:
        tail = DOCKERD_LOG.read_text()[-800:] if DOCKERD_LOG.exists() else ""
        raise HostError(f"failed to start dockerd: {exc}; dockerd log: {tail}") from exc


def stop_daemon() -> None:
    """Stop a dockerd started without systemd (used before reconfiguring it)."""
    pidfile = Path("/var/run/docker.pid")
    if not pidfile.exists():
        return
    try:
        pid = int(pidfile.read_text().strip())
        # A pidfile left by a dockerd that died may name an unrelated process now.
        if Path(f"/proc/{pid}/comm").read_text().strip() != "dockerd":
            raise ProcessLookupError(pid)
        os.kill(pid, 15)
    except (ValueError, ProcessLookupError, FileNotFoundError):
        pidfile.unlink(missing_ok=True)
        return

    def exited() -> bool:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        return False

    wait_for(exited, within=30, interval=0.5, expected=f"dockerd (pid {pid}) to exit")

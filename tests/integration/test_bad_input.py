"""Bad input gets one clear line, a non-zero exit, and leaves no containers behind."""

import os
import signal
import subprocess
import sys

import pytest

from kindchaos.paths import bin_dir
from kindchaos.shell import output
from kindchaos.waiting import wait_for

pytestmark = pytest.mark.integration

CLI = [sys.executable, "-m", "kindchaos.cli"]


def kindchaos(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args], capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=300, check=False
    )


def containers_of(name: str) -> list[str]:
    return output(["docker", "ps", "-a", "--filter", f"name=^{name}-", "--format", "{{.Names}}"]).split()


def error_line(proc: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in proc.stderr.splitlines() if line.startswith("kindchaos:")]
    assert len(lines) == 1, proc.stderr
    return lines[0]


def test_unknown_topology() -> None:
    proc = kindchaos("clusters", "create", "triple")
    assert proc.returncode != 0
    assert "unknown topology 'triple'" in error_line(proc) and "single" in error_line(proc)


def test_docker_not_running() -> None:
    proc = kindchaos(
        "clusters", "create", "single", "--name", "kc-nodocker", env={"DOCKER_HOST": "unix:///nonexistent"}
    )
    assert proc.returncode != 0
    assert "Docker is not running" in error_line(proc) and "kindchaos doctor --fix" in error_line(proc)


def test_node_image_missing() -> None:
    proc = kindchaos("clusters", "create", "single", "--name", "kc-noimage", "--image", "kindchaos/node:v0.0.0")
    assert proc.returncode != 0
    assert "kindchaos images build" in error_line(proc)
    assert containers_of("kc-noimage") == []


def test_cluster_name_taken_by_something_else() -> None:
    squatter = "kc-clash-control-plane"
    subprocess.run(["docker", "rm", "-f", squatter], capture_output=True, check=False)
    output(["docker", "run", "-d", "--pull=never", "--name", squatter, "docker.io/kindchaos/workload:v1"])
    try:
        proc = kindchaos("clusters", "create", "single", "--name", "kc-clash")
        assert proc.returncode != 0
        assert "cluster name 'kc-clash' is taken" in error_line(proc)
        assert containers_of("kc-clash") == [squatter]
    finally:
        subprocess.run(["docker", "rm", "-f", squatter], capture_output=True, check=False)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_interrupted_create_leaves_nothing(sig: signal.Signals) -> None:
    name = f"kc-int-{sig.name.lower()}"
    proc = subprocess.Popen([*CLI, "clusters", "create", "single", "--name", name], stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: len(containers_of(name)) == 3, within=120, interval=0.5, expected=f"{name}'s nodes to exist")
        proc.send_signal(sig)
        _, stderr = proc.communicate(timeout=120)
        assert proc.returncode != 0
        assert "interrupted" in stderr
        wait_for(lambda: containers_of(name) == [], within=60, expected=f"{name}'s containers to be removed")
    finally:
        proc.kill()
        subprocess.run([str(bin_dir() / "kind"), "delete", "cluster", "--name", name], capture_output=True, check=False)

"""Each node seen from its host: is the machine up, are kubelet and containerd active, which static-pod
manifests are in place, what containerd runs, which processes are stopped, does each component answer its
health endpoint, can the node reach the API server, and the last log lines of what is not running."""

from __future__ import annotations

import json
import subprocess
import time
from typing import Any

from kindchaos.cluster.nodes import run
from kindchaos.triage.facts import Container, Endpoint, Machine
from kindchaos.triage.target import inspected

NODE_COMMAND_S = 8
LOG_LINES = 5
UNITS = ("kubelet", "containerd")
# Health endpoints on the node itself; the control plane's only where its manifest is in place.
HEALTH = {
    "kube-apiserver": "https://127.0.0.1:6443/livez",
    "kube-scheduler": "https://127.0.0.1:10259/livez",
    "kube-controller-manager": "https://127.0.0.1:10257/healthz",
    "etcd": "http://127.0.0.1:2381/health",
    "kubelet": "http://127.0.0.1:10248/healthz",
    "kube-proxy": "http://127.0.0.1:10256/healthz",
}
NODE_HEALTH = ("kubelet", "kube-proxy")
# ps shows at most 15 characters of a command's name.
PROCESSES = {name[:15]: name for name in (*HEALTH, "containerd", "coredns")}

SCRIPT = r"""
for u in {units}; do echo "unit $u $(systemctl is-active $u)"; done
for m in /etc/kubernetes/manifests/*.yaml; do [ -e "$m" ] && echo "manifest $(basename "$m" .yaml)"; done
ps -eo stat=,comm= | while read -r stat comm; do case "$stat" in T*) echo "stopped $comm";; esac; done
for pair in {health}; do
  name=${{pair%%=*}}; url=${{pair#*=}}
  echo "health $name $(curl -sk -m 2 -o /dev/null -w '%{{http_code}}' "$url") $url"
done
server=$(sed -n 's/^ *server: *//p' /etc/kubernetes/kubelet.conf 2>/dev/null | head -n1)
[ -n "$server" ] && echo "reach $(curl -sk -m 3 -o /dev/null -w '%{{http_code}}' "$server/livez") $server"
true
"""


def docker_state(container: str) -> str:
    """running, paused, exited, ... or "missing"."""
    return inspected(container, "{{.State.Status}}") or "missing"


def _script(health: dict[str, str]) -> str:
    pairs = " ".join(f"{name}={url}" for name, url in health.items())
    return SCRIPT.format(units=" ".join(UNITS), health=pairs)


def parse_report(machine: Machine, text: str) -> None:
    """Fill ``machine`` from the node script's lines (``unit``, ``manifest``, ``stopped``, ``health``, ``reach``)."""
    manifests = []
    stopped = []
    for line in text.splitlines():
        word, _, rest = line.partition(" ")
        parts = rest.split()
        if word == "unit" and len(parts) >= 2:
            machine.units[parts[0]] = parts[1]
        elif word == "unit" and parts:
            machine.units[parts[0]] = "unknown"
        elif word == "manifest" and parts:
            manifests.append(parts[0])
        elif word == "stopped" and parts:
            stopped.append(PROCESSES.get(parts[0], parts[0]))
        elif word == "health" and len(parts) >= 3:
            code = int(parts[1]) if parts[1].isdigit() and parts[1] != "000" else None
            machine.health[parts[0]] = Endpoint(parts[2], code, "" if code else "no answer (curl)")
        elif word == "reach" and len(parts) >= 2:
            code = int(parts[0]) if parts[0].isdigit() and parts[0] != "000" else None
            machine.reaches_api = Endpoint(parts[1], code, "" if code else "no answer within 3 s")
    machine.manifests = tuple(sorted(manifests))
    machine.stopped_processes = tuple(sorted(set(stopped)))


def parse_containers(text: str, now_ns: int) -> dict[str, Container]:
    """The newest container of each name in ``crictl ps -a -o json``."""
    found: dict[str, Container] = {}
    created: dict[str, int] = {}
    for item in json.loads(text).get("containers", []):
        name = item.get("metadata", {}).get("name", "")
        stamp = int(item.get("createdAt", 0))
        if name and stamp >= created.get(name, -1):
            created[name] = stamp
            state = str(item.get("state", "")).removeprefix("CONTAINER_").lower()
            found[name] = Container(
                name, state, int(item.get("metadata", {}).get("attempt", 0)), round((now_ns - stamp) / 1e9, 1)
            )
    return found


def _logs(node: str, machine: Machine, ids: dict[str, str]) -> None:
    """Last lines of every component that is not running or not answering, and of a stopped unit."""
    for unit, state in machine.units.items():
        if state != "active":
            ran = run(node, "journalctl", "-u", unit, "-n", str(LOG_LINES), "--no-pager", "-o", "cat", timeout=5)
            machine.logs[unit] = ran.output
    failing = {name for name, endpoint in machine.health.items() if not endpoint.ok}
    not_running = {name for name, c in machine.containers.items() if c.state != "running"}
    for name in sorted((failing | not_running) & set(ids) & set(HEALTH)):
        ran = run(node, "crictl", "--timeout", "3s", "logs", "--tail", str(LOG_LINES), ids[name], timeout=5)
        machine.logs[name] = ran.output


def look(node: str, *, control_plane: bool) -> Machine:
    """Everything this module gathers about one node, each command with its own time limit."""
    state = docker_state(node)
    machine = Machine(node, state)
    if state != "running":
        return machine
    health = {name: url for name, url in HEALTH.items() if control_plane or name in NODE_HEALTH}
    try:
        parse_report(machine, run(node, "sh", "-c", _script(health), timeout=NODE_COMMAND_S).output)
    except subprocess.TimeoutExpired:
        machine.error = f"the node did not answer within {NODE_COMMAND_S} s"
        return machine
    if control_plane:  # a component whose manifest is gone is not expected to answer
        machine.health = {n: e for n, e in machine.health.items() if n in NODE_HEALTH or n in machine.manifests}
    ran = run(node, "crictl", "--timeout", "3s", "ps", "-a", "-o", "json", timeout=5)
    ids: dict[str, str] = {}
    if ran.code == 0:
        listed: Any = json.loads(ran.stdout)
        machine.containers = parse_containers(ran.stdout, time.time_ns())
        newest = sorted(listed.get("containers", []), key=lambda c: int(c.get("createdAt", 0)))
        ids = {c["metadata"]["name"]: c["id"] for c in newest}
    else:
        machine.runtime_error = ran.output.splitlines()[-1][:200] if ran.output else f"crictl exit {ran.code}"
    _logs(node, machine, ids)
    return machine

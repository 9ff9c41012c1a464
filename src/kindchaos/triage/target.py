"""What triage looks at: a kubeconfig, and, where this host can reach them, the cluster's machines.

A kind cluster's nodes are containers on this host (label ``io.x-k8s.kind.cluster``), so triage can look
inside them with ``docker exec`` even when the API is dead. Any other cluster is seen through its API only,
and the report says what that leaves unseen.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from kindchaos.cluster.external_etcd.layout import OWNER_LABEL
from kindchaos.errors import UsageError

if TYPE_CHECKING:
    from kindchaos.cluster.lifecycle import Cluster

KIND_LABEL = "io.x-k8s.kind.cluster"
ROLE_LABEL = "io.x-k8s.kind.role"
DOCKER_TIMEOUT_S = 10


@dataclass(frozen=True)
class Target:
    """One cluster to triage. ``machines`` is empty when its nodes cannot be reached; ``no_machines`` says why."""

    name: str
    kubeconfig: Path
    server: str
    machines: dict[str, str] = field(default_factory=dict)  # node container -> kind role
    etcd_containers: tuple[str, ...] = ()  # an external etcd's member containers
    no_machines: str = ""

    @property
    def control_planes(self) -> list[str]:
        return sorted(name for name, role in self.machines.items() if role == "control-plane")


def _docker(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["docker", *argv], capture_output=True, text=True, timeout=DOCKER_TIMEOUT_S, check=False)


def inspected(container: str, template: str) -> str | None:
    """One field of ``docker inspect`` (a Go template), or None when there is no such container."""
    proc = _docker("inspect", "--format", template, container)
    return proc.stdout.strip() if proc.returncode == 0 else None


def docker_missing() -> str:
    """Why ``docker`` cannot be used here, or "" when it answers."""
    if shutil.which("docker") is None:
        return "docker is not installed (fix: run `kindchaos doctor --fix`, or triage sees the API only)"
    try:
        proc = _docker("info", "--format", "{{.ServerVersion}}")
    except subprocess.TimeoutExpired:
        return f"docker did not answer within {DOCKER_TIMEOUT_S} s (fix: restart dockerd)"
    if proc.returncode != 0:
        return "the Docker daemon is not running (fix: run `kindchaos doctor --fix`, or triage sees the API only)"
    return ""


def _labelled(label: str) -> dict[str, dict[str, Any]]:
    proc = _docker("ps", "-a", "--filter", f"label={label}", "--format", "{{json .}}")
    found = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    return {item["Names"]: item for item in found}


def _roles(cluster: str) -> dict[str, str]:
    nodes = _labelled(f"{KIND_LABEL}={cluster}")
    roles = {}
    for name in nodes:
        role = inspected(name, f'{{{{index .Config.Labels "{ROLE_LABEL}"}}}}')
        if role in ("control-plane", "worker"):  # the load balancer is not a node
            roles[name] = role
    return roles


def _server(kubeconfig: Path) -> tuple[str, str]:
    """(server URL, cluster entry name) of the kubeconfig's current context."""
    try:
        document = yaml.safe_load(kubeconfig.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise UsageError(f"cannot read kubeconfig {kubeconfig}: {exc}", hint="pass a readable kubeconfig") from None
    if not isinstance(document, dict):
        raise UsageError(f"{kubeconfig} is not a kubeconfig", hint="pass the file kubectl uses (--kubeconfig)")
    contexts = {c.get("name"): c.get("context") or {} for c in document.get("contexts") or []}
    context = contexts.get(document.get("current-context")) or next(iter(contexts.values()), {})
    clusters = {c.get("name"): c.get("cluster") or {} for c in document.get("clusters") or []}
    entry = context.get("cluster") or next(iter(clusters), "")
    server = (clusters.get(entry) or {}).get("server")
    if not server:
        raise UsageError(f"{kubeconfig} names no API server", hint="pass the file kubectl uses (--kubeconfig)")
    return str(server), str(entry)


def _with_machines(name: str, kubeconfig: Path, server: str) -> Target:
    missing = docker_missing()
    if missing:
        return Target(name, kubeconfig, server, no_machines=missing)
    roles = _roles(name)
    if not roles:
        return Target(name, kubeconfig, server, no_machines=f"no kind node containers of {name!r} on this host")
    etcd = tuple(sorted(_labelled(f"{OWNER_LABEL}={name}")))
    return Target(name, kubeconfig, server, machines=roles, etcd_containers=etcd)


def from_kubeconfig(path: Path) -> Target:
    """Any cluster a kubeconfig reaches; a kind cluster's machines too when its containers are on this host."""
    if not path.is_file():
        raise UsageError(f"no kubeconfig at {path}", hint="pass --kubeconfig PATH of an existing file")
    server, entry = _server(path)
    name = entry.removeprefix("kind-")
    return _with_machines(name, path, server)


def of_cluster(cluster: Cluster) -> Target:
    """A cluster the project made: its nodes and external etcd are known without asking Docker. A cluster the
    user brought is triaged through its API only: its machines are not containers triage may look into."""
    server, _ = _server(cluster.kubeconfig)
    if not cluster.owned:
        reason = "a cluster the user brought: triage reads its API only (its machines are not this host's containers)"
        return Target(cluster.name, cluster.kubeconfig, server, no_machines=reason)
    roles = {**dict.fromkeys(cluster.control_planes, "control-plane"), **dict.fromkeys(cluster.workers, "worker")}
    etcd = tuple(cluster.etcd.names) if cluster.etcd else ()
    return Target(cluster.name, cluster.kubeconfig, server, machines=roles, etcd_containers=etcd)


def kind_clusters() -> list[str]:
    return sorted({item["Labels"].split(f"{KIND_LABEL}=")[1].split(",")[0] for item in _labelled(KIND_LABEL).values()})


@contextmanager
def from_kind_cluster(name: str, *, kind_path: Path | None = None) -> Iterator[Target]:
    """A kind cluster by name; its kubeconfig (which holds a private key) lives in a 0600 file for the run."""
    missing = docker_missing()
    if missing:
        raise UsageError(f"cannot find kind cluster {name!r}: {missing.split(' (fix')[0]}", hint="start Docker")
    known = kind_clusters()
    if name not in known:
        raise UsageError(
            f"no kind cluster named {name!r} on this host",
            hint=f"use one of {known}" if known else "create one: `kindchaos clusters create single`",
        )
    kind = str(kind_path) if kind_path else shutil.which("kind") or "kind"
    proc = subprocess.run([kind, "get", "kubeconfig", "--name", name], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise UsageError(f"kind could not give the kubeconfig of {name!r}: {proc.stderr.strip()}", hint="check kind")
    handle, raw = tempfile.mkstemp(prefix="kindchaos-triage-", suffix=".kubeconfig")
    path = Path(raw)
    try:
        os.fchmod(handle, 0o600)
        with os.fdopen(handle, "w") as out:
            out.write(proc.stdout)
        server, _ = _server(path)
        yield _with_machines(name, path, server)
    finally:
        path.unlink(missing_ok=True)

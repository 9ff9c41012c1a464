"""A cluster the user already has, described in a file they write: its kubeconfig and how to reach each node.

```yaml
name: staging                    # how reports name the cluster
kubeconfig: staging.kubeconfig   # relative to this file
access:
  kind: ssh                      # ssh (VMs) or docker (kind nodes this project did not make)
  user: root                     # ssh: a user other than root runs commands under sudo -n
  key: ~/.ssh/kindchaos          # ssh: a private key only its owner can read (chmod 600)
  port: 22                       # ssh: optional, 22 by default
nodes:                           # every node of the cluster, by its Kubernetes name
  - name: staging-cp-1
    host: 10.0.0.11              # ssh: where to connect
    address: 10.0.0.11           # ssh: optional, its InternalIP when that differs from host
```

``read_target`` checks the file alone and refuses it in one line naming the fix; ``connect`` then checks it
against the cluster (the API answers, the nodes listed are the cluster's nodes, each answers through its
access) and reads the topology from the cluster itself: control planes and workers from their role label,
etcd stacked or external from the apiserver's ``--etcd-servers``. Nothing on the cluster is changed by either.
"""

from __future__ import annotations

import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from kindchaos import paths
from kindchaos.cluster.api import api_client
from kindchaos.cluster.node_access import DOCKER_EXEC, NodeAccess, forget, register
from kindchaos.cluster.ssh_access import SshAccess, SshHost
from kindchaos.cluster.topology import Topology
from kindchaos.errors import ClusterError, UsageError

ACCESS_KINDS = ("ssh", "docker")
TOP_FIELDS = {"name", "kubeconfig", "access", "nodes"}
ACCESS_FIELDS = {"kind", "user", "key", "port"}
NODE_FIELDS = {"name", "host", "address"}
CONTROL_PLANE_LABEL = "node-role.kubernetes.io/control-plane"
API_TIMEOUT_S = 5


def known_hosts_of(target: str) -> Path:
    """The target's own known-hosts file: a host is trusted the first time it is seen, and only with that key after."""
    path = paths.cache_root() / "targets" / target / "known_hosts"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


@dataclass(frozen=True)
class TargetFile:
    """The user's description of a cluster, checked on its own."""

    path: Path
    name: str
    kubeconfig: Path
    access: str
    user: str
    key: Path | None
    port: int
    hosts: dict[str, SshHost]  # node name -> where to reach it (ssh); for docker, the node's container name

    def node_access(self) -> NodeAccess:
        if self.access == "docker":
            return DOCKER_EXEC
        assert self.key is not None
        known_hosts = known_hosts_of(self.name)
        return SshAccess(user=self.user, key=self.key, port=self.port, hosts=self.hosts, known_hosts=known_hosts)


def _refuse(path: Path, what: str, fix: str) -> UsageError:
    return UsageError(f"target file {path}: {what}", hint=fix)


def _fields(path: Path, where: str, found: Any, allowed: set[str], required: set[str]) -> dict[str, Any]:
    if not isinstance(found, dict):
        raise _refuse(path, f"{where} is not a mapping", "see the example in the README's 'Bring your own cluster'")
    if unknown := sorted(set(found) - allowed):
        raise _refuse(path, f"{where} has unknown field {unknown[0]!r}", f"use only {', '.join(sorted(allowed))}")
    if missing := sorted(required - set(found)):
        raise _refuse(path, f"{where} lacks {missing[0]!r}", f"add {missing[0]}: to {where}")
    return found


def _private_key(path: Path, raw: Any) -> Path:
    key = (path.parent / Path(str(raw)).expanduser()).resolve()
    if not key.is_file():
        raise _refuse(path, f"the SSH key {key} does not exist", "give access.key the path of a private key")
    mode = stat.S_IMODE(key.stat().st_mode)
    if mode & 0o077:
        raise _refuse(path, f"the SSH key {key} can be read by others (mode {mode:o})", f"chmod 600 {key}")
    return key


def read_target(path: Path) -> TargetFile:
    """The target file at ``path``, checked on its own; ``UsageError`` naming the fix when it is not right."""
    if not path.is_file():
        raise UsageError(f"no target file at {path}", hint="write one as the README's 'Bring your own cluster' shows")
    try:
        raw = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise _refuse(path, f"not YAML ({str(exc).splitlines()[0]})", "fix the YAML syntax") from None
    top = _fields(path, "the file", raw, TOP_FIELDS, TOP_FIELDS)
    access = _fields(path, "access", top["access"], ACCESS_FIELDS, {"kind"})
    kind = str(access["kind"])
    if kind not in ACCESS_KINDS:
        raise _refuse(path, f"access.kind {kind!r} is not one of {', '.join(ACCESS_KINDS)}", "kind: ssh or docker")
    if kind == "ssh":
        _fields(path, "access", access, ACCESS_FIELDS, {"kind", "user", "key"})
    kubeconfig = (path.parent / Path(str(top["kubeconfig"])).expanduser()).resolve()
    if not kubeconfig.is_file():
        raise _refuse(path, f"the kubeconfig {kubeconfig} does not exist", "give kubeconfig the path of the cluster's")
    nodes = top["nodes"]
    if not isinstance(nodes, list) or not nodes:
        raise _refuse(path, "nodes is not a list of nodes", "list every node: - name: <node> (host: <address>)")
    hosts: dict[str, SshHost] = {}
    for index, node in enumerate(nodes):
        entry = _fields(path, f"node {index + 1}", node, NODE_FIELDS, {"name", "host"} if kind == "ssh" else {"name"})
        name = str(entry["name"])
        if name in hosts:
            raise _refuse(path, f"node {name!r} is listed twice", "list each node once")
        host = str(entry.get("host") or name)
        hosts[name] = SshHost(host=host, address=str(entry.get("address") or host))
    try:
        port = int(access.get("port", 22))
    except (TypeError, ValueError):
        port = 0
    if not 0 < port < 65536:
        raise _refuse(path, f"access.port {access.get('port')!r} is not a port", "port: 22")
    return TargetFile(
        path=path,
        name=str(top["name"]),
        kubeconfig=kubeconfig,
        access=kind,
        user=str(access.get("user") or "root"),
        key=_private_key(path, access["key"]) if kind == "ssh" else None,
        port=port,
        hosts=hosts,
    )


@dataclass(frozen=True)
class SeenCluster:
    """What the cluster says of itself: each node's role and whether etcd is stacked or external."""

    roles: dict[str, str]
    etcd_servers: list[str]
    control_plane_addresses: set[str]

    @property
    def external_etcd(self) -> bool:
        local = {"127.0.0.1", "localhost", "::1", *self.control_plane_addresses}
        hosts = {server.split("://", 1)[-1].rsplit(":", 1)[0].strip("[]") for server in self.etcd_servers}
        return bool(hosts - local)

    def topology(self) -> Topology:
        control_planes = sum(1 for role in self.roles.values() if role == "control-plane")
        workers = len(self.roles) - control_planes
        name = "ha-external" if self.external_etcd else "ha" if control_planes > 1 else "single"
        return Topology(name=name, control_planes=control_planes, workers=workers, purpose="a cluster the user brought")


def _api_error(target: TargetFile, exc: Exception) -> ClusterError:
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return ClusterError(
        f"the kubeconfig {target.kubeconfig} of target {target.name!r} does not reach its API server: {first[:200]}",
        hint="check the kubeconfig's server address, and that the cluster runs and this machine can reach it",
    )


def read_cluster(target: TargetFile) -> SeenCluster:
    """Nodes, roles and the apiserver's etcd servers, read through the API (read-only)."""
    from kubernetes import client

    try:
        core: Any = client.CoreV1Api(api_client(target.kubeconfig))
        nodes = core.list_node(_request_timeout=API_TIMEOUT_S).items
        pods = core.list_namespaced_pod(
            "kube-system", label_selector="component=kube-apiserver", _request_timeout=API_TIMEOUT_S
        ).items
    except Exception as exc:  # any failure to reach or read the API is the same refusal
        raise _api_error(target, exc) from None
    roles = {n.metadata.name: "control-plane" if CONTROL_PLANE_LABEL in (n.metadata.labels or {}) else "worker"
             for n in nodes}  # fmt: skip
    addresses = {a.address for n in nodes for a in n.status.addresses or [] if a.type == "InternalIP"}
    servers: list[str] = []
    for pod in pods:
        for container in pod.spec.containers:
            for arg in [*(container.command or []), *(container.args or [])]:
                if arg.startswith("--etcd-servers="):
                    servers += arg.split("=", 1)[1].split(",")
    return SeenCluster(roles=roles, etcd_servers=sorted(set(servers)), control_plane_addresses=addresses)


def check_nodes(target: TargetFile, seen: SeenCluster) -> None:
    """The target lists exactly the cluster's nodes."""
    if missing := sorted(set(seen.roles) - set(target.hosts)):
        raise _refuse(target.path, f"node {missing[0]!r} of the cluster is not listed", f"add - name: {missing[0]}")
    if extra := sorted(set(target.hosts) - set(seen.roles)):
        raise _refuse(target.path, f"node {extra[0]!r} is not a node of the cluster", f"remove {extra[0]!r}")


def check_access(target: TargetFile, access: NodeAccess) -> None:
    """Each node answers a no-op command through its access; the first that does not is named."""
    for node in target.hosts:
        ran = access.run(node, ["true"], timeout=30)
        if ran.code != 0:
            last = (ran.output.strip().splitlines() or ["no output"])[-1][:200]
            raise ClusterError(
                f"node {node!r} does not answer through {access.describe(node)}: {last}",
                hint="check that the node runs sshd and accepts this key for this user"
                if target.access == "ssh"
                else "check that the node's container runs on this host",
            )


def connect(target: TargetFile) -> tuple[SeenCluster, NodeAccess]:
    """Check ``target`` against its cluster and register its node access; nothing on the cluster changes."""
    seen = read_cluster(target)
    check_nodes(target, seen)
    access = target.node_access()
    register(target.hosts, access)
    try:
        check_access(target, access)
    except ClusterError:
        forget(target.hosts)
        raise
    return seen, access

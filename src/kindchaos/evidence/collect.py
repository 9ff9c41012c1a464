"""Outputs worth attaching: kubectl views, events, a component's log, etcd's endpoint status.

Everything is read without the API server where it can be (crictl and etcdctl
inside the node), so evidence is still collected while the API is down.
"""

from __future__ import annotations

from kindchaos.cluster.etcd import etcdctl
from kindchaos.cluster.external_etcd import etcdctl as host_etcdctl
from kindchaos.cluster.lifecycle import Cluster
from kindchaos.cluster.nodes import crictl_container, run


def kubectl(cluster: Cluster, *args: str) -> str:
    """kubectl output, or the error it gave (evidence is best-effort, never a reason to fail)."""
    try:
        return cluster.kubectl(*args, timeout=30)
    except Exception as exc:
        return f"kubectl {' '.join(args)} failed: {exc}"


def component_log(cluster: Cluster, node: str, component: str, *, tail: int = 200) -> str:
    """The last lines of each of the component's recent containers on ``node`` (newest first)."""
    try:
        containers = crictl_container(node, component, state=None)[:2]
    except Exception as exc:
        return f"crictl ps failed on {node}: {exc}"
    parts = []
    for found in containers:
        ran = run(node, "crictl", "logs", "--tail", str(tail), found["id"], timeout=30)
        parts.append(f"=== {component} container {found['id'][:13]} ({found.get('state')}) on {node}\n{ran.output}")
    return "\n\n".join(parts) or f"no {component} container on {node}"


def etcd_endpoint_status(cluster: Cluster, node: str) -> str:
    """``etcdctl endpoint status --cluster`` from the node's etcd container; for an external etcd, the
    operator's own ``member list``, ``endpoint status`` and ``endpoint health`` from the host."""
    if cluster.etcd is not None:
        views = (("member", "list"), ("endpoint", "status"), ("endpoint", "health"))
        return "\n\n".join(host_etcdctl.table(cluster.etcd, *view) for view in views)
    ran = etcdctl(node, "endpoint", "status", "--cluster", "-w", "table")
    return ran.output if ran.code == 0 else f"etcdctl exited {ran.code}: {ran.output}"

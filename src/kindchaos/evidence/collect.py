"""Outputs worth attaching: kubectl views, events, a component's log, etcd's endpoint status.

Everything is read without the API server where it can be (crictl and etcdctl
inside the node), so evidence is still collected while the API is down.
"""

from __future__ import annotations

from kindchaos.cluster.lifecycle import Cluster
from kindchaos.cluster.nodes import crictl_container, run_in

ETCDCTL_TLS = (
    "--cacert=/etc/kubernetes/pki/etcd/ca.crt "
    "--cert=/etc/kubernetes/pki/etcd/healthcheck-client.crt "
    "--key=/etc/kubernetes/pki/etcd/healthcheck-client.key"
)


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
        ran = run_in(node, f"crictl logs --tail {tail} {found['id']} 2>&1", timeout=30)
        parts.append(f"=== {component} container {found['id'][:13]} ({found.get('state')}) on {node}\n{ran.output}")
    return "\n\n".join(parts) or f"no {component} container on {node}"


def etcd_endpoint_status(cluster: Cluster, node: str) -> str:
    """``etcdctl endpoint status --cluster`` run inside the node's etcd container."""
    try:
        containers = crictl_container(node, "etcd")
    except Exception as exc:
        return f"crictl ps failed on {node}: {exc}"
    if not containers:
        return f"no running etcd container on {node}"
    command = (
        f"crictl exec {containers[0]['id']} etcdctl --endpoints=https://127.0.0.1:2379 {ETCDCTL_TLS} "
        "endpoint status --cluster -w table"
    )
    return run_in(node, command, timeout=30).output

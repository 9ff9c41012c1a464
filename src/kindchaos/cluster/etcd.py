"""etcdctl run inside a node's etcd container, so it works without the API server."""

from __future__ import annotations

from kindchaos.cluster.nodes import Ran, crictl_container, run_in
from kindchaos.shell import CommandFailed

TLS = (
    "--cacert=/etc/kubernetes/pki/etcd/ca.crt "
    "--cert=/etc/kubernetes/pki/etcd/healthcheck-client.crt "
    "--key=/etc/kubernetes/pki/etcd/healthcheck-client.key"
)


def etcdctl(node: str, args: str, *, timeout: float = 30) -> Ran:
    """``etcdctl <args>`` against the node's own member (https://127.0.0.1:2379)."""
    try:
        containers = crictl_container(node, "etcd")
    except CommandFailed as exc:  # the node's runtime is not answering (node just started, or stopped)
        return Ran(1, str(exc))
    if not containers:
        return Ran(1, f"no running etcd container on {node}")
    command = (
        f"crictl exec {containers[0]['id']} etcdctl --endpoints=https://127.0.0.1:2379 {TLS} "
        f"--dial-timeout=2s --command-timeout=5s {args}"
    )
    return run_in(node, command, timeout=timeout)


def has_quorum(node: str) -> Ran:
    """``endpoint health`` does a linearizable read, which only succeeds while a quorum of members agrees."""
    return etcdctl(node, "endpoint health")

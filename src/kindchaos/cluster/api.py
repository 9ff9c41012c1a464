"""Small kubectl-like helpers over the official Kubernetes client."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kubernetes import client, config
from kubernetes.client.exceptions import ApiException

from kindchaos.waiting import wait_for

# Probes and watches share the client from their threads: room for all of them and the scenario.
POOL_SIZE = 32
_clients: dict[str, tuple[int, Any]] = {}
_lock = threading.Lock()


def api_client(kubeconfig: Path) -> Any:
    """The one ``ApiClient`` of a cluster's kubeconfig, built on first use and shared (its connections are
    pooled). A kubeconfig rewritten since (the cluster was recreated, with new certificates) gets a new one."""
    path, written = str(kubeconfig.resolve()), kubeconfig.stat().st_mtime_ns
    with _lock:
        cached = _clients.get(path)
        if cached is not None and cached[0] == written:
            return cached[1]
        configuration = client.Configuration()
        config.load_kube_config(config_file=path, client_configuration=configuration)  # type: ignore[no-untyped-call]
        configuration.connection_pool_maxsize = POOL_SIZE
        built = client.ApiClient(configuration)
        _clients[path] = (written, built)
        return built


def core(kubeconfig: Path) -> Any:
    return client.CoreV1Api(api_client(kubeconfig))


def node_ready(node: Any) -> bool:
    return any(c.type == "Ready" and c.status == "True" for c in node.status.conditions or [])


def pod_ready(pod: Any) -> bool:
    if pod.status.phase != "Running":
        return False
    return all(cs.ready for cs in pod.status.container_statuses or [])


def pods_bound_to(api_client_: Any, node: str) -> list[Any]:
    """Every pod the API has bound to ``node``, in every namespace."""
    core_v1 = client.CoreV1Api(api_client_)
    return list(core_v1.list_pod_for_all_namespaces(field_selector=f"spec.nodeName={node}").items)


def found(call: Callable[[str], Any], name: str) -> bool:
    """Call an API function on ``name`` (a read or a delete): ``False`` when the object does not exist (404)."""
    try:
        call(name)
    except ApiException as exc:
        if exc.status == 404:
            return False
        raise
    return True


def wait_namespace_gone(api_client_: Any, name: str, *, within: float) -> None:
    """Until namespace ``name`` is deleted (the namespace controller empties it first); raise on the deadline."""
    core_api: Any = client.CoreV1Api(api_client_)

    def gone() -> None:
        assert not found(core_api.read_namespace, name), f"namespace {name} still terminating"

    wait_for(gone, within=within, expected=f"namespace {name} deleted")

"""Is the cluster usable: every node Ready, every kube-system pod ready, scheduler and controller-manager leading."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import urllib3
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from kindchaos.cluster.api import core, node_ready, pod_ready
from kindchaos.cluster.lifecycle import Cluster
from kindchaos.waiting import Waited, wait_for

API_ERRORS = (AssertionError, ApiException, urllib3.exceptions.HTTPError, OSError)
PULL_REASONS = ("Pulling", "ErrImagePull", "ImagePullBackOff", "Failed")


def check_nodes_ready(cluster: Cluster) -> None:
    nodes = core(cluster.kubeconfig).list_node().items
    ready = sorted(n.metadata.name for n in nodes if node_ready(n))
    assert ready == sorted(cluster.nodes), f"Ready nodes {ready}, want {sorted(cluster.nodes)}"


def check_system_pods_running(cluster: Cluster) -> None:
    pods = core(cluster.kubeconfig).list_namespaced_pod("kube-system").items
    not_ready = sorted(f"{p.metadata.name}={p.status.phase}" for p in pods if not pod_ready(p))
    assert pods and not not_ready, f"kube-system pods not ready: {not_ready or 'none listed'}"


LEADER_LEASES = ("kube-scheduler", "kube-controller-manager")
LEASE_FRESH_S = 20


def check_leaders_renewing(cluster: Cluster) -> None:
    """The scheduler and controller-manager each have a leader that renewed its lease recently.

    Pods Running is not enough: after an API outage both lose their lease and restart, and until a leader
    is elected nothing is scheduled or reconciled (not even a new namespace's default ServiceAccount).
    """
    leases = client.CoordinationV1Api(cluster.api)
    now = datetime.now(UTC)
    for name in LEADER_LEASES:
        found: Any = leases.read_namespaced_lease(name, "kube-system", _request_timeout=5)
        renewed = found.spec.renew_time
        age = (now - renewed).total_seconds() if renewed else float("inf")
        assert age < LEASE_FRESH_S, f"lease {name} last renewed {age:.0f}s ago by {found.spec.holder_identity}"


def pull_events(cluster: Cluster) -> list[str]:
    """Events that show kubelet trying to pull an image (there must be none)."""
    events = core(cluster.kubeconfig).list_event_for_all_namespaces().items
    return [
        f"{e.involved_object.namespace}/{e.involved_object.name}: {e.reason}: {e.message}"
        for e in events
        if e.reason in PULL_REASONS and "image" in (e.message or "").lower()
    ]


def wait_ready(cluster: Cluster, *, within: float = 240, unstick: Callable[[], None] | None = None) -> Waited:
    """Wait until nodes are Ready and kube-system is running; ``unstick`` runs before each check."""

    def ready() -> None:
        if unstick is not None:
            unstick()
        check_nodes_ready(cluster)
        check_system_pods_running(cluster)
        check_leaders_renewing(cluster)

    return wait_for(ready, within=within, interval=2, retry_on=API_ERRORS, expected=f"cluster {cluster.name!r} ready")

"""What a scenario compares before and after: each pod's identity, placement and restarts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kubernetes import client

from kindchaos.cluster.lifecycle import Cluster


@dataclass(frozen=True)
class PodState:
    """The parts of a pod that must not change while a component it does not depend on is down."""

    uid: str
    node: str | None
    restarts: int
    phase: str


def pod_states(cluster: Cluster, namespace: str, selector: str = "") -> dict[str, PodState]:
    pods: list[Any] = (
        client.CoreV1Api(cluster.api).list_namespaced_pod(namespace, label_selector=selector, _request_timeout=10).items
    )
    return {
        p.metadata.name: PodState(
            uid=p.metadata.uid,
            node=p.spec.node_name,
            restarts=sum(c.restart_count for c in p.status.container_statuses or []),
            phase=p.status.phase,
        )
        for p in pods
        if not p.metadata.deletion_timestamp
    }


def bare_pod(name: str, *, namespace: str, image: str) -> dict[str, Any]:
    """A pod with no controller, so nothing but the scheduler can place it."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": {"app": "late"}},
        "spec": {
            "terminationGracePeriodSeconds": 1,
            "containers": [{"name": "web", "image": image, "imagePullPolicy": "Never"}],
        },
    }

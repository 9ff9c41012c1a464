"""Objects the node scenarios add around the web workload: tolerations, spreading, a PDB, a DaemonSet, a StatefulSet.

Plain manifests as dictionaries, so a scenario's setup reads as the YAML a user
would apply, and each piece can be checked without a cluster.
"""

from __future__ import annotations

from typing import Any

from kindchaos.images.pins import DEFAULT_REFS

NOT_READY_TAINTS = ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable")


def not_ready_tolerations(seconds: int) -> list[dict[str, Any]]:
    """Tolerate a not-ready or unreachable node for ``seconds``, then be evicted (default: 300)."""
    return [
        {"key": key, "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": seconds}
        for key in NOT_READY_TAINTS
    ]


CONTROL_PLANE_TOLERATION = {
    "key": "node-role.kubernetes.io/control-plane",
    "operator": "Exists",
    "effect": "NoSchedule",
}


def spread_over_nodes(labels: dict[str, str]) -> list[dict[str, Any]]:
    """Prefer one replica per schedulable node; never refuse to schedule because of it."""
    return [
        {
            "maxSkew": 1,
            "topologyKey": "kubernetes.io/hostname",
            "whenUnsatisfiable": "ScheduleAnyway",
            "nodeTaintsPolicy": "Honor",
            "labelSelector": {"matchLabels": labels},
        }
    ]


def prefer_node_affinity(node: str) -> dict[str, Any]:
    """Prefer ``node`` (a scheduling preference only: the pod may run elsewhere when it cannot)."""
    preference = {"matchExpressions": [{"key": "kubernetes.io/hostname", "operator": "In", "values": [node]}]}
    return {
        "nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 100, "preference": preference}]}
    }


def pod_disruption_budget(*, name: str, namespace: str, labels: dict[str, str], min_available: int) -> dict[str, Any]:
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"minAvailable": min_available, "selector": {"matchLabels": labels}},
    }


def _pod_spec(container: str, **extra: Any) -> dict[str, Any]:
    return {
        "terminationGracePeriodSeconds": 5,
        "containers": [{"name": container, "image": DEFAULT_REFS.workload, "imagePullPolicy": "Never"}],
        **extra,
    }


def _apps_object(kind: str, *, name: str, namespace: str, pod_spec: dict[str, Any], **spec: Any) -> dict[str, Any]:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": kind,
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            **spec,
            "selector": {"matchLabels": dict(labels)},
            "template": {"metadata": {"labels": dict(labels)}, "spec": pod_spec},
        },
    }


def daemon_set(*, name: str, namespace: str) -> dict[str, Any]:
    """One pod per worker, as a node agent would run; a drain must leave it in place."""
    return _apps_object("DaemonSet", name=name, namespace=namespace, pod_spec=_pod_spec(name))


def stateful_set(*, name: str, namespace: str, prefer_node: str, toleration_seconds: int) -> dict[str, Any]:
    """One replica that prefers ``prefer_node`` but may run anywhere.

    Only a preference: if its pod were replaced while the node is unreachable, the scheduler would be
    free to place the replacement on another node, so a pod that stays put shows the StatefulSet's
    own rule (at most one pod per identity), not a placement constraint.
    """
    pod_spec = _pod_spec(
        name, affinity=prefer_node_affinity(prefer_node), tolerations=not_ready_tolerations(toleration_seconds)
    )
    return _apps_object("StatefulSet", name=name, namespace=namespace, pod_spec=pod_spec, replicas=1, serviceName=name)

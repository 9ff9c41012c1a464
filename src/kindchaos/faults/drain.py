"""Cordon, drain and uncordon through the API, as ``kubectl drain`` does it.

Pods are evicted through the Eviction API, so PodDisruptionBudgets are
honoured: an eviction the budget refuses (HTTP 429) is retried until the
deadline, and a timeout names every pod that blocked it and why. DaemonSet pods
and static (mirror) pods are left alone, as kubectl drain leaves them.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from kubernetes import client
from kubernetes.client.exceptions import ApiException

from kindchaos.cluster.api import pods_bound_to
from kindchaos.cluster.lifecycle import Cluster
from kindchaos.errors import ClaimViolated
from kindchaos.expect.conditions import eventually
from kindchaos.faults.nodes import NodeFault
from kindchaos.observe.timeline import Timeline

MIRROR_ANNOTATION = "kubernetes.io/config.mirror"
TOO_MANY_REQUESTS = 429


class DrainBlocked(ClaimViolated):
    """Pods could not be evicted before the drain's deadline."""


def set_unschedulable(cluster: Cluster, node: str, value: bool) -> None:
    client.CoreV1Api(cluster.api).patch_node(node, {"spec": {"unschedulable": value}})


def is_unschedulable(cluster: Cluster, node: str) -> bool:
    found: Any = client.CoreV1Api(cluster.api).read_node(node)
    return bool(found.spec.unschedulable)


def evictable(pod: Any) -> bool:
    """kubectl drain's filter: not a DaemonSet pod, not a mirror pod, not already finished."""
    owners = pod.metadata.owner_references or []
    if any(o.kind == "DaemonSet" for o in owners):
        return False
    if MIRROR_ANNOTATION in (pod.metadata.annotations or {}):
        return False
    return pod.status.phase not in ("Succeeded", "Failed")


def pods_to_evict(cluster: Cluster, node: str) -> list[Any]:
    return [p for p in pods_bound_to(cluster.api, node) if evictable(p)]


@dataclass
class DrainResult:
    evicted: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # pods whose eviction was refused at least once
    refusals: dict[str, str] = field(default_factory=dict)  # pod -> the last reason its eviction was refused
    seconds: float = 0.0


def drain(cluster: Cluster, node: str, *, timeout: float = 120, interval: float = 2) -> DrainResult:
    """Cordon ``node`` and evict its pods, retrying refused evictions until every pod is gone."""
    set_unschedulable(cluster, node, True)
    core = client.CoreV1Api(cluster.api)
    result, started = DrainResult(), time.monotonic()

    def all_gone() -> None:
        remaining = pods_to_evict(cluster, node)
        for pod in remaining:
            key = f"{pod.metadata.namespace}/{pod.metadata.name}"
            if pod.metadata.deletion_timestamp:
                continue
            body = client.V1Eviction(
                metadata=client.V1ObjectMeta(name=pod.metadata.name, namespace=pod.metadata.namespace)
            )
            try:
                core.create_namespaced_pod_eviction(pod.metadata.name, pod.metadata.namespace, body)
                result.evicted.append(key)
                result.refusals.pop(key, None)
            except ApiException as exc:
                if exc.status == 404:
                    continue
                if exc.status != TOO_MANY_REQUESTS:
                    raise
                result.refusals[key] = _reason(exc)
                if key not in result.refused:
                    result.refused.append(key)
        left = [f"{p.metadata.namespace}/{p.metadata.name}" for p in pods_to_evict(cluster, node)]
        blocked = ", ".join(f"{pod} ({result.refusals.get(pod, 'terminating')})" for pod in left)
        assert not left, f"pods still on {node}: {blocked}"

    try:
        eventually(all_gone, within=timeout, interval=interval, expected=f"every evictable pod gone from {node}")
    except AssertionError as exc:
        raise DrainBlocked(f"drain of {node} blocked: {exc}") from exc
    result.seconds = time.monotonic() - started
    return result


def _reason(exc: ApiException) -> str:
    """The refusal's message and its causes: the causes name the budget and its counts."""
    try:
        status = json.loads(exc.body or "{}")
    except ValueError:
        return str(exc.reason)
    causes = [c.get("message", "") for c in (status.get("details") or {}).get("causes") or []]
    return " ".join([str(status.get("message", exc.reason)), *causes]).strip()[:300]


class NodeDrained(NodeFault):
    """A node cordoned and drained, then uncordoned."""

    triage_part = "node-cordoned"

    def __init__(self, cluster: Cluster, node: str, *, timeline: Timeline | None = None, timeout: float = 120) -> None:
        super().__init__(cluster, node, timeline=timeline)
        self.timeout = timeout
        self.result = DrainResult()

    @property
    def title(self) -> str:
        return f"node {self.node!r} drained"

    def inject(self) -> None:
        self.result = drain(self.cluster, self.node, timeout=self.timeout)
        self.figures["drain_s"] = self.result.seconds

    def prove(self) -> None:
        assert is_unschedulable(self.cluster, self.node), f"{self.node} is not cordoned"
        left = pods_to_evict(self.cluster, self.node)
        assert not left, f"pods left on {self.node}: {[p.metadata.name for p in left]}"
        self.observed(f"{self.node} cordoned; evicted {len(self.result.evicted)} pods: {self.result.evicted}")

    def restore(self) -> None:
        set_unschedulable(self.cluster, self.node, False)

    def prove_restored(self) -> None:
        assert not is_unschedulable(self.cluster, self.node), f"{self.node} is still cordoned"
        self.observed(f"{self.node} uncordoned")
        self._prove_api_ready()


class NodeCordoned(NodeFault):
    """A node marked unschedulable (no eviction), then uncordoned."""

    triage_part = "node-cordoned"

    @property
    def title(self) -> str:
        return f"node {self.node!r} cordoned"

    def inject(self) -> None:
        set_unschedulable(self.cluster, self.node, True)

    def prove(self) -> None:
        assert is_unschedulable(self.cluster, self.node), f"{self.node} is not cordoned"
        self.observed(f"{self.node}: spec.unschedulable=true")

    def restore(self) -> None:
        set_unschedulable(self.cluster, self.node, False)

    def prove_restored(self) -> None:
        assert not is_unschedulable(self.cluster, self.node), f"{self.node} is still cordoned"
        self.observed(f"{self.node} uncordoned")

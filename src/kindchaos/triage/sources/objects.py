"""What the API says about the cluster's own objects: nodes and their leases, kube-system pods and
deployments, leader leases, recent warning events, componentstatuses, admission webhooks."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from kubernetes import client

from kindchaos.triage.facts import Deployment, Facts, LeaderLease, NodeInfo, PodInfo, Webhook
from kindchaos.triage.session import REQUEST_TIMEOUT, Session

LEADER_LEASES = ("kube-scheduler", "kube-controller-manager")
EVENTS_WITHIN_S = 600  # warning events older than this are history, not the present fault
EVENTS_SHOWN = 12
CONTROL_PLANE_LABEL = "node-role.kubernetes.io/control-plane"


def _age(stamp: datetime | None, now: float) -> float | None:
    return None if stamp is None else round(now - stamp.timestamp(), 1)


def nodes(session: Session, facts: Facts) -> None:
    """Each node's Ready condition, pressure conditions, cordon and the age of its heartbeat lease."""
    now = time.time()
    core = session.core()
    leases: Any = client.CoordinationV1Api(session.api).list_namespaced_lease(
        "kube-node-lease", _request_timeout=REQUEST_TIMEOUT
    )
    renewed = {lease.metadata.name: lease.spec.renew_time for lease in leases.items}
    for node in core.list_node(_request_timeout=REQUEST_TIMEOUT).items:
        conditions = {c.type: c for c in node.status.conditions or []}
        ready = conditions.get("Ready")
        pressure = tuple(sorted(t for t, c in conditions.items() if t != "Ready" and c.status == "True"))
        facts.nodes.append(
            NodeInfo(
                name=node.metadata.name,
                ready=ready.status if ready else "Unknown",
                reason=(ready.reason or "") if ready else "no Ready condition",
                since_s=_age(ready.last_transition_time, now) if ready else None,
                lease_age_s=_age(renewed.get(node.metadata.name), now),
                unschedulable=bool(node.spec.unschedulable),
                pressure=pressure,
                control_plane=CONTROL_PLANE_LABEL in (node.metadata.labels or {}),
            )
        )


def _pod(pod: Any, now: float) -> PodInfo:
    labels = pod.metadata.labels or {}
    statuses = pod.status.container_statuses or []
    waiting = next((s.state.waiting.reason or "" for s in statuses if s.state and s.state.waiting), "")
    last = [s.last_state.terminated for s in statuses if s.last_state and s.last_state.terminated]
    newest = max(last, key=lambda t: t.finished_at.timestamp() if t.finished_at else 0, default=None)
    return PodInfo(
        name=pod.metadata.name,
        node=pod.spec.node_name or "",
        component=labels.get("component") or labels.get("k8s-app") or pod.metadata.name,
        phase=pod.status.phase or "",
        ready=bool(statuses) and all(s.ready for s in statuses),
        restarts=sum(s.restart_count or 0 for s in statuses),
        waiting=waiting,
        last_exit=newest.exit_code if newest else None,
        last_exit_age_s=_age(newest.finished_at, now) if newest else None,
    )


def pods(session: Session, facts: Facts) -> None:
    """kube-system's pods: ready or not, restarts, why a container waits, the last exit and how long ago."""
    now = time.time()
    found = session.core().list_namespaced_pod("kube-system", _request_timeout=REQUEST_TIMEOUT)
    facts.pods.extend(_pod(pod, now) for pod in found.items)
    apps: Any = client.AppsV1Api(session.api)
    for item in apps.list_namespaced_deployment("kube-system", _request_timeout=REQUEST_TIMEOUT).items:
        facts.deployments.append(
            Deployment(item.metadata.name, item.spec.replicas or 0, item.status.available_replicas or 0)
        )


def leader_leases(session: Session, facts: Facts) -> None:
    """Who leads the scheduler and the controller-manager, and how long ago it renewed."""
    now = time.time()
    coordination: Any = client.CoordinationV1Api(session.api)
    for name in LEADER_LEASES:
        lease = coordination.read_namespaced_lease(name, "kube-system", _request_timeout=REQUEST_TIMEOUT)
        facts.leases.append(
            LeaderLease(
                component=name,
                holder=lease.spec.holder_identity or "",
                age_s=_age(lease.spec.renew_time, now),
                duration_s=float(lease.spec.lease_duration_seconds or 15),
            )
        )


def events(session: Session, facts: Facts) -> None:
    """Warning events of the last ten minutes, newest first."""
    now = time.time()
    found = session.core().list_event_for_all_namespaces(
        field_selector="type=Warning", _request_timeout=REQUEST_TIMEOUT
    )
    recent = []
    for event in found.items:
        stamp = event.last_timestamp or event.event_time or event.metadata.creation_timestamp
        age = _age(stamp, now)
        if age is not None and age <= EVENTS_WITHIN_S:
            involved = event.involved_object
            where = f"{involved.kind}/{involved.namespace + '/' if involved.namespace else ''}{involved.name}"
            message = " ".join((event.message or "").split())[:160]
            recent.append((age, f"{age:.0f}s ago {event.reason} {where}: {message}"))
    facts.events.extend(line for _, line in sorted(recent)[:EVENTS_SHOWN])


def component_statuses(session: Session, facts: Facts) -> None:
    """``kubectl get componentstatuses`` (deprecated since v1.19: it asks only the local scheduler,
    controller-manager and etcd of whichever apiserver answers)."""
    for item in session.core().list_component_status(_request_timeout=REQUEST_TIMEOUT).items:
        condition = next(iter(item.conditions or []), None)
        healthy = condition.status if condition else "Unknown"
        detail = (condition.message or condition.error or "") if condition else ""
        facts.component_statuses.append(f"{item.metadata.name}: Healthy={healthy} {detail}".strip())


def _ready_endpoints(session: Session, namespace: str, service: str) -> int:
    discovery: Any = client.DiscoveryV1Api(session.api)
    slices = discovery.list_namespaced_endpoint_slice(
        namespace, label_selector=f"kubernetes.io/service-name={service}", _request_timeout=REQUEST_TIMEOUT
    )
    return sum(
        1
        for item in slices.items
        for endpoint in item.endpoints or []
        if endpoint.conditions is None or endpoint.conditions.ready is not False
    )


def webhooks(session: Session, facts: Facts) -> None:
    """Every validating and mutating webhook, its failure policy and how many ready endpoints its service has."""
    admission: Any = client.AdmissionregistrationV1Api(session.api)
    listed = [
        *admission.list_validating_webhook_configuration(_request_timeout=REQUEST_TIMEOUT).items,
        *admission.list_mutating_webhook_configuration(_request_timeout=REQUEST_TIMEOUT).items,
    ]
    for configuration in listed:
        for hook in configuration.webhooks or []:
            service = hook.client_config.service
            ready = _ready_endpoints(session, service.namespace, service.name) if service else None
            facts.webhooks.append(
                Webhook(
                    configuration=configuration.metadata.name,
                    name=hook.name,
                    failure_policy=hook.failure_policy or "Fail",
                    service=f"{service.namespace}/{service.name}" if service else "",
                    ready_endpoints=ready,
                )
            )

"""API Priority and Fairness as a scenario meets it: the cluster's flow schemas and priority levels read back,
one user of our own placed in a flow schema we choose (a small limited level, or exempt), the apiserver's
flow-control counters read from ``/metrics``, and a ``system:masters`` kubeconfig for a probe APF exempts.

Every object made here carries the ``kindchaos-flood`` name, so one call deletes what a run (or a killed run)
left.
"""

from __future__ import annotations

import base64
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from kubernetes import client
from kubernetes.client.exceptions import ApiException
from prometheus_client.parser import text_string_to_metric_families

from kindchaos.cluster.api import found, wait_namespace_gone
from kindchaos.cluster.lifecycle import Cluster
from kindchaos.cluster.nodes import output
from kindchaos.errors import UsageError

NAME = "kindchaos-flood"  # the namespace, service account, role, flow schema and priority level
FLOOD_PRECEDENCE = 500  # ahead of service-accounts (9000), behind the system schemas (exempt 1 .. system-nodes 500)
TOKEN_SECONDS = 900
SUPER_ADMIN = "/etc/kubernetes/super-admin.conf"  # kubeadm's system:masters identity
LEVELS = ("limited", "exempt")
NAMESPACE_GONE_WITHIN_S = 120  # a fixed wait: the namespace controller empties a namespace of 40 ConfigMaps


@dataclass(frozen=True)
class FloodIdentity:
    """Who floods: a service account's bearer token, and the flow schema its requests are classified into."""

    namespace: str
    user: str
    token: str
    flow_schema: str
    flow_schema_uid: str
    priority_level: str


def _flowcontrol(cluster: Cluster) -> Any:
    return client.FlowcontrolApiserverV1Api(cluster.api)


def schemas_table(cluster: Cluster) -> str:
    """The cluster's flow schemas and priority levels, in the order the apiserver matches them."""
    fc = _flowcontrol(cluster)
    schemas = sorted(fc.list_flow_schema().items, key=lambda s: s.spec.matching_precedence)
    lines = ["flow schema                    precedence  priority level   distinguisher"]
    for s in schemas:
        distinguisher = s.spec.distinguisher_method.type if s.spec.distinguisher_method else "-"
        lines.append(
            f"{s.metadata.name:<30} {s.spec.matching_precedence:>10}  "
            f"{s.spec.priority_level_configuration.name:<16} {distinguisher}"
        )
    lines += ["", "priority level    type      shares  lendable%  queues  hand  queue length"]
    for level in sorted(fc.list_priority_level_configuration().items, key=lambda p: p.metadata.name):
        limited = level.spec.limited
        if limited is None:
            lines.append(f"{level.metadata.name:<17} {level.spec.type}")
            continue
        queuing = limited.limit_response.queuing if limited.limit_response else None
        shape = (
            f"{queuing.queues:>6}  {queuing.hand_size:>4}  {queuing.queue_length_limit:>12}" if queuing else "reject"
        )
        lines.append(
            f"{level.metadata.name:<17} {level.spec.type:<8} {limited.nominal_concurrency_shares:>7}  "
            f"{limited.lendable_percent or 0:>9}  {shape}"
        )
    return "\n".join(lines)


def _apply(create: Any, replace: Any, name: str, body: dict[str, Any]) -> None:
    try:
        create(body)
    except ApiException as exc:
        if exc.status != 409:
            raise
        replace(name, body)


def _limited_level() -> dict[str, Any]:
    """A small level of our own: one share (about three seats of the apiserver's 600), nothing lent or
    borrowed, one queue of five: a flood beyond that is answered 429 at once."""
    return {
        "apiVersion": "flowcontrol.apiserver.k8s.io/v1",
        "kind": "PriorityLevelConfiguration",
        "metadata": {"name": NAME},
        "spec": {
            "type": "Limited",
            "limited": {
                "nominalConcurrencyShares": 1,
                "lendablePercent": 0,
                "borrowingLimitPercent": 0,
                "limitResponse": {
                    "type": "Queue",
                    "queuing": {"queues": 1, "handSize": 1, "queueLengthLimit": 5},
                },
            },
        },
    }


def _flow_schema(level: str, namespace: str) -> dict[str, Any]:
    return {
        "apiVersion": "flowcontrol.apiserver.k8s.io/v1",
        "kind": "FlowSchema",
        "metadata": {"name": NAME},
        "spec": {
            "matchingPrecedence": FLOOD_PRECEDENCE,
            "priorityLevelConfiguration": {"name": level},
            "distinguisherMethod": {"type": "ByUser"},
            "rules": [
                {
                    "subjects": [{"kind": "ServiceAccount", "serviceAccount": {"name": NAME, "namespace": namespace}}],
                    "resourceRules": [
                        {
                            "verbs": ["*"],
                            "apiGroups": ["*"],
                            "resources": ["*"],
                            "namespaces": ["*"],
                            "clusterScope": True,
                        }
                    ],
                }
            ],
        },
    }


def _service_account(cluster: Cluster) -> None:
    core, rbac = client.CoreV1Api(cluster.api), client.RbacAuthorizationV1Api(cluster.api)
    _apply(core.create_namespace, core.replace_namespace, NAME, {"metadata": {"name": NAME}})
    _apply(
        lambda body: core.create_namespaced_service_account(NAME, body),
        lambda name, body: core.replace_namespaced_service_account(name, NAME, body),
        NAME,
        {"metadata": {"name": NAME}},
    )
    role = {
        "metadata": {"name": NAME},
        "rules": [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "list"]}],
    }
    _apply(
        lambda body: rbac.create_namespaced_role(NAME, body),
        lambda name, body: rbac.replace_namespaced_role(name, NAME, body),
        NAME,
        role,
    )
    binding = {
        "metadata": {"name": NAME},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": NAME},
        "subjects": [{"kind": "ServiceAccount", "name": NAME, "namespace": NAME}],
    }
    _apply(
        lambda body: rbac.create_namespaced_role_binding(NAME, body),
        lambda name, body: rbac.replace_namespaced_role_binding(name, NAME, body),
        NAME,
        binding,
    )


def _token(cluster: Cluster) -> str:
    request = {"spec": {"expirationSeconds": TOKEN_SECONDS}}
    core: Any = client.CoreV1Api(cluster.api)
    made = core.create_namespaced_service_account_token(NAME, NAME, request)
    return str(made.status.token)


def flood_identity(cluster: Cluster, level: str) -> FloodIdentity:
    """The flooding service account, its token, and a flow schema sending its requests to ``level``: our own
    small limited level (``limited``), or the cluster's ``exempt`` level (APF's protection removed for it)."""
    if level not in LEVELS:
        raise UsageError(f"unknown flood level {level!r}", hint=f"use one of {', '.join(LEVELS)}")
    fc = _flowcontrol(cluster)
    _service_account(cluster)
    priority_level = NAME if level == "limited" else "exempt"
    if level == "limited":
        _apply(fc.create_priority_level_configuration, fc.replace_priority_level_configuration, NAME, _limited_level())
    body = _flow_schema(priority_level, NAME)
    try:
        current = fc.read_flow_schema(NAME)
        body["metadata"]["resourceVersion"] = current.metadata.resource_version
        fc.replace_flow_schema(NAME, body)
    except ApiException as exc:
        if exc.status != 404:
            raise
        fc.create_flow_schema(body)
    uid = str(fc.read_flow_schema(NAME).metadata.uid)
    return FloodIdentity(NAME, f"system:serviceaccount:{NAME}:{NAME}", _token(cluster), NAME, uid, priority_level)


def remove_flood_objects(cluster: Cluster) -> list[str]:
    """Delete the flow schema, priority level and namespace of the flood; returns what was there."""
    fc, core = _flowcontrol(cluster), client.CoreV1Api(cluster.api)
    removed = [
        f"{kind}/{NAME}"
        for kind, delete in (
            ("flowschema", fc.delete_flow_schema),
            ("prioritylevelconfiguration", fc.delete_priority_level_configuration),
            ("namespace", core.delete_namespace),
        )
        if found(delete, NAME)
    ]
    wait_namespace_gone(cluster.api, NAME, within=NAMESPACE_GONE_WITHIN_S)
    return removed


def flood_objects_left(cluster: Cluster) -> list[str]:
    fc = _flowcontrol(cluster)
    kinds = (("flowschema", fc.read_flow_schema), ("prioritylevelconfiguration", fc.read_priority_level_configuration))
    return [f"{kind}/{NAME}" for kind, read in kinds if found(read, NAME)]


# --- the apiserver's counters -------------------------------------------------------------------------------

COUNTERS = ("apiserver_flowcontrol_dispatched_requests", "apiserver_flowcontrol_rejected_requests")


def flow_counters(cluster: Cluster) -> Counter[tuple[str, str, str]]:
    """(counter, flow schema, priority level) -> count, summed over reasons, from the apiserver's /metrics
    (through the cluster's endpoint: on one control plane, its only apiserver)."""
    return parse_flow_counters(cluster.kubectl("get", "--raw", "/metrics", timeout=30))


def parse_flow_counters(text: str) -> Counter[tuple[str, str, str]]:
    """The flow-control counters of a Prometheus text exposition, keyed by (counter, flow schema, level)."""
    found: Counter[tuple[str, str, str]] = Counter()
    for family in text_string_to_metric_families(text):
        if family.name not in COUNTERS:
            continue
        for sample in family.samples:
            if sample.name.endswith("_total"):
                key = (family.name, sample.labels.get("flow_schema", ""), sample.labels.get("priority_level", ""))
                found[key] += int(sample.value)
    return found


def counter_delta(
    before: Counter[tuple[str, str, str]], after: Counter[tuple[str, str, str]], counter: str, flow_schema: str
) -> int:
    name = f"apiserver_flowcontrol_{counter}_requests"
    keys = {k for k in (*before, *after) if k[0] == name and k[1] == flow_schema}
    return sum(after[k] - before[k] for k in keys)


# --- a system:masters identity for the probe ----------------------------------------------------------------


def masters_kubeconfig(cluster: Cluster, path: Path) -> Path:
    """kubeadm's super-admin kubeconfig (group ``system:masters``, which APF exempts), pointed at the cluster's
    endpoint on this host. It holds a private key: written 0600 beside the cluster's own, never attached."""
    config: dict[str, Any] = yaml.safe_load(output(cluster.control_planes[0], "cat", SUPER_ADMIN))
    ours: dict[str, Any] = yaml.safe_load(cluster.kubeconfig.read_text())
    server = ours["clusters"][0]["cluster"]["server"]
    for entry in config["clusters"]:
        entry["cluster"]["server"] = server
    path.write_text(yaml.safe_dump(config))
    path.chmod(0o600)
    return path


def ca_file(cluster: Cluster, path: Path) -> Path:
    """The cluster's CA certificate (public) as a file, for a client that verifies the apiserver."""
    ours: dict[str, Any] = yaml.safe_load(cluster.kubeconfig.read_text())
    path.write_bytes(base64.b64decode(ours["clusters"][0]["cluster"]["certificate-authority-data"]))
    return path


def server_url(cluster: Cluster) -> str:
    """The cluster's API endpoint on this host; only a loopback address is accepted (the flood stays here)."""
    ours: dict[str, Any] = yaml.safe_load(cluster.kubeconfig.read_text())
    server = str(ours["clusters"][0]["cluster"]["server"])
    if not re.match(r"https://(127\.\d+\.\d+\.\d+|localhost|\[::1\]):\d+$", server):
        raise UsageError(
            f"the cluster's endpoint {server} is not on loopback",
            hint="the API flood targets only a kind cluster's endpoint on this host (127.0.0.1)",
        )
    return server

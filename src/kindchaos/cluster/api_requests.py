"""One write through the API request flow and what it left in etcd: for the scenarios that check where a request is
refused (authentication, authorization, admission) and that nothing refused was stored."""

from __future__ import annotations

import json
from typing import Any

from kubernetes import client
from kubernetes.client.exceptions import ApiException

from kindchaos.cluster.etcd import etcdctl
from kindchaos.cluster.lifecycle import Cluster
from kindchaos.cluster.nodes import run

REQUEST_TIMEOUT = (3.0, 15.0)  # connect, read: a webhook call may take its own timeout (5 s) first


def post_configmap(node: str, ns: str, name: str, token: str | None) -> tuple[str, str]:
    """POST a ConfigMap from inside the control-plane node with ``token`` (or none); (HTTP status, reason)."""
    body = json.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": {"k": "v"}})
    auth = ["-H", f"Authorization: Bearer {token}"] if token else []
    url = f"https://127.0.0.1:6443/api/v1/namespaces/{ns}/configmaps"
    headers = ["-H", "Content-Type: application/json"]
    ran = run(
        node, "curl", "-sk", "-m", "5", "-w", "\n%{http_code}", "-X", "POST", *auth, *headers, "--data", body, url
    )
    reply, _, status = ran.stdout.rpartition("\n")
    answer = json.loads(reply) if reply.startswith("{") else {}
    return status, f"{answer.get('reason', '')}: {answer.get('message', '')}"


def create_configmap(cluster: Cluster, ns: str, name: str, labels: dict[str, str] | None = None) -> tuple[str, str]:
    """Create a ConfigMap as the cluster's admin, through its endpoint; (HTTP status, reason and message)."""
    core: Any = client.CoreV1Api(cluster.api)
    body = {"metadata": {"name": name, "labels": labels or {}}, "data": {"k": "v"}}
    try:
        core.create_namespaced_config_map(ns, body, _request_timeout=REQUEST_TIMEOUT)
    except ApiException as exc:
        answer = json.loads(exc.body) if exc.body and str(exc.body).startswith("{") else {}
        return str(exc.status), f"{answer.get('reason', exc.reason)}: {answer.get('message', '')}"
    return "201", "Created"


def etcd_keys(node: str, ns: str) -> list[str]:
    """The ConfigMap keys etcd holds under namespace ``ns`` (read in the node's own etcd)."""
    return etcdctl(node, "get", f"/registry/configmaps/{ns}/", "--prefix", "--keys-only").output.split()

"""Small kubectl-like helpers over the official Kubernetes client."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

from kubernetes import client, config


def api_client(kubeconfig: Path) -> Any:
    return config.new_client_from_config(config_file=str(kubeconfig))  # type: ignore[no-untyped-call]


def core(kubeconfig: Path) -> Any:
    return client.CoreV1Api(api_client(kubeconfig))


def rfc3339(text: str) -> datetime:
    """Parse a Kubernetes/CRI timestamp (nanoseconds are cut to microseconds)."""
    return datetime.fromisoformat(re.sub(r"(\.\d{6})\d+", r"\1", text).replace("Z", "+00:00"))


def node_ready(node: Any) -> bool:
    return any(c.type == "Ready" and c.status == "True" for c in node.status.conditions or [])


def pod_ready(pod: Any) -> bool:
    if pod.status.phase != "Running":
        return False
    return all(cs.ready for cs in pod.status.container_statuses or [])

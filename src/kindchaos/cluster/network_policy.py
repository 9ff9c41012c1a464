"""Kubernetes NetworkPolicy objects a scenario applies: deny every ingress in a namespace, then allow one label in.
(netd, the project's own agent, enforces none of them; Calico does.)"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import yaml

from kindchaos.cluster.lifecycle import Cluster


def deny_all_ingress(namespace: str) -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "default-deny-ingress", "namespace": namespace},
        "spec": {"podSelector": {}, "policyTypes": ["Ingress"]},
    }


def allow_ingress_from(namespace: str, *, to: dict[str, str], source: dict[str, str]) -> dict[str, Any]:
    """Ingress to pods labelled ``to`` from pods of the namespace labelled ``source``."""
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "allow-from-" + "-".join(source.values()), "namespace": namespace},
        "spec": {
            "podSelector": {"matchLabels": to},
            "policyTypes": ["Ingress"],
            "ingress": [{"from": [{"podSelector": {"matchLabels": source}}]}],
        },
    }


def apply(cluster: Cluster, policy: dict[str, Any]) -> None:
    cluster.kubectl("apply", "-f", "-", input_text=yaml.safe_dump(policy))


def reachable(answered: Callable[[str, str], bool], pairs: list[tuple[str, str]]) -> dict[tuple[str, str], bool]:
    """For each (client pod, url), whether it answered, asked in parallel: a refused request costs the client's
    whole timeout, and asking one after another would blur when a policy took hold."""
    with ThreadPoolExecutor(max_workers=len(pairs)) as pool:
        results = list(pool.map(lambda pair: answered(*pair), pairs))
    return dict(zip(pairs, results, strict=True))

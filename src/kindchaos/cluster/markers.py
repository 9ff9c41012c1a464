"""Marker ConfigMaps: a small, known piece of cluster data to compare before and after an etcd operation."""

from __future__ import annotations

from typing import Any

from kubernetes import client
from kubernetes.client.exceptions import ApiException

from kindchaos.cluster.lifecycle import Cluster

LABEL = "kindchaos.dev/marker"


class Markers:
    """ConfigMaps labelled as markers in one namespace, and namespaces created to be compared."""

    def __init__(self, cluster: Cluster, namespace: str) -> None:
        self.cluster = cluster
        self.namespace = namespace
        self.core: Any = client.CoreV1Api(cluster.api)

    def create_namespace(self, name: str | None = None) -> str:
        name = name or self.namespace
        self.core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=name)))
        return name

    def namespace_exists(self, name: str) -> bool:
        try:
            self.core.read_namespace(name, _request_timeout=10)
        except ApiException as exc:
            if exc.status == 404:
                return False
            raise
        return True

    def create(self, name: str) -> None:
        body = client.V1ConfigMap(metadata=client.V1ObjectMeta(name=name, labels={LABEL: "true"}), data={"v": name})
        self.core.create_namespaced_config_map(self.namespace, body, _request_timeout=10)

    def delete(self, name: str) -> None:
        self.core.delete_namespaced_config_map(name, self.namespace, _request_timeout=10)

    def versions(self) -> dict[str, str]:
        """Marker name -> resourceVersion, read from etcd (a consistent list)."""
        found = self.core.list_namespaced_config_map(
            self.namespace, label_selector=f"{LABEL}=true", _request_timeout=10
        )
        return {cm.metadata.name: cm.metadata.resource_version for cm in found.items}

    def delete_namespaces(self, *names: str) -> None:
        for name in names:
            try:
                self.core.delete_namespace(name, _request_timeout=10)
            except ApiException as exc:
                if exc.status != 404:
                    raise

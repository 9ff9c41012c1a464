"""One history client's requests: ConfigMaps in one namespace, through one chosen apiserver, never retried.

Each client has its own connection pool, so one client's dropped connection says nothing about another's.
Retries are off: urllib3 retries a PUT or DELETE whose answer was lost, and a retried update would come back
as a conflict with its own first attempt, recorded as one operation that failed although it took effect.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kubernetes import client, config

from kindchaos.observe.history.operations import Version

HISTORY_LABEL = "kindchaos.dev/history"
REQUEST_TIMEOUT = (2.0, 5.0)  # connect, read: a write unanswered after this is unknown


@dataclass(frozen=True)
class Endpoint:
    """Where a client sends its requests: the kubeconfig's server, or one apiserver by address."""

    label: str
    server: str | None = None  # https://IP:6443; None: the kubeconfig's (the load balancer on ha)


def raw_client(kubeconfig: Path, endpoint: Endpoint) -> Any:
    configuration = client.Configuration()
    config.load_kube_config(config_file=str(kubeconfig), client_configuration=configuration)  # type: ignore[no-untyped-call]
    if endpoint.server:
        configuration.host = endpoint.server
    configuration.retries = False
    configuration.connection_pool_maxsize = 4
    return client.ApiClient(configuration)


def version_of(obj: dict[str, Any]) -> Version:
    return Version(str((obj.get("data") or {}).get("value", "")), int(obj["metadata"]["resourceVersion"]))


class ObjectClient:
    """create/update/delete/get/list of the history's ConfigMaps; answers as (resourceVersion, value)."""

    def __init__(self, kubeconfig: Path, endpoint: Endpoint, *, namespace: str, run: str) -> None:
        self.endpoint = endpoint
        self.namespace = namespace
        self.run = run  # the label value: this history's objects only
        self.core: Any = client.CoreV1Api(raw_client(kubeconfig, endpoint))  # raw JSON in and out

    @property
    def selector(self) -> str:
        return f"{HISTORY_LABEL}={self.run}"

    def _body(self, key: str, value: str, rv: int | None = None) -> dict[str, Any]:
        meta: dict[str, Any] = {"name": key, "labels": {HISTORY_LABEL: self.run}}
        if rv is not None:
            meta["resourceVersion"] = str(rv)
        return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": {"value": value}}

    @staticmethod
    def _json(response: Any) -> dict[str, Any]:
        found: dict[str, Any] = json.loads(response.data)
        return found

    def create(self, key: str, value: str) -> Version:
        answer = self.core.create_namespaced_config_map(
            self.namespace, self._body(key, value), _preload_content=False, _request_timeout=REQUEST_TIMEOUT
        )
        return version_of(self._json(answer))

    def update(self, key: str, value: str, expected: int) -> Version:
        """A compare-and-set: the apiserver refuses with 409 unless the object is still at ``expected``."""
        answer = self.core.replace_namespaced_config_map(
            key,
            self.namespace,
            self._body(key, value, expected),
            _preload_content=False,
            _request_timeout=REQUEST_TIMEOUT,
        )
        return version_of(self._json(answer))

    def delete(self, key: str, expected: int) -> None:
        self.core.delete_namespaced_config_map(
            key,
            self.namespace,
            body={"preconditions": {"resourceVersion": str(expected)}},
            _preload_content=False,
            _request_timeout=REQUEST_TIMEOUT,
        )

    def get(self, key: str) -> Version:
        answer = self.core.read_namespaced_config_map(
            key, self.namespace, _preload_content=False, _request_timeout=REQUEST_TIMEOUT
        )
        return version_of(self._json(answer))

    def list(self, *, cached: bool = False) -> tuple[dict[str, Version], int]:
        """Every history object and the list's resourceVersion; ``cached``: ``resourceVersion=0``, which the
        apiserver may answer from its watch cache, stale by design."""
        extra = {"resource_version": "0"} if cached else {}
        answer = self._json(
            self.core.list_namespaced_config_map(
                self.namespace,
                label_selector=self.selector,
                _preload_content=False,
                _request_timeout=REQUEST_TIMEOUT,
                **extra,
            )
        )
        items = {item["metadata"]["name"]: version_of(item) for item in answer.get("items") or []}
        return items, int(answer["metadata"]["resourceVersion"])

"""The scenarios' workload: a Deployment of the workload image behind a Service, and a client pod.

The workload answers GET / with the answering pod's and node's names, so a
caller can tell which endpoint served each request.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import yaml

from kindchaos.cluster.lifecycle import Cluster
from kindchaos.cluster.services import wait_programmed
from kindchaos.cluster.workload_objects import CONTROL_PLANE_TOLERATION, not_ready_tolerations, spread_over_nodes
from kindchaos.errors import KindChaosError
from kindchaos.images.pins import DEFAULT_REFS
from kindchaos.waiting import wait_for

_DOWNWARD_ENV = [
    {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
    {"name": "NODE_NAME", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}},
    {"name": "POD_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}},
    {"name": "POD_NAMESPACE", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}},
]


def _container(name: str) -> dict[str, object]:
    return {
        "name": name,
        "image": DEFAULT_REFS.workload,
        "imagePullPolicy": "Never",
        "env": _DOWNWARD_ENV,
        "ports": [{"containerPort": 8080}],
        "readinessProbe": {"httpGet": {"path": "/healthz", "port": 8080}, "periodSeconds": 1},
    }


def web_manifests(
    *,
    name: str,
    namespace: str,
    replicas: int,
    toleration_seconds: int | None = None,
    spread: bool = False,
    on_control_planes: bool = False,
) -> list[dict[str, object]]:
    """The Deployment and its Service; optionally spread over the nodes, with a shorter not-ready toleration,
    or allowed on the control planes (where a cluster has one worker, a drain has nowhere else to move it)."""
    labels = {"app": name}
    pod_spec: dict[str, object] = {"containers": [_container("web")]}
    tolerations = [
        *(not_ready_tolerations(toleration_seconds) if toleration_seconds is not None else []),
        *([CONTROL_PLANE_TOLERATION] if on_control_planes else []),
    ]
    if tolerations:
        pod_spec["tolerations"] = tolerations
    if spread:
        pod_spec["topologySpreadConstraints"] = spread_over_nodes(labels)
    return [
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": name, "namespace": namespace, "labels": labels},
            "spec": {
                "replicas": replicas,
                "selector": {"matchLabels": labels},
                "template": {"metadata": {"labels": labels}, "spec": pod_spec},
            },
        },
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {"selector": labels, "ports": [{"port": 80, "targetPort": 8080}]},
        },
    ]


def client_manifest(*, name: str, namespace: str, node: str | None = None) -> dict[str, object]:
    """A client pod; with ``node``, bound to that node (no scheduler involved)."""
    spec: dict[str, object] = {"containers": [_container("client")], "terminationGracePeriodSeconds": 1}
    if node is not None:
        spec["nodeName"] = node
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": {"app": name}},
        "spec": spec,
    }


@dataclass(frozen=True)
class Placed:
    """A pod, its node and its address."""

    name: str
    node: str
    ip: str


def on_another_node(client: Placed, webs: list[Placed]) -> Placed:
    """The web pod a client's requests must cross nodes to reach."""
    return next(web for web in webs if web.node != client.node)


@dataclass(frozen=True)
class Workload:
    """A web Deployment behind a Service, and a client pod to call it from inside the cluster."""

    cluster: Cluster
    namespace: str
    name: str = "web"
    client: str = "client"

    def apply(
        self,
        *,
        replicas: int = 2,
        toleration_seconds: int | None = None,
        spread: bool = False,
        on_control_planes: bool = False,
    ) -> None:
        namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": self.namespace}}
        self.cluster.kubectl("apply", "-f", "-", input_text=yaml.safe_dump(namespace))
        # Pods are refused until the controller-manager has made the namespace's default ServiceAccount.
        wait_for(
            lambda: self.cluster.kubectl("get", "serviceaccount", "-n", self.namespace, "default", "-o", "name"),
            within=60,
            retry_on=(KindChaosError,),
            expected=f"serviceaccount {self.namespace}/default",
        )
        docs = [
            *web_manifests(
                name=self.name,
                namespace=self.namespace,
                replicas=replicas,
                toleration_seconds=toleration_seconds,
                spread=spread,
                on_control_planes=on_control_planes,
            ),
            client_manifest(name=self.client, namespace=self.namespace),
        ]
        self.cluster.kubectl("apply", "-f", "-", input_text=yaml.safe_dump_all(docs))

    def wait_ready(self, *, timeout: int = 120) -> None:
        """Pods Ready, and the Service's rule on every node (before it, a request would leave the cluster)."""
        # rollout status waits for the pods to exist too; `kubectl wait` fails at once if none exists yet.
        deployment = f"deployment/{self.name}"
        self.cluster.kubectl(
            "rollout", "status", "-n", self.namespace, deployment, f"--timeout={timeout}s", timeout=timeout + 30
        )
        self.cluster.kubectl(
            "wait",
            "-n",
            self.namespace,
            "--for=condition=Ready",
            "pod",
            self.client,
            f"--timeout={timeout}s",
            timeout=timeout + 30,
        )
        wait_programmed(self.cluster.nodes, self.service_ip(), within=timeout)

    def exec_client(self, *argv: str) -> str:
        return self.exec_in(self.client, *argv)

    def exec_in(self, pod: str, *argv: str) -> str:
        """The workload program run in one of this namespace's pods (the client, another client, a web pod)."""
        return self.cluster.kubectl("exec", "-n", self.namespace, pod, "--", "/usr/local/bin/workload", *argv)

    def placed(self, pod: str) -> Placed:
        """Where one of this namespace's pods runs, and its address."""
        found = json.loads(self.cluster.kubectl("get", "pod", "-n", self.namespace, pod, "-o", "json"))
        return Placed(pod, found["spec"]["nodeName"], found["status"]["podIP"])

    def add_client(self, name: str, *, node: str | None = None) -> None:
        """Another client pod in the namespace; with ``node``, bound to that node (no scheduler involved)."""
        manifest = client_manifest(name=name, namespace=self.namespace, node=node)
        self.cluster.kubectl("apply", "-f", "-", input_text=yaml.safe_dump(manifest))

    def ready(self, pod: str) -> bool:
        """Whether one of this namespace's pods reports Ready now."""
        found = json.loads(self.cluster.kubectl("get", "pod", "-n", self.namespace, pod, "-o", "json"))
        conditions = found["status"].get("conditions", [])
        return any(c["type"] == "Ready" and c["status"] == "True" for c in conditions)

    def web_pods(self) -> list[str]:
        listed = self.cluster.kubectl("get", "pods", "-n", self.namespace, "-l", f"app={self.name}", "-o", "name")
        return [name.removeprefix("pod/") for name in listed.split()]

    def answered(self, pod: str, url: str) -> bool:
        """Whether ``url`` answered a request from ``pod`` (within the program's 3 s timeout)."""
        try:
            self.exec_in(pod, "get", url)
        except KindChaosError:
            return False
        return True

    def resolve(self, name: str) -> list[str]:
        return self.exec_client("resolve", name).split()

    def get(self, url: str | None = None) -> dict[str, object]:
        target = url or f"http://{self.name}.{self.namespace}.svc/"
        answer: dict[str, object] = json.loads(self.exec_client("get", target))
        return answer

    def service_ip(self) -> str:
        return self.cluster.kubectl("get", "svc", "-n", self.namespace, self.name, "-o", "jsonpath={.spec.clusterIP}")

    def delete(self) -> None:
        self.cluster.kubectl("delete", "namespace", self.namespace, "--wait=false", "--ignore-not-found")

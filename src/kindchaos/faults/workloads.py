"""A Deployment scaled to zero (e.g. CoreDNS) and scaled back.

The earlier replica count is written on the Deployment as an annotation before
scaling down, so a health gate can scale it back even if this process dies.
Proof is the API (no pod left, no ready endpoint) and the nodes (no container
of it in crictl).
"""

from __future__ import annotations

from typing import Any

from kubernetes import client

from kindchaos.cluster.leftovers import REPLICAS_ANNOTATION
from kindchaos.cluster.lifecycle import Cluster
from kindchaos.cluster.nodes import container_state, crictl_container
from kindchaos.expect.conditions import eventually
from kindchaos.faults.base import Fault
from kindchaos.faults.expected import Expected, expect
from kindchaos.observe.timeline import Timeline


def _apps(cluster: Cluster) -> Any:
    return client.AppsV1Api(cluster.api)


def scale(cluster: Cluster, namespace: str, name: str, replicas: int, *, remember: int | None) -> None:
    annotations: dict[str, str | None] = {REPLICAS_ANNOTATION: None if remember is None else str(remember)}
    apps = _apps(cluster)
    apps.patch_namespaced_deployment(name, namespace, {"metadata": {"annotations": annotations}})
    apps.patch_namespaced_deployment_scale(name, namespace, {"spec": {"replicas": replicas}})


class DeploymentScaledToZero(Fault):
    """Every replica of a Deployment gone, then the earlier count back and Ready."""

    def __init__(
        self,
        cluster: Cluster,
        namespace: str,
        name: str,
        *,
        container: str | None = None,
        timeline: Timeline | None = None,
        within: float = 120,
    ) -> None:
        super().__init__(timeline=timeline)
        self.cluster = cluster
        self.namespace = namespace
        self.name = name
        self.container = container or name
        self.within = within
        self.replicas = 0

    def triage_expects(self) -> Expected | None:
        """CoreDNS is the one kube-system Deployment triage judges; another Deployment is the user's."""
        return expect("coredns") if (self.namespace, self.name) == ("kube-system", "coredns") else None

    @property
    def title(self) -> str:
        return f"deployment {self.namespace}/{self.name} scaled to 0"

    def _pods(self) -> list[Any]:
        deployment = _apps(self.cluster).read_namespaced_deployment(self.name, self.namespace)
        selector = ",".join(f"{k}={v}" for k, v in deployment.spec.selector.match_labels.items())
        pods: list[Any] = (
            client.CoreV1Api(self.cluster.api).list_namespaced_pod(self.namespace, label_selector=selector).items
        )
        return pods

    def inject(self) -> None:
        deployment = _apps(self.cluster).read_namespaced_deployment(self.name, self.namespace)
        self.replicas = int(deployment.spec.replicas or 0)
        if self.replicas == 0:
            raise AssertionError(f"{self.namespace}/{self.name} already has 0 replicas")
        scale(self.cluster, self.namespace, self.name, 0, remember=self.replicas)

    def prove(self) -> None:
        def no_pods() -> None:
            left = [p.metadata.name for p in self._pods()]
            assert not left, f"pods left: {left}"

        eventually(no_pods, within=self.within, expected=f"no {self.name} pod")
        up = [n for n in self.cluster.nodes if container_state(n)["Running"]]  # a stopped machine runs nothing
        running = {n: crictl_container(n, self.container) for n in up}
        assert not any(running.values()), f"{self.container} containers still running: {running}"
        down = sorted(set(self.cluster.nodes) - set(up))
        self.observed(
            f"API: no {self.name} pods; crictl: no running {self.container} container on any running node"
            + (f" (not running: {', '.join(down)})" if down else "")
        )

    def restore(self) -> None:
        if self.replicas:
            scale(self.cluster, self.namespace, self.name, self.replicas, remember=None)

    def prove_restored(self) -> None:
        def ready() -> None:
            found = _apps(self.cluster).read_namespaced_deployment(self.name, self.namespace)
            assert (found.status.ready_replicas or 0) == self.replicas, f"{found.status.ready_replicas} ready"

        eventually(ready, within=self.within, expected=f"{self.replicas} ready {self.name} replicas")
        self.observed(f"{self.replicas} {self.name} replicas Ready again")

"""Topologies are data: how many control planes and workers, and the kind config they make."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from kindchaos.errors import UsageError


@dataclass(frozen=True)
class Topology:
    """A cluster shape in kind's terms."""

    name: str
    control_planes: int
    workers: int
    purpose: str
    kubeadm_patches: tuple[str, ...] = field(default=())

    @property
    def roles(self) -> list[str]:
        return ["control-plane"] * self.control_planes + ["worker"] * self.workers

    def default_cluster_name(self) -> str:
        return f"kindchaos-{self.name}"

    def node_names(self, cluster: str) -> list[str]:
        """Container (and Kubernetes node) names kind gives this topology's nodes."""
        names = []
        for role, count in (("control-plane", self.control_planes), ("worker", self.workers)):
            names += [f"{cluster}-{role}" + (str(i + 1) if i else "") for i in range(count)]
        return names

    def kind_config(self, *, image: str) -> dict[str, Any]:
        config: dict[str, Any] = {
            "kind": "Cluster",
            "apiVersion": "kind.x-k8s.io/v1alpha4",
            "nodes": [{"role": role, "image": image} for role in self.roles],
        }
        if self.kubeadm_patches:
            config["kubeadmConfigPatches"] = list(self.kubeadm_patches)
        return config

    def kind_config_yaml(self, *, image: str) -> str:
        return yaml.safe_dump(self.kind_config(image=image), sort_keys=False)


SINGLE = Topology(
    name="single",
    control_planes=1,
    workers=2,
    purpose="scheduler, controller-manager, apiserver, drain, node failure",
)
HA = Topology(
    name="ha",
    control_planes=3,
    workers=1,
    purpose="etcd member/leader/quorum loss, apiserver HA (haproxy in front)",
)
TOPOLOGIES: dict[str, Topology] = {t.name: t for t in (SINGLE, HA)}


def topology_named(name: str) -> Topology:
    """Look up a topology, failing with the list of valid names."""
    try:
        return TOPOLOGIES[name]
    except KeyError:
        valid = ", ".join(sorted(TOPOLOGIES))
        raise UsageError(f"unknown topology {name!r}", hint=f"use one of: {valid}") from None

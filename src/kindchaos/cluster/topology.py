"""Topologies are data: how many control planes and workers, and the kind config they make."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import yaml

from kindchaos.cluster.external_etcd.layout import EtcdLayout
from kindchaos.errors import UsageError

CNIS = ("netd", "calico")
CALICO_POD_SUBNET = "192.168.0.0/16"  # the seed's IPPool


@dataclass(frozen=True)
class Topology:
    """A cluster shape in kind's terms."""

    name: str
    control_planes: int
    workers: int
    purpose: str
    kubeadm_patches: tuple[str, ...] = field(default=())
    external_etcd: int = 0  # members outside the nodes (kubeadm's etcd.external); 0: stacked on the control planes
    cni: str = "netd"  # the project's own agent (kind's default CNI slot), or "calico" (disableDefaultCNI)

    def with_cni(self, cni: str) -> Topology:
        if cni not in CNIS:
            raise UsageError(f"unknown CNI {cni!r}", hint=f"use one of: {', '.join(CNIS)}")
        return replace(self, cni=cni)

    @property
    def roles(self) -> list[str]:
        return ["control-plane"] * self.control_planes + ["worker"] * self.workers

    def default_cluster_name(self) -> str:
        return f"kindchaos-{self.name}" + ("" if self.cni == "netd" else f"-{self.cni}")

    def node_names(self, cluster: str) -> list[str]:
        """Container (and Kubernetes node) names kind gives this topology's nodes."""
        names = []
        for role, count in (("control-plane", self.control_planes), ("worker", self.workers)):
            names += [f"{cluster}-{role}" + (str(i + 1) if i else "") for i in range(count)]
        return names

    def etcd_layout(self, cluster: str) -> EtcdLayout | None:
        return EtcdLayout.for_cluster(cluster, count=self.external_etcd) if self.external_etcd else None

    def kind_config(self, *, image: str, etcd: EtcdLayout | None = None) -> dict[str, Any]:
        """kind's config; with an external ``etcd``, kubeadm's ``etcd.external`` and its PKI on each control plane."""
        nodes: list[dict[str, Any]] = [{"role": role, "image": image} for role in self.roles]
        patches = list(self.kubeadm_patches)
        if etcd is not None:
            names = self.node_names(etcd.cluster)
            for name, node in zip(names, nodes, strict=True):
                if node["role"] == "control-plane":
                    node["extraMounts"] = etcd.node_mounts(name)
            patches.append(etcd.kubeadm_patch())
        config: dict[str, Any] = {"kind": "Cluster", "apiVersion": "kind.x-k8s.io/v1alpha4", "nodes": nodes}
        if patches:
            config["kubeadmConfigPatches"] = patches
        if self.cni == "calico":
            config["networking"] = {"disableDefaultCNI": True, "podSubnet": CALICO_POD_SUBNET}
        return config

    def kind_config_yaml(self, *, image: str, etcd: EtcdLayout | None = None) -> str:
        return yaml.safe_dump(self.kind_config(image=image, etcd=etcd), sort_keys=False)


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
HA_EXTERNAL = Topology(
    name="ha-external",
    control_planes=3,
    workers=1,
    external_etcd=3,
    purpose="kubeadm's external etcd: 3 control planes on 3 etcd members outside the nodes (TLS, fixed addresses)",
)
TOPOLOGIES: dict[str, Topology] = {t.name: t for t in (SINGLE, HA, HA_EXTERNAL)}


def topology_named(name: str) -> Topology:
    """Look up a topology, failing with the list of valid names."""
    try:
        return TOPOLOGIES[name]
    except KeyError:
        valid = ", ".join(sorted(TOPOLOGIES))
        raise UsageError(f"unknown topology {name!r}", hint=f"use one of: {valid}") from None

"""Create, reuse and delete kind clusters through ``pytest_kind.KindCluster``.

This is the only module that imports pytest-kind-ng (GPL-3.0-or-later). It is
given the locally built kind and kubectl, so it never downloads anything.
Every create is checked first (Docker up, node image present, name free) and
undone when it fails or is interrupted, so no half-made cluster is left.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pytest_kind import KindCluster

from kindchaos import shell
from kindchaos.cluster import addresses, calico
from kindchaos.cluster.api import api_client
from kindchaos.cluster.external_etcd import steps as external_etcd
from kindchaos.cluster.external_etcd.certificates import check_pki
from kindchaos.cluster.external_etcd.layout import EtcdLayout
from kindchaos.cluster.topology import Topology
from kindchaos.errors import ClusterError
from kindchaos.host import docker
from kindchaos.images.actions import calico as calico_build
from kindchaos.images.context import BuildContext
from kindchaos.images.docker_images import image_exists
from kindchaos.images.pins import DEFAULT_REFS, DEFAULT_VERSIONS
from kindchaos.paths import bin_dir
from kindchaos.progress import Status
from kindchaos.waiting import wait_for

KIND_LABEL = "io.x-k8s.kind.cluster"


@dataclass
class Cluster:
    """A running cluster and how to reach it: a kind cluster this project made, or a target the user brought
    (``owned`` False: its nodes are the target's, and it is never deleted or recreated)."""

    name: str
    topology: Topology
    image: str
    kubeconfig: Path
    kind: KindCluster | None  # None for a target the user brought
    created_seconds: float | None  # None when an existing cluster was reused
    etcd: EtcdLayout | None = None  # the external etcd (ha-external); None: etcd is stacked on the control planes
    etcd_seconds: dict[str, float] | None = None  # the external etcd's own bring-up, step by step
    owned: bool = True
    node_roles: dict[str, str] | None = None  # a brought target's nodes and roles, read from their labels

    @property
    def nodes(self) -> list[str]:
        if self.node_roles is not None:
            return list(self.node_roles)
        return self.topology.node_names(self.name)

    @property
    def control_planes(self) -> list[str]:
        if self.node_roles is not None:
            return [n for n, role in self.node_roles.items() if role == "control-plane"]
        return [n for n in self.nodes if "-control-plane" in n]

    @property
    def workers(self) -> list[str]:
        if self.node_roles is not None:
            return [n for n, role in self.node_roles.items() if role == "worker"]
        return [n for n in self.nodes if "-worker" in n]

    @property
    def api(self) -> Any:
        """The cluster's shared Kubernetes ``ApiClient`` (built once per kubeconfig)."""
        return api_client(self.kubeconfig)

    def kubectl(self, *args: str, timeout: float = 120, input_text: str | None = None) -> str:
        kubectl = self.kind.kubectl_path if self.kind is not None else tool_paths()[1]
        argv = [str(kubectl), "--kubeconfig", str(self.kubeconfig), *args]
        return shell.output(argv, timeout=timeout, input=input_text)

    def delete(self) -> None:
        if not self.owned or self.kind is None:
            raise ClusterError(f"cluster {self.name!r} was not made by kindchaos; it is never deleted")
        delete_cluster(self.name, kind_path=self.kind.kind_path)


def tool_paths() -> tuple[Path, Path]:
    """The kind and kubectl the image build produced."""
    kind, kubectl = bin_dir() / "kind", bin_dir() / "kubectl"
    for path in (kind, kubectl):
        if not path.exists():
            raise ClusterError(f"{path} is missing", hint="run `kindchaos images build`")
    return kind, kubectl


def existing_clusters(kind_path: Path) -> list[str]:
    return shell.output([str(kind_path), "get", "clusters"]).split()


def _containers(filter_arg: str) -> list[dict[str, str]]:
    out = shell.output(["docker", "ps", "-a", "--filter", filter_arg, "--format", "{{json .}}"])
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def check_name_free_or_ours(name: str, topology: Topology, image: str, kind_path: Path) -> bool:
    """True when a matching cluster exists (reuse); raise when the name is taken by something else."""
    node_names = set(topology.node_names(name))
    expected = node_names | ({f"{name}-external-load-balancer"} if topology.control_planes > 1 else set())
    for container in _containers(f"name={name}-"):
        if container["Names"] in expected and f"{KIND_LABEL}={name}" not in container.get("Labels", ""):
            raise ClusterError(
                f"cluster name {name!r} is taken: container {container['Names']!r} is not a kind node",
                hint="pass another --cluster-name or remove that container",
            )
    if name not in existing_clusters(kind_path):
        return False
    nodes = {c["Names"]: c for c in _containers(f"label={KIND_LABEL}={name}")}
    wrong_image = sorted(n for n, c in nodes.items() if n in node_names and c["Image"] != image)
    if set(nodes) != expected or wrong_image:
        raise ClusterError(
            f"cluster name {name!r} is taken by a kind cluster that is not a {topology.name!r} cluster "
            f"from {image} (nodes: {sorted(nodes)})",
            hint=f"pass another --cluster-name or run `kind delete cluster --name {name}`",
        )
    stopped = sorted(n for n, c in nodes.items() if c["State"] != "running")
    if stopped:
        shell.run(["docker", "start", *stopped])
    return True


def remove_half_made(name: str, *, kind_path: Path, within: float = 120) -> None:
    """Delete a cluster whose create failed or was interrupted, and wait until nothing of it is left.

    Killing kind leaves its in-flight ``docker run`` commands running; they can
    start node containers after a first delete. Delete until no such command
    is alive and no container of the cluster remains.
    """

    def gone() -> None:
        delete_cluster(name, kind_path=kind_path)
        runners = subprocess.run(
            ["pgrep", "-f", f"docker run .*{KIND_LABEL}={name}( |$)"], capture_output=True, text=True, check=False
        ).stdout.split()
        left = [c["Names"] for c in _containers(f"label={KIND_LABEL}={name}")]
        assert not runners and not left, f"docker run still running: {runners}; containers left: {left}"

    wait_for(gone, within=within, interval=2, expected=f"every container of cluster {name!r} removed")


def _write_kubeconfig(name: str, kind_path: Path, kubeconfig: Path) -> None:
    kubeconfig.write_text(shell.output([str(kind_path), "get", "kubeconfig", "--name", name]) + "\n")
    kubeconfig.chmod(0o600)


def refresh_kubeconfig(cluster: Cluster) -> None:
    """The cluster's kubeconfig taken again from its admin.conf (after the operator renewed its certificate)."""
    if cluster.kind is None:
        raise ClusterError(f"cluster {cluster.name!r} was not made by kindchaos; its kubeconfig is the user's")
    _write_kubeconfig(cluster.name, cluster.kind.kind_path, cluster.kubeconfig)


def delete_cluster(name: str, *, kind_path: Path) -> list[str]:
    """kind's nodes first (they sit on the external etcd's network), then any external etcd of the cluster."""
    subprocess.run([str(kind_path), "delete", "cluster", "--name", name], capture_output=True, check=False)
    return external_etcd.remove(name)


def create_or_reuse(
    topology: Topology,
    *,
    name: str | None = None,
    image: str | None = None,
    workdir: Path = Path(".pytest-kind"),
    kind_bin: Path | None = None,
    kubectl_bin: Path | None = None,
) -> Cluster:
    """Return a running cluster of ``topology``, creating it if needed."""
    name = name or topology.default_cluster_name()
    image = image or (DEFAULT_REFS.calico_node_image if topology.cni == "calico" else DEFAULT_REFS.node)
    docker.require_daemon()
    if kind_bin and kubectl_bin:
        kind_path, kubectl_path = kind_bin, kubectl_bin
    else:
        built_kind, built_kubectl = tool_paths()
        kind_path, kubectl_path = kind_bin or built_kind, kubectl_bin or built_kubectl
    if not image_exists(image):
        raise ClusterError(f"node image {image} is missing", hint="run `kindchaos images build`")
    if topology.control_planes > 1 and not image_exists(DEFAULT_REFS.haproxy):
        raise ClusterError(
            f"load balancer image {DEFAULT_REFS.haproxy} is missing", hint="run `kindchaos images build`"
        )
    reuse = check_name_free_or_ours(name, topology, image, kind_path)
    etcd = topology.etcd_layout(name)
    cluster_dir = workdir / name
    kubeconfig = (cluster_dir / "kubeconfig").resolve()
    config_path = cluster_dir / "kind-config.yaml"
    kind = KindCluster(name, kubeconfig, image=image, kind_path=kind_path, kubectl_path=kubectl_path)
    started = time.monotonic()
    shape = f"{topology.name}: {topology.control_planes} control plane(s), {topology.workers} worker(s)"
    if etcd is not None:
        shape += f", {len(etcd.members)} external etcd members"
    etcd_seconds: dict[str, float] | None = None
    made_dir = not cluster_dir.exists()
    control_planes = topology.node_names(name)[: topology.control_planes]
    if etcd is not None and not reuse:
        external_etcd.check_free(etcd)
    try:
        cluster_dir.mkdir(parents=True, exist_ok=True)
        if etcd is not None and reuse:
            check_pki(etcd, control_planes)  # a file gone since the create shows here, not as a crash loop later
            external_etcd.ensure_running(etcd)
        elif etcd is not None:
            etcd_seconds = external_etcd.bring_up(etcd, control_planes).seconds
        config_path.write_text(topology.kind_config_yaml(image=image, etcd=etcd))
        if reuse:  # KindCluster reads the kubeconfig file of a cluster it finds; write it first.
            _write_kubeconfig(name, kind_path, kubeconfig)
        with (
            Status().step(f"{'reusing' if reuse else 'creating'} cluster {name!r} ({shape}) from {image}"),
            external_etcd.kind_network(etcd),
            addresses.kept(f"creating {name}"),
        ):
            kind.create(config_file=config_path)
            _write_kubeconfig(name, kind_path, kubeconfig)
        if topology.cni == "calico" and not reuse:
            with Status().step(f"installing Calico {DEFAULT_VERSIONS.calico} on {name!r} (VXLAN, the seed's IPPool)"):
                calico.install(
                    kubeconfig=kubeconfig,
                    kubectl=kubectl_path,
                    manifest=calico_build.manifest(BuildContext()),
                    calicoctl=calico_build.calicoctl(BuildContext()),
                    workdir=cluster_dir,
                )
    except BaseException as exc:
        if not reuse:
            remove_half_made(name, kind_path=kind_path)
            if made_dir:
                shutil.rmtree(cluster_dir, ignore_errors=True)
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        if isinstance(exc, ClusterError):
            raise
        raise ClusterError(f"failed to create cluster {name!r}: {exc}", hint="see kind's output above") from exc
    return Cluster(
        name=name,
        topology=topology,
        image=image,
        kubeconfig=kubeconfig,
        kind=kind,
        created_seconds=None if reuse else time.monotonic() - started,
        etcd=etcd,
        etcd_seconds=etcd_seconds,
    )


def create_fresh(
    topology: Topology,
    *,
    name: str,
    image: str,
    workdir: Path = Path(".pytest-kind"),
    kind_bin: Path | None = None,
    kubectl_bin: Path | None = None,
) -> Cluster:
    """A new cluster for a scenario that changes it for good (an upgrade): a cluster of that name left by an
    earlier run is deleted first, never reused."""
    docker.require_daemon()
    kind_path = kind_bin or tool_paths()[0]
    if name in existing_clusters(kind_path):
        with Status().step(f"deleting cluster {name!r} left by an earlier run"):
            remove_half_made(name, kind_path=kind_path)
    return create_or_reuse(
        topology, name=name, image=image, workdir=workdir, kind_bin=kind_bin, kubectl_bin=kubectl_bin
    )

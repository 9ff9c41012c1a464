"""What each part of a cluster says its version is, asked of the running thing itself.

An image tag or a manifest says what should run; these read what does run: the
binary inside each running container (``crictl exec ... --version``), each
apiserver's ``/version``, each kubelet's node status and its process, etcd's
``endpoint status``, and kubeadm's stored ``ClusterConfiguration``.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from typing import Any

import urllib3
import yaml

from kindchaos.cluster.api import core
from kindchaos.cluster.lifecycle import Cluster
from kindchaos.cluster.node_upgrade import binary_version, running_kubelet_version
from kindchaos.cluster.nodes import crictl_container, ip_address, output
from kindchaos.cluster.version_text import version_in
from kindchaos.images.pins import Versions

APISERVER_PORT = 6443
# The container's name, and the argv that makes its binary print its version.
CONTAINER_VERSION_ARGV = {
    "kube-apiserver": ("/usr/local/bin/kube-apiserver", "--version"),
    "kube-controller-manager": ("/usr/local/bin/kube-controller-manager", "--version"),
    "kube-scheduler": ("/usr/local/bin/kube-scheduler", "--version"),
    "kube-proxy": ("/usr/local/bin/kube-proxy", "--version"),
    "etcd": ("/usr/local/bin/etcd", "--version"),
    "coredns": ("/usr/local/bin/coredns", "-version"),
}
CONTROL_PLANE_ONLY = ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd")


@dataclass(frozen=True)
class Reported:
    """One thing's version, where it was read and how."""

    what: str  # e.g. "kube-scheduler", "kubelet (node status)"
    node: str
    version: str
    source: str

    def line(self) -> str:
        return f"{self.node:40} {self.what:32} {self.version:20} ({self.source})"


_insecure = urllib3.PoolManager(cert_reqs="CERT_NONE", timeout=urllib3.Timeout(total=2.0), retries=False)


def _apiserver_get(address: str, path: str) -> Any:
    """GET ``path`` from one apiserver directly, without credentials (``/version`` and ``/readyz`` allow it)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", urllib3.exceptions.InsecureRequestWarning)
        return _insecure.request("GET", f"https://{address}:{APISERVER_PORT}{path}")


def apiserver_version(address: str) -> str:
    """``gitVersion`` from an apiserver's ``/version``, asked directly."""
    response = _apiserver_get(address, "/version")
    if response.status != 200:
        raise urllib3.exceptions.HTTPError(f"/version answered HTTP {response.status}")
    return str(json.loads(response.data)["gitVersion"])


def apiserver_ready(address: str) -> None:
    """An apiserver's own ``/readyz`` answers 200; until then it may refuse requests its RBAC has not loaded."""
    response = _apiserver_get(address, "/readyz")
    assert response.status == 200, f"https://{address}:{APISERVER_PORT}/readyz answered HTTP {response.status}"


def apiserver_addresses(cluster: Cluster) -> dict[str, str]:
    """Each control-plane node's address on kind's network, to reach its own apiserver past the load balancer."""
    return {node: ip_address(node) for node in cluster.control_planes}


def kubelet_versions(cluster: Cluster) -> dict[str, str]:
    """What each kubelet reports in its node status."""
    nodes: Any = core(cluster.kubeconfig).list_node(_request_timeout=5).items
    return {n.metadata.name: n.status.node_info.kubelet_version for n in nodes}


def container_version(node: str, name: str) -> str | None:
    """The first line the running ``name`` container's own binary prints for its version; None when none runs."""
    running = crictl_container(node, name)
    if not running:
        return None
    printed = output(node, "crictl", "exec", running[0]["id"], *CONTAINER_VERSION_ARGV[name])
    return printed.splitlines()[0] if printed else printed


def cluster_configuration_version(cluster: Cluster) -> str:
    """``kubernetesVersion`` in kubeadm's stored ClusterConfiguration (what ``upgrade apply`` records)."""
    found: Any = core(cluster.kubeconfig).read_namespaced_config_map("kubeadm-config", "kube-system")
    config: dict[str, Any] = yaml.safe_load(found.data["ClusterConfiguration"])
    return str(config["kubernetesVersion"])


def everything(cluster: Cluster) -> list[Reported]:
    """Every component's version on every node, read from what runs."""
    found: list[Reported] = []
    for node, address in apiserver_addresses(cluster).items():
        found.append(Reported("kube-apiserver (/version)", node, apiserver_version(address), f"https://{address}"))
    for node, version in sorted(kubelet_versions(cluster).items()):
        found.append(Reported("kubelet (node status)", node, version, "status.nodeInfo.kubeletVersion"))
    for node in cluster.nodes:
        found.append(Reported("kubelet (process)", node, running_kubelet_version(node), "/proc/<pid>/exe --version"))
        found.append(Reported("kubeadm", node, binary_version(node, "kubeadm"), "kubeadm version"))
        names = [*(CONTROL_PLANE_ONLY if node in cluster.control_planes else ()), "kube-proxy", "coredns"]
        for name in names:
            said = container_version(node, name)
            if said is not None:
                found.append(Reported(name, node, said, "crictl exec <running container> --version"))
    found.append(
        Reported("ClusterConfiguration", "(cluster)", cluster_configuration_version(cluster), "kubeadm-config")
    )
    return found


def expected_version(reported: Reported, new: Versions) -> str:
    """What ``reported`` must say after the upgrade: Kubernetes' version, or etcd's and CoreDNS's own."""
    if reported.what == "etcd":
        return new.etcd
    if reported.what == "coredns":
        return new.coredns
    return new.kubernetes


def same_version(seen: str, want: str) -> bool:
    """The first X.Y.Z in each is the same version."""
    a, b = version_in(seen), version_in(want)
    return a is not None and a == b


def wrong_versions(found: list[Reported], new: Versions) -> list[str]:
    return [
        f"{r.what} on {r.node}: {r.version}, want {expected_version(r, new)}"
        for r in found
        if not same_version(r.version, expected_version(r, new))
    ]


def versions_table(found: list[Reported]) -> str:
    return "\n".join(r.line() for r in found)

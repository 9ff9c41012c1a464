"""Pinned versions: the inputs of every build step and the tags kind expects.

Kubernetes v1.34.x is the newest minor whose kubelet starts on cgroup v1
without an override; kind v0.31.0 is the newest release with an haproxy load
balancer. etcd, CoreDNS and pause follow ``kubeadm config images list``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Versions:
    kubernetes: str = "v1.34.12"
    kubernetes_commit: str = "26c89157669bdc7e3657302bc1abde758507095b"
    kind: str = "v0.31.0"
    etcd: str = "v3.6.5"
    coredns: str = "v1.12.1"
    pause: str = "3.10.1"
    crictl: str = "v1.34.0"
    cni_plugins: str = "v1.8.0"
    local_path_provisioner: str = "v0.0.30"
    calico: str = "v3.31.0"
    debian_suite: str = "bookworm"
    debian_mirror: str = "http://deb.debian.org/debian"
    # Tags kind v0.31.0 writes into its manifests and load balancer.
    kind_image_tag: str = "v20251212-v0.29.0-alpha-105-g20ccfc88"
    kind_helper_tag: str = "v20251211-v0.29.0-alpha-100-g82a92c5d"

    @property
    def staging(self) -> str:
        """The published k8s.io/* staging modules' version for this release."""
        return "v0." + self.kubernetes.removeprefix("v1.")

    @property
    def minor(self) -> str:
        return ".".join(self.kubernetes.removeprefix("v").split(".")[:2])


@dataclass(frozen=True)
class ImageRefs:
    """Every image reference, exactly as kubeadm and kind write it."""

    versions: Versions

    @property
    def node(self) -> str:
        return f"kindchaos/node:{self.versions.kubernetes}"

    def control_plane(self, component: str) -> str:
        return f"registry.k8s.io/{component}:{self.versions.kubernetes}"

    @property
    def etcd(self) -> str:
        return f"registry.k8s.io/etcd:{self.versions.etcd.removeprefix('v')}-0"

    @property
    def coredns(self) -> str:
        return f"registry.k8s.io/coredns/coredns:{self.versions.coredns}"

    @property
    def pause(self) -> str:
        return f"registry.k8s.io/pause:{self.versions.pause}"

    @property
    def netd(self) -> str:
        return "docker.io/kindchaos/netd:v1"

    @property
    def local_path_provisioner(self) -> str:
        return f"docker.io/kindest/local-path-provisioner:{self.versions.kind_image_tag}"

    @property
    def local_path_helper(self) -> str:
        return f"docker.io/kindest/local-path-helper:{self.versions.kind_helper_tag}"

    @property
    def haproxy(self) -> str:
        return f"docker.io/kindest/haproxy:{self.versions.kind_helper_tag}"

    @property
    def workload(self) -> str:
        return "docker.io/kindchaos/workload:v1"

    def calico(self, component: str) -> str:
        """Calico's images (node, cni, kube-controllers) as its release manifests name them."""
        return f"quay.io/calico/{component}:{self.versions.calico}"

    @property
    def calico_node_image(self) -> str:
        """The node image variant with Calico's images pre-loaded."""
        return f"{self.node}-calico"


DEFAULT_VERSIONS = Versions()
DEFAULT_REFS = ImageRefs(DEFAULT_VERSIONS)

# The upgrade drill's starting point: the previous minor, with the images kubeadm v1.33.13 deploys
# (`DefaultEtcdVersion`, `CoreDNSVersion` and `PauseVersion` in cmd/kubeadm/app/constants). The module proxy
# publishes no VCS origin for v1.33.13, so its commit is unknown and left out of the version ldflags.
UPGRADE_FROM_VERSIONS = Versions(
    kubernetes="v1.33.13", kubernetes_commit="", etcd="v3.5.24", coredns="v1.12.0", pause="3.10"
)
UPGRADE_FROM_REFS = ImageRefs(UPGRADE_FROM_VERSIONS)


def upgrade_node_ref(old: Versions = UPGRADE_FROM_VERSIONS, new: Versions = DEFAULT_VERSIONS) -> str:
    """The upgrade drill's node image: ``old``'s cluster, with ``new``'s binaries staged and images pre-loaded."""
    return f"kindchaos/node:{old.kubernetes}-upgrade-{new.kubernetes}"


UPGRADE_NODE_REF = upgrade_node_ref()
STAGED_DIR = "/kind/upgrade"  # the new release's kubeadm, kubelet and kubectl: /kind/upgrade/<version>/<binary>
CONTROL_PLANE_COMPONENTS = ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "kube-proxy")


@dataclass(frozen=True)
class GoModulePin:
    """A module version the checksum database does not know: its ``h1:`` sums are pinned here and checked on
    download, instead of turning verification off."""

    path: str
    version: str
    sum: str
    go_mod_sum: str

    def go_sum_lines(self) -> str:
        return f"{self.path} {self.version} {self.sum}\n{self.path} {self.version}/go.mod {self.go_mod_sum}\n"


# Calico v3.31.0 (tag commit b1f3c43f8437): the proxy serves the monorepo and its nested modules only as
# pseudo-versions, and the monorepo's go.mod replaces api and lib/std with folders its module zip leaves out.
CALICO_COMMIT = "b1f3c43f84370504e218eb5be8a34c81348f866a"
CALICO_MODULE = GoModulePin(
    "github.com/projectcalico/calico",
    "v0.0.0-20251021213802-b1f3c43f8437",
    "h1:PbLe6D0Yis8ce4F+o/Dmlrv4Her2ZN6ns8rmlZoFoEY=",
    "h1:HPgBjvttb5ao4PdYZJOQ2H9G71fnWOUM1CRAPPOUyc0=",
)
CALICO_REPLACED = (
    GoModulePin(
        "github.com/projectcalico/api",
        "v0.0.0-20251022175904-f2ab03771208",  # the api repository's v3.31.0
        "h1:ltTWo/cCc/8pEpzmlzIjt6r2383x2XDPkuBcd/9kE3k=",
        "h1:0+91//9pw8kMOyWwG1egVY9a9y43kVTLZfiEF1l5IQc=",
    ),
    GoModulePin(
        "github.com/projectcalico/calico/lib/std",
        "v0.0.0-20251021213802-b1f3c43f8437",
        "h1:iLY3Uzt4pVX3jpS9Wt+mxakq1nfzN/32t6YZK9n7p/U=",
        "h1:CjRtnCtQlXAxROAfoVztMfaBDWFqpuZmWM9EfBkcj8c=",
    ),
)
# Replaced by a folder of the monorepo that is not on the proxy; only whisker-backend imports it.
CALICO_DROPPED = ("github.com/projectcalico/calico/lib/httpmachinery",)

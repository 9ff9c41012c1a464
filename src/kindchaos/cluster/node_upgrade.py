"""The kubeadm upgrade runbook on a kind node, one action per step, with no registry.

The upgrade node image stages the next release's kubeadm, kubelet and kubectl
under ``/kind/upgrade/<version>/`` and pre-loads its images, so each action is
what an operator runs after the package manager has fetched the new packages:
install kubeadm, ``kubeadm upgrade plan|apply|node``, install kubelet and
kubectl, restart kubelet. Drain and uncordon are ``faults.drain``.
"""

from __future__ import annotations

from kindchaos.cluster.nodes import output, run
from kindchaos.cluster.version_text import version_in
from kindchaos.errors import ClusterError
from kindchaos.images.pins import STAGED_DIR

KUBEADM_TIMEOUT_S = 900  # `upgrade apply` waits for each static pod, etcd included, to come back


def parse_version(text: str) -> tuple[int, int, int]:
    """(major, minor, patch) of the first ``vX.Y.Z`` in ``text``; ``ValueError`` if there is none."""
    found = version_in(text, prefixed=True)
    if found is None:
        raise ValueError(f"no vX.Y.Z version in {text!r}")
    return found.major, found.minor, found.micro


def minor_of(version: str) -> tuple[int, int]:
    major, minor, _ = parse_version(version)
    return major, minor


def staged(version: str, binary: str) -> str:
    return f"{STAGED_DIR}/{version}/{binary}"


def check_staged(node: str, version: str) -> None:
    """The node image carries ``version``'s binaries (it is the upgrade image, not the main one)."""
    ran = run(node, staged(version, "kubeadm"), "version", "-o", "short")
    if ran.code != 0 or ran.output.strip() != version:
        raise ClusterError(
            f"{node} has no staged kubeadm {version} ({ran.output or 'exit ' + str(ran.code)})",
            hint="run `kindchaos images build` (it builds the upgrade drill's node image)",
        )


def install(node: str, version: str, *binaries: str) -> str:
    """Put the staged binaries in place, as the package manager's upgrade would; return what they now say."""
    for binary in binaries:
        output(node, "install", "-m", "0755", staged(version, binary), f"/usr/bin/{binary}")
    return "; ".join(f"{b}: {binary_version(node, b)}" for b in binaries)


def binary_version(node: str, binary: str) -> str:
    """What the installed binary says its version is."""
    argv = {"kubeadm": ["kubeadm", "version", "-o", "short"], "kubectl": ["kubectl", "version", "--client"]}.get(
        binary, [binary, "--version"]
    )
    return output(node, *argv)


def upgrade_plan(node: str, version: str) -> str:
    """``kubeadm upgrade plan`` told the target version (with none it would look it up on the internet)."""
    return output(node, "kubeadm", "upgrade", "plan", version, timeout=KUBEADM_TIMEOUT_S)


def upgrade_apply(node: str, version: str) -> str:
    """``kubeadm upgrade apply``: the cluster configuration, this node's control plane, etcd, CoreDNS, kube-proxy."""
    return output(node, "kubeadm", "upgrade", "apply", version, "--yes", timeout=KUBEADM_TIMEOUT_S)


def upgrade_node(node: str) -> str:
    """``kubeadm upgrade node``: a further control plane's static pods, or a worker's kubelet configuration."""
    return output(node, "kubeadm", "upgrade", "node", timeout=KUBEADM_TIMEOUT_S)


def restart_kubelet(node: str) -> None:
    output(node, "systemctl", "daemon-reload")
    output(node, "systemctl", "restart", "kubelet")


def running_kubelet_version(node: str) -> str:
    """The version of the kubelet process that is running, read from its own executable.

    ``/proc/<pid>/exe`` is the binary the process started from, even after the file on disk was replaced, so a
    kubelet that was installed but not restarted still answers with its old version.
    """
    pid = int(output(node, "systemctl", "show", "-p", "MainPID", "--value", "kubelet"))
    return output(node, f"/proc/{pid}/exe", "--version")

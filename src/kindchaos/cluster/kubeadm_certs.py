"""kubeadm's certificates on a control-plane node: issued short-lived, read back, and renewed by the runbook.

kind (v0.31) writes kubeadm's v1beta3 configuration, which has no ``certificateValidityPeriod``; the cluster
keeps its own configuration as v1beta4 in ``kube-system/kubeadm-config``. So the short-lived certificates are
issued by kubeadm itself after the create: ``kubeadm certs renew all --config`` with that configuration and a
validity of minutes (kubeadm's renewal honours it), the control plane restarted on them. The host clock is never
touched. The recovery is the operator's runbook: ``kubeadm certs renew all`` with the cluster's configuration
(one year), the static pods restarted, the admin kubeconfig taken again from the node.
"""

from __future__ import annotations

import base64
import datetime
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import yaml
from cryptography import x509
from kubernetes import client, config

from kindchaos.cluster import etcd_runbook
from kindchaos.cluster.lifecycle import Cluster
from kindchaos.cluster.nodes import output, run
from kindchaos.cluster.runbook_step import Step

CONFIG_DIR = "/etc/kubernetes"
STATIC_PODS = (
    ("etcd.yaml", "etcd"),
    ("kube-apiserver.yaml", "kube-apiserver"),
    ("kube-controller-manager.yaml", "kube-controller-manager"),
    ("kube-scheduler.yaml", "kube-scheduler"),
)
PKI = "/etc/kubernetes/pki"
# What kubeadm renews: the PKI's leaf certificates and the client certificates embedded in its kubeconfig files.
RENEWED_FILES = {
    "apiserver": f"{PKI}/apiserver.crt",
    "apiserver-kubelet-client": f"{PKI}/apiserver-kubelet-client.crt",
    "apiserver-etcd-client": f"{PKI}/apiserver-etcd-client.crt",
    "front-proxy-client": f"{PKI}/front-proxy-client.crt",
    "etcd-server": f"{PKI}/etcd/server.crt",
    "etcd-peer": f"{PKI}/etcd/peer.crt",
    "etcd-healthcheck-client": f"{PKI}/etcd/healthcheck-client.crt",
}
RENEWED_KUBECONFIGS = ("admin.conf", "super-admin.conf", "controller-manager.conf", "scheduler.conf")
# What kubelet keeps itself: its client certificate (rotated through CSRs) and its self-signed serving certificate.
KUBELET_FILES = {
    "kubelet-client": "/var/lib/kubelet/pki/kubelet-client-current.pem",
    "kubelet-serving": "/var/lib/kubelet/pki/kubelet.crt",
}


@dataclass(frozen=True)
class Expiry:
    """One certificate's notAfter, as epoch seconds."""

    name: str
    not_after: float

    def shown(self) -> str:
        return f"{self.name}: {datetime.datetime.fromtimestamp(self.not_after, datetime.UTC):%Y-%m-%d %H:%M:%S} UTC"


def cluster_configuration(cluster: Cluster) -> dict[str, Any]:
    """kubeadm's own ClusterConfiguration, as the cluster stores it (v1beta4 on Kubernetes 1.31 and later)."""
    core: Any = client.CoreV1Api(cluster.api)
    found: dict[str, Any] = yaml.safe_load(
        core.read_namespaced_config_map("kubeadm-config", "kube-system").data["ClusterConfiguration"]
    )
    return found


def write_config(node: str, configuration: dict[str, Any], validity: str) -> str:
    """The configuration with ``certificateValidityPeriod: validity`` written on the node; returns its path."""
    copy = dict(configuration, certificateValidityPeriod=validity)
    path = f"{CONFIG_DIR}/kindchaos-kubeadm-{validity}.yaml"
    output(node, "tee", path, input_text=yaml.safe_dump(copy))
    return path


def renew_all(node: str, config: str) -> Step:
    started = time.monotonic()
    argv = ["kubeadm", "certs", "renew", "all", f"--config={config}"]
    ran = run(node, *argv, timeout=120)
    assert ran.code == 0, f"kubeadm certs renew all exited {ran.code}: {ran.output[-400:]}"
    return Step("kubeadm certs renew all", f"[{node}] {' '.join(argv)}", ran.output, time.monotonic() - started)


def check_expiration(node: str, config: str) -> str:
    ran = run(node, "kubeadm", "certs", "check-expiration", f"--config={config}", timeout=60)
    return f"$ kubeadm certs check-expiration --config={config}\n{ran.output}"


def restart_static_pods(node: str) -> list[Step]:
    """kubeadm's advice after a renewal: the control plane's static pods restarted (manifests out, then back)."""
    steps = [etcd_runbook.park(node, manifest, name) for manifest, name in STATIC_PODS]
    steps += [etcd_runbook.unpark(node, manifest, name) for manifest, name in STATIC_PODS]
    return steps


def _not_after(pem: bytes) -> float:
    return x509.load_pem_x509_certificate(pem).not_valid_after_utc.timestamp()


def expiries(node: str) -> list[Expiry]:
    """The notAfter of every certificate kubeadm renews, read from the node's files."""
    found = [Expiry(name, _not_after(output(node, "cat", path).encode())) for name, path in RENEWED_FILES.items()]
    for name in RENEWED_KUBECONFIGS:
        config = yaml.safe_load(output(node, "cat", f"{CONFIG_DIR}/{name}"))
        data = config["users"][0]["user"]["client-certificate-data"]
        found.append(Expiry(name, _not_after(base64.b64decode(data))))
    return found


def kubelet_expiries(node: str) -> list[Expiry]:
    """kubelet's own certificates (not kubeadm's to renew): the client certificate and the serving one."""
    return [Expiry(name, _not_after(output(node, "cat", path).encode())) for name, path in KUBELET_FILES.items()]


def unverified_api(cluster: Cluster) -> Any:
    """An API client that does not verify the apiserver's certificate (expired on purpose), authenticating with
    the kubeconfig's own client certificate, which kind took at the create and is still valid. For reading what
    the cluster does while its serving certificate is expired; never for anything else."""
    configuration = client.Configuration()
    config.load_kube_config(config_file=str(cluster.kubeconfig), client_configuration=configuration)  # type: ignore[no-untyped-call]
    configuration.verify_ssl = False
    return client.ApiClient(configuration)


def lease_renewals(api: Any, namespace: str) -> dict[str, float]:
    """Every lease in ``namespace`` -> its renewTime (epoch seconds)."""
    leases: Any = client.CoordinationV1Api(api).list_namespaced_lease(namespace, _request_timeout=10)
    return {lease.metadata.name: lease.spec.renew_time.timestamp() for lease in leases.items if lease.spec.renew_time}


def ready_verbose(api: Any) -> tuple[int, str]:
    """The apiserver's ``/readyz?verbose`` (its etcd check among others): HTTP status and body."""
    method, url, headers, _, _ = api.param_serialize(
        "GET", "/readyz", query_params=[("verbose", "true")], auth_settings=["BearerToken"]
    )
    answer = api.call_api(method, url, header_params=headers, _request_timeout=10)
    answer.read()
    return int(answer.status), bytes(answer.data).decode()


def etcd_rejections_since(node: str, since: float) -> list[str]:
    """etcd's log lines of client connections it rejected after ``since`` (epoch seconds)."""
    found = run(node, "bash", "-c", "crictl logs $(crictl ps -q --name '^etcd$' | head -1) 2>&1", timeout=30)
    lines = []
    for line in found.output.splitlines():
        if "rejected connection" not in line:
            continue
        try:
            stamp = datetime.datetime.fromisoformat(yaml.safe_load(line)["ts"]).timestamp()
        except (ValueError, KeyError, TypeError, yaml.YAMLError):
            continue
        if stamp > since:
            lines.append(line)
    return lines


def restarts(node: str, name: str) -> int:
    """How many times kubelet restarted the node's ``name`` container (its newest container's attempt)."""
    found = run(node, "crictl", "ps", "-a", "--name", f"^{name}$", "-o", "json", timeout=30)
    containers = yaml.safe_load(found.stdout or "{}").get("containers", [])
    return max((int(c.get("metadata", {}).get("attempt", 0)) for c in containers), default=0)


def endpoint(cluster: Cluster) -> tuple[str, int]:
    """The host and port of the cluster's API endpoint, from its kubeconfig."""
    found: dict[str, Any] = yaml.safe_load(cluster.kubeconfig.read_text())
    parsed = urlsplit(found["clusters"][0]["cluster"]["server"])
    assert parsed.hostname and parsed.port, f"no host and port in {parsed.geturl()}"
    return parsed.hostname, parsed.port

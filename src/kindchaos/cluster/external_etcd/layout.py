"""Where an external etcd cluster lives: member names and addresses, its network, its PKI and data on the host.

Everything is derived from the kind cluster's name, so a create, a reuse, a delete and a health gate in another
process all find the same containers, network and folders. The containers and the network carry
``OWNER_LABEL`` (never kind's cluster label, which would make kind treat them as nodes).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from kindchaos.paths import cache_root

OWNER_LABEL = "dev.kindchaos.etcd-of"
SUBNET = "172.30.250.0/24"
# Docker's own addresses (kind's nodes, the load balancer) come from the upper half; members sit below it.
DYNAMIC_RANGE = "172.30.250.128/25"
FIRST_MEMBER_HOST = 11
CLIENT_PORT, PEER_PORT, METRICS_PORT = 2379, 2380, 2381
# Where the PKI appears inside a control-plane node (kubeadm's etcd folder) and inside a member container.
NODE_PKI = "/etc/kubernetes/pki/etcd"
MEMBER_PKI = "/etc/etcd/pki"
MEMBER_DATA = "/var/lib/etcd"


@dataclass(frozen=True)
class EtcdMember:
    """One member: its container (and etcd) name and fixed address."""

    name: str
    address: str

    @property
    def client_url(self) -> str:
        return f"https://{self.address}:{CLIENT_PORT}"

    @property
    def peer_url(self) -> str:
        return f"https://{self.address}:{PEER_PORT}"


def state_root() -> Path:
    return cache_root() / "external-etcd"


@dataclass(frozen=True)
class EtcdLayout:
    """An external etcd cluster for kind cluster ``cluster``."""

    cluster: str
    members: tuple[EtcdMember, ...]
    state_dir: Path

    @classmethod
    def for_cluster(cls, cluster: str, *, count: int = 3, root: Path | None = None) -> EtcdLayout:
        members = tuple(member_at(cluster, i) for i in range(1, count + 1))
        return cls(cluster=cluster, members=members, state_dir=(root or state_root()) / cluster)

    @property
    def network(self) -> str:
        return f"{self.cluster}-net"

    @property
    def token(self) -> str:
        """The initial cluster token: members of another cluster (or a restore) never join this one by mistake."""
        return f"{self.cluster}-etcd"

    @property
    def pki_dir(self) -> Path:
        return self.state_dir / "pki"

    def member_pki(self, member: EtcdMember) -> Path:
        return self.pki_dir / "members" / member.name

    def node_pki(self, node: str) -> Path:
        """The copy of the CA and the apiserver's client certificate mounted into one control-plane node."""
        return self.pki_dir / "control-planes" / node

    def data_dir(self, member: EtcdMember) -> Path:
        return self.state_dir / "data" / member.name

    @property
    def client_cert(self) -> tuple[Path, Path, Path]:
        """(CA, certificate, key) for etcdctl on the host, as kubeadm's healthcheck client."""
        pki = self.pki_dir
        return pki / "ca.crt", pki / "healthcheck-client.crt", pki / "healthcheck-client.key"

    @property
    def endpoints(self) -> list[str]:
        return [m.client_url for m in self.members]

    def member(self, name: str) -> EtcdMember:
        found = next((m for m in self.members if m.name == name), None)
        if found is None:
            raise KeyError(f"{name!r} is not a member of {self.cluster!r}'s etcd ({self.names})")
        return found

    @property
    def names(self) -> list[str]:
        return [m.name for m in self.members]

    def initial_cluster(self, members: tuple[EtcdMember, ...] | None = None) -> str:
        return ",".join(f"{m.name}={m.peer_url}" for m in (members or self.members))

    def kubeadm_patch(self) -> str:
        """kubeadm's ``etcd.external``, with the files where ``node_pki`` is mounted."""
        patch: dict[str, Any] = {
            "kind": "ClusterConfiguration",
            "etcd": {
                "external": {
                    "endpoints": self.endpoints,
                    "caFile": f"{NODE_PKI}/ca.crt",
                    "certFile": f"{NODE_PKI}/apiserver-etcd-client.crt",
                    "keyFile": f"{NODE_PKI}/apiserver-etcd-client.key",
                }
            },
        }
        return yaml.safe_dump(patch, sort_keys=False)

    def node_mounts(self, node: str) -> list[dict[str, Any]]:
        """kind ``extraMounts`` for a control plane. Read-write: kind copies ``ca.crt`` and ``ca.key`` from the
        first control plane onto the others with ``cp``, and each node has its own copy."""
        return [{"hostPath": str(self.node_pki(node)), "containerPath": NODE_PKI}]


def member_at(cluster: str, index: int) -> EtcdMember:
    """Member ``index`` (1-based): a replacement member gets the next index, name and address."""
    network = ipaddress.ip_network(SUBNET)
    return EtcdMember(name=f"{cluster}-etcd{index}", address=str(network[FIRST_MEMBER_HOST + index - 1]))

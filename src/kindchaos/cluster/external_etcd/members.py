"""The member containers: how each is run (the flags kubeadm gives a stacked member, over TLS on fixed addresses),
found, and removed."""

from __future__ import annotations

import json

from kindchaos import shell
from kindchaos.cluster.external_etcd.layout import (
    CLIENT_PORT,
    MEMBER_DATA,
    MEMBER_PKI,
    METRICS_PORT,
    OWNER_LABEL,
    PEER_PORT,
    EtcdLayout,
    EtcdMember,
)
from kindchaos.images.pins import DEFAULT_REFS


def etcd_flags(layout: EtcdLayout, member: EtcdMember, *, state: str = "new", initial: str | None = None) -> list[str]:
    """The member's command line: kubeadm's flags for a stacked member, with listen addresses for the network."""
    pki = MEMBER_PKI
    return [
        f"--name={member.name}",
        f"--data-dir={MEMBER_DATA}",
        f"--listen-client-urls=https://0.0.0.0:{CLIENT_PORT}",
        f"--advertise-client-urls={member.client_url}",
        f"--listen-peer-urls=https://0.0.0.0:{PEER_PORT}",
        f"--initial-advertise-peer-urls={member.peer_url}",
        f"--initial-cluster={initial or layout.initial_cluster()}",
        f"--initial-cluster-state={state}",
        f"--initial-cluster-token={layout.token}",
        f"--listen-metrics-urls=http://0.0.0.0:{METRICS_PORT}",
        "--client-cert-auth=true",
        f"--trusted-ca-file={pki}/ca.crt",
        f"--cert-file={pki}/server.crt",
        f"--key-file={pki}/server.key",
        "--peer-client-cert-auth=true",
        f"--peer-trusted-ca-file={pki}/ca.crt",
        f"--peer-cert-file={pki}/peer.crt",
        f"--peer-key-file={pki}/peer.key",
        "--snapshot-count=10000",
        "--feature-gates=InitialCorruptCheck=true",
        "--watch-progress-notify-interval=5s",
    ]


def run_argv(
    layout: EtcdLayout, member: EtcdMember, *, image: str | None = None, state: str = "new", initial: str | None = None
) -> list[str]:
    """``docker run`` for one member: on the cluster's network at its address, its PKI read-only, its data on the
    host, labelled as this cluster's (never with kind's label)."""
    return [
        *("docker", "run", "--detach", "--pull=never", "--restart=no"),
        *("--name", member.name, "--hostname", member.name),
        *("--network", layout.network, "--ip", member.address),
        *("--label", f"{OWNER_LABEL}={layout.cluster}"),
        *("--volume", f"{layout.member_pki(member)}:{MEMBER_PKI}:ro"),
        *("--volume", f"{layout.data_dir(member)}:{MEMBER_DATA}"),
        image or DEFAULT_REFS.etcd,
        "etcd",
        *etcd_flags(layout, member, state=state, initial=initial),
    ]


def start_member(
    layout: EtcdLayout, member: EtcdMember, *, image: str | None = None, state: str = "new", initial: str | None = None
) -> None:
    layout.data_dir(member).mkdir(parents=True, exist_ok=True)
    shell.run(run_argv(layout, member, image=image, state=state, initial=initial), timeout=60)


def owned_containers(cluster: str) -> list[dict[str, str]]:
    """Every container labelled as ``cluster``'s etcd, running or not."""
    out = shell.output(["docker", "ps", "-a", "--filter", f"label={OWNER_LABEL}={cluster}", "--format", "{{json .}}"])
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def remove_member(name: str) -> None:
    shell.run(["docker", "rm", "--force", "--volumes", name], timeout=60, check=False)


def state(name: str) -> dict[str, object] | None:
    """Docker's State block of a member container (None: there is none)."""
    proc = shell.run(["docker", "inspect", "--format", "{{json .State}}", name], check=False)
    if proc.returncode != 0:
        return None
    found: dict[str, object] = json.loads(proc.stdout)
    return found

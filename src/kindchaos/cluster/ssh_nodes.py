"""Open a kind cluster's nodes to SSH and describe it as a target file: a bring-your-own cluster made here.

The node image carries openssh-server, not started and with no host key. This starts it on each node of a
cluster this project made (host keys generated on the node, a fresh key pair in the output folder authorised
for root), copies the kubeconfig beside it, and writes ``target.yaml`` naming each node by its address on
kind's network. ``pytest --kindchaos-target <folder>/target.yaml`` then reaches every node over SSH, as it
would reach VMs, while the cluster stays one kind cluster on this host.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import yaml

from kindchaos import shell
from kindchaos.cluster.node_access import DOCKER_EXEC
from kindchaos.cluster.target_file import known_hosts_of
from kindchaos.errors import ClusterError, UsageError

KEY_NAME = "id_ed25519"


@dataclass(frozen=True)
class OpenedTarget:
    target_file: Path
    key: Path
    hosts: dict[str, str]  # node -> address


def _node_step(node: str, *argv: str, input_text: str | None = None) -> None:
    ran = DOCKER_EXEC.run(node, argv, input_text=input_text, timeout=60)
    if ran.code != 0:
        raise ClusterError(f"failed to open {node} to SSH: {' '.join(argv)} exited {ran.code}: {ran.output[-200:]}")


def open_to_ssh(node: str, public_key: str) -> None:
    """Host keys, root's authorised key, sshd started: on one node."""
    _node_step(node, "ssh-keygen", "-A")
    _node_step(node, "install", "-d", "-m", "0700", "/root/.ssh")
    _node_step(node, "tee", "/root/.ssh/authorized_keys", input_text=public_key)
    _node_step(node, "chmod", "0600", "/root/.ssh/authorized_keys")
    _node_step(node, "systemctl", "start", "ssh")


def _host_key(node: str) -> str:
    ran = DOCKER_EXEC.run(node, ("cat", "/etc/ssh/ssh_host_ed25519_key.pub"), timeout=30)
    if ran.code != 0:
        raise ClusterError(f"failed to read {node}'s SSH host key: {ran.output[-200:]}")
    kind, key = ran.output.split()[:2]
    return f"{kind} {key}"


def write_target(*, cluster: str, nodes: list[str], kubeconfig: Path, output: Path) -> OpenedTarget:
    """Open ``nodes`` of ``cluster`` to SSH and write ``output/target.yaml`` (with a key and kubeconfig beside);
    a failure part-way removes the folder again."""
    if output.exists() and any(output.iterdir()):
        raise UsageError(f"{output} is not empty", hint="give an empty or new folder for the target")
    output.mkdir(parents=True, exist_ok=True)
    try:
        return _write_target(cluster=cluster, nodes=nodes, kubeconfig=kubeconfig, output=output)
    except BaseException:
        shutil.rmtree(output, ignore_errors=True)
        raise


def _write_target(*, cluster: str, nodes: list[str], kubeconfig: Path, output: Path) -> OpenedTarget:
    output.chmod(0o700)
    key = output / KEY_NAME
    shell.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"kindchaos-target-{cluster}", "-f", str(key)])
    public = key.with_suffix(".pub").read_text()
    hosts = {node: DOCKER_EXEC.address(node) for node in nodes}
    for node in nodes:
        open_to_ssh(node, public)
    # The host keys were just made on the nodes, so they are known for sure: a target file written again for a
    # recreated cluster (new keys, perhaps the same addresses) must not meet the old cluster's keys.
    known = [f"{hosts[node]} {_host_key(node)}" for node in nodes]
    known_hosts_of(cluster).write_text("\n".join(known) + "\n")
    copied = output / "kubeconfig"
    copied.write_text(kubeconfig.read_text())
    copied.chmod(0o600)
    document = {
        "name": cluster,
        "kubeconfig": copied.name,
        "access": {"kind": "ssh", "user": "root", "key": key.name, "port": 22},
        "nodes": [{"name": node, "host": host} for node, host in hosts.items()],
    }
    target_file = output / "target.yaml"
    target_file.write_text(yaml.safe_dump(document, sort_keys=False))
    return OpenedTarget(target_file=target_file, key=key, hosts=hosts)

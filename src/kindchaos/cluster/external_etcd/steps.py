"""Bringing an external etcd up before kind runs, one small action per step, and taking it all down.

``bring_up`` runs the steps in order and, if any fails or is interrupted, removes what the earlier ones made
(containers, network, the state folder with PKI and data), so a failed create leaves nothing behind.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from kindchaos import shell
from kindchaos.cluster.external_etcd import members
from kindchaos.cluster.external_etcd.certificates import check_pki, write_pki
from kindchaos.cluster.external_etcd.etcdctl import all_healthy
from kindchaos.cluster.external_etcd.layout import DYNAMIC_RANGE, OWNER_LABEL, SUBNET, EtcdLayout, state_root
from kindchaos.errors import ClusterError
from kindchaos.images.docker_images import image_exists
from kindchaos.images.pins import DEFAULT_REFS
from kindchaos.progress import Status
from kindchaos.waiting import ConditionTimeout, wait_for

KIND_NETWORK_ENV = "KIND_EXPERIMENTAL_DOCKER_NETWORK"
HEALTHY_WITHIN_S = 60


@dataclass
class BringUp:
    """What the steps measured: each step's seconds, and the members' start to all healthy."""

    seconds: dict[str, float] = field(default_factory=dict)


def _networks() -> list[dict[str, object]]:
    names = shell.output(["docker", "network", "ls", "--format", "{{.Name}}"]).split()
    found: list[dict[str, object]] = json.loads(shell.output(["docker", "network", "inspect", *names]))
    return found


def check_free(layout: EtcdLayout) -> None:
    """The member names, the network's name and its subnet are not used by anything else."""
    for member in layout.members:
        found = members.state(member.name)
        if found is not None:
            raise ClusterError(
                f"a container named {member.name!r} already exists",
                hint=f"run `kindchaos clusters delete --name {layout.cluster}` or remove that container",
            )
    for network in _networks():
        subnets = [c.get("Subnet") for c in (network.get("IPAM") or {}).get("Config") or []]  # type: ignore[attr-defined]
        if network["Name"] == layout.network:
            raise ClusterError(
                f"docker network {layout.network!r} already exists",
                hint=f"run `kindchaos clusters delete --name {layout.cluster}` or `docker network rm {layout.network}`",
            )
        if SUBNET in subnets:
            raise ClusterError(
                f"subnet {SUBNET} for the external etcd is taken by docker network {network['Name']!r}",
                hint="delete the cluster that uses it (one ha-external cluster at a time) or that network",
            )


def make_network(layout: EtcdLayout) -> None:
    shell.run(
        [
            *("docker", "network", "create", "--driver", "bridge"),
            *("--subnet", SUBNET, "--ip-range", DYNAMIC_RANGE),
            *("--label", f"{OWNER_LABEL}={layout.cluster}"),
            *("--opt", "com.docker.network.bridge.enable_ip_masquerade=true"),
            layout.network,
        ]
    )


def start_members(layout: EtcdLayout) -> None:
    image = DEFAULT_REFS.etcd
    if not image_exists(image):
        raise ClusterError(f"etcd image {image} is missing", hint="run `kindchaos images build`")
    for member in layout.members:
        members.start_member(layout, member, image=image)


TROUBLE = ("fatal", "panic", "error", "not defined", "invalid")


def why_it_stopped(log: str) -> str:
    """The line of a member's log that says why it stopped: the last that names trouble, else the first line."""
    lines = [" ".join(line.split()) for line in log.splitlines() if line.strip()]
    named = [line for line in lines if any(word in line.lower() for word in TROUBLE)]
    return (named[-1] if named else lines[0] if lines else "no log")[:300]


def wait_healthy(layout: EtcdLayout) -> None:
    """kubeadm's preflight would ask each endpoint; kind skips it, so ask here: all healthy over TLS."""

    def healthy() -> None:
        for member in layout.members:
            found = members.state(member.name)
            if found is None or not found.get("Running"):
                logs = shell.run(["docker", "logs", "--tail", "50", member.name], check=False)
                raise ClusterError(
                    f"etcd member {member.name} is not running ({(found or {}).get('Status')}): "
                    + why_it_stopped(logs.stdout + logs.stderr),
                    hint="see `docker logs` of the member; the cluster is removed",
                )
        all_healthy(layout)

    try:
        wait_for(healthy, within=HEALTHY_WITHIN_S, interval=1, expected="every etcd member healthy over TLS")
    except ConditionTimeout as exc:
        raise ClusterError(f"external etcd did not come up: {exc}", hint="see `docker logs` of the members") from exc


Action = Callable[[EtcdLayout], None]


def steps(control_planes: list[str]) -> tuple[tuple[str, Action], ...]:
    """The bring-up in order; the PKI steps also make and check each control plane's copy."""
    return (
        ("network", make_network),
        ("certificates", lambda layout: write_pki(layout, control_planes)),
        ("certificates checked", lambda layout: check_pki(layout, control_planes)),
        ("members started", start_members),
        ("members healthy", wait_healthy),
    )


def bring_up(layout: EtcdLayout, control_planes: list[str]) -> BringUp:
    """Run every step (after ``check_free``); on any failure or interrupt remove what was made and re-raise."""
    done = BringUp()
    status = Status()
    try:
        for title, action in steps(control_planes):
            started = time.monotonic()
            with status.step(f"external etcd for {layout.cluster!r}: {title}"):
                action(layout)
            done.seconds[title] = time.monotonic() - started
    except BaseException:
        remove(layout.cluster)  # the caller ran check_free first: whatever carries this cluster's label is ours
        raise
    return done


def ensure_running(layout: EtcdLayout) -> list[str]:
    """For a reused cluster: every member exists; start or unpause the ones that are not running."""
    changed = []
    for member in layout.members:
        found = members.state(member.name)
        if found is None:
            raise ClusterError(
                f"etcd member {member.name} of cluster {layout.cluster!r} is missing",
                hint=f"run `kindchaos clusters delete --name {layout.cluster}` and create it again",
            )
        if found.get("Paused"):
            shell.run(["docker", "unpause", member.name])
            changed.append(f"unpaused etcd member {member.name}")
        elif not found.get("Running"):
            shell.run(["docker", "start", member.name], timeout=60)
            changed.append(f"started etcd member {member.name} (was {found.get('Status')})")
    return changed


def remove(cluster: str) -> list[str]:
    """Remove every container and network labelled as ``cluster``'s etcd, and its state folder; return what went."""
    removed = []
    for container in members.owned_containers(cluster):
        members.remove_member(container["Names"])
        removed.append(f"container {container['Names']}")
    networks = shell.output(
        ["docker", "network", "ls", "--filter", f"label={OWNER_LABEL}={cluster}", "--format", "{{.Name}}"]
    ).split()
    for network in networks:
        shell.run(["docker", "network", "rm", network], check=False)
        removed.append(f"network {network}")
    folder = state_root() / cluster
    if folder.exists():
        shutil.rmtree(folder)
        removed.append(f"folder {folder}")
    return removed


@contextmanager
def kind_network(layout: EtcdLayout | None) -> Iterator[None]:
    """kind's nodes join the etcd's network while kind runs (kind reads the network's name from the environment)."""
    if layout is None:
        yield
        return
    before = os.environ.get(KIND_NETWORK_ENV)
    os.environ[KIND_NETWORK_ENV] = layout.network
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(KIND_NETWORK_ENV, None)
        else:
            os.environ[KIND_NETWORK_ENV] = before

"""Calico on a kind cluster made with ``disableDefaultCNI``: the release's own VXLAN manifest (from the build), then
the seed's IPPool applied as written through calicoctl, apart from its encapsulation.

The seed's pool says ``ipipMode: Always``; this machine's kernel has no IPIP module and kind's nodes share the
host's kernel, so the pool here is VXLAN (``kindchaos doctor`` says whether the host could do IPIP). calico-node
is told to make no default pool, so the seed's is the only one and every pod address comes from it.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from kindchaos.cluster.topology import CALICO_POD_SUBNET as POD_SUBNET
from kindchaos.errors import ClusterError

CALICO_NODE = "calico-node"
KUBE_CONTROLLERS = "calico-kube-controllers"
NAMESPACE = "kube-system"
ROLLOUT_WITHIN_S = 300  # calico-node on every node, from images pre-loaded in the node image


def seed_ippool(*, encapsulation: str = "vxlan") -> dict[str, Any]:
    """The seed's IPPool (192.168.0.0/16, natOutgoing) with ``encapsulation`` ("vxlan" or "ipip") Always."""
    return {
        "apiVersion": "projectcalico.org/v3",
        "kind": "IPPool",
        "metadata": {"name": "default-ipv4-ippool"},
        "spec": {
            "cidr": POD_SUBNET,
            "ipipMode": "Always" if encapsulation == "ipip" else "Never",
            "vxlanMode": "Always" if encapsulation == "vxlan" else "Never",
            "natOutgoing": True,
            "nodeSelector": "all()",
        },
    }


def _set_env(container: dict[str, Any], name: str, value: str) -> None:
    env = container.setdefault("env", [])
    for entry in env:
        if entry.get("name") == name:
            entry.clear()
            entry.update({"name": name, "value": value})
            return
    env.append({"name": name, "value": value})


def manifest_documents(manifest: Path) -> list[dict[str, Any]]:
    """The release's manifest, with calico-node told to make no pool of its own (the seed's is applied next)."""
    documents = [d for d in yaml.safe_load_all(manifest.read_text()) if d]
    for document in documents:
        if document.get("kind") == "DaemonSet" and document["metadata"]["name"] == CALICO_NODE:
            for container in document["spec"]["template"]["spec"]["containers"]:
                if container["name"] == CALICO_NODE:
                    _set_env(container, "NO_DEFAULT_POOLS", "true")
    return documents


@dataclass(frozen=True)
class CalicoInstall:
    """How long each part of the install took, for the run's evidence."""

    manifest_applied_s: float
    ippool_applied_s: float
    rolled_out_s: float


def calicoctl_env(kubeconfig: Path) -> dict[str, str]:
    """calicoctl talking to the cluster's API (Calico's Kubernetes datastore), as the manifest installs it."""
    return {**os.environ, "DATASTORE_TYPE": "kubernetes", "KUBECONFIG": str(kubeconfig)}


def install(*, kubeconfig: Path, kubectl: Path, manifest: Path, calicoctl: Path, workdir: Path) -> CalicoInstall:
    """Apply the manifest, the seed's IPPool, and wait until calico-node runs on every node."""
    for needed in (manifest, calicoctl):
        if not needed.exists():
            raise ClusterError(f"Calico's {needed.name} is missing at {needed}", hint="run `kindchaos images build`")
    started = time.monotonic()
    rendered = workdir / "calico.yaml"
    rendered.write_text(yaml.safe_dump_all(manifest_documents(manifest), sort_keys=False))
    kube = [str(kubectl), "--kubeconfig", str(kubeconfig)]
    # Server-side: Calico's CRDs are too large for the last-applied annotation of a client-side apply.
    _run([*kube, "apply", "--server-side", "-f", str(rendered)])
    _run([*kube, "wait", "--for=condition=established", "--timeout=60s", "crd/ippools.crd.projectcalico.org"])
    applied = time.monotonic()
    pool = workdir / "ippool.yaml"
    pool.write_text(yaml.safe_dump(seed_ippool(), sort_keys=False))
    env = calicoctl_env(kubeconfig)
    _run([str(calicoctl), "apply", "-f", str(pool)], env=env)
    pooled = time.monotonic()
    for kind, name in (("daemonset", CALICO_NODE), ("deployment", KUBE_CONTROLLERS)):
        _run([*kube, "-n", NAMESPACE, "rollout", "status", f"{kind}/{name}", f"--timeout={ROLLOUT_WITHIN_S}s"])
    done = time.monotonic()
    return CalicoInstall(applied - started, pooled - applied, done - pooled)


def patch_seed_pool(*, kubeconfig: Path, calicoctl: Path, spec: dict[str, Any]) -> None:
    """Change fields of the seed pool's spec (through calicoctl, as an operator would)."""
    env = calicoctl_env(kubeconfig)
    patch = json.dumps({"spec": spec})
    _run([str(calicoctl), "patch", "ippool", seed_ippool()["metadata"]["name"], "-p", patch], env=env)


def set_nat_outgoing(*, kubeconfig: Path, calicoctl: Path, enabled: bool) -> None:
    """Turn the seed pool's natOutgoing on or off."""
    patch_seed_pool(kubeconfig=kubeconfig, calicoctl=calicoctl, spec={"natOutgoing": enabled})


def _run(argv: list[str], env: dict[str, str] | None = None) -> str:
    ran = subprocess.run(argv, capture_output=True, text=True, env=env, check=False, timeout=ROLLOUT_WITHIN_S + 60)
    if ran.returncode != 0:
        detail = (ran.stderr or ran.stdout).strip().splitlines()
        raise ClusterError(f"installing Calico: {' '.join(argv[:1] + argv[3:])} failed: {detail[-1] if detail else ''}")
    return ran.stdout

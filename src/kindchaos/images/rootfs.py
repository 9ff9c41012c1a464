"""Debian root filesystems from debootstrap, imported as Docker images.

Debian's packages are reachable where no registry is, so every image that
needs a userspace (the node, kube-proxy's iptables, haproxy) starts here.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from kindchaos import shell
from kindchaos.images.stamps import KEY_LABEL

NODE_PACKAGES = (
    "systemd",
    "dbus",
    "conntrack",
    "iptables",
    "nftables",
    "iproute2",
    "ethtool",
    "util-linux",
    "mount",
    "kmod",
    "libseccomp2",
    "pigz",
    "bash",
    "ca-certificates",
    "curl",
    "jq",
    "procps",
    "containerd",
    "runc",
    "socat",
    "openssh-server",  # not started: a bring-your-own target over SSH is tested on nodes that start it
)
BASE_PACKAGES = ("iptables", "nftables", "conntrack", "iproute2", "ca-certificates", "procps", "haproxy")
# calico-node's userspace, as Calico's own image has it: runit runs its services; felix programs iptables and
# ipset; kmod lets ip6tables-save load its modules.
CALICO_PACKAGES = ("iptables", "nftables", "ipset", "conntrack", "iproute2", "kmod", "procps", "runit")

# Trimmed after debootstrap: documentation and apt lists make images larger, nothing else.
_PRUNE = ("usr/share/doc", "usr/share/man", "usr/share/locale", "var/lib/apt/lists", "var/cache/apt")


def debootstrap_command(*, suite: str, mirror: str, target: Path, packages: Sequence[str]) -> list[str]:
    return ["debootstrap", "--variant=minbase", f"--include={','.join(packages)}", suite, str(target), mirror]


def build_rootfs_image(
    *,
    tag: str,
    key: str,
    suite: str,
    mirror: str,
    packages: Sequence[str],
    workdir: Path,
    log: Path,
) -> None:
    """debootstrap into ``workdir`` and ``docker import`` it as ``tag``."""
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.parent.mkdir(parents=True, exist_ok=True)
    shell.stream(debootstrap_command(suite=suite, mirror=mirror, target=workdir, packages=packages), log=log)
    for rel in _PRUNE:
        target = workdir / rel
        if target.is_dir():
            shutil.rmtree(target)
            target.mkdir()
    tar = subprocess.Popen(["tar", "--numeric-owner", "-C", str(workdir), "-c", "."], stdout=subprocess.PIPE)
    importer = ["docker", "import", "--change", f"LABEL {KEY_LABEL}={key}", "-", tag]
    try:
        proc = subprocess.run(importer, stdin=tar.stdout, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise shell.CommandFailed(importer, proc.returncode, proc.stderr)
    finally:
        if tar.stdout:
            tar.stdout.close()
        tar.wait()
    if tar.returncode != 0:
        raise shell.CommandFailed(["tar", "-C", str(workdir), "-c", "."], tar.returncode, "")
    shutil.rmtree(workdir)

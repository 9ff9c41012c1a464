"""Dockerfiles for the cluster's images, one function per image family.

Static Go binaries go into ``FROM scratch`` images; anything that needs a
userspace (iptables, haproxy, a shell) starts from the Debian base rootfs.
"""

from __future__ import annotations

from kindchaos.images.pins import STAGED_DIR, ImageRefs

IPTABLES_NAMES = (
    "iptables",
    "iptables-save",
    "iptables-restore",
    "ip6tables",
    "ip6tables-save",
    "ip6tables-restore",
)
PATH_ENV = "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def static_binary(*, entrypoint: list[str] | None = None, cmd: list[str] | None = None) -> str:
    """A scratch image holding static binaries in /usr/local/bin (and / for entrypoints)."""
    lines = ["FROM scratch", "COPY bin/ /usr/local/bin/", "COPY etc/ /etc/", PATH_ENV]
    if entrypoint:
        lines.append(f"ENTRYPOINT {_json(entrypoint)}")
    if cmd:
        lines.append(f"CMD {_json(cmd)}")
    return "\n".join(lines)


def on_base(*, base: str, entrypoint: list[str] | None = None, run: str = "") -> str:
    """An image on the Debian base rootfs, with the iptables wrapper in place."""
    links = " && ".join(f"ln -sf /usr/local/sbin/iptables-wrapper /usr/local/sbin/{n}" for n in IPTABLES_NAMES)
    lines = [
        f"FROM {base}",
        "COPY bin/ /usr/local/bin/",
        "COPY iptables-wrapper /usr/local/sbin/iptables-wrapper",
        f"RUN chmod 0755 /usr/local/sbin/iptables-wrapper && {links}" + (f" && {run}" if run else ""),
        PATH_ENV,
    ]
    if entrypoint:
        lines.append(f"ENTRYPOINT {_json(entrypoint)}")
    return "\n".join(lines)


def haproxy(*, base: str) -> str:
    return "\n".join(
        [
            f"FROM {base}",
            "COPY haproxy.cfg /usr/local/etc/haproxy/haproxy.cfg",
            "COPY haproxy-limits.cfg /usr/local/etc/kindchaos/haproxy-limits.cfg",
            "STOPSIGNAL SIGUSR1",
            PATH_ENV,
            'ENTRYPOINT ["haproxy", "-W", "-db", "-f", "/usr/local/etc/haproxy/haproxy.cfg",'
            ' "-f", "/usr/local/etc/kindchaos/haproxy-limits.cfg"]',
        ]
    )


def calico_node(*, rootfs: str) -> str:
    """calico-node as Calico's image runs it: its startup script and runit service folders, and the binary."""
    return "\n".join(
        [
            f"FROM {rootfs}",
            "COPY filesystem/etc/ /etc/",
            "COPY filesystem/sbin/ /usr/sbin/",
            "COPY bin/calico-node /bin/calico-node",
            # The module zip keeps no file modes: the scripts runit and the startup execute get theirs back.
            "RUN chmod 0755 /etc/rc.local /usr/sbin/start_runit /usr/sbin/restart-calico-confd /usr/sbin/versions"
            " && find /etc/service/available -name run -exec chmod 0755 {} +",
            "ENV SVDIR=/etc/service/enabled",
            # With CGO off libbpf is a stub that panics; felix's start-up clean-up of BPF's connect-time load
            # balancer (nothing to clean in the iptables dataplane) would call it, so it is skipped.
            "ENV FELIX_DebugSkipCTLBCleanup=true",
            PATH_ENV,
            'CMD ["start_runit"]',
        ]
    )


def calico_cni(*, base: str) -> str:
    """Calico's CNI installer with the plugins it copies onto each node (calico-ipam is calico by another name)."""
    return "\n".join(
        [
            f"FROM {base}",
            "COPY cni/ /opt/cni/bin/",
            "RUN ln -sf calico /opt/cni/bin/calico-ipam",
            "ENV PATH=/opt/cni/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "WORKDIR /opt/cni/bin",
            'CMD ["/opt/cni/bin/install"]',
        ]
    )


def calico_kube_controllers(*, base: str) -> str:
    """kube-controllers under its wrapper, and the status check its probes run."""
    return "\n".join(
        [
            f"FROM {base}",
            "COPY bin/ /usr/bin/",
            # Its manifest runs it as non-root; the status file its probes read belongs to that user.
            "RUN mkdir -p /status /profiles && touch /status/status.json /profiles/mem.pprof /profiles/cpu.pprof"
            " && chown 999 /status/status.json /profiles/mem.pprof /profiles/cpu.pprof",
            "USER 999",
            PATH_ENV,
            'ENTRYPOINT ["/usr/bin/wrapper", "/usr/bin/kube-controllers"]',
        ]
    )


def node(*, rootfs: str, refs: ImageRefs, kubernetes_version: str, staged_version: str | None = None) -> str:
    """The node image's filesystem: kind's base files, binaries and unit set-up.

    Mirrors what kind's base image and ``kind build node-image`` do, minus the
    downloads: the images are pre-loaded in a later step. ``staged_version``
    adds that release's kubeadm, kubelet and kubectl under /kind/upgrade, not
    installed, for the upgrade drill to install the way a package manager would.
    """
    staged = f"{STAGED_DIR}/{staged_version}" if staged_version else None
    steps = [
        "chmod 0755 /usr/local/bin/* /kind/bin/* /kind/bin",
        "chmod 0644 /etc/systemd/system/containerd.service.d/*",
        "ln -sf /usr/bin/containerd /usr/local/bin/containerd",
        "find /lib/systemd/system/sysinit.target.wants/ -name systemd-tmpfiles-setup.service -delete",
        "rm -f /lib/systemd/system/multi-user.target.wants/* /etc/systemd/system/*.wants/*"
        " /lib/systemd/system/local-fs.target.wants/* /lib/systemd/system/sockets.target.wants/*udev*"
        " /lib/systemd/system/sockets.target.wants/*initctl* /lib/systemd/system/basic.target.wants/*",
        'echo "ReadKMsg=no" >> /etc/systemd/journald.conf',
        'ln -sf "$(command -v systemd || echo /lib/systemd/systemd)" /sbin/init',
        "systemctl enable kubelet.service containerd.service undo-mount-hacks.service",
        "systemctl mask systemd-binfmt.service",
        # sshd stays off (multi-user.target.wants is emptied above); no host key is baked into every node
        "rm -f /etc/ssh/ssh_host_*",
        "mkdir -p /etc/kubernetes/manifests /opt/cni/bin /etc/cni/net.d",
        "ctr oci spec"
        " | jq '.hooks.createContainer[.hooks.createContainer | length]"
        ' |= . + {"path": "/kind/bin/mount-product-files.sh"}\''
        " | jq 'del(.process.rlimits)' > /etc/containerd/cri-base.json",
        f"sed -i 's#sandbox_image = .*#sandbox_image = \"{refs.pause}\"#' /etc/containerd/config.toml",
        f"echo {kubernetes_version} > /kind/version",
        "kubeadm version -o short && kubelet --version && containerd --version && crictl --version",
    ]
    if staged:
        steps += [f"chmod 0755 {staged}/*", f"{staged}/kubeadm version -o short && {staged}/kubelet --version"]
    return "\n".join(
        [
            f"FROM {rootfs}",
            "COPY files/ /",
            "COPY overlay/ /",
            "COPY kube/ /usr/bin/",
            "COPY tools/ /usr/local/bin/",
            "COPY cni/ /opt/cni/bin/",
            "COPY manifests/ /kind/manifests/",
            *([f"COPY staged/ {staged}/"] if staged else []),
            "RUN " + " \\\n && ".join(steps),
            # systemd checks $container; it exits on SIGRTMIN+3 (SIGTERM makes it re-execute).
            "ENV container=docker",
            "STOPSIGNAL SIGRTMIN+3",
        ]
    )


def _json(items: list[str]) -> str:
    return "[" + ", ".join(f'"{item}"' for item in items) + "]"

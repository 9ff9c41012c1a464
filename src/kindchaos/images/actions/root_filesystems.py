"""The Debian root filesystems made with debootstrap: a small base for images that need iptables, the node's,
with systemd and containerd, and calico-node's (``calico_step``, built with Calico's images)."""

from __future__ import annotations

from kindchaos.images import rootfs
from kindchaos.images.context import BuildContext
from kindchaos.images.stamps import key_of
from kindchaos.images.step import Step, image_step


def base_tag(ctx: BuildContext) -> str:
    return f"kindchaos/rootfs-base:{ctx.versions.debian_suite}"


def node_tag(ctx: BuildContext) -> str:
    return f"kindchaos/rootfs-node:{ctx.versions.debian_suite}"


def calico_tag(ctx: BuildContext) -> str:
    return f"kindchaos/rootfs-calico:{ctx.versions.debian_suite}"


def calico_key(ctx: BuildContext) -> str:
    return key_of("rootfs-calico", ctx.versions.debian_suite, rootfs.CALICO_PACKAGES)


def base_key(ctx: BuildContext) -> str:
    return key_of("rootfs-base", ctx.versions.debian_suite, rootfs.BASE_PACKAGES)


def node_key(ctx: BuildContext) -> str:
    return key_of("rootfs-node", ctx.versions.debian_suite, rootfs.NODE_PACKAGES)


def _rootfs_step(ctx: BuildContext, name: str, tag: str, key: str, packages: tuple[str, ...]) -> Step:
    v = ctx.versions

    def build() -> None:
        rootfs.build_rootfs_image(
            tag=tag,
            key=key,
            suite=v.debian_suite,
            mirror=v.debian_mirror,
            packages=packages,
            workdir=ctx.scratch(name),
            log=ctx.logs / f"{name}.log",
        )

    return image_step(f"{name} (debootstrap {v.debian_suite})", tag, key, build)


def steps(ctx: BuildContext) -> list[Step]:
    return [
        _rootfs_step(ctx, "rootfs-base", base_tag(ctx), base_key(ctx), rootfs.BASE_PACKAGES),
        _rootfs_step(ctx, "rootfs-node", node_tag(ctx), node_key(ctx), rootfs.NODE_PACKAGES),
    ]


def calico_step(ctx: BuildContext) -> Step:
    return _rootfs_step(ctx, "rootfs-calico", calico_tag(ctx), calico_key(ctx), rootfs.CALICO_PACKAGES)

"""One Kubernetes release built from source: kubeadm, kubelet, kubectl and the control plane's binaries, and the
control plane's images, checked against the images this kubeadm deploys."""

from __future__ import annotations

import shutil
from pathlib import Path

from kindchaos import shell
from kindchaos.errors import BuildError
from kindchaos.images import gobuild
from kindchaos.images.actions import root_filesystems
from kindchaos.images.context import RECIPE_VERSION, BuildContext
from kindchaos.images.pins import CONTROL_PLANE_COMPONENTS, ImageRefs, Versions
from kindchaos.images.stamps import key_of
from kindchaos.images.step import Step, base_image, files_step, static_image

NODE_BINARIES = ("kubeadm", "kubelet", "kubectl")


def key(v: Versions) -> str:
    return key_of("kubernetes", v.kubernetes, v.kubernetes_commit, RECIPE_VERSION)


def name(ctx: BuildContext, v: Versions) -> str:
    return ctx.release_name(v, "kubernetes", v.kubernetes)


def out_dir(ctx: BuildContext, v: Versions) -> Path:
    return ctx.out(name(ctx, v))


def check_kubeadm_images(kubeadm: Path, v: Versions) -> None:
    """The images this kubeadm deploys are exactly the ones the build makes for ``v``; else kubelet would pull."""
    listed = shell.output([str(kubeadm), "config", "images", "list", "--kubernetes-version", v.kubernetes])
    refs = ImageRefs(v)
    wanted = {*(refs.control_plane(c) for c in CONTROL_PLANE_COMPONENTS), refs.etcd, refs.coredns, refs.pause}
    if set(listed.split()) != wanted:
        raise BuildError(
            f"kubeadm {v.kubernetes} deploys {sorted(set(listed.split()))}, the build makes {sorted(wanted)}",
            hint="set etcd, coredns and pause in kindchaos/images/pins.py to what kubeadm lists",
        )


def binaries_step(ctx: BuildContext, v: Versions) -> Step:
    def make(out: Path) -> None:
        workdir = gobuild.prepare_module(
            "k8s.io/kubernetes", v.kubernetes, workdir=ctx.scratch("kubernetes"), replace_version=v.staging
        )
        packages = {
            **{binary: f"./cmd/{binary}" for binary in NODE_BINARIES},
            **{c: f"./cmd/{c}" for c in CONTROL_PLANE_COMPONENTS},
        }
        ldflags = gobuild.kubernetes_ldflags(version=v.kubernetes, commit=v.kubernetes_commit)
        gobuild.build(workdir, packages, out, ldflags=ldflags, log=ctx.logs / f"{name(ctx, v)}.log")
        shutil.rmtree(workdir)
        check_kubeadm_images(out / "kubeadm", v)

    return files_step(name(ctx, v), key(v), make, out=out_dir(ctx, v))


def image_steps(ctx: BuildContext, v: Versions) -> list[Step]:
    """The control plane's images: static binaries, but kube-proxy on the base filesystem (it needs iptables)."""
    refs, binaries, deps = ImageRefs(v), out_dir(ctx, v), [key(v)]
    static = [
        static_image(ctx, c, refs.control_plane(c), {c: binaries / c}, deps)
        for c in CONTROL_PLANE_COMPONENTS
        if c != "kube-proxy"
    ]
    proxy = base_image(
        ctx,
        "kube-proxy",
        refs.control_plane("kube-proxy"),
        {"kube-proxy": binaries / "kube-proxy"},
        deps,
        base=root_filesystems.base_tag(ctx),
        base_key=root_filesystems.base_key(ctx),
    )
    return [*static, proxy]


def images(v: Versions) -> list[str]:
    refs = ImageRefs(v)
    return [refs.control_plane(c) for c in CONTROL_PLANE_COMPONENTS]

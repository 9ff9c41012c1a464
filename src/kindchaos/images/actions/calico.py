"""Calico from source, at one pinned release: calico-node, the CNI plugin and its installer, kube-controllers and
calicoctl built with CGO off (so felix's BPF parts are stubs: the iptables dataplane only); the three images named
as Calico's manifests name them; the release's VXLAN manifest kept beside the binaries; and a node image variant
that pre-loads the images.

BIRD is Calico's own C fork and is not built, so BGP is out: clusters use ``CALICO_NETWORKING_BACKEND=vxlan``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from kindchaos import shell
from kindchaos.images import gobuild, recipes
from kindchaos.images.actions import addon_images, root_filesystems
from kindchaos.images.actions.node import node_step
from kindchaos.images.actions.release import Release
from kindchaos.images.context import RECIPE_VERSION, BuildContext
from kindchaos.images.pins import CALICO_COMMIT, CALICO_DROPPED, CALICO_MODULE, CALICO_REPLACED
from kindchaos.images.stamps import key_of
from kindchaos.images.step import Step, dockerfile_step, files_step

# binary -> package in the monorepo
PROGRAMS = {
    "calico-node": "./node/cmd/calico-node",
    "calico": "./cni-plugin/cmd/calico",
    "install": "./cni-plugin/cmd/install",
    "kube-controllers": "./kube-controllers/cmd/kube-controllers",
    "check-status": "./kube-controllers/cmd/check-status",
    "wrapper": "./kube-controllers/cmd/wrapper",
    "calicoctl": "./calicoctl/calicoctl",
}
BANDWIDTH_PLUGIN = "github.com/containernetworking/plugins/plugins/meta/bandwidth"  # in Calico's CNI config
MANIFEST = "calico-vxlan.yaml"


def key(ctx: BuildContext) -> str:
    return key_of("calico", ctx.versions.calico, CALICO_MODULE, CALICO_REPLACED, PROGRAMS, ctx.versions.cni_plugins)


def out_dir(ctx: BuildContext) -> Path:
    return ctx.out("calico")


def manifest(ctx: BuildContext) -> Path:
    """The release's own manifest for VXLAN networking (a build output, applied when a Calico cluster is made)."""
    return out_dir(ctx) / MANIFEST


def ldflags(ctx: BuildContext) -> str:
    """What Calico's Makefile sets: calicoctl compares this version with the cluster's."""
    package = "github.com/projectcalico/calico/pkg/buildinfo"
    return f"-s -w -X {package}.Version={ctx.versions.calico} -X {package}.GitRevision={CALICO_COMMIT}"


def prepare_source(ctx: BuildContext) -> Path:
    """The monorepo copied out of the module cache, its folder replaces pointed at the pinned modules."""
    source = gobuild.download_module(CALICO_MODULE.path, CALICO_MODULE.version, pinned_sum=CALICO_MODULE.sum)
    for pin in CALICO_REPLACED:
        gobuild.download_module(pin.path, pin.version, pinned_sum=pin.sum)
    workdir = ctx.scratch("calico")
    gobuild.copy_out(source, workdir)
    edits = [f"-replace={pin.path}={pin.path}@{pin.version}" for pin in CALICO_REPLACED]
    edits += [arg for module in CALICO_DROPPED for arg in (f"-dropreplace={module}", f"-droprequire={module}")]
    shell.run(["go", "mod", "edit", *edits], env=gobuild.GO_ENV, cwd=workdir)
    with (workdir / "go.sum").open("a") as go_sum:
        go_sum.write("".join(pin.go_sum_lines() for pin in CALICO_REPLACED))
    return workdir


def binaries_step(ctx: BuildContext) -> Step:
    def make(out: Path) -> None:
        workdir = prepare_source(ctx)
        log = ctx.logs / "calico.log"
        gobuild.build(workdir, PROGRAMS, out / "bin", ldflags=ldflags(ctx), log=log)
        gobuild.install(BANDWIDTH_PLUGIN, ctx.versions.cni_plugins, out / "bin", log=log)
        shutil.copytree(workdir / "node" / "filesystem", out / "filesystem")
        shutil.copy2(workdir / "manifests" / MANIFEST, out / MANIFEST)
        shutil.rmtree(workdir)

    return files_step("calico", key(ctx), make, out=out_dir(ctx))


def calicoctl(ctx: BuildContext) -> Path:
    """calicoctl, run from the host: it applies ``projectcalico.org/v3`` resources (the seed's IPPool) as written."""
    return out_dir(ctx) / "bin" / "calicoctl"


def image_steps(ctx: BuildContext) -> list[Step]:
    refs, bins = ctx.refs, out_dir(ctx) / "bin"
    base, base_key = root_filesystems.base_tag(ctx), root_filesystems.base_key(ctx)
    node = recipes.calico_node(rootfs=root_filesystems.calico_tag(ctx))
    cni = recipes.calico_cni(base=base)
    controllers = recipes.calico_kube_controllers(base=base)
    return [
        dockerfile_step(
            ctx,
            "calico-node",
            refs.calico("node"),
            node,
            key_of("calico-node", node, key(ctx), root_filesystems.calico_key(ctx), RECIPE_VERSION),
            {"bin/calico-node": bins / "calico-node", "filesystem": out_dir(ctx) / "filesystem"},
        ),
        dockerfile_step(
            ctx,
            "calico-cni",
            refs.calico("cni"),
            cni,
            key_of("calico-cni", cni, key(ctx), base_key, RECIPE_VERSION),
            {f"cni/{name}": bins / name for name in ("install", "calico", "bandwidth")},
        ),
        dockerfile_step(
            ctx,
            "calico-kube-controllers",
            refs.calico("kube-controllers"),
            controllers,
            key_of("calico-kube-controllers", controllers, key(ctx), base_key, RECIPE_VERSION),
            {f"bin/{name}": bins / name for name in ("kube-controllers", "check-status", "wrapper")},
        ),
    ]


def images(ctx: BuildContext) -> list[str]:
    return [ctx.refs.calico(component) for component in ("node", "cni", "kube-controllers")]


def steps(ctx: BuildContext, main: Release) -> list[Step]:
    """Calico's binaries, rootfs and images, and the main release's node image with them pre-loaded."""
    calico_images = image_steps(ctx)
    return [
        binaries_step(ctx),
        root_filesystems.calico_step(ctx),
        *calico_images,
        node_step(
            ctx,
            release=main,
            tag=ctx.refs.calico_node_image,
            cluster_images=[*main.image_steps, *addon_images.shared_steps(ctx), *calico_images],
            preload=[*main.preload, *addon_images.shared_images(ctx), *images(ctx)],
        ),
    ]

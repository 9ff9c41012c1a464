"""Go programs from the module proxy that are not part of a Kubernetes release: kind, the node's crictl and CNI
plugins, local-path-provisioner, the project's own programs; and the host tools copied into the bin folder."""

from __future__ import annotations

import shutil
from pathlib import Path

from kindchaos.images import gobuild
from kindchaos.images.context import BuildContext
from kindchaos.images.stamps import key_of
from kindchaos.images.step import Step, files_step
from kindchaos.paths import LINEARIZABILITY_CHECKER, bin_dir

CNI_PLUGINS = ("ipam/host-local", "main/loopback", "main/ptp", "meta/portmap")
OWN_PROGRAMS = {"pause": "./pause", "workload": "./workload", "netd": "./netd"}


def kind_key(ctx: BuildContext) -> str:
    return key_of("kind", ctx.versions.kind)


def node_tools_key(ctx: BuildContext) -> str:
    return key_of("node-tools", ctx.versions.crictl, ctx.versions.cni_plugins)


def local_path_key(ctx: BuildContext) -> str:
    return key_of("local-path-provisioner", ctx.versions.local_path_provisioner)


def own_key(ctx: BuildContext) -> str:
    return key_of("kindchaos-go", ctx.sources_digest)


def kind_dir(ctx: BuildContext) -> Path:
    return ctx.out("kind")


def node_tools_dir(ctx: BuildContext) -> Path:
    return ctx.out("node-tools")


def local_path_dir(ctx: BuildContext) -> Path:
    return ctx.out("local-path-provisioner")


def own_dir(ctx: BuildContext) -> Path:
    return ctx.out("kindchaos-go")


def kind_step(ctx: BuildContext) -> Step:
    def make(out: Path) -> None:
        gobuild.install("sigs.k8s.io/kind", ctx.versions.kind, out, log=ctx.logs / "kind.log")

    return files_step("kind", kind_key(ctx), make, out=kind_dir(ctx))


def node_tools_step(ctx: BuildContext) -> Step:
    v = ctx.versions

    def make(out: Path) -> None:
        gobuild.install("sigs.k8s.io/cri-tools/cmd/crictl", v.crictl, out, log=ctx.logs / "crictl.log")
        for plugin in CNI_PLUGINS:
            gobuild.install(
                f"github.com/containernetworking/plugins/plugins/{plugin}",
                v.cni_plugins,
                out / "cni",
                log=ctx.logs / "cni-plugins.log",
            )

    return files_step("node-tools", node_tools_key(ctx), make, out=node_tools_dir(ctx))


def local_path_step(ctx: BuildContext) -> Step:
    def make(out: Path) -> None:
        gobuild.install(
            "github.com/rancher/local-path-provisioner",
            ctx.versions.local_path_provisioner,
            out,
            log=ctx.logs / "lpp.log",
        )

    return files_step("local-path-provisioner", local_path_key(ctx), make, out=local_path_dir(ctx))


def build_own_module(ctx: BuildContext, name: str, module: Path, programs: dict[str, str], out: Path) -> None:
    """Build programs of a Go module shipped in the package, from a scratch copy (the package may be read-only)."""
    workdir = ctx.scratch(name)
    if workdir.exists():
        shutil.rmtree(workdir)
    shutil.copytree(module, workdir)
    gobuild.build(workdir, programs, out, log=ctx.logs / f"{name}.log")
    shutil.rmtree(workdir)


def own_step(ctx: BuildContext) -> Step:
    def make(out: Path) -> None:
        build_own_module(ctx, "kindchaos-go", ctx.sources, OWN_PROGRAMS, out)

    return files_step("kindchaos-go", own_key(ctx), make, out=own_dir(ctx))


def checker_step(ctx: BuildContext) -> Step:
    """The history checker scenarios run on the host: porcupine, pinned in the module's go.mod."""

    def make(out: Path) -> None:
        build_own_module(ctx, "linearizability-checker", ctx.checker, {LINEARIZABILITY_CHECKER: "."}, out)

    key = key_of("linearizability-checker", ctx.checker_digest)
    return files_step("linearizability-checker", key, make, out=ctx.out("linearizability-checker"))


def host_tools_step(ctx: BuildContext, *, kube_dir: Path, kube_key: str, etcd_dir: Path, etcd_key: str) -> Step:
    """kind, kubectl, kubeadm, etcdctl and etcdutl in the host's bin folder, from the main release."""

    def make(out: Path) -> None:
        for binary, source in (
            ("kind", kind_dir(ctx) / "kind"),
            ("kubectl", kube_dir / "kubectl"),
            ("etcdctl", etcd_dir / "etcdctl"),
            ("etcdutl", etcd_dir / "etcdutl"),
            ("kubeadm", kube_dir / "kubeadm"),
        ):
            shutil.copy2(source, out / binary)

    key = key_of("host-tools", kind_key(ctx), kube_key, etcd_key)
    return files_step("host-tools", key, make, out=bin_dir(), shared=True)

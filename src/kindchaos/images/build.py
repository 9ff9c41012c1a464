"""`kindchaos images build`: every step of the air-gapped build, in order.

Like kind's create actions, the build is a flat list of small steps. Each has
a key made of its pinned inputs; a step whose outputs carry its key is
skipped, so a rerun with nothing changed only checks keys.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from kindchaos import shell
from kindchaos.errors import BuildError
from kindchaos.host import docker
from kindchaos.images import docker_images, gobuild, recipes, rootfs
from kindchaos.images.pins import (
    CONTROL_PLANE_COMPONENTS,
    DEFAULT_VERSIONS,
    UPGRADE_FROM_VERSIONS,
    ImageRefs,
    Versions,
    upgrade_node_ref,
)
from kindchaos.images.stamps import is_stamped, key_of, stamp, stamp_path, tree_digest
from kindchaos.paths import bin_dir, cache_root
from kindchaos.progress import Status

RECIPE_VERSION = 1  # bump to rebuild everything after a recipe change outside this package


@dataclass(frozen=True)
class Step:
    """One build step: what it makes, its input key, how to tell it is done, how to do it."""

    name: str
    key: str
    done: Callable[[], bool]
    run: Callable[[], None]
    forget: Callable[[], None]  # remove what it made, so the next build makes it again (benchmarks)


@dataclass
class BuildContext:
    versions: Versions = DEFAULT_VERSIONS
    root: Path = field(default_factory=cache_root)

    @property
    def refs(self) -> ImageRefs:
        return ImageRefs(self.versions)

    def out(self, name: str) -> Path:
        return self.root / "build" / name

    @property
    def logs(self) -> Path:
        path = self.root / "logs"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def scratch(self, name: str) -> Path:
        return self.root / "scratch" / name


def _package_file(rel: str) -> Path:
    return Path(str(resources.files("kindchaos.images").joinpath(rel)))


def _files_step(
    ctx: BuildContext,
    name: str,
    key: str,
    make: Callable[[Path], None],
    *,
    out: Path | None = None,
    shared: bool = False,
) -> Step:
    """A step whose output is a folder; ``shared``: the folder holds other tools too (the doctor's actionlint
    in the host's bin folder), so it is written into, not emptied first."""
    out = out or ctx.out(name)

    def run() -> None:
        if out.exists() and not shared:
            shutil.rmtree(out)
        out.mkdir(parents=True, exist_ok=True)
        make(out)
        stamp(out, key)

    def forget() -> None:
        if shared:
            stamp_path(out).unlink(missing_ok=True)
        else:
            shutil.rmtree(out, ignore_errors=True)

    return Step(name, key, lambda: is_stamped(out, key), run, forget)


def _image_step(ctx: BuildContext, name: str, tag: str, key: str, build: Callable[[], None]) -> Step:
    def forget() -> None:
        subprocess.run(["docker", "rmi", "-f", tag], capture_output=True, check=False)

    return Step(name, key, lambda: docker_images.image_key(tag) == key, build, forget)


ETCD_MODULES = {
    "etcd": "go.etcd.io/etcd/server/v3",
    "etcdctl": "go.etcd.io/etcd/etcdctl/v3",
    "etcdutl": "go.etcd.io/etcd/etcdutl/v3",
}
ETC_FILES = {
    "etc/passwd": "root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534::/:/sbin/nologin\n",
    "etc/group": "root:x:0:\nnogroup:x:65534:\n",
}


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


@dataclass(frozen=True)
class Release:
    """The steps and outputs that belong to one Kubernetes release: its binaries and version-tagged images."""

    versions: Versions
    kube_dir: Path
    file_steps: list[Step]
    image_steps: list[Step]
    preload: list[str]


class Plan:
    """The build's steps, with the keys and helpers they share; ``main`` and ``upgrade`` list them in order."""

    def __init__(self, ctx: BuildContext) -> None:
        self.ctx = ctx
        v = ctx.versions
        self.log = ctx.logs
        self.kind_key = key_of("kind", v.kind)
        self.tools_key = key_of("node-tools", v.crictl, v.cni_plugins)
        self.lpp_key = key_of("local-path-provisioner", v.local_path_provisioner)
        self.sources = _package_file("sources")
        self.own_key = key_of("kindchaos-go", tree_digest(self.sources))
        self.files = _package_file("files")
        self.files_digest = tree_digest(self.files)
        self.rootfs_node_key = key_of("rootfs-node", v.debian_suite, rootfs.NODE_PACKAGES)
        self.rootfs_base_key = key_of("rootfs-base", v.debian_suite, rootfs.BASE_PACKAGES)
        self.base_tag = f"kindchaos/rootfs-base:{v.debian_suite}"
        self.node_rootfs_tag = f"kindchaos/rootfs-node:{v.debian_suite}"
        self.kind_dir, self.tools_dir = ctx.out("kind"), ctx.out("node-tools")
        self.lpp_dir, self.own_dir = ctx.out("local-path-provisioner"), ctx.out("kindchaos-go")
        self.current = self.release(v)

    # -- helpers ----------------------------------------------------------------------------------------------
    def dockerfile_step(self, name: str, tag: str, dockerfile: str, key: str, files_in: dict[str, Path | str]) -> Step:
        """An image built from ``dockerfile`` and a context of ``files_in``, labelled with ``key``."""

        def build() -> None:
            docker_images.build_image(
                tag=tag, key=key, dockerfile=dockerfile, files=files_in, context=self.ctx.scratch(f"ctx-{name}")
            )

        return _image_step(self.ctx, f"image {tag}", tag, key, build)

    def static_image(self, name: str, tag: str, binaries: dict[str, Path], deps: list[str], **kw: list[str]) -> Step:
        dockerfile = recipes.static_binary(**kw)
        key = key_of(name, dockerfile, deps, RECIPE_VERSION)
        context: dict[str, Path | str] = {**{f"bin/{n}": p for n, p in binaries.items()}, **ETC_FILES}
        return self.dockerfile_step(name, tag, dockerfile, key, context)

    def base_image(self, name: str, tag: str, binaries: dict[str, Path], deps: list[str], **kw: object) -> Step:
        dockerfile = recipes.on_base(base=self.base_tag, **kw)  # type: ignore[arg-type]
        key = key_of(name, dockerfile, deps, self.files_digest, self.rootfs_base_key, RECIPE_VERSION)
        context: dict[str, Path | str] = {
            **{f"bin/{n}": p for n, p in binaries.items()},
            "bin/.keep": "",
            "iptables-wrapper": self.files / "iptables-wrapper",
        }
        return self.dockerfile_step(name, tag, dockerfile, key, context)

    def rootfs_step(self, name: str, tag: str, key: str, packages: tuple[str, ...]) -> Step:
        v = self.ctx.versions

        def build() -> None:
            rootfs.build_rootfs_image(
                tag=tag,
                key=key,
                suite=v.debian_suite,
                mirror=v.debian_mirror,
                packages=packages,
                workdir=self.ctx.scratch(name),
                log=self.log / f"{name}.log",
            )

        return _image_step(self.ctx, f"{name} (debootstrap {v.debian_suite})", tag, key, build)

    # -- one Kubernetes release ------------------------------------------------------------------------------
    def release(self, v: Versions) -> Release:
        """Kubernetes, etcd and CoreDNS of ``v`` and their images. The main release keeps the unsuffixed
        output folders; another release's go into folders named by version, so both stay cached."""
        ctx, log, refs = self.ctx, self.log, ImageRefs(v)
        main = v == ctx.versions

        def named(name: str, version: str) -> str:
            return name if main else f"{name}-{version}"

        kube_key = key_of("kubernetes", v.kubernetes, v.kubernetes_commit, RECIPE_VERSION)
        etcd_key = key_of("etcd", v.etcd) if main else key_of("etcd", v.etcd, "server only")
        coredns_key = key_of("coredns", v.coredns)
        kube_name, etcd_name, coredns_name = (
            named("kubernetes", v.kubernetes),
            named("etcd", v.etcd),
            named("coredns", v.coredns),
        )
        kube_dir, etcd_dir, coredns_dir = ctx.out(kube_name), ctx.out(etcd_name), ctx.out(coredns_name)

        def kubernetes(out: Path) -> None:
            workdir = gobuild.prepare_module(
                "k8s.io/kubernetes", v.kubernetes, workdir=ctx.scratch("kubernetes"), replace_version=v.staging
            )
            packages = {
                "kubeadm": "./cmd/kubeadm",
                "kubelet": "./cmd/kubelet",
                "kubectl": "./cmd/kubectl",
                **{c: f"./cmd/{c}" for c in CONTROL_PLANE_COMPONENTS},
            }
            ldflags = gobuild.kubernetes_ldflags(version=v.kubernetes, commit=v.kubernetes_commit)
            gobuild.build(workdir, packages, out, ldflags=ldflags, log=log / f"{kube_name}.log")
            shutil.rmtree(workdir)
            check_kubeadm_images(out / "kubeadm", v)

        # The backup and restore scenarios run etcdctl and etcdutl on the main release only. The module proxy
        # refuses etcdctl/etcdutl v3.5.24 (403 "This module version is not available"), so another release's
        # etcd image carries the server alone.
        etcd_binaries = ETCD_MODULES if main else {"etcd": ETCD_MODULES["etcd"]}

        def etcd(out: Path) -> None:
            for binary, module in etcd_binaries.items():
                workdir = gobuild.prepare_module(module, v.etcd, workdir=ctx.scratch(binary), replace_version=v.etcd)
                gobuild.build(workdir, {binary: "."}, out, log=log / f"{named(binary, v.etcd)}.log")
                shutil.rmtree(workdir)

        def coredns(out: Path) -> None:
            gobuild.install("github.com/coredns/coredns", v.coredns, out, log=log / f"{coredns_name}.log")

        images = [
            *(
                self.static_image(c, refs.control_plane(c), {c: kube_dir / c}, [kube_key])
                for c in CONTROL_PLANE_COMPONENTS
                if c != "kube-proxy"
            ),
            self.base_image(
                "kube-proxy", refs.control_plane("kube-proxy"), {"kube-proxy": kube_dir / "kube-proxy"}, [kube_key]
            ),
            self.static_image("etcd", refs.etcd, {b: etcd_dir / b for b in etcd_binaries}, [etcd_key]),
            self.static_image(
                "coredns",
                refs.coredns,
                {"coredns": coredns_dir / "coredns"},
                [coredns_key],
                entrypoint=["/usr/local/bin/coredns"],
            ),
            self.static_image(
                "pause",
                refs.pause,
                {"pause": self.own_dir / "pause"},
                [self.own_key],
                entrypoint=["/usr/local/bin/pause"],
            ),
        ]
        return Release(
            versions=v,
            kube_dir=kube_dir,
            file_steps=[
                _files_step(ctx, kube_name, kube_key, kubernetes),
                _files_step(ctx, etcd_name, etcd_key, etcd),
                _files_step(ctx, coredns_name, coredns_key, coredns),
            ],
            image_steps=images,
            preload=[*(refs.control_plane(c) for c in CONTROL_PLANE_COMPONENTS), refs.etcd, refs.coredns, refs.pause],
        )

    # -- shared parts ----------------------------------------------------------------------------------------
    def shared_images(self) -> list[Step]:
        refs = self.ctx.refs
        return [
            self.base_image(
                "netd", refs.netd, {"netd": self.own_dir / "netd"}, [self.own_key], entrypoint=["/usr/local/bin/netd"]
            ),
            self.static_image(
                "local-path-provisioner",
                refs.local_path_provisioner,
                {"local-path-provisioner": self.lpp_dir / "local-path-provisioner"},
                [self.lpp_key],
            ),
            self.base_image("local-path-helper", refs.local_path_helper, {}, []),
            self.static_image(
                "workload",
                refs.workload,
                {"workload": self.own_dir / "workload"},
                [self.own_key],
                entrypoint=["/usr/local/bin/workload"],
                cmd=["serve"],
            ),
        ]

    def shared_preload(self) -> list[str]:
        refs = self.ctx.refs
        return [refs.netd, refs.local_path_provisioner, refs.local_path_helper, refs.workload]

    def node_step(
        self,
        *,
        release: Release,
        tag: str,
        cluster_images: list[Step],
        preload: list[str],
        staged: Release | None = None,
    ) -> Step:
        """The node image of ``release``, pre-loaded with ``preload``; with ``staged``, that release's kubeadm,
        kubelet and kubectl are staged for the upgrade drill."""
        v, refs = release.versions, ImageRefs(release.versions)
        dockerfile = recipes.node(
            rootfs=self.node_rootfs_tag,
            refs=refs,
            kubernetes_version=v.kubernetes,
            staged_version=staged.versions.kubernetes if staged else None,
        )
        key = key_of(
            "node",
            [s.key for s in cluster_images],
            self.rootfs_node_key,
            self.kind_key,
            self.tools_key,
            self.files_digest,
            dockerfile,
            RECIPE_VERSION,
        )

        def node() -> None:
            from kindchaos.images import node_image

            node_image.assemble(
                ctx=self.ctx,
                key=key,
                rootfs_tag=self.node_rootfs_tag,
                kube_dir=release.kube_dir,
                tools_dir=self.tools_dir,
                kind_module=gobuild.download_module("sigs.k8s.io/kind", self.ctx.versions.kind),
                preload=preload,
                dockerfile=dockerfile,
                refs=refs,
                tag=tag,
                staged=staged.kube_dir if staged else None,
            )

        return _image_step(self.ctx, f"node image {tag}", tag, key, node)

    # -- the two builds --------------------------------------------------------------------------------------
    def main(self) -> list[Step]:
        """The node image every scenario runs on, and everything it needs."""
        ctx, v, log, current = self.ctx, self.ctx.versions, self.log, self.current

        def kind_binary(out: Path) -> None:
            gobuild.install("sigs.k8s.io/kind", v.kind, out, log=log / "kind.log")

        def node_tools(out: Path) -> None:
            gobuild.install("sigs.k8s.io/cri-tools/cmd/crictl", v.crictl, out, log=log / "crictl.log")
            for plugin in ("ipam/host-local", "main/loopback", "main/ptp", "meta/portmap"):
                gobuild.install(
                    f"github.com/containernetworking/plugins/plugins/{plugin}",
                    v.cni_plugins,
                    out / "cni",
                    log=log / "cni-plugins.log",
                )

        def local_path(out: Path) -> None:
            gobuild.install(
                "github.com/rancher/local-path-provisioner", v.local_path_provisioner, out, log=log / "lpp.log"
            )

        def own(out: Path) -> None:
            workdir = ctx.scratch("kindchaos-go")
            if workdir.exists():
                shutil.rmtree(workdir)
            shutil.copytree(self.sources, workdir)
            gobuild.build(
                workdir,
                {"pause": "./pause", "workload": "./workload", "netd": "./netd"},
                out,
                log=log / "kindchaos-go.log",
            )
            shutil.rmtree(workdir)

        etcd_dir = ctx.out("etcd")

        def host_tools(out: Path) -> None:
            for binary, source in (
                ("kind", self.kind_dir / "kind"),
                ("kubectl", current.kube_dir / "kubectl"),
                ("etcdctl", etcd_dir / "etcdctl"),
                ("etcdutl", etcd_dir / "etcdutl"),
                ("kubeadm", current.kube_dir / "kubeadm"),
            ):
                shutil.copy2(source, out / binary)

        kube_key, etcd_key = current.file_steps[0].key, current.file_steps[1].key
        cluster_images = [*current.image_steps, *self.shared_images()]
        haproxy_recipe = recipes.haproxy(base=self.base_tag)
        haproxy_step = self.dockerfile_step(
            "haproxy",
            ctx.refs.haproxy,
            haproxy_recipe,
            key_of("haproxy", haproxy_recipe, self.files_digest, self.rootfs_base_key),
            {"haproxy.cfg": self.files / "haproxy.cfg", "haproxy-limits.cfg": self.files / "haproxy-limits.cfg"},
        )
        return [
            _files_step(ctx, "kind", self.kind_key, kind_binary),
            *current.file_steps,
            _files_step(ctx, "node-tools", self.tools_key, node_tools),
            _files_step(ctx, "local-path-provisioner", self.lpp_key, local_path),
            _files_step(ctx, "kindchaos-go", self.own_key, own),
            _files_step(
                ctx,
                "host-tools",
                key_of("host-tools", self.kind_key, kube_key, etcd_key),
                host_tools,
                out=bin_dir(),
                shared=True,
            ),
            self.rootfs_step("rootfs-base", self.base_tag, self.rootfs_base_key, rootfs.BASE_PACKAGES),
            self.rootfs_step("rootfs-node", self.node_rootfs_tag, self.rootfs_node_key, rootfs.NODE_PACKAGES),
            *cluster_images,
            haproxy_step,
            self.node_step(
                release=current,
                tag=ctx.refs.node,
                cluster_images=cluster_images,
                preload=[*current.preload, *self.shared_preload()],
            ),
        ]

    def upgrade(self, old: Versions = UPGRADE_FROM_VERSIONS) -> list[Step]:
        """The upgrade drill's node image: ``old``'s cluster with the main release staged. Only ``old``'s own
        builds are new; the main release's images and the shared ones come from ``main``."""
        previous = self.release(old)
        shared = self.shared_images()
        return [
            *previous.file_steps,
            *previous.image_steps,
            self.node_step(
                release=previous,
                tag=upgrade_node_ref(old, self.ctx.versions),
                cluster_images=[*previous.image_steps, *shared, *self.current.image_steps],
                preload=[*previous.preload, *self.shared_preload(), *self.current.preload],
                staged=self.current,
            ),
        ]


def steps(ctx: BuildContext, *, upgrade: bool = True) -> list[Step]:
    """The build, in dependency order: the main node image, then (unless ``upgrade`` is off) the upgrade drill's."""
    plan = Plan(ctx)
    return [*plan.main(), *(plan.upgrade() if upgrade else [])]


def build(*, ctx: BuildContext | None = None, status: Status | None = None, upgrade: bool = True) -> float:
    """Run every step not yet done; return the total seconds."""
    ctx = ctx or BuildContext()
    status = status or Status()
    docker.require_daemon()
    started = time.monotonic()
    for step in steps(ctx, upgrade=upgrade):
        if step.done():
            status.info(f"cached  {step.name}")
            continue
        try:
            with status.step(f"building {step.name}"):
                step.run()
        except (shell.CommandFailed, OSError, ValueError, AssertionError) as exc:
            raise BuildError(
                f"failed to build {step.name}: {exc}", hint=f"see the logs in {ctx.logs}, then rerun"
            ) from exc
    return time.monotonic() - started


def step_states(ctx: BuildContext | None = None, *, upgrade: bool = True) -> list[tuple[str, bool]]:
    """(step name, done) for every step, for `kindchaos images status`."""
    ctx = ctx or BuildContext()
    return [(step.name, step.done()) for step in steps(ctx, upgrade=upgrade)]

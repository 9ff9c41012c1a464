"""`kindchaos images build`: every step of the air-gapped build, in order.

Like kind's create actions, the build is a flat list of small steps. Each has
a key made of its pinned inputs; a step whose outputs carry its key is
skipped, so a rerun with nothing changed only checks keys.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from kindchaos import shell
from kindchaos.errors import BuildError
from kindchaos.host import docker
from kindchaos.images import docker_images, gobuild, recipes, rootfs
from kindchaos.images.stamps import is_stamped, key_of, stamp, tree_digest
from kindchaos.images.versions import CONTROL_PLANE_COMPONENTS, DEFAULT_VERSIONS, ImageRefs, Versions
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
    ctx: BuildContext, name: str, key: str, make: Callable[[Path], None], *, out: Path | None = None
) -> Step:
    out = out or ctx.out(name)

    def run() -> None:
        if out.exists():
            shutil.rmtree(out)
        out.mkdir(parents=True)
        make(out)
        stamp(out, key)

    return Step(name, key, lambda: is_stamped(out, key), run)


def _image_step(ctx: BuildContext, name: str, tag: str, key: str, build: Callable[[], None]) -> Step:
    return Step(name, key, lambda: docker_images.image_key(tag) == key, build)


def steps(ctx: BuildContext) -> list[Step]:
    """The build, in dependency order."""
    v, refs = ctx.versions, ctx.refs
    log = ctx.logs
    kind_key = key_of("kind", v.kind)
    kube_key = key_of("kubernetes", v.kubernetes, v.kubernetes_commit, RECIPE_VERSION)
    etcd_key = key_of("etcd", v.etcd)
    coredns_key = key_of("coredns", v.coredns)
    tools_key = key_of("node-tools", v.crictl, v.cni_plugins)
    lpp_key = key_of("local-path-provisioner", v.local_path_provisioner)
    sources = _package_file("sources")
    own_key = key_of("kindchaos-go", tree_digest(sources))
    files = _package_file("files")
    files_digest = tree_digest(files)
    rootfs_node_key = key_of("rootfs-node", v.debian_suite, rootfs.NODE_PACKAGES)
    rootfs_base_key = key_of("rootfs-base", v.debian_suite, rootfs.BASE_PACKAGES)
    base_tag = f"kindchaos/rootfs-base:{v.debian_suite}"
    node_rootfs_tag = f"kindchaos/rootfs-node:{v.debian_suite}"

    def kind_binary(out: Path) -> None:
        gobuild.install("sigs.k8s.io/kind", v.kind, out, log=log / "kind.log")

    kind_dir = ctx.out("kind")

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
        gobuild.build(workdir, packages, out, ldflags=ldflags, log=log / "kubernetes.log")
        shutil.rmtree(workdir)

    def etcd(out: Path) -> None:
        for binary, module in (
            ("etcd", "go.etcd.io/etcd/server/v3"),
            ("etcdctl", "go.etcd.io/etcd/etcdctl/v3"),
            ("etcdutl", "go.etcd.io/etcd/etcdutl/v3"),
        ):
            workdir = gobuild.prepare_module(module, v.etcd, workdir=ctx.scratch(binary), replace_version=v.etcd)
            gobuild.build(workdir, {binary: "."}, out, log=log / f"{binary}.log")
            shutil.rmtree(workdir)

    def coredns(out: Path) -> None:
        gobuild.install("github.com/coredns/coredns", v.coredns, out, log=log / "coredns.log")

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
        gobuild.install("github.com/rancher/local-path-provisioner", v.local_path_provisioner, out, log=log / "lpp.log")

    def own(out: Path) -> None:
        workdir = ctx.scratch("kindchaos-go")
        if workdir.exists():
            shutil.rmtree(workdir)
        shutil.copytree(sources, workdir)
        gobuild.build(
            workdir,
            {"pause": "./pause", "workload": "./workload", "netd": "./netd"},
            out,
            log=log / "kindchaos-go.log",
        )
        shutil.rmtree(workdir)

    kube_dir, etcd_dir = ctx.out("kubernetes"), ctx.out("etcd")
    coredns_dir, tools_dir = ctx.out("coredns"), ctx.out("node-tools")
    lpp_dir, own_dir = ctx.out("local-path-provisioner"), ctx.out("kindchaos-go")
    etc_files = {
        "etc/passwd": "root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534::/:/sbin/nologin\n",
        "etc/group": "root:x:0:\nnogroup:x:65534:\n",
    }

    def dockerfile_step(name: str, tag: str, dockerfile: str, key: str, files_in: dict[str, Path | str]) -> Step:
        """An image built from ``dockerfile`` and a context of ``files_in``, labelled with ``key``."""

        def build() -> None:
            docker_images.build_image(
                tag=tag, key=key, dockerfile=dockerfile, files=files_in, context=ctx.scratch(f"ctx-{name}")
            )

        return _image_step(ctx, f"image {tag}", tag, key, build)

    def static_image(name: str, tag: str, binaries: dict[str, Path], deps: list[str], **kw: list[str]) -> Step:
        dockerfile = recipes.static_binary(**kw)
        key = key_of(name, dockerfile, deps, RECIPE_VERSION)
        context: dict[str, Path | str] = {**{f"bin/{n}": p for n, p in binaries.items()}, **etc_files}
        return dockerfile_step(name, tag, dockerfile, key, context)

    def base_image(name: str, tag: str, binaries: dict[str, Path], deps: list[str], **kw: object) -> Step:
        dockerfile = recipes.on_base(base=base_tag, **kw)  # type: ignore[arg-type]
        key = key_of(name, dockerfile, deps, files_digest, rootfs_base_key, RECIPE_VERSION)
        context: dict[str, Path | str] = {
            **{f"bin/{n}": p for n, p in binaries.items()},
            "bin/.keep": "",
            "iptables-wrapper": files / "iptables-wrapper",
        }
        return dockerfile_step(name, tag, dockerfile, key, context)

    def rootfs_step(name: str, tag: str, key: str, packages: tuple[str, ...]) -> Step:
        def build() -> None:
            rootfs.build_rootfs_image(
                tag=tag,
                key=key,
                suite=v.debian_suite,
                mirror=v.debian_mirror,
                packages=packages,
                workdir=ctx.scratch(name),
                log=log / f"{name}.log",
            )

        return _image_step(ctx, f"{name} (debootstrap {v.debian_suite})", tag, key, build)

    cluster_images: list[Step] = [
        *(
            static_image(c, refs.control_plane(c), {c: kube_dir / c}, [kube_key])
            for c in CONTROL_PLANE_COMPONENTS
            if c != "kube-proxy"
        ),
        base_image(
            "kube-proxy",
            refs.control_plane("kube-proxy"),
            {"kube-proxy": kube_dir / "kube-proxy"},
            [kube_key],
        ),
        static_image("etcd", refs.etcd, {b: etcd_dir / b for b in ("etcd", "etcdctl", "etcdutl")}, [etcd_key]),
        static_image(
            "coredns",
            refs.coredns,
            {"coredns": coredns_dir / "coredns"},
            [coredns_key],
            entrypoint=["/usr/local/bin/coredns"],
        ),
        static_image("pause", refs.pause, {"pause": own_dir / "pause"}, [own_key], entrypoint=["/usr/local/bin/pause"]),
        base_image("netd", refs.netd, {"netd": own_dir / "netd"}, [own_key], entrypoint=["/usr/local/bin/netd"]),
        static_image(
            "local-path-provisioner",
            refs.local_path_provisioner,
            {"local-path-provisioner": lpp_dir / "local-path-provisioner"},
            [lpp_key],
        ),
        base_image("local-path-helper", refs.local_path_helper, {}, []),
        static_image(
            "workload",
            refs.workload,
            {"workload": own_dir / "workload"},
            [own_key],
            entrypoint=["/usr/local/bin/workload"],
            cmd=["serve"],
        ),
    ]
    preload_refs = [
        *(refs.control_plane(c) for c in CONTROL_PLANE_COMPONENTS),
        refs.etcd,
        refs.coredns,
        refs.pause,
        refs.netd,
        refs.local_path_provisioner,
        refs.local_path_helper,
        refs.workload,
    ]
    haproxy_recipe = recipes.haproxy(base=base_tag)
    haproxy_step = dockerfile_step(
        "haproxy",
        refs.haproxy,
        haproxy_recipe,
        key_of("haproxy", haproxy_recipe, files_digest, rootfs_base_key),
        {"haproxy.cfg": files / "haproxy.cfg", "haproxy-limits.cfg": files / "haproxy-limits.cfg"},
    )

    node_key = key_of(
        "node",
        [s.key for s in cluster_images],
        rootfs_node_key,
        kind_key,
        tools_key,
        files_digest,
        recipes.node(rootfs=node_rootfs_tag, refs=refs, kubernetes_version=v.kubernetes),
        RECIPE_VERSION,
    )

    def node() -> None:
        from kindchaos.images import node_image

        node_image.assemble(
            ctx=ctx,
            key=node_key,
            rootfs_tag=node_rootfs_tag,
            kube_dir=kube_dir,
            tools_dir=tools_dir,
            kind_module=gobuild.download_module("sigs.k8s.io/kind", v.kind),
            preload=preload_refs,
        )

    def host_tools(out: Path) -> None:
        for binary, source in (
            ("kind", kind_dir / "kind"),
            ("kubectl", kube_dir / "kubectl"),
            ("etcdctl", etcd_dir / "etcdctl"),
            ("etcdutl", etcd_dir / "etcdutl"),
            ("kubeadm", kube_dir / "kubeadm"),
        ):
            shutil.copy2(source, out / binary)

    return [
        _files_step(ctx, "kind", kind_key, kind_binary),
        _files_step(ctx, "kubernetes", kube_key, kubernetes),
        _files_step(ctx, "etcd", etcd_key, etcd),
        _files_step(ctx, "coredns", coredns_key, coredns),
        _files_step(ctx, "node-tools", tools_key, node_tools),
        _files_step(ctx, "local-path-provisioner", lpp_key, local_path),
        _files_step(ctx, "kindchaos-go", own_key, own),
        _files_step(ctx, "host-tools", key_of("host-tools", kind_key, kube_key, etcd_key), host_tools, out=bin_dir()),
        rootfs_step("rootfs-base", base_tag, rootfs_base_key, rootfs.BASE_PACKAGES),
        rootfs_step("rootfs-node", node_rootfs_tag, rootfs_node_key, rootfs.NODE_PACKAGES),
        *cluster_images,
        haproxy_step,
        _image_step(ctx, f"node image {refs.node}", refs.node, node_key, node),
    ]


def build(*, ctx: BuildContext | None = None, status: Status | None = None) -> float:
    """Run every step not yet done; return the total seconds."""
    ctx = ctx or BuildContext()
    status = status or Status()
    docker.require_daemon()
    started = time.monotonic()
    for step in steps(ctx):
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


def step_states(ctx: BuildContext | None = None) -> list[tuple[str, bool]]:
    """(step name, done) for every step, for `kindchaos images status`."""
    ctx = ctx or BuildContext()
    return [(step.name, step.done()) for step in steps(ctx)]

"""One etcd release: the server, and (on the main release) etcdctl and etcdutl for the backup scenarios."""

from __future__ import annotations

import shutil
from pathlib import Path

from kindchaos.images import gobuild
from kindchaos.images.context import BuildContext
from kindchaos.images.pins import ImageRefs, Versions
from kindchaos.images.stamps import key_of
from kindchaos.images.step import Step, files_step, static_image

MODULES = {
    "etcd": "go.etcd.io/etcd/server/v3",
    "etcdctl": "go.etcd.io/etcd/etcdctl/v3",
    "etcdutl": "go.etcd.io/etcd/etcdutl/v3",
}


def binaries(ctx: BuildContext, v: Versions) -> dict[str, str]:
    """The backup and restore scenarios run etcdctl and etcdutl on the main release only. The module proxy
    refuses etcdctl/etcdutl v3.5.24 (403 "This module version is not available"), so another release's etcd
    image carries the server alone."""
    return MODULES if ctx.is_main(v) else {"etcd": MODULES["etcd"]}


def key(ctx: BuildContext, v: Versions) -> str:
    return key_of("etcd", v.etcd) if ctx.is_main(v) else key_of("etcd", v.etcd, "server only")


def out_dir(ctx: BuildContext, v: Versions) -> Path:
    return ctx.out(ctx.release_name(v, "etcd", v.etcd))


def binaries_step(ctx: BuildContext, v: Versions) -> Step:
    def make(out: Path) -> None:
        for binary, module in binaries(ctx, v).items():
            workdir = gobuild.prepare_module(module, v.etcd, workdir=ctx.scratch(binary), replace_version=v.etcd)
            log = ctx.logs / f"{ctx.release_name(v, binary, v.etcd)}.log"
            gobuild.build(workdir, {binary: "."}, out, log=log)
            shutil.rmtree(workdir)

    return files_step(ctx.release_name(v, "etcd", v.etcd), key(ctx, v), make, out=out_dir(ctx, v))


def image_step(ctx: BuildContext, v: Versions) -> Step:
    found = {binary: out_dir(ctx, v) / binary for binary in binaries(ctx, v)}
    return static_image(ctx, "etcd", ImageRefs(v).etcd, found, [key(ctx, v)])

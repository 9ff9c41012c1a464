"""One CoreDNS release, installed from the module proxy, and its image."""

from __future__ import annotations

from pathlib import Path

from kindchaos.images import gobuild
from kindchaos.images.context import BuildContext
from kindchaos.images.pins import ImageRefs, Versions
from kindchaos.images.stamps import key_of
from kindchaos.images.step import Step, files_step, static_image


def key(v: Versions) -> str:
    return key_of("coredns", v.coredns)


def out_dir(ctx: BuildContext, v: Versions) -> Path:
    return ctx.out(ctx.release_name(v, "coredns", v.coredns))


def binary_step(ctx: BuildContext, v: Versions) -> Step:
    name = ctx.release_name(v, "coredns", v.coredns)

    def make(out: Path) -> None:
        gobuild.install("github.com/coredns/coredns", v.coredns, out, log=ctx.logs / f"{name}.log")

    return files_step(name, key(v), make, out=out_dir(ctx, v))


def image_step(ctx: BuildContext, v: Versions) -> Step:
    return static_image(
        ctx,
        "coredns",
        ImageRefs(v).coredns,
        {"coredns": out_dir(ctx, v) / "coredns"},
        [key(v)],
        entrypoint=["/usr/local/bin/coredns"],
    )

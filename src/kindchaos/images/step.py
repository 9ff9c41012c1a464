"""The kinds of build step: a folder of files, or a Docker image, each done when it carries its key.

A step's key is made of its pinned inputs; a step whose output carries its key is skipped, so a rerun with
nothing changed only checks keys.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kindchaos.images import docker_images, recipes
from kindchaos.images.context import RECIPE_VERSION, BuildContext
from kindchaos.images.stamps import is_stamped, key_of, stamp, stamp_path

ETC_FILES = {
    "etc/passwd": "root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534::/:/sbin/nologin\n",
    "etc/group": "root:x:0:\nnogroup:x:65534:\n",
}


@dataclass(frozen=True)
class Step:
    """One build step: what it makes, its input key, how to tell it is done, how to do it."""

    name: str
    key: str
    done: Callable[[], bool]
    run: Callable[[], None]
    forget: Callable[[], None]  # remove what it made, so the next build makes it again (benchmarks)


def files_step(name: str, key: str, make: Callable[[Path], None], *, out: Path, shared: bool = False) -> Step:
    """A step whose output is the folder ``out``; ``shared``: the folder holds other tools too (the doctor's
    actionlint in the host's bin folder), so it is written into, not emptied first."""

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


def image_step(name: str, tag: str, key: str, build: Callable[[], None]) -> Step:
    """A step whose output is the image ``tag``, labelled with its key."""

    def forget() -> None:
        subprocess.run(["docker", "rmi", "-f", tag], capture_output=True, check=False)

    return Step(name, key, lambda: docker_images.image_key(tag) == key, build, forget)


def dockerfile_step(
    ctx: BuildContext, name: str, tag: str, dockerfile: str, key: str, files_in: dict[str, Path | str]
) -> Step:
    """An image built from ``dockerfile`` and a context of ``files_in``, labelled with ``key``."""

    def build() -> None:
        docker_images.build_image(
            tag=tag, key=key, dockerfile=dockerfile, files=files_in, context=ctx.scratch(f"ctx-{name}")
        )

    return image_step(f"image {tag}", tag, key, build)


def static_image(
    ctx: BuildContext, name: str, tag: str, binaries: dict[str, Path], deps: list[str], **kw: list[str]
) -> Step:
    """An image of static binaries on an empty root (the control plane, etcd, CoreDNS, pause, the workload)."""
    dockerfile = recipes.static_binary(**kw)
    key = key_of(name, dockerfile, deps, RECIPE_VERSION)
    context: dict[str, Path | str] = {**{f"bin/{n}": p for n, p in binaries.items()}, **ETC_FILES}
    return dockerfile_step(ctx, name, tag, dockerfile, key, context)


def base_image(
    ctx: BuildContext,
    name: str,
    tag: str,
    binaries: dict[str, Path],
    deps: list[str],
    *,
    base: str,
    base_key: str,
    **kw: object,
) -> Step:
    """An image on the Debian base root filesystem ``base`` (kube-proxy and netd need iptables)."""
    dockerfile = recipes.on_base(base=base, **kw)  # type: ignore[arg-type]
    key = key_of(name, dockerfile, deps, ctx.files_digest, base_key, RECIPE_VERSION)
    context: dict[str, Path | str] = {
        **{f"bin/{n}": p for n, p in binaries.items()},
        "bin/.keep": "",
        "iptables-wrapper": ctx.files / "iptables-wrapper",
    }
    return dockerfile_step(ctx, name, tag, dockerfile, key, context)

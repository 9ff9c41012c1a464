"""`kindchaos images build`: every step of the air-gapped build, in order.

Like kind's create actions, the build is a flat list of small steps, each made by one module of
``images.actions``. Each step has a key made of its pinned inputs; a step whose outputs carry its key is
skipped, so a rerun with nothing changed only checks keys.
"""

from __future__ import annotations

import time

from kindchaos import shell
from kindchaos.errors import BuildError
from kindchaos.host import docker
from kindchaos.images.actions import addon_images, calico, etcd, go_tools, kubernetes, root_filesystems, upgrade_variant
from kindchaos.images.actions.node import node_step
from kindchaos.images.actions.release import release
from kindchaos.images.context import BuildContext
from kindchaos.images.step import Step
from kindchaos.progress import Status

__all__ = ["BuildContext", "Step", "build", "step_states", "steps"]


def steps(ctx: BuildContext, *, upgrade: bool = True, with_calico: bool = True) -> list[Step]:
    """The build, in dependency order: the main node image, then (unless turned off) Calico's images and node
    image variant, and the upgrade drill's node image."""
    v = ctx.versions
    main = release(ctx, v)
    cluster_images = [*main.image_steps, *addon_images.shared_steps(ctx)]
    built = [
        go_tools.kind_step(ctx),
        *main.file_steps,  # Kubernetes, etcd, CoreDNS
        go_tools.node_tools_step(ctx),
        go_tools.local_path_step(ctx),
        go_tools.own_step(ctx),
        go_tools.checker_step(ctx),
        go_tools.host_tools_step(
            ctx,
            kube_dir=main.kube_dir,
            kube_key=kubernetes.key(v),
            etcd_dir=etcd.out_dir(ctx, v),
            etcd_key=etcd.key(ctx, v),
        ),
        *root_filesystems.steps(ctx),
        *cluster_images,
        addon_images.haproxy_step(ctx),
        node_step(
            ctx,
            release=main,
            tag=ctx.refs.node,
            cluster_images=cluster_images,
            preload=[*main.preload, *addon_images.shared_images(ctx)],
        ),
    ]
    return [
        *built,
        *(calico.steps(ctx, main) if with_calico else []),
        *(upgrade_variant.steps(ctx, main) if upgrade else []),
    ]


def build(
    *, ctx: BuildContext | None = None, status: Status | None = None, upgrade: bool = True, with_calico: bool = True
) -> float:
    """Run every step not yet done; return the total seconds."""
    ctx = ctx or BuildContext()
    status = status or Status()
    docker.require_daemon()
    started = time.monotonic()
    for step in steps(ctx, upgrade=upgrade, with_calico=with_calico):
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


def step_states(
    ctx: BuildContext | None = None, *, upgrade: bool = True, with_calico: bool = True
) -> list[tuple[str, bool]]:
    """(step name, done) for every step, for `kindchaos images status`."""
    ctx = ctx or BuildContext()
    return [(step.name, step.done()) for step in steps(ctx, upgrade=upgrade, with_calico=with_calico)]

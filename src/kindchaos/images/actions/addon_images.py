"""The images besides a release's control plane: pause and the project's programs (netd, the workload),
local-path-provisioner and its helper, and haproxy for the HA load balancer."""

from __future__ import annotations

from kindchaos.images import recipes
from kindchaos.images.actions import go_tools, root_filesystems
from kindchaos.images.context import BuildContext
from kindchaos.images.pins import ImageRefs, Versions
from kindchaos.images.stamps import key_of
from kindchaos.images.step import Step, base_image, dockerfile_step, static_image


def pause_step(ctx: BuildContext, v: Versions) -> Step:
    """The pause image of release ``v`` (its tag differs between minors; the binary is the project's own)."""
    return static_image(
        ctx,
        "pause",
        ImageRefs(v).pause,
        {"pause": go_tools.own_dir(ctx) / "pause"},
        [go_tools.own_key(ctx)],
        entrypoint=["/usr/local/bin/pause"],
    )


def shared_steps(ctx: BuildContext) -> list[Step]:
    """The images every node image pre-loads, whatever its release."""
    refs, own = ctx.refs, go_tools.own_dir(ctx)
    on_base = {"base": root_filesystems.base_tag(ctx), "base_key": root_filesystems.base_key(ctx)}
    return [
        base_image(
            ctx,
            "netd",
            refs.netd,
            {"netd": own / "netd"},
            [go_tools.own_key(ctx)],
            entrypoint=["/usr/local/bin/netd"],
            **on_base,
        ),
        static_image(
            ctx,
            "local-path-provisioner",
            refs.local_path_provisioner,
            {"local-path-provisioner": go_tools.local_path_dir(ctx) / "local-path-provisioner"},
            [go_tools.local_path_key(ctx)],
        ),
        base_image(ctx, "local-path-helper", refs.local_path_helper, {}, [], **on_base),
        static_image(
            ctx,
            "workload",
            refs.workload,
            {"workload": own / "workload"},
            [go_tools.own_key(ctx)],
            entrypoint=["/usr/local/bin/workload"],
            cmd=["serve"],
        ),
    ]


def shared_images(ctx: BuildContext) -> list[str]:
    refs = ctx.refs
    return [refs.netd, refs.local_path_provisioner, refs.local_path_helper, refs.workload]


def haproxy_step(ctx: BuildContext) -> Step:
    """kind's load balancer for the HA topology, on the base filesystem with the project's config."""
    recipe = recipes.haproxy(base=root_filesystems.base_tag(ctx))
    key = key_of("haproxy", recipe, ctx.files_digest, root_filesystems.base_key(ctx))
    files = {"haproxy.cfg": ctx.files / "haproxy.cfg", "haproxy-limits.cfg": ctx.files / "haproxy-limits.cfg"}
    return dockerfile_step(ctx, "haproxy", ctx.refs.haproxy, recipe, key, dict(files))

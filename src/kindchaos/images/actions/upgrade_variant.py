"""The upgrade drill's node image: the previous minor's cluster with the main release staged on every node.
Only the previous minor's own builds are new; the main release's images and the shared ones are reused."""

from __future__ import annotations

from kindchaos.images.actions import addon_images
from kindchaos.images.actions.node import node_step
from kindchaos.images.actions.release import Release, release
from kindchaos.images.context import BuildContext
from kindchaos.images.pins import UPGRADE_FROM_VERSIONS, Versions, upgrade_node_ref
from kindchaos.images.step import Step


def steps(ctx: BuildContext, main: Release, old: Versions = UPGRADE_FROM_VERSIONS) -> list[Step]:
    previous = release(ctx, old)
    return [
        *previous.file_steps,
        *previous.image_steps,
        node_step(
            ctx,
            release=previous,
            tag=upgrade_node_ref(old, ctx.versions),
            cluster_images=[*previous.image_steps, *addon_images.shared_steps(ctx), *main.image_steps],
            preload=[*previous.preload, *addon_images.shared_images(ctx), *main.preload],
            staged=main,
        ),
    ]

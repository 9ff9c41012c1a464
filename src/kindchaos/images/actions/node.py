"""The node image of a release: kind's base files on the node root filesystem, the release's kubeadm, kubelet
and kubectl, crictl and the CNI plugins, and every image the cluster runs pre-loaded into containerd."""

from __future__ import annotations

from kindchaos.images import gobuild, node_image, recipes
from kindchaos.images.actions import go_tools, root_filesystems
from kindchaos.images.actions.release import Release
from kindchaos.images.context import RECIPE_VERSION, BuildContext
from kindchaos.images.pins import ImageRefs
from kindchaos.images.stamps import key_of
from kindchaos.images.step import Step, image_step


def node_step(
    ctx: BuildContext,
    *,
    release: Release,
    tag: str,
    cluster_images: list[Step],
    preload: list[str],
    staged: Release | None = None,
) -> Step:
    """The node image of ``release``, pre-loaded with ``preload``; with ``staged``, that release's kubeadm,
    kubelet and kubectl are staged for the upgrade drill. Its key covers every image it pre-loads."""
    v, refs = release.versions, ImageRefs(release.versions)
    dockerfile = recipes.node(
        rootfs=root_filesystems.node_tag(ctx),
        refs=refs,
        kubernetes_version=v.kubernetes,
        staged_version=staged.versions.kubernetes if staged else None,
    )
    key = key_of(
        "node",
        [s.key for s in cluster_images],
        root_filesystems.node_key(ctx),
        go_tools.kind_key(ctx),
        go_tools.node_tools_key(ctx),
        ctx.files_digest,
        dockerfile,
        RECIPE_VERSION,
    )

    def build() -> None:
        node_image.assemble(
            ctx=ctx,
            key=key,
            rootfs_tag=root_filesystems.node_tag(ctx),
            kube_dir=release.kube_dir,
            tools_dir=go_tools.node_tools_dir(ctx),
            kind_module=gobuild.download_module("sigs.k8s.io/kind", ctx.versions.kind),
            preload=preload,
            dockerfile=dockerfile,
            refs=refs,
            tag=tag,
            staged=staged.kube_dir if staged else None,
        )

    return image_step(f"node image {tag}", tag, key, build)

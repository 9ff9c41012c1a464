"""One Kubernetes release's steps together: Kubernetes, etcd and CoreDNS built, and the images its kubeadm
deploys, so a node image of that release finds every one of them pre-loaded."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kindchaos.images.actions import addon_images, coredns, etcd, kubernetes
from kindchaos.images.context import BuildContext
from kindchaos.images.pins import ImageRefs, Versions
from kindchaos.images.step import Step


@dataclass(frozen=True)
class Release:
    """The steps and outputs of one release: its binaries and its version-tagged images."""

    versions: Versions
    kube_dir: Path
    file_steps: list[Step]
    image_steps: list[Step]
    preload: list[str]


def release(ctx: BuildContext, v: Versions) -> Release:
    refs = ImageRefs(v)
    return Release(
        versions=v,
        kube_dir=kubernetes.out_dir(ctx, v),
        file_steps=[kubernetes.binaries_step(ctx, v), etcd.binaries_step(ctx, v), coredns.binary_step(ctx, v)],
        image_steps=[
            *kubernetes.image_steps(ctx, v),
            etcd.image_step(ctx, v),
            coredns.image_step(ctx, v),
            addon_images.pause_step(ctx, v),
        ],
        preload=[*kubernetes.images(v), refs.etcd, refs.coredns, refs.pause],
    )

"""Assembling the node image: filesystem first, then images pre-loaded.

kind never pulls when the node image exists, and kubeadm's preflight is
skipped, so the only puller left is kubelet: every image the cluster runs is
imported into containerd's ``k8s.io`` namespace (not unpacked; containerd
unpacks on first use) before the image is committed.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

from kindchaos import shell
from kindchaos.errors import BuildError
from kindchaos.images import docker_images, manifests
from kindchaos.images.context import BuildContext
from kindchaos.images.pins import ImageRefs
from kindchaos.images.stamps import KEY_LABEL
from kindchaos.waiting import wait_for

# The build container ran `sleep`; the committed image gets kind's entrypoint back.
# (ENV and STOPSIGNAL come from the recipe: docker 20.10's commit cannot set STOPSIGNAL.)
NODE_CHANGES = ('ENTRYPOINT ["/usr/local/bin/entrypoint", "/sbin/init"]',)


def normalized(ref: str) -> str:
    """A reference as containerd names it (``docker.io/`` made explicit)."""
    first = ref.split("/", 1)[0]
    if "." in first or ":" in first or first == "localhost":
        return ref
    return f"docker.io/{ref}" if "/" in ref else f"docker.io/library/{ref}"


def _docker_exec(container: str, *argv: str) -> str:
    return shell.output(["docker", "exec", container, *argv])


def assemble(
    *,
    ctx: BuildContext,
    key: str,
    rootfs_tag: str,
    kube_dir: Path,
    tools_dir: Path,
    kind_module: Path,
    preload: Sequence[str],
    dockerfile: str,
    refs: ImageRefs,
    tag: str,
    staged: Path | None = None,
) -> None:
    """Build ``tag`` from ``dockerfile`` (``recipes.node``) with ``preload`` imported; ``staged`` holds the
    upgrade release's kubeadm, kubelet and kubectl when the recipe stages one."""
    staging = f"kindchaos/node-build:{key}"
    staged_files = {f"staged/{b}": staged / b for b in ("kubeadm", "kubelet", "kubectl")} if staged else {}
    docker_images.build_image(
        tag=staging,
        key=key,
        dockerfile=dockerfile,
        files={
            **staged_files,
            "files": kind_module / "images/base/files",
            "overlay": Path(str(resources.files("kindchaos.images").joinpath("files/node"))),
            **{f"kube/{b}": kube_dir / b for b in ("kubeadm", "kubelet", "kubectl")},
            "tools/crictl": tools_dir / "crictl",
            **{f"cni/{p}": tools_dir / "cni" / p for p in ("host-local", "loopback", "ptp", "portmap")},
            "manifests/default-cni.yaml": manifests.cni_manifest(refs),
            "manifests/default-storage.yaml": manifests.storage_manifest(kind_module, refs),
        },
        context=ctx.scratch("ctx-node"),
    )
    archive = ctx.scratch("preload") / "images.tar"
    docker_images.save(preload, archive)
    container = f"kindchaos-node-build-{key}"
    subprocess.run(["docker", "rm", "-f", container], capture_output=True, check=False)
    try:
        shell.run(
            [
                "docker",
                "run",
                "-d",
                "--pull=never",
                "--privileged",
                "--name",
                container,
                "--entrypoint",
                "sleep",
                "-v",
                f"{archive}:/preload.tar:ro",
                staging,
                "infinity",
            ]
        )
        _docker_exec(container, "sh", "-c", "nohup containerd > /var/log/containerd-build.log 2>&1 &")

        def containerd_answers() -> None:
            _docker_exec(container, "ctr", "version")

        wait_for(
            containerd_answers,
            retry_on=(shell.CommandFailed,),
            within=60,
            expected="containerd in the build container to answer `ctr version`",
        )
        _docker_exec(
            container,
            "ctr",
            "--namespace=k8s.io",
            "images",
            "import",
            "--label=io.cri-containerd.pinned=pinned",
            "--all-platforms",
            "--no-unpack",
            "--digests",
            "/preload.tar",
        )
        imported = set(_docker_exec(container, "ctr", "--namespace=k8s.io", "images", "ls", "-q").split())
        absent = [ref for ref in preload if normalized(ref) not in imported]
        if absent:
            raise BuildError(f"failed to pre-load {', '.join(absent)} into the node image; present: {sorted(imported)}")
        _docker_exec(container, "pkill", "containerd")

        def containerd_exited() -> None:
            # sleep is PID 1 and reaps nothing: a zombie containerd has exited.
            states = _docker_exec(container, "sh", "-c", "ps -C containerd -o stat= || true").split()
            assert all(state.startswith("Z") for state in states), f"containerd process states: {states}"

        wait_for(containerd_exited, within=30, expected="containerd in the build container to exit")
        shell.run(["docker", "exec", container, "rm", "-f", "/var/log/containerd-build.log"])
        changes = [*NODE_CHANGES, f"LABEL {KEY_LABEL}={key}"]
        argv = ["docker", "commit"]
        for change in changes:
            argv += ["--change", change]
        shell.run([*argv, container, tag])
    finally:
        subprocess.run(["docker", "rm", "-f", "-v", container], capture_output=True, check=False)
        subprocess.run(["docker", "rmi", staging], capture_output=True, check=False)
        shutil.rmtree(archive.parent, ignore_errors=True)

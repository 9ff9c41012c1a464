"""Docker images built from a context directory, never pulled.

Images are built with the classic builder from ``FROM scratch`` or from an
image built earlier in the same run, so the daemon has nothing to pull.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from kindchaos import shell
from kindchaos.images.stamps import KEY_LABEL

BUILD_ENV = {"DOCKER_BUILDKIT": "0"}


def image_key(ref: str) -> str | None:
    """The build key recorded on ``ref``, or None when the image is absent."""
    proc = subprocess.run(
        ["docker", "image", "inspect", "--format", f'{{{{index .Config.Labels "{KEY_LABEL}"}}}}', ref],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        return None
    return proc.stdout.strip()


def image_exists(ref: str) -> bool:
    return image_key(ref) is not None


def build_image(
    *,
    tag: str,
    key: str,
    dockerfile: str,
    files: Mapping[str, Path | str | bytes],
    context: Path,
    extra_tags: Sequence[str] = (),
) -> None:
    """Build ``tag`` from ``dockerfile``; ``files`` maps context paths to sources or contents."""
    if context.exists():
        shutil.rmtree(context)
    context.mkdir(parents=True)
    for rel, source in files.items():
        target = context / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(source, Path):
            if source.is_dir():
                shutil.copytree(source, target)
            else:
                shutil.copy2(source, target)
        elif isinstance(source, bytes):
            target.write_bytes(source)
        else:
            target.write_text(source)
    (context / "Dockerfile").write_text(dockerfile + f"\nLABEL {KEY_LABEL}={key}\n")
    argv = ["docker", "build", "--pull=false", "--network=none", "--force-rm", "-t", tag]
    for extra in extra_tags:
        argv += ["-t", extra]
    shell.run([*argv, str(context)], env=BUILD_ENV)
    shutil.rmtree(context)


def save(refs: Sequence[str], out: Path) -> None:
    """``docker save`` several images into one archive (shared layers once)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    shell.run(["docker", "save", "-o", str(out), *refs])


def built_images() -> list[str]:
    """Every image the build made (each carries its cache key label), as repository:tag."""
    listed = shell.output(
        ["docker", "images", "--filter", f"label={KEY_LABEL}", "--format", "{{.Repository}}:{{.Tag}}"]
    )
    return sorted({line for line in listed.splitlines() if line and "<none>" not in line})


def load(archive: Path) -> list[str]:
    """``docker load`` an archive made by ``save``; the loaded references."""
    out = shell.output(["docker", "load", "-i", str(archive)], timeout=1800)
    return [line.split(": ", 1)[1] for line in out.splitlines() if line.startswith("Loaded image: ")]

"""What every build step shares: the pinned versions, where outputs, logs and scratch folders go, and the
package's own inputs (recipe files and Go sources) whose digests go into the keys."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path

from kindchaos.images.pins import DEFAULT_VERSIONS, ImageRefs, Versions
from kindchaos.images.stamps import tree_digest
from kindchaos.paths import cache_root

RECIPE_VERSION = 1  # bump to rebuild everything after a recipe change outside this package


def package_file(rel: str) -> Path:
    """A file or folder shipped inside ``kindchaos.images`` (recipe files, Go sources)."""
    return Path(str(resources.files("kindchaos.images").joinpath(rel)))


@dataclass
class BuildContext:
    """The build's versions and folders; ``versions`` is the main release (the one scenarios run on)."""

    versions: Versions = DEFAULT_VERSIONS
    root: Path = field(default_factory=cache_root)

    @property
    def refs(self) -> ImageRefs:
        return ImageRefs(self.versions)

    def out(self, name: str) -> Path:
        return self.root / "build" / name

    @property
    def logs(self) -> Path:
        path = self.root / "logs"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def scratch(self, name: str) -> Path:
        return self.root / "scratch" / name

    def is_main(self, v: Versions) -> bool:
        """Whether ``v`` is the main release: its outputs keep unsuffixed folder names."""
        return v == self.versions

    def release_name(self, v: Versions, name: str, version: str) -> str:
        """The output name of one release's part: ``name`` for the main release, ``name-version`` for another,
        so both stay cached side by side."""
        return name if self.is_main(v) else f"{name}-{version}"

    @property
    def files(self) -> Path:
        """Files copied into images: haproxy's config, the iptables wrapper, the node overlay."""
        return package_file("files")

    @property
    def sources(self) -> Path:
        """The project's own Go programs: pause, the workload, netd."""
        return package_file("sources")

    @property
    def checker(self) -> Path:
        """The linearizability checker's Go module (porcupine and the model of Kubernetes objects)."""
        return package_file("checker")

    @cached_property
    def checker_digest(self) -> str:
        return tree_digest(self.checker)

    @cached_property
    def files_digest(self) -> str:
        return tree_digest(self.files)

    @cached_property
    def sources_digest(self) -> str:
        return tree_digest(self.sources)

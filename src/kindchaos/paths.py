"""Where the project keeps builds and state outside the work tree.

Builds are cached per user, not per checkout, so a fresh clone (as CI makes)
reuses what an earlier run built.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def cache_root() -> Path:
    """``$KINDCHAOS_CACHE``, else ``$XDG_CACHE_HOME/kindchaos``, else ``~/.cache/kindchaos``."""
    explicit = os.environ.get("KINDCHAOS_CACHE")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "kindchaos"


def bin_dir() -> Path:
    """Host binaries the build produces (kind, kubectl, etcdctl)."""
    return cache_root() / "bin"


LINEARIZABILITY_CHECKER = "kindchaos-linearizability"


def checker_path() -> Path:
    """The linearizability checker the build's ``linearizability-checker`` step makes."""
    return cache_root() / "build" / "linearizability-checker" / LINEARIZABILITY_CHECKER


def lock_for(path: Path) -> Path:
    """A lock file for ``path``, kept in the cache folder so no lock is left beside the user's files."""
    digest = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:16]
    folder = cache_root() / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{path.name}-{digest}.lock"

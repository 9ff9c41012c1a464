"""Build caching: a step is done when its outputs carry the key of its inputs.

A key is the hash of everything that decides a step's result (versions,
source files, recipes). Files record it in a ``.key`` stamp beside them;
Docker images record it in the ``io.kindchaos.key`` label.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

KEY_LABEL = "io.kindchaos.key"


def key_of(*parts: object) -> str:
    """A short stable hash of JSON-serialisable parts."""
    blob = json.dumps(parts, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def tree_digest(root: Path) -> str:
    """Hash of every file's path and bytes under ``root``."""
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def stamp_path(output_dir: Path) -> Path:
    return output_dir / ".key"


def is_stamped(output_dir: Path, key: str) -> bool:
    stamp = stamp_path(output_dir)
    return stamp.exists() and stamp.read_text().strip() == key


def stamp(output_dir: Path, key: str) -> None:
    stamp_path(output_dir).write_text(key + "\n")

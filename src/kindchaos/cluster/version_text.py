"""Finding a version in a program's own words (``Kubernetes v1.34.12``, ``etcd Version: 3.6.5``,
``CoreDNS-1.12.1``): the one pattern that picks the X.Y.Z out, and ``packaging.version`` to parse and compare."""

from __future__ import annotations

import re

from packaging.version import Version

VERSION_IN_TEXT = re.compile(r"(?<![\w.])(v?)(\d+\.\d+\.\d+)(?![\w.])")


def version_in(text: str, *, prefixed: bool = False) -> Version | None:
    """The first X.Y.Z in ``text`` (``Kubernetes v1.34.12``, ``etcd Version: 3.6.5``, ``CoreDNS-1.12.1``);
    ``prefixed``: only a ``vX.Y.Z``, as Kubernetes writes its own."""
    for found in VERSION_IN_TEXT.finditer(text.replace("-", " ")):
        if found.group(1) or not prefixed:
            return Version(found.group(2))
    return None

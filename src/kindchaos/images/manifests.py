"""The manifests kind applies at create time, written into the node image.

The CNI manifest is kindchaos's own (netd). The storage manifest is kind's
own, read at build time from the kind module's source, where it is a Go raw
string with image constants spliced in.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

from kindchaos.images.pins import ImageRefs


def cni_manifest(refs: ImageRefs) -> str:
    template = resources.files("kindchaos.images").joinpath("files/default-cni.yaml").read_text()
    return template.replace("@NETD_IMAGE@", refs.netd)


def go_string_constant(source: str, name: str, constants: dict[str, str]) -> str:
    """Evaluate ``const name = `...` + other + `...``` from Go source text."""
    match = re.search(rf"const {name} = (`.*?`(?:\s*\+\s*\w+\s*\+\s*`.*?`)*)\s*\n", source, re.S)
    if not match:
        raise ValueError(f"no raw string constant {name!r} in the Go source")
    parts = re.findall(r"`(.*?)`|(\w+)", match.group(1), re.S)
    out = []
    for literal, ident in parts:
        if ident:
            out.append(constants[ident])
        else:
            out.append(literal)
    return "".join(out)


def storage_manifest(kind_module: Path, refs: ImageRefs) -> str:
    source = (kind_module / "pkg/build/nodeimage/const_storage.go").read_text()
    return go_string_constant(
        source,
        "defaultStorageManifest",
        {
            "storageProvisionerImage": refs.local_path_provisioner,
            "storageHelperImage": refs.local_path_helper,
        },
    )

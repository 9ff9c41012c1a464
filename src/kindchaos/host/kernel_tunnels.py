"""Which pod-network tunnels the host's kernel can carry. kind's nodes share the host's kernel, so a Calico pool in
IPIP mode works only where the host has IPIP; VXLAN is what Calico clusters use otherwise."""

from __future__ import annotations

import gzip
import os
from dataclasses import dataclass
from pathlib import Path

# Calico's encapsulation -> (kernel option, module name)
TUNNELS = {"vxlan": ("CONFIG_VXLAN", "vxlan"), "ipip": ("CONFIG_NET_IPIP", "ipip")}


@dataclass(frozen=True)
class Tunnel:
    name: str
    usable: bool
    how: str  # "built in", "module loaded", "module (loadable)", or why not


def tunnel_support(config_text: str | None, *, loaded: set[str], loadable: set[str]) -> list[Tunnel]:
    """Each tunnel's state from the kernel's config (None: unknown), loaded modules and modules on disk."""
    options: dict[str, str] = {}
    for line in (config_text or "").splitlines():
        if line.startswith("CONFIG_") and "=" in line:
            key, value = line.split("=", 1)
            options[key] = value
    found = []
    for name, (option, module) in TUNNELS.items():
        value = options.get(option, "")
        if value == "y":
            found.append(Tunnel(name, True, "built in"))
        elif module in loaded:
            found.append(Tunnel(name, True, "module loaded"))
        elif value == "m" and module in loadable:
            found.append(Tunnel(name, True, "module (loadable)"))
        elif config_text is None:
            found.append(Tunnel(name, False, "unknown: no /proc/config.gz and no module loaded"))
        else:
            found.append(Tunnel(name, False, f"{option} is {'a module not installed' if value == 'm' else 'not set'}"))
    return found


def host_tunnels() -> list[Tunnel]:
    config = Path("/proc/config.gz")
    text = gzip.decompress(config.read_bytes()).decode() if config.exists() else None
    loaded = set(os.listdir("/sys/module")) if Path("/sys/module").exists() else set()
    modules = Path("/lib/modules") / os.uname().release
    loadable = {p.name.split(".ko")[0] for p in modules.rglob("*.ko*")} if modules.exists() else set()
    return tunnel_support(text, loaded=loaded, loadable=loadable)

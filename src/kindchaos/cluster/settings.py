"""The settings a scenario compares its measurements with, read from the running cluster.

A figure such as "NotReady after 52 s" means little without the setting that
should have produced it, so each one is read from where the cluster takes it
(the static pod's command line, a pod's spec), and the source is reported
with the value. A flag that is not set falls back to the documented default of
the node image's Kubernetes version, and says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kindchaos.cluster.etcd_tools import container_flags, read_manifest
from kindchaos.cluster.leftovers import MANIFESTS_DIR
from kindchaos.cluster.lifecycle import Cluster
from kindchaos.cluster.nodes import crictl_container, run

CONTROLLER_MANAGER_MANIFEST = f"{MANIFESTS_DIR}/kube-controller-manager.yaml"
# used only if the binary's --help cannot be read: kube-controller-manager's defaults in Kubernetes 1.34
NODE_MONITOR_DEFAULTS = {"node-monitor-grace-period": "50s", "node-monitor-period": "5s"}
_UNITS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")


def duration_seconds(text: str) -> float:
    """Seconds in a Go duration such as ``40s``, ``1m30s`` or ``500ms``."""
    parts = _PART.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise ValueError(f"not a duration: {text!r}")
    return sum(float(number) * _UNITS[unit] for number, unit in parts)


@dataclass(frozen=True)
class Setting:
    """A configured value and where it came from."""

    name: str
    seconds: float
    source: str

    def describe(self) -> str:
        return f"{self.name}={self.seconds:g}s ({self.source})"


def controller_manager_setting(cluster: Cluster, flag: str) -> Setting:
    node = cluster.control_planes[0]
    flags = container_flags(read_manifest(node, CONTROLLER_MANAGER_MANIFEST))
    if flag in flags:
        return Setting(flag, duration_seconds(flags[flag]), f"--{flag} in {CONTROLLER_MANAGER_MANIFEST} on {node}")
    default = help_default(node, "kube-controller-manager", flag)
    if default is not None:
        return Setting(flag, duration_seconds(default), f"not set; `kube-controller-manager --help`: default {default}")
    default = NODE_MONITOR_DEFAULTS[flag]
    return Setting(flag, duration_seconds(default), f"not set; documented default {default} (--help unreadable)")


def help_default(node: str, component: str, flag: str) -> str | None:
    """The default ``--help`` of the running component's own binary gives for ``--flag``."""
    running = crictl_container(node, component)
    if not running:
        return None
    text = run(node, "crictl", "exec", running[0]["id"], component, "--help").output
    return parse_help_default(text, flag)


def parse_help_default(help_text: str, flag: str) -> str | None:
    found = re.search(rf"--{re.escape(flag)} \S+ .*?\(default ([^)]+)\)", help_text)
    return found.group(1) if found else None


def node_monitor_grace_period(cluster: Cluster) -> Setting:
    return controller_manager_setting(cluster, "node-monitor-grace-period")


def node_monitor_period(cluster: Cluster) -> Setting:
    return controller_manager_setting(cluster, "node-monitor-period")


def toleration_seconds(pod_spec: dict[str, object] | object, key: str) -> int | None:
    """``tolerationSeconds`` of the NoExecute toleration for taint ``key`` in a pod spec from the API."""
    tolerations = getattr(pod_spec, "tolerations", None) or []
    for toleration in tolerations:
        if toleration.key == key and toleration.effect == "NoExecute":
            seconds: int | None = toleration.toleration_seconds
            return seconds
    return None

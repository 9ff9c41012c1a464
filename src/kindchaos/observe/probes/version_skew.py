"""The version-skew watch: every apiserver's and kubelet's version, once a second, for the whole upgrade.

Kubernetes' skew policy: a kubelet must never be newer than the kube-apiserver
(it may be up to three minors older), and kube-proxy follows the same rule. An
upgrade that replaces a kubelet before the apiservers breaks it. Each sample
asks every control plane's apiserver directly (past the load balancer) and
reads the kubelets' node status; the rule is checked over the last version
known for each, so an apiserver that is restarting still counts as the version
it last said.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from kindchaos.cluster.lifecycle import Cluster
from kindchaos.cluster.node_upgrade import minor_of
from kindchaos.cluster.running_versions import apiserver_addresses, apiserver_version, kubelet_versions
from kindchaos.observe.figures import Sample
from kindchaos.observe.probes.base import Probe
from kindchaos.observe.timeline import Timeline, error_text

OLDEST_KUBELET_MINORS = 3


@dataclass(frozen=True)
class SkewBreach:
    """A moment at which the known versions broke the skew policy."""

    at: float  # monotonic
    text: str


def skew_breaches(samples: list[Sample]) -> list[SkewBreach]:
    """Replay the samples, keeping the last version known for each apiserver and kubelet; every breach found."""
    apiservers: dict[str, str] = {}
    kubelets: dict[str, str] = {}
    found: list[SkewBreach] = []
    for sample in samples:
        apiservers.update({k: v for k, v in (sample.detail.get("apiservers") or {}).items() if v})
        kubelets.update({k: v for k, v in (sample.detail.get("kubelets") or {}).items() if v})
        if not apiservers:
            continue
        oldest_node, oldest = min(apiservers.items(), key=lambda item: minor_of(item[1]))
        for node, version in sorted(kubelets.items()):
            major, minor = minor_of(version)
            api_major, api_minor = minor_of(oldest)
            if (major, minor) > (api_major, api_minor):
                found.append(
                    SkewBreach(
                        sample.mono, f"kubelet {version} on {node} is newer than apiserver {oldest} on {oldest_node}"
                    )
                )
            elif major == api_major and api_minor - minor > OLDEST_KUBELET_MINORS:
                found.append(
                    SkewBreach(
                        sample.mono,
                        f"kubelet {version} on {node} is more than {OLDEST_KUBELET_MINORS} minors older than "
                        f"apiserver {oldest} on {oldest_node}",
                    )
                )
    return found


def first_seen(samples: list[Sample], kind: str, node: str, version: str) -> float | None:
    """Monotonic time of the first sample where ``kind`` ("apiservers", "kubelets") on ``node`` said ``version``."""
    for sample in samples:
        if (sample.detail.get(kind) or {}).get(node) == version:
            return sample.mono
    return None


class VersionSkewProbe(Probe):
    """Samples every apiserver's and kubelet's version every ``interval`` seconds."""

    source = "versions"

    def __init__(
        self,
        *,
        cluster: Cluster,
        timeline: Timeline,
        name: str = "versions",
        interval: float = 1.0,
    ) -> None:
        super().__init__(name=name, timeline=timeline, interval=interval)
        self.cluster = cluster
        self._addresses = apiserver_addresses(cluster)

    def _loop(self) -> None:
        while not self._stop.is_set():
            mono, wall = time.monotonic(), time.time()
            detail: dict[str, Any] = {"apiservers": {}, "kubelets": {}, "errors": []}
            for node, address in self._addresses.items():
                try:
                    detail["apiservers"][node] = apiserver_version(address)
                except Exception as exc:  # a restarting apiserver is an outcome, not an error
                    detail["apiservers"][node] = None
                    detail["errors"].append(f"apiserver on {node}: {error_text(exc)}")
            try:
                detail["kubelets"] = kubelet_versions(self.cluster)
            except Exception as exc:
                detail["errors"].append(f"node list: {error_text(exc)}")
            ok = not detail["errors"]
            self.record(started_mono=mono, started_wall=wall, ok=ok, latency=time.monotonic() - mono, **detail)
            self._stop.wait(self.interval)

    def breaches(self) -> list[SkewBreach]:
        return skew_breaches(self.samples)

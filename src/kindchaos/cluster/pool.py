"""The session's clusters: one per topology, created on first use, healed or recreated between scenarios."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kindchaos.cluster.health import HealthReport, heal
from kindchaos.cluster.lifecycle import Cluster, create_fresh, create_or_reuse, existing_clusters, tool_paths
from kindchaos.cluster.readiness import wait_ready
from kindchaos.cluster.topology import topology_named
from kindchaos.errors import ClusterError


@dataclass(frozen=True)
class ClusterOptions:
    """How the session's clusters are named, made and kept: pytest-kind's options, read once."""

    name_prefix: str | None  # None: each topology's own default name
    image: str | None  # None: the project's node image
    workdir: Path
    kind_bin: Path | None
    kubectl_bin: Path | None
    keep: bool

    def name(self, suffix: str) -> str | None:
        return None if self.name_prefix is None else f"{self.name_prefix}-{suffix}"


def _heavy(topology_name: str) -> bool:
    """An HA topology (stacked or external etcd): the machine holds one of these and nothing beside it."""
    return topology_named(topology_name).control_planes > 1


class ClusterPool:
    """One cluster per topology for the session. A 2-core machine holds one HA cluster and nothing beside it,
    so asking for an HA topology (or for anything while one lives) closes the others first."""

    def __init__(self, options: ClusterOptions) -> None:
        self.options = options
        self._clusters: dict[str, Cluster] = {}

    def _create(self, topology_name: str) -> Cluster:
        o = self.options
        return create_or_reuse(
            topology_named(topology_name),
            name=o.name(topology_name),
            image=o.image,
            workdir=o.workdir,
            kind_bin=o.kind_bin,
            kubectl_bin=o.kubectl_bin,
        )

    def get(self, topology_name: str) -> Cluster:
        """The session's cluster of this topology; on first use it is created and passes the health gate."""
        if topology_name in self._clusters:
            return self._clusters[topology_name]
        return self.healthy(topology_name)[0]

    def healthy(self, topology_name: str) -> tuple[Cluster, HealthReport]:
        """The health gate: create the cluster if the session has none, heal what earlier scenarios (or killed
        runs) left, and recreate the cluster when healing fails."""
        if topology_name not in self._clusters:
            if _heavy(topology_name) or any(_heavy(name) for name in self._clusters):
                self.close()
            self._clusters[topology_name] = self._create(topology_name)
        cluster = self._clusters[topology_name]
        try:
            return cluster, heal(cluster)
        except ClusterError as exc:
            cluster.delete()
            fresh = self._create(topology_name)
            self._clusters[topology_name] = fresh
            waited = wait_ready(fresh)
            return fresh, HealthReport(healed=[str(exc)], ready_seconds=waited.seconds, recreated=True)

    def fresh(self, topology_name: str, *, image: str, purpose: str) -> tuple[Cluster, HealthReport]:
        """A new cluster of ``topology_name`` from ``image`` for one scenario; the shared clusters are closed
        first, since a 2-core machine holds one cluster at a time. The caller deletes it."""
        self.close()
        o, suffix = self.options, f"{purpose}-{topology_name}"
        name = o.name(suffix) or f"kindchaos-{suffix}"
        left = name in existing_clusters(o.kind_bin or tool_paths()[0])
        cluster = create_fresh(
            topology_named(topology_name),
            name=name,
            image=image,
            workdir=o.workdir,
            kind_bin=o.kind_bin,
            kubectl_bin=o.kubectl_bin,
        )
        waited = wait_ready(cluster)
        said = [f"new cluster from {image}"]
        if left:  # e.g. a run killed while its certificates were expired: such a cluster is never healed in place
            said.insert(0, f"deleted cluster {name!r} left by an earlier run; a fresh scenario's cluster is not reused")
        return cluster, HealthReport(healed=said, ready_seconds=waited.seconds)

    def close(self) -> None:
        """Forget every cluster, deleting each unless the options keep them."""
        for cluster in self._clusters.values():
            if not self.options.keep:
                cluster.delete()
        self._clusters.clear()

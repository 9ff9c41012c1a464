"""The session's clusters: one per topology, created on first use, healed or recreated between scenarios.

Under pytest-xdist each worker has a pool of its own: its clusters' names carry the worker's id, and the
machine's capacity (``cluster.capacity``) is shared by every worker, so they take turns at what the machine
cannot hold at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from kindchaos.cluster.capacity import MachineCapacity, weight
from kindchaos.cluster.health import HealthReport, heal
from kindchaos.cluster.lifecycle import Cluster, create_fresh, create_or_reuse, existing_clusters, tool_paths
from kindchaos.cluster.readiness import wait_ready
from kindchaos.cluster.topology import Topology, topology_named
from kindchaos.errors import ClusterError, KindChaosError
from kindchaos.images.pins import DEFAULT_REFS


@dataclass(frozen=True)
class ClusterOptions:
    """How the session's clusters are named, made and kept: pytest-kind's options, read once."""

    name_prefix: str | None  # None: each topology's own default name
    image: str | None  # None: the project's node image
    workdir: Path
    kind_bin: Path | None
    kubectl_bin: Path | None
    keep: bool
    worker: str | None = None  # the pytest-xdist worker's id (gw0, gw1, ...), None in a session of its own
    capacity: MachineCapacity = field(default_factory=MachineCapacity)
    cni: str = "netd"  # every cluster's pod network: the project's netd, or Calico

    def topology(self, topology_name: str) -> Topology:
        return topology_named(topology_name).with_cni(self.cni)

    def suffix(self, topology_name: str) -> str:
        """What tells this session's cluster of a topology apart: the topology, and a CNI other than netd."""
        return topology_name if self.cni == "netd" else f"{topology_name}-{self.cni}"

    def name(self, suffix: str) -> str | None:
        """The cluster's name: the topology's own default, unless a prefix or a worker id makes it unique."""
        if self.worker is None:
            return None if self.name_prefix is None else f"{self.name_prefix}-{suffix}"
        return f"{self.name_prefix or DEFAULT_PREFIX}-{self.worker}-{suffix}"


DEFAULT_PREFIX = "kindchaos"


class CannotRunHere(KindChaosError):
    """A scenario that cannot run on the session's clusters (the user's own, or another CNI's), and why; the
    plugin skips it with this reason."""


class Clusters(Protocol):
    """What the plugin asks of the session's clusters: this project's kind clusters (``ClusterPool``) or the
    cluster the user brought (``target_pool.TargetPool``)."""

    def get(self, topology_name: str) -> Cluster: ...

    def healthy(self, topology_name: str) -> tuple[Cluster, HealthReport]: ...

    def fresh(self, topology_name: str, *, image: str, purpose: str) -> tuple[Cluster, HealthReport]: ...

    def done_with_fresh(self, cluster: Cluster) -> None: ...

    def close(self) -> None: ...


class ClusterPool:
    """One cluster per topology for the session, within the machine's capacity: asking for a cluster that does
    not fit beside this pool's others closes them first, and one that does not fit beside other processes'
    clusters waits for room (holding none of its own meanwhile)."""

    def __init__(self, options: ClusterOptions) -> None:
        self.options = options
        self._clusters: dict[str, Cluster] = {}
        self._topology_of: dict[str, str] = {}  # cluster name -> topology, for the capacity it holds

    def _own_weight(self) -> int:
        return sum(weight(self._topology_of[cluster.name]) for cluster in self._clusters.values())

    def _make_room(self, name: str, topology_name: str) -> None:
        """Hold room on the machine for ``name``: close this pool's clusters while it would not fit beside
        them, and close them all before waiting on other processes."""
        limit = self.options.capacity.limit
        while self._clusters and self._own_weight() + weight(topology_name) > limit:
            self._close_one(next(iter(self._clusters)))
        if not self.options.capacity.try_take(name, topology_name):
            self.close()
            self.options.capacity.take(name, topology_name)
        self._topology_of[name] = topology_name

    def _close_one(self, topology_name: str) -> None:
        cluster = self._clusters.pop(topology_name)
        if not self.options.keep:
            cluster.delete()
        self.options.capacity.give_back(cluster.name)

    def _name_of(self, topology_name: str) -> str:
        o = self.options
        return o.name(o.suffix(topology_name)) or o.topology(topology_name).default_cluster_name()

    def _create(self, topology_name: str) -> Cluster:
        o = self.options
        return create_or_reuse(
            o.topology(topology_name),
            name=self._name_of(topology_name),
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
            name = self._name_of(topology_name)
            self._make_room(name, topology_name)
            try:
                self._clusters[topology_name] = self._create(topology_name)
            except BaseException:
                self.options.capacity.give_back(name)  # the create undid itself; so does its room
                raise
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
        first. The caller hands it back with ``done_with_fresh``."""
        o = self.options
        if o.cni == "calico":
            if image != DEFAULT_REFS.node:
                raise CannotRunHere(f"its node image {image} carries no Calico images; it runs on netd clusters")
            image = DEFAULT_REFS.calico_node_image
        self.close()
        suffix = f"{purpose}-{o.suffix(topology_name)}"
        name = o.name(suffix) or f"{DEFAULT_PREFIX}-{suffix}"
        self._make_room(name, topology_name)
        try:
            left = name in existing_clusters(o.kind_bin or tool_paths()[0])
            cluster = create_fresh(
                o.topology(topology_name),
                name=name,
                image=image,
                workdir=o.workdir,
                kind_bin=o.kind_bin,
                kubectl_bin=o.kubectl_bin,
            )
        except BaseException:
            self.options.capacity.give_back(name)
            raise
        waited = wait_ready(cluster)
        said = [f"new cluster from {image}"]
        if left:  # e.g. a run killed while its certificates were expired: such a cluster is never healed in place
            said.insert(0, f"deleted cluster {name!r} left by an earlier run; a fresh scenario's cluster is not reused")
        return cluster, HealthReport(healed=said, ready_seconds=waited.seconds)

    def done_with_fresh(self, cluster: Cluster) -> None:
        """A fresh scenario's cluster: deleted (unless the options keep it), and its room given back."""
        if not self.options.keep:
            cluster.delete()
        self.options.capacity.give_back(cluster.name)

    def close(self) -> None:
        """Forget every cluster, deleting each unless the options keep them, and give their room back."""
        for topology_name in list(self._clusters):
            self._close_one(topology_name)

"""The session's cluster when the user brings their own (``--kindchaos-target``): one cluster, never made here.

It stands in for ``ClusterPool``: a scenario whose topology is the target's runs on it after the same health
gate, which heals (starts stopped units, moves parked manifests back, removes partition chains, uncordons)
but never deletes or recreates it; what it cannot heal fails the scenario as an infrastructure error that
says so. A scenario of another topology, or one that needs a fresh cluster (the upgrade drill, certificate
expiry), is not for this target, and says why (the plugin skips it with that reason).
"""

from __future__ import annotations

from pathlib import Path

from kindchaos.cluster.health import HealthReport, heal
from kindchaos.cluster.lifecycle import Cluster
from kindchaos.cluster.node_access import Unsupported, forget
from kindchaos.cluster.pool import CannotRunHere
from kindchaos.cluster.target_file import SeenCluster, TargetFile, connect, read_target
from kindchaos.errors import ClusterError


class TargetPool:
    """The user's cluster, connected on first use."""

    def __init__(self, path: Path) -> None:
        self.target: TargetFile = read_target(path)
        self._cluster: Cluster | None = None
        self._seen: SeenCluster | None = None

    def get_cluster(self) -> Cluster:
        """The user's cluster, connected (and checked) on first use."""
        return self._connected()

    def _connected(self) -> Cluster:
        if self._cluster is None:
            seen, _ = connect(self.target)
            self._seen = seen
            self._cluster = Cluster(
                name=self.target.name,
                topology=seen.topology(),
                image="",
                kubeconfig=self.target.kubeconfig,
                kind=None,
                created_seconds=None,
                owned=False,
                node_roles=seen.roles,
            )
        return self._cluster

    def _for(self, topology_name: str) -> Cluster:
        cluster = self._connected()
        found = cluster.topology
        shape = f"{found.control_planes} control plane(s), {found.workers} worker(s)"
        if found.name != topology_name:
            raise CannotRunHere(
                f"target {cluster.name!r} is {found.name} ({shape}); this scenario needs {topology_name}"
            )
        if found.name == "ha-external":
            raise CannotRunHere(
                f"target {cluster.name!r} has an external etcd; its members are not this host's containers, which "
                "the external etcd scenarios stop, freeze and cut"
            )
        return cluster

    def get(self, topology_name: str) -> Cluster:
        return self._for(topology_name)

    def healthy(self, topology_name: str) -> tuple[Cluster, HealthReport]:
        """The health gate on the user's cluster: heal, never recreate."""
        cluster = self._for(topology_name)
        try:
            return cluster, heal(cluster)
        except (ClusterError, Unsupported) as exc:
            raise ClusterError(
                f"could not heal target {cluster.name!r}: {exc.message}",
                hint="kindchaos never deletes or recreates a cluster it did not make; heal it by hand and rerun",
            ) from exc

    def fresh(self, topology_name: str, *, image: str, purpose: str) -> tuple[Cluster, HealthReport]:
        raise CannotRunHere(
            f"this scenario needs a fresh {topology_name} cluster from {image} ({purpose}); a cluster the user "
            "brought is never replaced"
        )

    def done_with_fresh(self, cluster: Cluster) -> None:
        """Never reached: a target has no fresh clusters."""

    def close(self) -> None:
        """Nothing is deleted; the target's nodes are forgotten by the node access registry."""
        forget(self.target.hosts)

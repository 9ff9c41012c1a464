"""The pytest plugin: options, markers and the cluster fixtures.

pytest-kind-ng already registers --cluster-name, --keep-cluster, --kind-image,
--kind-bin and --kind-kubectl-bin; they are reused with the same meaning. Only
what is new goes into the ``kindchaos`` group.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

DEFAULT_PYTEST_KIND_NAME = "pytest-kind"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("kindchaos")
    group.addoption(
        "--kindchaos-workdir",
        default=None,
        help="where cluster kubeconfigs and kind configs are kept (default: .pytest-kind)",
    )
    parser.addini("kindchaos_workdir", "default for --kindchaos-workdir", default=".pytest-kind")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "integration: needs Docker and a real kind cluster")
    config.addinivalue_line("markers", "topology(name): the cluster topology a test runs on (single or ha)")


def pytest_report_header(config: pytest.Config) -> str:
    from kindchaos.images.versions import DEFAULT_REFS, DEFAULT_VERSIONS

    image = config.getoption("kind_image") or DEFAULT_REFS.node
    return f"kindchaos: node image {image}, Kubernetes {DEFAULT_VERSIONS.kubernetes}, kind {DEFAULT_VERSIONS.kind}"


def _path_option(config: pytest.Config, name: str) -> Path | None:
    value = config.getoption(name)
    return Path(value) if value else None


class ClusterPool:
    """One cluster per topology for the session; created on first use."""

    def __init__(self, config: pytest.Config) -> None:
        self._config = config
        self._clusters: dict[str, object] = {}

    def _name(self, topology: str) -> str | None:
        prefix = self._config.getoption("cluster_name")
        return None if prefix == DEFAULT_PYTEST_KIND_NAME else f"{prefix}-{topology}"

    def get(self, topology_name: str) -> object:
        from kindchaos.cluster.lifecycle import create_or_reuse
        from kindchaos.cluster.readiness import wait_ready
        from kindchaos.cluster.topology import topology_named

        if topology_name not in self._clusters:
            # At most one HA cluster, and not beside another cluster, on a 2-core machine.
            if topology_name == "ha" or "ha" in self._clusters:
                self.close(keep=bool(self._config.getoption("keep_cluster")))
            workdir = self._config.getoption("kindchaos_workdir") or self._config.getini("kindchaos_workdir")
            cluster = create_or_reuse(
                topology_named(topology_name),
                name=self._name(topology_name),
                image=self._config.getoption("kind_image"),
                workdir=Path(workdir),
                kind_bin=_path_option(self._config, "kind_bin"),
                kubectl_bin=_path_option(self._config, "kind_kubectl_bin"),
            )
            wait_ready(cluster)
            self._clusters[topology_name] = cluster
        return self._clusters[topology_name]

    def close(self, *, keep: bool) -> None:
        for cluster in self._clusters.values():
            if not keep:
                cluster.delete()  # type: ignore[attr-defined]
        self._clusters.clear()


@pytest.fixture(scope="session")
def kindchaos_clusters(request: pytest.FixtureRequest) -> Iterator[ClusterPool]:
    pool = ClusterPool(request.config)
    yield pool
    pool.close(keep=bool(request.config.getoption("keep_cluster")))


@pytest.fixture(scope="session")
def single_cluster(kindchaos_clusters: ClusterPool) -> object:
    """The session's `single` cluster (1 control plane + 2 workers)."""
    return kindchaos_clusters.get("single")


@pytest.fixture(scope="session")
def ha_cluster(kindchaos_clusters: ClusterPool) -> object:
    """The session's `ha` cluster (3 control planes + 1 worker, haproxy in front)."""
    return kindchaos_clusters.get("ha")

import pytest
import yaml

from kindchaos.cluster.topology import HA, SINGLE, topology_named
from kindchaos.errors import UsageError


def test_single_is_one_control_plane_and_two_workers() -> None:
    config = yaml.safe_load(SINGLE.kind_config_yaml(image="kindchaos/node:v1.34.12"))
    assert config["kind"] == "Cluster"
    assert config["apiVersion"] == "kind.x-k8s.io/v1alpha4"
    assert [n["role"] for n in config["nodes"]] == ["control-plane", "worker", "worker"]
    assert {n["image"] for n in config["nodes"]} == {"kindchaos/node:v1.34.12"}


def test_ha_is_three_control_planes_and_one_worker() -> None:
    config = HA.kind_config(image="img")
    assert [n["role"] for n in config["nodes"]] == ["control-plane"] * 3 + ["worker"]


def test_node_names_follow_kind() -> None:
    assert SINGLE.node_names("kc") == ["kc-control-plane", "kc-worker", "kc-worker2"]
    assert HA.node_names("kc") == ["kc-control-plane", "kc-control-plane2", "kc-control-plane3", "kc-worker"]


def test_unknown_topology_names_the_valid_ones() -> None:
    with pytest.raises(UsageError, match=r"unknown topology 'triple'.*use one of: ha, ha-external, single"):
        topology_named("triple")

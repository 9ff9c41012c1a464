"""A target file the user writes is refused in one line naming the fix; what the cluster says of itself gives
its topology; SSH commands are quoted, and run under sudo for a user other than root; a cluster the user
brought is never deleted or recreated."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from kindchaos.cluster import target_pool
from kindchaos.cluster.lifecycle import Cluster
from kindchaos.cluster.pool import CannotRunHere
from kindchaos.cluster.ssh_access import SshAccess, SshHost
from kindchaos.cluster.target_file import SeenCluster, read_target
from kindchaos.cluster.topology import topology_named
from kindchaos.errors import ClusterError, UsageError


def write(tmp_path: Path, document: Any, *, key_mode: int = 0o600) -> Path:
    (tmp_path / "kubeconfig").write_text("apiVersion: v1\n")
    key = tmp_path / "id"
    key.write_text("not a real key\n")
    key.chmod(key_mode)
    path = tmp_path / "target.yaml"
    path.write_text(yaml.safe_dump(document) if not isinstance(document, str) else document)
    return path


def good() -> dict[str, Any]:
    return {
        "name": "staging",
        "kubeconfig": "kubeconfig",
        "access": {"kind": "ssh", "user": "root", "key": "id"},
        "nodes": [{"name": "cp-1", "host": "10.0.0.11"}, {"name": "w-1", "host": "10.0.0.21", "address": "10.1.0.21"}],
    }


def test_a_good_file_is_read(tmp_path: Path) -> None:
    target = read_target(write(tmp_path, good()))
    assert target.access == "ssh" and target.port == 22 and target.key == (tmp_path / "id").resolve()
    assert target.hosts["w-1"] == SshHost("10.0.0.21", "10.1.0.21")
    assert target.hosts["cp-1"].address == "10.0.0.11"


def without(document: dict[str, Any], *keys: str) -> dict[str, Any]:
    found = dict(document)
    if len(keys) == 1:
        del found[keys[0]]
    else:
        found[keys[0]] = {k: v for k, v in found[keys[0]].items() if k != keys[1]}
    return found


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (without(good(), "kubeconfig"), r"the file lacks 'kubeconfig' \(fix: add kubeconfig: to the file\)"),
        (without(good(), "access", "key"), r"access lacks 'key' \(fix: add key: to access\)"),
        ({**good(), "nodez": []}, r"unknown field 'nodez' \(fix: use only access, kubeconfig, name, nodes\)"),
        ({**good(), "access": {"kind": "telnet"}}, r"access.kind 'telnet' is not one of ssh, docker"),
        ({**good(), "nodes": []}, r"nodes is not a list of nodes"),
        ({**good(), "nodes": [{"name": "a"}]}, r"node 1 lacks 'host'"),
        ({**good(), "nodes": [{"name": "a", "host": "h"}] * 2}, r"node 'a' is listed twice"),
        ({**good(), "kubeconfig": "elsewhere"}, r"the kubeconfig .*elsewhere does not exist"),
        ({**good(), "access": {**good()["access"], "port": "x"}}, r"access.port 'x' is not a port \(fix: port: 22\)"),
        ("name: [unclosed", r"not YAML"),
    ],
)
def test_a_bad_file_is_refused_in_one_line(tmp_path: Path, document: Any, message: str) -> None:
    with pytest.raises(UsageError, match=message) as raised:
        read_target(write(tmp_path, document))
    assert "\n" not in str(raised.value)


def test_a_key_others_can_read_is_refused_with_chmod(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"can be read by others \(mode 644\) \(fix: chmod 600 .*/id\)"):
        read_target(write(tmp_path, good(), key_mode=0o644))


def test_docker_access_needs_no_key_or_host(tmp_path: Path) -> None:
    document = {**good(), "access": {"kind": "docker"}, "nodes": [{"name": "kind-control-plane"}]}
    target = read_target(write(tmp_path, document))
    assert target.key is None and target.hosts["kind-control-plane"].host == "kind-control-plane"


def test_a_missing_file_names_the_fix(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"no target file at .*absent.yaml \(fix: write one"):
        read_target(tmp_path / "absent.yaml")


@pytest.mark.parametrize(
    ("roles", "servers", "topology"),
    [
        ({"cp": "control-plane", "w1": "worker", "w2": "worker"}, ["https://127.0.0.1:2379"], "single"),
        ({"a": "control-plane", "b": "control-plane", "c": "control-plane"}, ["https://10.0.0.1:2379"], "ha"),
        (
            {"a": "control-plane", "w": "worker"},
            ["https://172.30.250.11:2379", "https://172.30.250.12:2379"],
            "ha-external",
        ),
    ],
)
def test_the_topology_is_read_from_the_cluster(roles: dict[str, str], servers: list[str], topology: str) -> None:
    seen = SeenCluster(roles=roles, etcd_servers=servers, control_plane_addresses={"10.0.0.1"})
    found = seen.topology()
    assert found.name == topology
    assert found.control_planes == sum(1 for r in roles.values() if r == "control-plane")


def test_ssh_commands_are_quoted_and_run_under_sudo_for_other_users(tmp_path: Path) -> None:
    hosts = {"n": SshHost("10.0.0.5", "10.0.0.5")}
    as_root = SshAccess(user="root", key=tmp_path / "k", port=2222, hosts=hosts, known_hosts=tmp_path / "kh")
    as_admin = SshAccess(user="admin", key=tmp_path / "k", port=22, hosts=hosts, known_hosts=tmp_path / "kh")
    argv = as_root._ssh("n")
    assert argv[-2:] == ["root@10.0.0.5", "--"] and "BatchMode=yes" in argv and "2222" in argv
    assert as_root._remote(["bash", "-c", "echo a b"]) == "bash -c 'echo a b'"
    assert as_admin._remote(["systemctl", "stop", "kubelet"]) == "sudo -n systemctl stop kubelet"
    assert "key" in as_root.describe("n") and str(tmp_path / "k") in as_root.describe("n")


def brought() -> Cluster:
    return Cluster("staging", topology_named("single"), "", Path("kc"), None, None, owned=False,
                   node_roles={"cp": "control-plane", "w": "worker"})  # fmt: skip


def test_a_cluster_the_user_brought_is_never_deleted() -> None:
    cluster = brought()
    assert cluster.control_planes == ["cp"] and cluster.workers == ["w"]
    with pytest.raises(ClusterError, match="was not made by kindchaos; it is never deleted"):
        cluster.delete()


def test_the_gate_on_a_target_heals_or_fails_but_never_recreates(monkeypatch: pytest.MonkeyPatch) -> None:
    pool = target_pool.TargetPool.__new__(target_pool.TargetPool)
    pool._cluster = brought()

    def unhealable(cluster: Cluster) -> None:
        raise ClusterError("failed to heal cluster 'staging': kubelet stays down", hint="it will be recreated")

    monkeypatch.setattr(target_pool, "heal", unhealable)
    with pytest.raises(ClusterError, match=r"could not heal target 'staging': .*never deletes or recreates"):
        pool.healthy("single")
    with pytest.raises(CannotRunHere, match=r"target 'staging' is single .*this scenario needs ha"):
        pool.healthy("ha")
    with pytest.raises(CannotRunHere, match="never replaced"):
        pool.fresh("single", image="img", purpose="upgrade")

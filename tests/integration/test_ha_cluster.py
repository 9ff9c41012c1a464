"""The `ha` topology: three control planes behind haproxy, stacked etcd with one leader."""

import json
from urllib.parse import urlparse

import pytest

from kindchaos.cluster import readiness
from kindchaos.cluster.lifecycle import Cluster
from kindchaos.shell import output

pytestmark = [pytest.mark.integration, pytest.mark.topology("ha")]

ETCD_TLS = [
    "--cacert=/etc/kubernetes/pki/etcd/ca.crt",
    "--cert=/etc/kubernetes/pki/etcd/healthcheck-client.crt",
    "--key=/etc/kubernetes/pki/etcd/healthcheck-client.key",
]


def test_three_control_planes_ready(ha_cluster: Cluster) -> None:
    readiness.check_nodes_ready(ha_cluster)
    readiness.check_system_pods_running(ha_cluster)
    nodes = json.loads(ha_cluster.kubectl("get", "nodes", "-l", "node-role.kubernetes.io/control-plane", "-o", "json"))
    assert len(nodes["items"]) == 3


def test_api_answers_through_the_load_balancer(ha_cluster: Cluster) -> None:
    server = ha_cluster.kubectl("config", "view", "--minify", "-o", "jsonpath={.clusters[0].cluster.server}")
    port = urlparse(server).port
    lb = f"{ha_cluster.name}-external-load-balancer"
    assert f"127.0.0.1:{port}" in output(["docker", "port", lb, "6443/tcp"]), f"{server} is not {lb}"
    assert ha_cluster.kubectl("get", "--raw", "/readyz") == "ok"


def test_etcd_has_three_healthy_members_and_one_leader(ha_cluster: Cluster) -> None:
    pod = f"etcd-{ha_cluster.control_planes[0]}"
    raw = ha_cluster.kubectl(
        "exec", "-n", "kube-system", pod, "--", "etcdctl", "--endpoints=https://127.0.0.1:2379", *ETCD_TLS,
        "endpoint", "status", "--cluster", "-w", "json",
    )  # fmt: skip
    statuses = json.loads(raw)
    assert len(statuses) == 3
    members = {s["Status"]["header"]["member_id"] for s in statuses}
    leaders = {s["Status"]["leader"] for s in statuses}
    assert len(members) == 3 and len(leaders) == 1 and leaders <= members


def test_nothing_was_pulled(ha_cluster: Cluster) -> None:
    assert readiness.pull_events(ha_cluster) == []

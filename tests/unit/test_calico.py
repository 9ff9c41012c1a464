"""Calico's cluster option and build inputs, as pure logic: the kind config it makes, the manifest edit, the seed's
IPPool, and the pinned module sums that stand in for the checksum database."""

from pathlib import Path

import pytest
import yaml

from kindchaos import shell
from kindchaos.cluster import calico
from kindchaos.cluster.topology import SINGLE
from kindchaos.errors import UsageError
from kindchaos.images import gobuild
from kindchaos.images.pins import CALICO_MODULE, CALICO_REPLACED, DEFAULT_REFS


def test_a_calico_cluster_disables_kinds_cni_and_uses_the_seeds_pod_subnet() -> None:
    topology = SINGLE.with_cni("calico")
    config = topology.kind_config(image="img")
    assert config["networking"] == {"disableDefaultCNI": True, "podSubnet": "192.168.0.0/16"}
    assert topology.default_cluster_name() == "kindchaos-single-calico"
    assert "networking" not in SINGLE.kind_config(image="img")
    assert SINGLE.default_cluster_name() == "kindchaos-single"


def test_an_unknown_cni_names_the_valid_ones() -> None:
    with pytest.raises(UsageError, match=r"unknown CNI 'flannel'.*use one of: netd, calico"):
        SINGLE.with_cni("flannel")


def test_the_seeds_ippool_is_vxlan_here_and_ipip_where_the_kernel_can() -> None:
    pool = calico.seed_ippool()
    assert pool["apiVersion"] == "projectcalico.org/v3" and pool["kind"] == "IPPool"
    assert pool["spec"] == {
        "cidr": "192.168.0.0/16",
        "ipipMode": "Never",
        "vxlanMode": "Always",
        "natOutgoing": True,
        "nodeSelector": "all()",
    }
    ipip = calico.seed_ippool(encapsulation="ipip")["spec"]
    assert (ipip["ipipMode"], ipip["vxlanMode"]) == ("Always", "Never")


def test_calico_node_is_told_to_make_no_pool_of_its_own(tmp_path: Path) -> None:
    daemonset = {
        "kind": "DaemonSet",
        "metadata": {"name": "calico-node"},
        "spec": {"template": {"spec": {"containers": [
            {"name": "calico-node", "env": [{"name": "NO_DEFAULT_POOLS", "value": "false"}, {"name": "IP"}]},
        ]}}},
    }  # fmt: skip
    other = {"kind": "ConfigMap", "metadata": {"name": "calico-config"}}
    manifest = tmp_path / "calico.yaml"
    manifest.write_text(yaml.safe_dump_all([other, daemonset]))
    documents = calico.manifest_documents(manifest)
    env = documents[1]["spec"]["template"]["spec"]["containers"][0]["env"]
    assert {"name": "NO_DEFAULT_POOLS", "value": "true"} in env
    assert [e["name"] for e in env].count("NO_DEFAULT_POOLS") == 1
    assert documents[0] == other


def test_calico_images_are_named_as_calicos_manifests_name_them() -> None:
    assert DEFAULT_REFS.calico("node") == "quay.io/calico/node:v3.31.0"
    assert DEFAULT_REFS.calico_node_image == "kindchaos/node:v1.34.12-calico"


def test_pinned_modules_write_both_go_sum_lines() -> None:
    lines = CALICO_REPLACED[0].go_sum_lines().splitlines()
    assert lines[0].startswith("github.com/projectcalico/api v0.0.0-20251022175904-f2ab03771208 h1:")
    assert lines[1].startswith("github.com/projectcalico/api v0.0.0-20251022175904-f2ab03771208/go.mod h1:")


def test_a_download_whose_sum_is_not_the_pinned_one_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """The checksum database does not know Calico's pseudo-versions: the pin is the only check, so it must bite."""
    seen: dict[str, str] = {}

    def fake_output(argv: list[str], *, env: dict[str, str], cwd: str) -> str:
        seen.update(env)
        return '{"Dir": "/x", "Sum": "h1:somethingElse="}'

    monkeypatch.setattr(shell, "output", fake_output)
    with pytest.raises(ValueError, match="pinned h1:PbLe6D0Yis8ce4F"):
        gobuild.download_module(CALICO_MODULE.path, CALICO_MODULE.version, pinned_sum=CALICO_MODULE.sum)
    assert seen["GONOSUMDB"] == CALICO_MODULE.path  # only this module skips the database, nothing else


def test_the_doctor_reads_which_tunnels_the_kernel_can_carry() -> None:
    from kindchaos.host.kernel_tunnels import tunnel_support

    this_machine = "CONFIG_VXLAN=y\n# CONFIG_NET_IPIP is not set\n"
    found = {t.name: (t.usable, t.how) for t in tunnel_support(this_machine, loaded={"vxlan"}, loadable=set())}
    assert found == {"vxlan": (True, "built in"), "ipip": (False, "CONFIG_NET_IPIP is not set")}
    modular = "CONFIG_VXLAN=m\nCONFIG_NET_IPIP=m\n"
    found = {t.name: t.how for t in tunnel_support(modular, loaded={"ipip"}, loadable={"vxlan"})}
    assert found == {"vxlan": "module (loadable)", "ipip": "module loaded"}
    missing = {t.name: t.usable for t in tunnel_support("CONFIG_VXLAN=m\n", loaded=set(), loadable=set())}
    assert missing == {"vxlan": False, "ipip": False}
    unknown = tunnel_support(None, loaded=set(), loadable=set())
    assert all(not t.usable and t.how.startswith("unknown") for t in unknown)


def test_calico_clusters_have_names_of_their_own_and_skip_images_without_calico(tmp_path: Path) -> None:
    from kindchaos.cluster.capacity import MachineCapacity
    from kindchaos.cluster.pool import CannotRunHere, ClusterOptions, ClusterPool

    ledger = MachineCapacity(2, ledger=tmp_path / "capacity.json")
    options = ClusterOptions(None, None, tmp_path, None, None, keep=False, worker="gw1", capacity=ledger, cni="calico")
    assert options.name(options.suffix("ha")) == "kindchaos-gw1-ha-calico"
    assert options.topology("ha").cni == "calico"
    pool = ClusterPool(options)
    with pytest.raises(CannotRunHere, match="carries no Calico images; it runs on netd clusters"):
        pool.fresh("single", image="kindchaos/node:v1.33.13-upgrade-v1.34.12", purpose="upgrade")
    assert ledger.held() == []  # the refusal comes before any room is taken or any cluster made


def test_the_route_device_and_the_answered_address_are_read_from_the_nodes_own_output() -> None:
    from kindchaos.cluster.pod_network import device_in_route, reply_destinations

    route = "192.168.57.129 via 192.168.57.128 dev vxlan.calico src 192.168.109.0 uid 0 \n    cache \n"
    assert device_in_route(route) == "vxlan.calico"
    assert device_in_route("local 192.168.109.1 dev lo table local src 192.168.109.1") == "lo"
    assert device_in_route("RTNETLINK answers: Network is unreachable") is None
    listed = (
        "tcp      6 117 TIME_WAIT src=192.168.109.2 dst=172.18.0.4 sport=41234 dport=10256 "
        "src=172.18.0.4 dst=172.18.0.2 sport=10256 dport=41234 [ASSURED] mark=0 use=1\n"
        "tcp      6 110 TIME_WAIT src=192.168.109.2 dst=172.18.0.4 sport=41240 dport=10256 "
        "src=172.18.0.4 dst=192.168.109.2 sport=10256 dport=41240 [ASSURED] mark=0 use=1\n"
    )
    assert reply_destinations(listed) == ["172.18.0.2", "192.168.109.2"]  # masqueraded, then not
    assert reply_destinations("") == []


def test_policies_deny_every_ingress_then_let_one_label_in() -> None:
    from kindchaos.cluster import network_policy

    deny = network_policy.deny_all_ingress("kc-1")
    assert deny["spec"] == {"podSelector": {}, "policyTypes": ["Ingress"]}
    allow = network_policy.allow_ingress_from("kc-1", to={"app": "web"}, source={"role": "frontend"})
    assert allow["metadata"]["name"] == "allow-from-frontend"
    assert allow["spec"]["podSelector"] == {"matchLabels": {"app": "web"}}
    assert allow["spec"]["ingress"] == [{"from": [{"podSelector": {"matchLabels": {"role": "frontend"}}}]}]


def test_reachability_is_asked_for_every_pair_at_once() -> None:
    """A refused request costs the client's timeout; asked one after another, four refusals would take 12 s."""
    import threading

    from kindchaos.cluster.network_policy import reachable

    barrier = threading.Barrier(4, timeout=5)  # only passes if all four are asked at the same time

    def answered(client: str, url: str) -> bool:
        barrier.wait()
        return client == "client"

    pairs = [(c, u) for c in ("client", "other") for u in ("http://a/", "http://b/")]
    assert reachable(answered, pairs) == {p: p[0] == "client" for p in pairs}

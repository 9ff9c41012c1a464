"""The external etcd's layout, kind config and PKI checks: pure logic, no Docker."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from kindchaos.cluster.external_etcd.certificates import CLIENT, check_pki, issue, load_ca, make_ca, write_pki
from kindchaos.cluster.external_etcd.layout import NODE_PKI, EtcdLayout, member_at
from kindchaos.cluster.external_etcd.members import etcd_flags, run_argv
from kindchaos.cluster.external_etcd.steps import why_it_stopped
from kindchaos.cluster.topology import HA_EXTERNAL
from kindchaos.errors import ClusterError

CLUSTER = "kc-x"
PLANES = [f"{CLUSTER}-control-plane", f"{CLUSTER}-control-plane2", f"{CLUSTER}-control-plane3"]


@pytest.fixture
def layout(tmp_path: Path) -> EtcdLayout:
    return EtcdLayout.for_cluster(CLUSTER, root=tmp_path)


def test_members_have_fixed_addresses_below_dockers_range(layout: EtcdLayout) -> None:
    assert [(m.name, m.address) for m in layout.members] == [
        ("kc-x-etcd1", "172.30.250.11"),
        ("kc-x-etcd2", "172.30.250.12"),
        ("kc-x-etcd3", "172.30.250.13"),
    ]
    assert member_at(CLUSTER, 4).address == "172.30.250.14"  # a replacement member
    assert layout.initial_cluster().startswith("kc-x-etcd1=https://172.30.250.11:2380,")


def test_kind_config_points_kubeadm_at_the_members_and_mounts_the_pki_on_control_planes_only(
    layout: EtcdLayout,
) -> None:
    config = HA_EXTERNAL.kind_config(image="img", etcd=layout)
    mounted = [n for n in config["nodes"] if "extraMounts" in n]
    assert [n["role"] for n in mounted] == ["control-plane"] * 3
    assert mounted[1]["extraMounts"] == [{"hostPath": str(layout.node_pki(PLANES[1])), "containerPath": NODE_PKI}]
    (patch,) = (yaml.safe_load(p) for p in config["kubeadmConfigPatches"])
    external = patch["etcd"]["external"]
    assert external["endpoints"] == [f"https://172.30.250.1{i}:2379" for i in (1, 2, 3)]
    assert external["caFile"] == f"{NODE_PKI}/ca.crt"
    assert "local" not in patch["etcd"]


def test_member_runs_without_pull_or_kinds_label_and_with_tls(layout: EtcdLayout) -> None:
    argv = run_argv(layout, layout.members[0], image="etcd:x")
    assert "--pull=never" in argv
    assert not any("io.x-k8s.kind.cluster" in a for a in argv)
    flags = etcd_flags(layout, layout.members[0])
    assert "--client-cert-auth=true" in flags and "--peer-client-cert-auth=true" in flags
    assert f"--initial-cluster-token={layout.token}" in flags


def test_a_fresh_pki_passes_the_checks(layout: EtcdLayout) -> None:
    write_pki(layout, PLANES)
    check_pki(layout, PLANES)
    assert oct((layout.pki_dir / "ca.key").stat().st_mode & 0o777) == "0o600"


def test_a_missing_certificate_is_named(layout: EtcdLayout) -> None:
    write_pki(layout, PLANES)
    missing = layout.node_pki(PLANES[2]) / "apiserver-etcd-client.crt"
    missing.unlink()
    with pytest.raises(ClusterError, match=r"apiserver-etcd-client\.crt is unreadable"):
        check_pki(layout, PLANES)


def test_a_certificate_from_another_ca_is_refused(layout: EtcdLayout) -> None:
    write_pki(layout, PLANES)
    stranger = issue(make_ca("other-ca"), "kube-apiserver-etcd-client", usages=CLIENT)
    folder = layout.node_pki(PLANES[0])
    from kindchaos.cluster.external_etcd.certificates import _save

    _save(stranger, folder / "apiserver-etcd-client.crt", folder / "apiserver-etcd-client.key")
    with pytest.raises(ClusterError, match="is not signed by"):
        check_pki(layout, PLANES)


def test_a_key_that_is_not_the_certificates_is_refused(layout: EtcdLayout) -> None:
    write_pki(layout, PLANES)
    folder = layout.member_pki(layout.members[0])
    (folder / "server.key").write_bytes((folder / "peer.key").read_bytes())
    with pytest.raises(ClusterError, match=r"server\.key is not the key of"):
        check_pki(layout, PLANES)


def test_garbage_is_not_a_certificate(layout: EtcdLayout) -> None:
    write_pki(layout, PLANES)
    (layout.member_pki(layout.members[1]) / "server.crt").write_text("not a certificate")
    with pytest.raises(ClusterError, match="is not a PEM certificate"):
        check_pki(layout, PLANES)
    assert load_ca(layout).certificate.subject.rfc4514_string() == "CN=etcd-ca"


def test_a_stopped_member_is_explained_by_the_line_that_names_its_trouble() -> None:
    usage = "flag provided but not defined: -x\nUsage:\n\n  etcd [flags]\n    Start an etcd server.\n"
    assert why_it_stopped(usage) == "flag provided but not defined: -x"
    fatal = '{"level":"info","msg":"starting"}\n{"level":"fatal","msg":"cannot listen"}\n{"level":"info","msg":"x"}\n'
    assert why_it_stopped(fatal) == '{"level":"fatal","msg":"cannot listen"}'
    assert why_it_stopped("") == "no log"

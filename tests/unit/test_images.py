from pathlib import Path

import pytest

from kindchaos.images import gobuild, manifests, node_image
from kindchaos.images.build import BuildContext, steps
from kindchaos.images.pins import DEFAULT_REFS, Versions
from kindchaos.images.stamps import key_of


def test_relative_replaces_are_repointed_and_forbidden_ones_dropped() -> None:
    go_mod = {
        "Replace": [
            {"Old": {"Path": "go.etcd.io/etcd/api/v3"}, "New": {"Path": "../api"}},
            {"Old": {"Path": "go.etcd.io/etcd"}, "New": {"Path": "./FORBIDDEN_DEPENDENCY"}},
            {"Old": {"Path": "example.com/x"}, "New": {"Path": "example.com/y", "Version": "v1.0.0"}},
        ]
    }
    replaces = gobuild.relative_replaces(go_mod)
    assert gobuild.repoint_replace_args(replaces, "v3.6.5") == [
        "-replace=go.etcd.io/etcd/api/v3=go.etcd.io/etcd/api/v3@v3.6.5",
        "-dropreplace=go.etcd.io/etcd",
    ]


def test_a_replace_is_repointed_at_the_version_the_module_requires() -> None:
    go_mod = {
        "Require": [
            {"Path": "go.etcd.io/etcd/client/v2", "Version": "v2.305.24"},
            {"Path": "k8s.io/api", "Version": "v0.0.0"},
        ],
        "Replace": [
            {"Old": {"Path": "go.etcd.io/etcd/client/v2"}, "New": {"Path": "../client/v2"}},
            {"Old": {"Path": "k8s.io/api"}, "New": {"Path": "./staging/src/k8s.io/api"}},
        ],
    }
    required = gobuild.required_versions(go_mod)
    assert gobuild.repoint_replace_args(gobuild.relative_replaces(go_mod), "v0.34.12", required) == [
        "-replace=go.etcd.io/etcd/client/v2=go.etcd.io/etcd/client/v2@v2.305.24",
        "-replace=k8s.io/api=k8s.io/api@v0.34.12",
    ]


def test_kubernetes_ldflags_set_both_version_packages() -> None:
    flags = gobuild.kubernetes_ldflags(version="v1.34.12", commit="abc")
    for package in ("k8s.io/component-base/version", "k8s.io/client-go/pkg/version"):
        assert f"-X {package}.gitVersion=v1.34.12" in flags
        assert f"-X {package}.gitMinor=34" in flags
        assert f"-X {package}.gitCommit=abc" in flags


def test_image_refs_match_kubeadm_and_kind() -> None:
    assert DEFAULT_REFS.etcd == "registry.k8s.io/etcd:3.6.5-0"
    assert DEFAULT_REFS.pause == "registry.k8s.io/pause:3.10.1"
    assert DEFAULT_REFS.coredns == "registry.k8s.io/coredns/coredns:v1.12.1"
    assert DEFAULT_REFS.haproxy == "docker.io/kindest/haproxy:v20251211-v0.29.0-alpha-100-g82a92c5d"
    assert Versions().staging == "v0.34.12"


def test_containerd_names_docker_hub_images_in_full() -> None:
    assert node_image.normalized("kindest/haproxy:v1") == "docker.io/kindest/haproxy:v1"
    assert node_image.normalized("registry.k8s.io/pause:3.10.1") == "registry.k8s.io/pause:3.10.1"
    assert node_image.normalized("docker.io/kindchaos/netd:v1") == "docker.io/kindchaos/netd:v1"


def test_keys_change_with_any_input() -> None:
    assert key_of("a", 1) == key_of("a", 1)
    assert key_of("a", 1) != key_of("a", 2)


def test_go_raw_string_constant_with_spliced_constants() -> None:
    source = 'const image = "x"\nconst manifest = `\nimage: ` + image + `\nend\n`\n'
    assert manifests.go_string_constant(source, "manifest", {"image": "img:v1"}) == "\nimage: img:v1\nend\n"


def test_cni_manifest_names_the_netd_image_and_kind_template_markers() -> None:
    text = manifests.cni_manifest(DEFAULT_REFS)
    assert "image: docker.io/kindchaos/netd:v1" in text
    assert "would you kindly template this file" in text
    assert "{{ .PodSubnet }}" in text


def test_the_host_tools_step_keeps_what_else_is_in_the_bin_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cold build runs the doctor first: its actionlint in the bin folder must survive the host-tools step."""
    monkeypatch.setenv("KINDCHAOS_CACHE", str(tmp_path))
    built = {"kind": ["kind"], "kubernetes": ["kubectl", "kubeadm"], "etcd": ["etcdctl", "etcdutl"]}
    for folder, binaries in built.items():
        (tmp_path / "build" / folder).mkdir(parents=True)
        for binary in binaries:
            (tmp_path / "build" / folder / binary).write_text("")
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "actionlint").write_text("#!/bin/sh\n")
    (host_tools,) = [s for s in steps(BuildContext(root=tmp_path), upgrade=False) if s.name == "host-tools"]
    host_tools.run()
    assert host_tools.done()
    found = sorted(p.name for p in (tmp_path / "bin").iterdir())
    assert found == [".key", "actionlint", "etcdctl", "etcdutl", "kind", "kubeadm", "kubectl"]

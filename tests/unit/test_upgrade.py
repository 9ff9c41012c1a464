"""The upgrade drill's pure logic: version parsing, the skew rule replayed over samples, the version check."""

from pathlib import Path

import pytest

from kindchaos.cluster.node_upgrade import minor_of, parse_version, staged
from kindchaos.cluster.running_versions import Reported, same_version, wrong_versions
from kindchaos.images.build import BuildContext, steps
from kindchaos.images.pins import DEFAULT_VERSIONS, UPGRADE_FROM_VERSIONS, ImageRefs, upgrade_node_ref
from kindchaos.observe.figures import Sample
from kindchaos.observe.probes.version_skew import first_seen, skew_breaches

OLD, NEW = UPGRADE_FROM_VERSIONS.kubernetes, DEFAULT_VERSIONS.kubernetes


def sample(at: float, apiservers: dict[str, str | None], kubelets: dict[str, str]) -> Sample:
    return Sample(at, True, 0.01, {"apiservers": apiservers, "kubelets": kubelets})


def test_versions_parse_from_what_binaries_print() -> None:
    assert parse_version("Kubernetes v1.34.12") == (1, 34, 12)
    assert minor_of("v1.33.13") == (1, 33)
    with pytest.raises(ValueError, match=r"no vX\.Y\.Z"):
        parse_version("etcd Version: 3.6.5")


def test_the_upgrade_goes_one_minor_up() -> None:
    assert minor_of(NEW)[1] - minor_of(OLD)[1] == 1
    assert upgrade_node_ref() == f"kindchaos/node:{OLD}-upgrade-{NEW}"
    assert staged(NEW, "kubelet") == f"/kind/upgrade/{NEW}/kubelet"


def test_a_kubelet_newer_than_the_apiserver_is_a_breach() -> None:
    samples = [
        sample(1.0, {"cp": OLD}, {"cp": OLD, "w": OLD}),
        sample(2.0, {"cp": OLD}, {"cp": OLD, "w": NEW}),
    ]
    (breach,) = skew_breaches(samples)
    assert breach.at == 2.0
    assert breach.text == f"kubelet {NEW} on w is newer than apiserver {OLD} on cp"


def test_the_runbook_order_breaks_no_rule() -> None:
    samples = [
        sample(1.0, {"cp": OLD}, {"cp": OLD, "w": OLD}),
        sample(2.0, {"cp": None}, {}),  # apiserver restarting: its last known version still counts
        sample(3.0, {"cp": NEW}, {"cp": OLD, "w": OLD}),
        sample(4.0, {"cp": NEW}, {"cp": NEW, "w": NEW}),
    ]
    assert skew_breaches(samples) == []
    assert first_seen(samples, "apiservers", "cp", NEW) == 3.0
    assert first_seen(samples, "kubelets", "w", NEW) == 4.0


def test_with_three_apiservers_the_oldest_one_counts() -> None:
    samples = [sample(1.0, {"a": NEW, "b": OLD, "c": None}, {"w": NEW})]
    (breach,) = skew_breaches(samples)
    assert "newer than apiserver" in breach.text and "on b" in breach.text


def test_a_kubelet_four_minors_older_is_a_breach() -> None:
    (breach,) = skew_breaches([sample(1.0, {"cp": "v1.34.0"}, {"w": "v1.30.9"})])
    assert "more than 3 minors older" in breach.text


def test_every_part_is_compared_with_its_own_release() -> None:
    found = [
        Reported("kube-scheduler", "cp", f"Kubernetes {NEW}", "crictl"),
        Reported("etcd", "cp", f"etcd Version: {DEFAULT_VERSIONS.etcd.removeprefix('v')}", "crictl"),
        Reported("coredns", "w", f"CoreDNS-{DEFAULT_VERSIONS.coredns.removeprefix('v')}", "crictl"),
        Reported("kubelet (node status)", "w", OLD, "status"),
    ]
    assert wrong_versions(found, DEFAULT_VERSIONS) == [f"kubelet (node status) on w: {OLD}, want {NEW}"]
    assert not same_version("v1.34.1", "v1.34.12")


def test_the_upgrade_image_adds_only_the_old_minors_own_steps(tmp_path: Path) -> None:
    ctx = BuildContext(root=tmp_path)
    main = [s.name for s in steps(ctx, upgrade=False)]
    both = [s.name for s in steps(ctx)]
    extra = both[len(main) :]
    assert both[: len(main)] == main, "the main build comes first, unchanged"
    assert len(set(both)) == len(both), f"a step is listed twice: {both}"
    assert extra[-1] == f"node image {upgrade_node_ref()}"
    old = UPGRADE_FROM_VERSIONS
    assert f"kubernetes-{OLD}" in extra and f"etcd-{old.etcd}" in extra and f"coredns-{old.coredns}" in extra
    assert not any(name == "kind" or "rootfs" in name or NEW in name for name in extra[:-1]), extra


def test_the_old_releases_images_are_tagged_as_its_kubeadm_writes_them() -> None:
    refs = ImageRefs(UPGRADE_FROM_VERSIONS)
    assert refs.control_plane("kube-apiserver") == f"registry.k8s.io/kube-apiserver:{OLD}"
    assert refs.etcd == f"registry.k8s.io/etcd:{UPGRADE_FROM_VERSIONS.etcd.removeprefix('v')}-0"

"""kubeadm's certificates expire: what breaks, in what order, and the operator's renewal that brings the cluster back.

The cluster is its own (``fresh_cluster``): its certificates are re-issued by kubeadm with three minutes of
validity and left to expire; the host clock is never touched.
"""

from __future__ import annotations

import time

import pytest

from kindchaos.cluster import kubeadm_certs as certs
from kindchaos.cluster.lifecycle import Cluster
from kindchaos.cluster.readiness import wait_ready
from kindchaos.evidence.scenario import ChaosRun
from kindchaos.faults.certificates import CertificatesExpired, verified_error
from kindchaos.images.pins import DEFAULT_REFS
from kindchaos.observe import figures
from kindchaos.runbooks.report import attach_runbook

pytestmark = [
    pytest.mark.topology("single"),
    pytest.mark.question("cluster-failure"),
    pytest.mark.component("kubeadm"),
    pytest.mark.component("kube-apiserver"),
    pytest.mark.fresh_cluster(image=DEFAULT_REFS.node, purpose="certs"),
    pytest.mark.disruptive,
    pytest.mark.slow,
]

VALIDITY_S = 180
EXPIRED_HELD_S = 60  # how long the expired cluster is watched before the runbook
API_BACK_S = 180  # budget: a verifying client answered again, from the runbook's start
SYSTEM_LEASES = ("kube-controller-manager", "kube-scheduler")


def test_certificates_expire(chaos: ChaosRun) -> None:
    """When every certificate kubeadm issued expires, a client that verifies the apiserver is refused for the
    expired certificate from then on [clients_refused_x509]; the controller-manager and the scheduler, whose
    kubeconfig certificates expired too, renew their leases no more [controllers_lose_leases]; every kubelet, on
    its own unexpired client certificate and a connection made before the expiry, still renews its node's lease
    [kubelets_keep_heartbeats]; etcd rejects new client connections [etcd_rejects_new_clients] while the apiserver
    still reports ready on the etcd connection it already has [apiserver_ready_on_old_connection]. The runbook
    (`kubeadm certs renew all`, the control plane's static pods restarted, the admin kubeconfig taken again) renews
    every kubeadm certificate for a year [kubeadm_certs_renewed], leaves kubelet's own certificates as they were
    [kubelet_certs_untouched], and a verifying client is answered within 180 s of its start [api_back].

    ko: kubeadm이 발급한 인증서가 모두 만료되면 apiserver를 검증하는 클라이언트는 그때부터 만료된 인증서 때문에
    거절되고 [clients_refused_x509], kubeconfig 인증서도 만료된 controller-manager와 scheduler는 더 이상 리스를
    갱신하지 못합니다 [controllers_lose_leases]. 만료되지 않은 자기 클라이언트 인증서와 만료 전에 맺은 연결을 쓰는
    kubelet은 모두 노드 리스를 계속 갱신하고 [kubelets_keep_heartbeats], etcd는 새 클라이언트 연결을 거부하지만
    [etcd_rejects_new_clients] apiserver는 이미 가진 etcd 연결로 계속 ready라고 응답합니다
    [apiserver_ready_on_old_connection]. 런북(`kubeadm certs renew all`, 컨트롤 플레인 static pod 재시작, admin
    kubeconfig 다시 받기)은 kubeadm 인증서를 모두 1년짜리로 갱신하고 [kubeadm_certs_renewed], kubelet 자신의
    인증서는 그대로 두며 [kubelet_certs_untouched], 시작 후 180초 안에 검증하는 클라이언트가 다시 응답을 받습니다
    [api_back].
    """
    cluster, node = chaos.cluster, chaos.cluster.control_planes[0]
    kubelet_before = certs.kubelet_expiries(node)
    api = chaos.api_probe()
    expired = CertificatesExpired(cluster, validity_s=VALIDITY_S)
    with chaos.fault(expired), chaos.step(f"during: the cluster watched for {EXPIRED_HELD_S} s past the expiry"):
        chaos.attach_text(expired.check_before, name="kubeadm certs check-expiration (short-lived)")
        attach_runbook(chaos, expired.issued, prefix="issue")
        restarts_before = {name: certs.restarts(node, name) for name in SYSTEM_LEASES}
        chaos.check.stays(
            "clients_refused_x509",
            lambda: _refused_for_expiry(cluster),
            during=EXPIRED_HELD_S,
            interval=2,
            expected="a verifying client refused: x509, certificate has expired",
        )
        unverified = certs.unverified_api(cluster)
        system = certs.lease_renewals(unverified, "kube-system")
        heartbeats = certs.lease_renewals(unverified, "kube-node-lease")
        status, ready = certs.ready_verbose(unverified)
        rejected = certs.etcd_rejections_since(node, expired.expires_at)
        watched_until = time.time()
        chaos.attach_text(ready, name="/readyz?verbose while expired")
        chaos.attach_text("\n".join(rejected[-20:]), name="etcd: rejected connections after the expiry")
        chaos.check.that(
            "controllers_lose_leases",
            all(system.get(name, 0) <= expired.expires_at + 1 for name in SYSTEM_LEASES),
            what="kube-controller-manager's and kube-scheduler's leases last renewed before the expiry",
            measured=", ".join(f"{name}: {_relative(system.get(name), expired.expires_at)}" for name in SYSTEM_LEASES),
        )
        chaos.check.that(
            "kubelets_keep_heartbeats",
            set(heartbeats) == set(cluster.nodes)
            and all(renewed > expired.expires_at + EXPIRED_HELD_S / 2 for renewed in heartbeats.values()),
            what=f"every node's lease renewed more than {EXPIRED_HELD_S / 2:.0f} s after the expiry",
            measured=", ".join(f"{n}: {_relative(t, expired.expires_at)}" for n, t in sorted(heartbeats.items())),
        )
        chaos.check.that(
            "etcd_rejects_new_clients",
            len(rejected) > 0,
            what="etcd logs rejected client connections after the expiry",
            measured=f"{len(rejected)} rejected: {rejected[-1][:200] if rejected else 'none'}",
        )
        chaos.check.that(
            "apiserver_ready_on_old_connection",
            status == 200 and "[+]etcd ok" in ready,
            what="the apiserver's /readyz (asked without verifying it) answers 200 with its etcd check ok",
            measured=f"HTTP {status}; {'etcd ok' if '[+]etcd ok' in ready else 'etcd check not ok'}",
        )
        for name in SYSTEM_LEASES:
            chaos.figure(f"{name}_restarts_while_expired", certs.restarts(node, name) - restarts_before[name], unit="")
        chaos.figure("watched_after_expiry_s", watched_until - expired.expires_at)
    runbook = expired.at("runbook")
    assert runbook is not None
    with chaos.step("after: every kubeadm certificate renewed for a year; kubelet's own untouched; API back"):
        chaos.attach_text(certs.check_expiration(node, expired.normal_config), name="kubeadm certs check-expiration")
        attach_runbook(chaos, expired.steps)
        renewed = certs.expiries(node)
        shortest = min(e.not_after for e in renewed) - time.time()
        chaos.check.that(
            "kubeadm_certs_renewed",
            shortest > 300 * 86400,
            what=f"all {len(renewed)} certificates kubeadm renews valid for more than 300 days",
            measured=f"the shortest for {shortest / 86400:.0f} days ({len(renewed)} certificates)",
        )
        kubelet_after = certs.kubelet_expiries(node)
        chaos.check.that(
            "kubelet_certs_untouched",
            kubelet_after == kubelet_before,
            what="kubelet's client and serving certificates' notAfter unchanged by the renewal",
            measured="; ".join(e.shown() for e in kubelet_after),
        )
        back, gone = expired.at("api_back"), expired.at("expired")
        chaos.check.within(
            "api_back",
            None if back is None else back - runbook,
            budget=API_BACK_S,
            what="a new verifying client answered, from the runbook's start",
        )
        chaos.figure("expiry_to_api_back_s", None if back is None or gone is None else back - gone)
        if gone is not None:
            pooled = figures.between(api.samples, gone, runbook)
            chaos.figure(
                "pooled_client_answered_while_expired",
                figures.success_ratio(pooled),
                unit="",
                note="the API probe's client, its connection made before the expiry",
            )
        wait_ready(cluster)


def _refused_for_expiry(cluster: Cluster) -> None:
    error = verified_error(cluster)
    assert error is not None and "expired" in error, f"a verifying client got: {error}"


def _relative(at: float | None, expiry: float) -> str:
    return "never" if at is None else f"{at - expiry:+.0f} s from the expiry"

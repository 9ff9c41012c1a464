"""kubeadm's certificates expired: issued by kubeadm with minutes of validity, the control plane restarted on them,
and the clock left to run past their notAfter (the host clock is never touched).

The proof is the apiserver presenting, over TLS, a certificate whose notAfter has passed, and a client that
verifies it refusing it for that reason. The restore is the operator's runbook: ``kubeadm certs renew all`` with
the cluster's own configuration (a year), the static pods restarted, the admin kubeconfig taken again from the
node; each step is kept in ``steps`` for the report.
"""

from __future__ import annotations

import datetime
import ssl
import time
from typing import Any

from cryptography import x509
from kubernetes import client, config

from kindchaos.cluster import kubeadm_certs as certs
from kindchaos.cluster.lifecycle import Cluster, refresh_kubeconfig
from kindchaos.cluster.readiness import wait_ready
from kindchaos.cluster.runbook_step import Step
from kindchaos.errors import UsageError
from kindchaos.faults.base import Fault
from kindchaos.faults.expected import Expected, expect
from kindchaos.observe.timeline import Timeline
from kindchaos.waiting import wait_for

MIN_VALIDITY_S = 120  # room for the control plane's restart on the short certificates before they expire
MAX_VALIDITY_S = 900
RESTARTED_WITHIN_S = 240  # a fixed wait: the control plane back on its new certificates
YEAR_S = 300 * 24 * 3600  # "renewed for a year": more than 300 days left


def serving_not_after(cluster: Cluster) -> float:
    """The notAfter of the certificate the apiserver presents on the cluster's endpoint (fetched unverified)."""
    host, port = certs.endpoint(cluster)
    pem = ssl.get_server_certificate((host, port), timeout=10)
    return x509.load_pem_x509_certificate(pem.encode()).not_valid_after_utc.timestamp()


def verified_error(cluster: Cluster) -> str | None:
    """What a new client that verifies the apiserver gets: ``None`` when it is answered, else its error.

    A new client each time: TLS checks the certificate's dates only at the handshake, so a client whose connection
    was made before the expiry would still be answered on it (the kubelets are, as the scenario shows).
    """
    configuration = client.Configuration()
    config.load_kube_config(config_file=str(cluster.kubeconfig), client_configuration=configuration)  # type: ignore[no-untyped-call]
    fresh = client.ApiClient(configuration)
    core: Any = client.CoreV1Api(fresh)
    try:
        core.read_namespace("default", _request_timeout=(3, 5))
    except Exception as exc:  # the refusal is the outcome to report
        return f"{type(exc).__name__}: {exc}"
    finally:
        fresh.close()  # type: ignore[no-untyped-call]
    return None


class CertificatesExpired(Fault):
    """Every certificate kubeadm renews, issued for ``validity_s`` seconds and left to expire."""

    def __init__(self, cluster: Cluster, *, validity_s: int = 180, timeline: Timeline | None = None) -> None:
        super().__init__(timeline=timeline)
        if not MIN_VALIDITY_S <= validity_s <= MAX_VALIDITY_S:
            raise UsageError(
                f"certificate validity {validity_s} s out of range", hint=f"use {MIN_VALIDITY_S} to {MAX_VALIDITY_S}"
            )
        self.cluster, self.validity_s = cluster, validity_s
        self.node = cluster.control_planes[0]
        self.steps: list[Step] = []  # the runbook's, at the restore
        self.issued: list[Step] = []  # the short certificates' issue, at the inject
        self.expires_at = 0.0
        self.normal_config = ""
        self.check_before = ""

    def triage_expects(self) -> Expected:
        return expect("certificate-expired")

    @property
    def title(self) -> str:
        return f"kubeadm certificates on {self.node!r} issued for {self.validity_s} s and expired"

    def inject(self) -> None:
        configuration = certs.cluster_configuration(self.cluster)
        self.normal_config = certs.write_config(
            self.node, configuration, str(configuration.get("certificateValidityPeriod", "8760h0m0s"))
        )
        short = certs.write_config(self.node, configuration, f"{self.validity_s}s")
        self.issued = [certs.renew_all(self.node, short), *certs.restart_static_pods(self.node)]
        self.check_before = certs.check_expiration(self.node, short)
        self.expires_at = min(e.not_after for e in certs.expiries(self.node))
        wait_ready(self.cluster, within=RESTARTED_WITHIN_S)
        self._mark("short_lived_running")

        def expired() -> None:
            left = self.expires_at - time.time()
            assert left < 0, f"{left:.0f} s of validity left"

        wait_for(expired, within=self.validity_s + 30, interval=1, expected="the short certificates past notAfter")
        self._mark("expired", at=time.monotonic() - (time.time() - self.expires_at))

    def prove(self) -> None:
        presented = serving_not_after(self.cluster)
        assert presented < time.time(), f"the apiserver presents a certificate valid until {presented}"

        def refused() -> str:
            error = verified_error(self.cluster)
            assert error is not None and "expired" in error, f"a verifying client got: {error}"
            return error

        error = str(wait_for(refused, within=30, expected="a verifying client refusing the expired certificate").value)
        shown = datetime.datetime.fromtimestamp(presented, datetime.UTC)
        self.observed(f"the apiserver presents a certificate that expired at {shown:%H:%M:%S} UTC")
        self.observed(f"a client verifying it: {error[:240]}")

    def restore(self) -> None:
        if not self.normal_config:
            return  # nothing was issued
        if min(e.not_after for e in certs.expiries(self.node)) - time.time() > YEAR_S:
            return  # already renewed (the restore ran before)
        self._mark("runbook")
        self.steps = [certs.renew_all(self.node, self.normal_config), *certs.restart_static_pods(self.node)]
        started = time.monotonic()
        refresh_kubeconfig(self.cluster)
        self.steps.append(
            Step("admin kubeconfig taken again", "kind get kubeconfig > kubeconfig", "", time.monotonic() - started)
        )

    def prove_restored(self) -> None:
        wait_for(self._answers, within=RESTARTED_WITHIN_S, expected="a verifying client answered by the apiserver")
        self._mark("api_back")
        left = min(e.not_after for e in certs.expiries(self.node)) - time.time()
        assert left > YEAR_S, f"a kubeadm certificate expires in {left / 86400:.0f} days"
        presented = serving_not_after(self.cluster)
        assert presented - time.time() > YEAR_S, "the apiserver still presents a short-lived certificate"
        self.observed(f"every kubeadm certificate valid for {left / 86400:.0f} more days; a verifying client answered")

    def _answers(self) -> None:
        error = verified_error(self.cluster)
        assert error is None, error

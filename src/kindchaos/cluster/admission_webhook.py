"""A validating admission webhook served in the cluster, for the scenario in which its backend goes away.

The backend is the workload image's ``webhook`` command (it allows every object unless it carries the label
``kindchaos.dev/deny=true``, so a scenario can prove the webhook is in the request path), behind a Service, with a
serving certificate made here with ``cryptography``. One ``ValidatingWebhookConfiguration`` registers it twice
for ConfigMap creates: ``failurePolicy: Fail`` for namespaces labelled ``kindchaos.dev/webhook=enforced`` and
``failurePolicy: Ignore`` for those labelled ``ignored``; every other namespace (kube-system among them) is out
of its scope through the ``namespaceSelector``.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from cryptography.x509.oid import ExtendedKeyUsageOID
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from kindchaos.cluster.api import found, wait_namespace_gone
from kindchaos.cluster.api_requests import create_configmap
from kindchaos.cluster.external_etcd.certificates import issue, key_pem, make_ca, pem
from kindchaos.cluster.lifecycle import Cluster
from kindchaos.images.pins import DEFAULT_REFS
from kindchaos.waiting import wait_for

NAME = "kindchaos-webhook"  # its namespace, Deployment, Service, Secret and configuration
SCOPE_LABEL = "kindchaos.dev/webhook"
DENY_LABEL = "kindchaos.dev/deny"
FAIL_WEBHOOK = "fail.webhook.kindchaos.dev"
IGNORE_WEBHOOK = "ignore.webhook.kindchaos.dev"
PORT = 8443
TIMEOUT_S = 5  # the webhook call's own timeout (the apiserver's default is 10 s)
READY_WITHIN_S = 120
GONE_WITHIN_S = 120


@dataclass(frozen=True)
class WebhookSetup:
    """Where the webhook applies: one namespace it enforces (Fail), one it may skip (Ignore), one out of scope."""

    enforced: str
    ignored: str
    outside: str


def _serving_secret() -> tuple[dict[str, Any], bytes]:
    ca = make_ca("kindchaos-webhook-ca")
    served = issue(
        ca,
        f"{NAME}.{NAME}.svc",
        usages=(ExtendedKeyUsageOID.SERVER_AUTH,),
        dns=(f"{NAME}.{NAME}.svc", f"{NAME}.{NAME}"),
    )
    secret = {
        "metadata": {"name": NAME},
        "type": "kubernetes.io/tls",
        "data": {
            "tls.crt": base64.b64encode(pem(served.certificate)).decode(),
            "tls.key": base64.b64encode(key_pem(served.key)).decode(),
        },
    }
    return secret, pem(ca.certificate)


def _deployment() -> dict[str, Any]:
    labels = {"app": NAME}
    container = {
        "name": "webhook",
        "image": DEFAULT_REFS.workload,
        "imagePullPolicy": "Never",
        "args": ["webhook"],
        "env": [
            {"name": "TLS_CERT", "value": "/tls/tls.crt"},
            {"name": "TLS_KEY", "value": "/tls/tls.key"},
            {"name": "PORT", "value": str(PORT)},
        ],
        "ports": [{"containerPort": PORT}],
        "readinessProbe": {"httpGet": {"path": "/healthz", "port": PORT, "scheme": "HTTPS"}, "periodSeconds": 1},
        "volumeMounts": [{"name": "tls", "mountPath": "/tls", "readOnly": True}],
    }
    return {
        "metadata": {"name": NAME, "labels": labels},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "containers": [container],
                    "volumes": [{"name": "tls", "secret": {"secretName": NAME}}],
                    "terminationGracePeriodSeconds": 2,
                },
            },
        },
    }


def _webhook(name: str, policy: str, scope: str | None, ca_bundle: bytes) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": name,
        "clientConfig": {
            "service": {"namespace": NAME, "name": NAME, "path": "/validate", "port": 443},
            "caBundle": base64.b64encode(ca_bundle).decode(),
        },
        "rules": [{"operations": ["CREATE"], "apiGroups": [""], "apiVersions": ["v1"], "resources": ["configmaps"]}],
        "failurePolicy": policy,
        "sideEffects": "None",
        "admissionReviewVersions": ["v1"],
        "timeoutSeconds": TIMEOUT_S,
    }
    if scope is not None:
        entry["namespaceSelector"] = {"matchLabels": {SCOPE_LABEL: scope}}
    return entry


def configuration(ca_bundle: bytes, *, scoped: bool = True) -> dict[str, Any]:
    """The registration: Fail for the enforced namespaces, Ignore for the ignored ones. ``scoped=False`` drops the
    Fail webhook's ``namespaceSelector`` (it then applies to every namespace, kube-system included)."""
    return {
        "metadata": {"name": NAME},
        "webhooks": [
            _webhook(FAIL_WEBHOOK, "Fail", "enforced" if scoped else None, ca_bundle),
            _webhook(IGNORE_WEBHOOK, "Ignore", "ignored", ca_bundle),
        ],
    }


def _namespace(core: Any, name: str, labels: dict[str, str]) -> None:
    try:
        core.create_namespace({"metadata": {"name": name, "labels": labels}})
    except ApiException as exc:
        if exc.status != 409:
            raise


def deploy(cluster: Cluster, suffix: str, *, scoped: bool = True) -> WebhookSetup:
    """The backend Ready, the webhook registered, and the three namespaces the scenario writes to."""
    core: Any = client.CoreV1Api(cluster.api)
    apps: Any = client.AppsV1Api(cluster.api)
    admission: Any = client.AdmissionregistrationV1Api(cluster.api)
    secret, ca_bundle = _serving_secret()
    _namespace(core, NAME, {})
    core.create_namespaced_secret(NAME, secret)
    apps.create_namespaced_deployment(NAME, _deployment())
    service = {
        "metadata": {"name": NAME},
        "spec": {"selector": {"app": NAME}, "ports": [{"port": 443, "targetPort": PORT}]},
    }
    core.create_namespaced_service(NAME, service)

    def ready() -> None:
        found = apps.read_namespaced_deployment(NAME, NAME)
        assert (found.status.ready_replicas or 0) == 1, f"{found.status.ready_replicas} ready webhook replicas"

    wait_for(ready, within=READY_WITHIN_S, expected="the webhook backend Ready")
    admission.create_validating_webhook_configuration(configuration(ca_bundle, scoped=scoped))
    setup = WebhookSetup(f"kc-enforced-{suffix}", f"kc-ignored-{suffix}", f"kc-outside-{suffix}")
    _namespace(core, setup.enforced, {SCOPE_LABEL: "enforced"})
    _namespace(core, setup.ignored, {SCOPE_LABEL: "ignored"})
    _namespace(core, setup.outside, {})

    def answering() -> None:  # kube-proxy programs the new Service within a second or two
        status, reason = create_configmap(cluster, setup.enforced, "kc-webhook-ready", {DENY_LABEL: "true"})
        assert status == "403" and "denied by the kindchaos webhook" in reason, f"HTTP {status} {reason[:200]}"

    wait_for(answering, within=READY_WITHIN_S, expected="the webhook answering the apiserver's calls")
    return setup


def webhook_objects_left(cluster: Cluster) -> bool:
    admission: Any = client.AdmissionregistrationV1Api(cluster.api)
    return found(admission.read_validating_webhook_configuration, NAME)


def remove(cluster: Cluster, setup: WebhookSetup | None = None) -> list[str]:
    """The registration first (so nothing is refused for want of a backend), then the namespaces."""
    admission: Any = client.AdmissionregistrationV1Api(cluster.api)
    core: Any = client.CoreV1Api(cluster.api)
    registered = found(admission.delete_validating_webhook_configuration, NAME)
    removed = [f"validatingwebhookconfiguration/{NAME}"] if registered else []
    names = [NAME, *((setup.enforced, setup.ignored, setup.outside) if setup else ())]
    removed += [f"namespace/{namespace}" for namespace in names if found(core.delete_namespace, namespace)]
    wait_namespace_gone(cluster.api, NAME, within=GONE_WITHIN_S)
    return removed

"""An admission webhook's backend gone: its Deployment scaled to zero, proven by the webhook call failing."""

from __future__ import annotations

import uuid

from kindchaos.cluster import admission_webhook as webhook
from kindchaos.cluster.api_requests import create_configmap
from kindchaos.cluster.lifecycle import Cluster
from kindchaos.expect.conditions import eventually
from kindchaos.faults.expected import Expected, expect
from kindchaos.faults.workloads import DeploymentScaledToZero
from kindchaos.observe.timeline import Timeline

CALL_FAILS_WITHIN_S = 30  # a fixed wait: the apiserver sees the Service without endpoints within seconds


def call_failed(status: str, reason: str) -> bool:
    """A create refused because the Fail webhook could not be called (not because it denied the object)."""
    return status == "500" and f'failed calling webhook "{webhook.FAIL_WEBHOOK}"' in reason


class WebhookBackendGone(DeploymentScaledToZero):
    """The webhook's backend scaled to zero; proven by its pods gone and a create in its scope failing the call."""

    def __init__(self, cluster: Cluster, enforced: str, *, timeline: Timeline | None = None) -> None:
        super().__init__(cluster, webhook.NAME, webhook.NAME, container="webhook", timeline=timeline)
        self.enforced = enforced

    def triage_expects(self) -> Expected:
        return expect("admission-webhook", webhook.NAME)

    @property
    def title(self) -> str:
        return f"admission webhook backend {webhook.NAME} scaled to 0"

    def prove(self) -> None:
        super().prove()
        seen: list[tuple[str, str]] = []

        def refused() -> None:
            seen[:] = [create_configmap(self.cluster, self.enforced, f"proof-{uuid.uuid4().hex[:6]}")]
            assert call_failed(*seen[0]), f"create in {self.enforced}: {seen[0]}"

        eventually(refused, within=CALL_FAILS_WITHIN_S, expected="the webhook call failing for a create in scope")
        self.observed(f"a ConfigMap create in {self.enforced}: HTTP {seen[0][0]} {seen[0][1][:200]}")

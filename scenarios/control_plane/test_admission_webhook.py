"""An admission webhook goes away: the admission step of the API request flow (see
``scenarios/architecture/test_api_request_flow.py``) when the webhook it calls has no backend."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest

from kindchaos.cluster import admission_webhook as webhook
from kindchaos.cluster.api_requests import create_configmap, etcd_keys
from kindchaos.evidence.scenario import ChaosRun
from kindchaos.expect import eventually
from kindchaos.faults.admission import WebhookBackendGone, call_failed

pytestmark = [
    pytest.mark.topology("single"),
    pytest.mark.question("cluster-failure"),
    pytest.mark.component("kube-apiserver"),
    pytest.mark.disruptive,
]

RECOVERED_S = 30  # budget: a create in scope accepted again, from the backend Ready


@pytest.fixture
def webhook_setup(chaos: ChaosRun) -> Iterator[webhook.WebhookSetup]:
    setup = webhook.deploy(chaos.cluster, uuid.uuid4().hex[:6])
    try:
        yield setup
    finally:
        webhook.remove(chaos.cluster, setup)


def test_webhook_backend_gone(chaos: ChaosRun, webhook_setup: webhook.WebhookSetup) -> None:
    """A validating webhook registered with failurePolicy Fail for one namespace is in the request path while its
    backend runs: an object it denies is refused with its message [webhook_denies] and others are accepted
    [webhook_allows]. With its backend scaled to zero, every ConfigMap create in that namespace is refused for the
    failed webhook call [in_scope_refused] and none of them is stored [nothing_stored], while a namespace outside
    its namespaceSelector [outside_accepted], kube-system [kube_system_accepted] and a namespace under a
    failurePolicy Ignore registration [ignore_policy_accepts] accept creates; within 30 s of the backend Ready
    again, creates in its namespace are accepted [recovered].

    ko: failurePolicy Fail로 한 네임스페이스에 등록한 validating webhook은 백엔드가 떠 있는 동안 요청 경로에
    있습니다. 거부하도록 표시한 오브젝트는 웹훅의 메시지와 함께 거절되고 [webhook_denies] 나머지는 받아들여집니다
    [webhook_allows]. 백엔드를 0으로 줄이면 그 네임스페이스의 모든 ConfigMap 생성이 웹훅 호출 실패로 거절되고
    [in_scope_refused] 그중 어느 것도 저장되지 않으며 [nothing_stored], namespaceSelector 밖의 네임스페이스
    [outside_accepted], kube-system [kube_system_accepted], failurePolicy Ignore로 등록된 네임스페이스
    [ignore_policy_accepts]에서는 생성이 받아들여집니다. 백엔드가 다시 Ready가 된 뒤 30초 안에 그 네임스페이스의
    생성이 다시 받아들여집니다 [recovered].
    """
    cluster, node, setup = chaos.cluster, chaos.cluster.control_planes[0], webhook_setup
    suffix = setup.enforced.rsplit("-", 1)[1]
    with chaos.step(f"before: the webhook is in the request path for {setup.enforced}"):
        denied = create_configmap(cluster, setup.enforced, "denied-while-up", {webhook.DENY_LABEL: "true"})
        chaos.check.that(
            "webhook_denies",
            denied[0] == "403" and "denied by the kindchaos webhook" in denied[1],
            what=f"a ConfigMap labelled {webhook.DENY_LABEL}=true refused with the webhook's own message",
            measured=" ".join(denied)[:200],
        )
        allowed = create_configmap(cluster, setup.enforced, "allowed-while-up")
        chaos.check.equals("webhook_allows", allowed[0], "201", what="HTTP status of an unlabelled ConfigMap create")
    refused_names = [f"during-{n}" for n in range(3)]
    with (
        chaos.fault(WebhookBackendGone(cluster, setup.enforced)) as gone,
        chaos.step("during: creates in scope refused; outside, kube-system and the Ignore scope accept"),
    ):
        started = time.monotonic()
        refused = [create_configmap(cluster, setup.enforced, name) for name in refused_names]
        chaos.figure("refused_create_s", (time.monotonic() - started) / len(refused), note="the webhook call's failure")
        chaos.check.that(
            "in_scope_refused",
            all(call_failed(*answer) for answer in refused),
            what=f'every create in {setup.enforced} refused: HTTP 500 failed calling webhook "{webhook.FAIL_WEBHOOK}"',
            measured="; ".join(" ".join(a)[:160] for a in refused),
        )
        outside = create_configmap(cluster, setup.outside, f"kc-webhook-{suffix}")
        chaos.check.that(
            "outside_accepted",
            outside[0] == "201",
            what=f"a ConfigMap create in {setup.outside} (no scope label) answered 201 Created",
            measured=" ".join(outside)[:200],
        )
        system = create_configmap(cluster, "kube-system", f"kc-webhook-{suffix}")
        chaos.check.that(
            "kube_system_accepted",
            system[0] == "201",
            what="a ConfigMap create in kube-system answered 201 Created",
            measured=" ".join(system)[:200],
        )
        ignored = create_configmap(cluster, setup.ignored, f"kc-webhook-{suffix}")
        chaos.check.that(
            "ignore_policy_accepts",
            ignored[0] == "201",
            what=f"a ConfigMap create in {setup.ignored} (failurePolicy Ignore) answered 201 Created",
            measured=" ".join(ignored)[:200],
        )
        stored = etcd_keys(node, setup.enforced)
        chaos.check.that(
            "nothing_stored",
            not any(key.rsplit("/", 1)[1] in refused_names for key in stored),
            what=f"no etcd key for any refused create under {setup.enforced}",
            measured=f"keys under the namespace: {stored}",
        )
    ready = gone.at("restored")
    assert ready is not None
    with chaos.step(f"after: creates in scope accepted within {RECOVERED_S} s of the backend Ready"):
        accepted: list[float] = []

        def accepts() -> None:
            answer = create_configmap(cluster, setup.enforced, f"after-{uuid.uuid4().hex[:6]}")
            assert answer[0] == "201", f"create in {setup.enforced}: {answer}"
            accepted.append(time.monotonic())

        # A fixed wait of twice the budget, so a slow recovery is measured and then held to its budget.
        eventually(accepts, within=RECOVERED_S * 2, interval=0.5, expected=f"a create in {setup.enforced} accepted")
        chaos.figure("backend_ready_after_scale_up_s", gone.figures.get("restored_after_s"))
        chaos.check.within(
            "recovered",
            accepted[0] - ready,
            budget=RECOVERED_S,
            what=f"the first create accepted in {setup.enforced}, from the backend Ready",
        )
    cluster.kubectl("delete", "configmap", "-n", "kube-system", f"kc-webhook-{suffix}", "--ignore-not-found")

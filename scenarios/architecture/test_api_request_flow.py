"""The API request flow: authentication, authorization and admission each refuse before anything is stored."""

import uuid

import pytest
import yaml

from kindchaos.cluster.api_requests import etcd_keys, post_configmap
from kindchaos.cluster.etcd import etcdctl
from kindchaos.evidence.scenario import ChaosRun

pytestmark = [
    pytest.mark.topology("single"),
    pytest.mark.question("components"),
    pytest.mark.component("kube-apiserver"),
]


def test_api_request_flow(chaos: ChaosRun) -> None:
    """A request with a bad token is refused with 401 (authentication) [bad_token_401], a ServiceAccount without
    RBAC rights with 403 (authorization) [no_rbac_403], and a request over a ResourceQuota with 403 at admission
    [over_quota_403]; none reaches etcd [no_etcd_key].

    ko: 잘못된 토큰으로 보낸 요청은 401(인증)로 [bad_token_401], RBAC 권한이 없는 ServiceAccount의 요청은
    403(인가)으로 [no_rbac_403], ResourceQuota를 넘는 요청은 admission 단계에서 403으로 거부되며
    [over_quota_403], 어느 요청도 etcd에 닿지 않습니다 [no_etcd_key].
    """
    cluster, node = chaos.cluster, chaos.cluster.control_planes[0]
    ns = f"kc-api-{uuid.uuid4().hex[:6]}"
    quota = {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "cm", "namespace": ns},
             "spec": {"hard": {"configmaps": "1"}}}  # fmt: skip
    cluster.kubectl("create", "namespace", ns)
    try:
        cluster.kubectl("create", "serviceaccount", "-n", ns, "nobody")
        cluster.kubectl("apply", "-f", "-", input_text=yaml.safe_dump(quota))
        sa_token = cluster.kubectl("create", "token", "-n", ns, "nobody", "--duration=10m")
        cluster.kubectl("create", "serviceaccount", "-n", ns, "writer")
        cluster.kubectl(
            "create", "rolebinding", "-n", ns, "writer", "--clusterrole=edit", f"--serviceaccount={ns}:writer"
        )
        writer_token = cluster.kubectl("create", "token", "-n", ns, "writer", "--duration=10m")
        results = {}
        with chaos.step("authentication: a made-up bearer token gets 401"):
            results["bad-token"] = post_configmap(node, ns, "by-bad-token", "not-a-real-token")
            results["anonymous"] = post_configmap(node, ns, "by-anonymous", None)
            chaos.check.equals(
                "bad_token_401",
                results["bad-token"][0],
                "401",
                what="HTTP status of a request with a made-up bearer credential",
            )
        with chaos.step("authorization: a ServiceAccount without RBAC rights gets 403 Forbidden"):
            results["no-rbac"] = post_configmap(node, ns, "by-nobody", sa_token)
            chaos.check.that(
                "no_rbac_403",
                results["no-rbac"][0] == "403" and "forbidden" in results["no-rbac"][1].lower(),
                what="HTTP 403 Forbidden for a ServiceAccount with no RBAC rights",
                measured=" ".join(results["no-rbac"])[:200],
            )
        with chaos.step("admission: over the ResourceQuota (kube-root-ca.crt already counts) gets 403 exceeded quota"):
            results["quota"] = post_configmap(node, ns, "over-quota", writer_token)
            chaos.check.that(
                "over_quota_403",
                results["quota"][0] == "403" and "exceeded quota" in results["quota"][1],
                what="HTTP 403 'exceeded quota' at admission for a write over the ResourceQuota",
                measured=" ".join(results["quota"])[:200],
            )
        with chaos.step("etcd: no key for any refused request"):
            found = {
                name: etcdctl(node, "get", f"/registry/configmaps/{ns}/{name}", "--keys-only").output.strip()
                for name in ("by-bad-token", "by-anonymous", "by-nobody", "over-quota")
            }
            stored = etcd_keys(node, ns)
            chaos.check.that(
                "no_etcd_key",
                not any(found.values()) and stored == [f"/registry/configmaps/{ns}/kube-root-ca.crt"],
                what=f"no etcd key for any refused request; only kube-root-ca.crt under {ns}",
                measured=f"keys under the namespace: {stored}",
            )
        for case, (status, reason) in results.items():
            chaos.figure(f"{case}_http_status", status, unit="", note=reason[:150])
    finally:
        cluster.kubectl("delete", "namespace", ns, "--wait=false")

"""The manifests the node scenarios build: what they promise Kubernetes, checked without a cluster."""

from kindchaos.cluster.workload import web_manifests
from kindchaos.cluster.workload_objects import pod_disruption_budget, stateful_set


def test_web_pods_tolerate_a_lost_node_for_the_given_seconds_and_spread_softly() -> None:
    deployment = web_manifests(name="web", namespace="ns", replicas=2, toleration_seconds=30, spread=True)[0]
    spec = deployment["spec"]["template"]["spec"]  # type: ignore[index]
    assert {(t["key"], t["effect"], t["tolerationSeconds"]) for t in spec["tolerations"]} == {
        ("node.kubernetes.io/not-ready", "NoExecute", 30),
        ("node.kubernetes.io/unreachable", "NoExecute", 30),
    }
    (spread,) = spec["topologySpreadConstraints"]
    assert spread["whenUnsatisfiable"] == "ScheduleAnyway"  # losing a node must not leave a replica Pending


def test_plain_web_pods_keep_kubernetes_defaults() -> None:
    spec = web_manifests(name="web", namespace="ns", replicas=2)[0]["spec"]["template"]["spec"]  # type: ignore[index]
    assert set(spec) == {"containers"}


def test_the_stateful_set_only_prefers_its_node() -> None:
    """A required affinity would keep the pod from moving by itself and hide what the StatefulSet does."""
    affinity = stateful_set(name="db", namespace="ns", prefer_node="w1", toleration_seconds=30)["spec"]["template"][
        "spec"
    ]["affinity"]["nodeAffinity"]
    assert set(affinity) == {"preferredDuringSchedulingIgnoredDuringExecution"}


def test_pod_disruption_budget() -> None:
    budget = pod_disruption_budget(name="web", namespace="ns", labels={"app": "web"}, min_available=2)
    assert budget["spec"] == {"minAvailable": 2, "selector": {"matchLabels": {"app": "web"}}}

"""NetworkPolicy on Calico: every ingress denied in a namespace, then one label let in, enforced for the pods on
both workers. netd, the project's own agent, enforces no policy; this runs on Calico clusters only.

Each reachability probe is a request from a client pod to a web pod's address, all asked at once: a refused
request costs the client's 3 s timeout, so "refused" is seen up to 3 s after the policy took hold (the figures
say so).
"""

import time

import pytest

from kindchaos.cluster import network_policy
from kindchaos.cluster.workload import Workload
from kindchaos.evidence.scenario import ChaosRun

pytestmark = [
    pytest.mark.topology("single"),
    pytest.mark.cni("calico"),
    pytest.mark.question("pod-network"),
    pytest.mark.component("calico"),
]

DENY_WITHIN_S = 15  # from the policy applied to no client reaching either web pod
ALLOW_WITHIN_S = 15  # from the allow policy applied to the labelled client reaching both web pods
OTHERS_HELD_S = 10
FRONTEND = {"role": "frontend"}
OTHER_CLIENT = "other"
PROBE_TIMEOUT_NOTE = "refusal seen through the client's 3 s timeout"


def test_network_policy_enforced_on_both_workers(chaos: ChaosRun, workload_namespace: Workload) -> None:
    """With no policy, two client pods reach the web pods on both workers [open_before]. A default-deny ingress
    policy is enforced for the pods on both workers within 15 s [deny_enforced]; a policy letting one label in then
    lets the client with that label reach both within 15 s [allow_enforced], while the other client stays refused
    (for 10 s) [others_still_refused].

    ko: 정책이 없을 때는 두 클라이언트 파드가 두 워커의 웹 파드 모두에 접근합니다 [open_before]. 모든 인그레스를
    막는 기본 거부 정책은 15초 안에 두 워커의 파드 모두에 적용되고 [deny_enforced], 이어서 한 레이블만 허용하는
    정책을 적용하면 그 레이블을 가진 클라이언트가 15초 안에 두 워커의 웹 파드에 다시 접근하며 [allow_enforced],
    다른 클라이언트는 계속 거부됩니다(10초 동안) [others_still_refused].
    """
    workload, cluster, ns = workload_namespace, chaos.cluster, workload_namespace.namespace
    with chaos.step("before: web on both workers; two clients, one labelled role=frontend"):
        workload.apply(replicas=2, spread=True)
        workload.add_client(OTHER_CLIENT)
        workload.wait_ready()
        cluster.kubectl("wait", "-n", ns, "--for=condition=Ready", f"pod/{OTHER_CLIENT}", "--timeout=120s", timeout=150)
        cluster.kubectl("label", "pod", "-n", ns, workload.client, "role=frontend")
        webs = {name: workload.placed(name) for name in workload.web_pods()}
        urls = {name: f"http://{web.ip}:8080/" for name, web in webs.items()}
        client_node = workload.placed(workload.client).node
        where = {name: "client_node" if web.node == client_node else "other_node" for name, web in webs.items()}
        clients = (workload.client, OTHER_CLIENT)
        pairs = [(client, url) for client in clients for url in urls.values()]

        def reachable() -> dict[tuple[str, str], bool]:
            return network_policy.reachable(workload.answered, pairs)

        opened = reachable()
        chaos.check.equals("open_before", sum(opened.values()), len(pairs), what="client-to-web-pod pairs answered")

    with chaos.step("during: default deny of every ingress in the namespace"):
        refused_at: dict[str, float] = {}
        applied = time.monotonic()

        def nothing_answers() -> bool:
            seen = reachable()
            for name, url in urls.items():
                if name not in refused_at and not any(seen[(client, url)] for client in clients):
                    refused_at[name] = time.monotonic() - applied
            return not any(seen.values())

        network_policy.apply(cluster, network_policy.deny_all_ingress(ns))
        chaos.check.reaches(
            "deny_enforced",
            nothing_answers,
            budget=DENY_WITHIN_S,
            interval=0.2,
            what="no client reaching the web pod on either worker, from the policy applied",
        )
        for name, seconds in refused_at.items():
            chaos.figure(f"deny_seen_on_{where[name]}_s", seconds, note=f"{webs[name].node}; {PROBE_TIMEOUT_NOTE}")

    with chaos.step("after: role=frontend let in; the other client still refused"):
        frontend = workload.client
        answered_at: dict[str, float] = {}
        applied = time.monotonic()

        def frontend_answered_everywhere() -> bool:
            seen = network_policy.reachable(workload.answered, [(frontend, url) for url in urls.values()])
            for name, url in urls.items():
                if name not in answered_at and seen[(frontend, url)]:
                    answered_at[name] = time.monotonic() - applied
            return all(seen.values())

        others = [(OTHER_CLIENT, url) for url in urls.values()]  # asked alone: each refusal costs 3 s
        allow = network_policy.allow_ingress_from(ns, to={"app": workload.name}, source=FRONTEND)
        network_policy.apply(cluster, allow)
        chaos.check.reaches(
            "allow_enforced",
            frontend_answered_everywhere,
            budget=ALLOW_WITHIN_S,
            interval=0.2,
            what="the role=frontend client reaching the web pod on both workers, from the allow policy applied",
        )
        for name, seconds in answered_at.items():
            chaos.figure(f"allow_seen_on_{where[name]}_s", seconds, note=webs[name].node)
        chaos.check.stays(
            "others_still_refused",
            lambda: not any(network_policy.reachable(workload.answered, others).values()),
            during=OTHERS_HELD_S,
            interval=0.5,
            expected=f"{OTHER_CLIENT} (no role label) refused by both web pods",
        )

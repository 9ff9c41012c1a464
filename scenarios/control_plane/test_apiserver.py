"""kube-apiserver outage on a single control plane: the API is gone, the data path is not."""

import json

import pytest

from kindchaos.cluster.pods import pod_states
from kindchaos.cluster.workload import Workload
from kindchaos.evidence.scenario import ChaosRun
from kindchaos.faults import ComponentDown
from kindchaos.observe import figures

pytestmark = [
    pytest.mark.topology("single"),
    pytest.mark.question("control-plane-failure"),
    pytest.mark.component("kube-apiserver"),
    pytest.mark.disruptive,
]

OUTAGE_HELD_S = 15
API_BACK_AFTER_RETURN_S = 60  # measured: see README "Measured figures"


def resource_versions(workload: Workload) -> dict[str, str]:
    items = json.loads(workload.cluster.kubectl("get", "deploy,rs,pods,svc", "-n", workload.namespace, "-o", "json"))
    return {f"{i['kind']}/{i['metadata']['name']}": i["metadata"]["resourceVersion"] for i in items["items"]}


def test_apiserver_outage(chaos: ChaosRun, workload: Workload) -> None:
    """While the only kube-apiserver is down every API request fails [api_failing, api_failed_while_down], the
    workload keeps answering through its Service [service_answered], the API answers again within 60 s of its return
    [api_back_after_return], and afterwards every object and resourceVersion is unchanged [pods_unchanged,
    resource_versions_unchanged]; every operation the history clients saw is consistent with one order
    [history_linearizable], their watchers missed, repeated or reordered no event [watch_guarantees] and no quorum
    read was stale [no_stale_quorum_read].

    ko: 하나뿐인 kube-apiserver가 내려가 있는 동안 모든 API 요청은 실패하지만
    [api_failing, api_failed_while_down], 워크로드는 Service를 통해 계속
    응답하며 [service_answered], apiserver가 돌아오면 60초 안에 API가 다시 응답하고
    [api_back_after_return], 복구 후 모든 오브젝트와 resourceVersion은 그대로이며
    [pods_unchanged, resource_versions_unchanged], 클라이언트들이 본 모든
    연산은 하나의 순서로 설명되고 [history_linearizable], watcher들은 이벤트를 놓치거나
    중복하거나 순서를 바꾸지 않았으며 [watch_guarantees], 쿼럼 읽기는 오래된 값을 돌려주지
    않았습니다 [no_stale_quorum_read].
    """
    cluster, ns = chaos.cluster, workload.namespace
    pods_before, versions_before = pod_states(cluster, ns, "app=web"), resource_versions(workload)
    api = chaos.api_probe()
    service = chaos.service_probe(url=f"http://{workload.service_ip()}/")
    history = chaos.history(namespace=f"{ns}-history")
    with (
        chaos.fault(ComponentDown(cluster, "kube-apiserver")) as outage,
        chaos.step(f"during: every API request fails for {OUTAGE_HELD_S} s"),
    ):

        def api_failing() -> None:
            last = api.samples[-1]
            assert not last.ok, f"an API request succeeded: {last.detail}"

        chaos.check.stays(
            "api_failing", api_failing, during=OUTAGE_HELD_S, interval=1, expected="the last API request failed"
        )
    proven, restore, returned = outage.at("proven"), outage.at("restore"), outage.at("returned")
    assert proven is not None and restore is not None and returned is not None
    with chaos.step(
        f"after: the API answers within {API_BACK_AFTER_RETURN_S} s of its return;"
        " objects and resourceVersions unchanged"
    ):
        during_api = figures.between(api.samples, proven, restore)
        during_service = figures.between(service.samples, proven, restore)
        windows = figures.unavailability_windows(api.samples)
        longest = max((w.seconds or 0.0 for w in windows), default=0.0)
        back = figures.first_success_after(api.samples, returned)
        chaos.figure("api_requests_while_down", len(during_api), unit="")
        chaos.figure("api_failed_while_down", sum(not s.ok for s in during_api), unit="")
        chaos.figure("api_unavailability_s", longest)
        chaos.figure("apiserver_back_after_restore_s", returned - restore, note="includes kubelet back-off")
        chaos.figure("service_requests_while_down", len(during_service), unit="")
        chaos.figure("apiserver_graceful_stop_s", outage.figures["proven_after_s"])
        succeeded = sum(s.ok for s in during_api)
        chaos.check.that(
            "api_failed_while_down",
            bool(during_api) and succeeded == 0,
            what="every API request from the proof to the restore failed",
            measured=f"{succeeded} of {len(during_api)} succeeded",
        )
        chaos.check.at_least(
            "service_answered",
            figures.success_ratio(during_service),
            1.0,
            what="share of Service requests answered while the API was down",
        )
        chaos.check.within(
            "api_back_after_return", back, budget=API_BACK_AFTER_RETURN_S, what="the first API success after its return"
        )
        pods_after, versions_after = pod_states(cluster, ns, "app=web"), resource_versions(workload)
        chaos.check.that(
            "pods_unchanged",
            pods_after == pods_before,
            what="the web pods keep their UID, node and restart count",
            measured="unchanged" if pods_after == pods_before else f"before {pods_before}, after {pods_after}",
        )
        changed = {k: (v, versions_after.get(k)) for k, v in versions_before.items() if versions_after.get(k) != v}
        chaos.check.that(
            "resource_versions_unchanged",
            versions_after == versions_before,
            what="every object of the namespace keeps its resourceVersion",
            measured=f"{len(versions_before)} objects, changed: {changed or 'none'}"
            + ("" if set(versions_after) == set(versions_before) else f", now {sorted(versions_after)}"),
        )
        chaos.check_data_safety(history)

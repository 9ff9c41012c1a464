"""A real kubeadm minor upgrade (the previous minor to the project's), offline, with the workload under watch."""

import pytest

from kindchaos.cluster.workload import Workload
from kindchaos.evidence.scenario import ChaosRun
from kindchaos.images.pins import UPGRADE_NODE_REF
from kindchaos.runbooks import kubeadm_upgrade

pytestmark = [
    pytest.mark.question("upgrade"),
    pytest.mark.component("kubeadm"),
    pytest.mark.component("kubelet"),
    pytest.mark.component("kube-apiserver"),
    pytest.mark.component("etcd"),
    pytest.mark.fresh_cluster(image=UPGRADE_NODE_REF, purpose="upgrade"),
    pytest.mark.disruptive,
    pytest.mark.slow,
]


@pytest.mark.topology("single")
def test_kubeadm_upgrade_single(chaos: ChaosRun, workload_namespace: Workload) -> None:
    """kubeadm upgrades a cluster one minor version (plan, apply, then every node drained, upgraded and uncordoned):
    every component and node ends on the new version [every_version_new], no kubelet is ever newer than the
    apiserver [no_skew_breach], objects made before are unchanged [objects_unchanged], every operation the history
    clients saw is consistent with one order [history_linearizable], their watchers missed, repeated or reordered no
    event [watch_guarantees], no quorum read was stale [no_stale_quorum_read], at most 2 % of Service requests fail
    [service_failures], no drain evicts a web replica unless another is available (PDB) [pdb_held_at_evictions] and
    a web replica is available throughout [available_throughout].

    ko: kubeadm으로 클러스터를 한 마이너 버전 올리면(plan, apply, 그다음 노드마다 drain,
    업그레이드, uncordon) 모든 구성 요소와 노드가 새 버전이 되고 [every_version_new],
    어떤 kubelet도 apiserver보다 새 버전인 적이 없으며 [no_skew_breach], 업그레이드
    전에 만든 오브젝트는 그대로이고 [objects_unchanged], 클라이언트들이 본 모든 연산은 하나의
    순서로 설명되고 [history_linearizable], watcher들은 이벤트를 놓치거나 중복하거나 순서를
    바꾸지 않았고 [watch_guarantees], 쿼럼 읽기는 오래된 값을 돌려주지 않았으며
    [no_stale_quorum_read], Service 요청 실패는 2 % 이하이고
    [service_failures], drain은 다른 web 레플리카가 사용 가능할 때만 축출하며(PDB)
    [pdb_held_at_evictions], web 레플리카가 항상 하나 이상 사용 가능합니다
    [available_throughout].
    """
    kubeadm_upgrade.run(chaos, workload_namespace)


@pytest.mark.topology("ha")
def test_kubeadm_upgrade_ha(chaos: ChaosRun, workload_namespace: Workload) -> None:
    """With three control planes, kubeadm upgrades them one at a time (apply on the first, upgrade node on the
    others), then every node is drained, upgraded and uncordoned: every component ends on the new version
    [every_version_new], no kubelet is ever newer than an apiserver [no_skew_breach], objects made before are
    unchanged [objects_unchanged], every operation the history clients saw is consistent with one order
    [history_linearizable], their watchers missed, repeated or reordered no event [watch_guarantees], no quorum read
    was stale [no_stale_quorum_read], at most 2 % of Service requests fail [service_failures] and no drain evicts a
    web replica unless another is available (PDB) [pdb_held_at_evictions].

    ko: 컨트롤 플레인이 셋이면 kubeadm은 하나씩 업그레이드하고(첫 번째에서 apply, 나머지에서
    upgrade node), 그다음 노드마다 drain, 업그레이드, uncordon합니다. 모든 구성 요소가 새
    버전이 되고 [every_version_new], 어떤 kubelet도 apiserver보다 새 버전인 적이
    없으며 [no_skew_breach], 업그레이드 전에 만든 오브젝트는 그대로이고
    [objects_unchanged], 클라이언트들이 본 모든 연산은 하나의 순서로 설명되고
    [history_linearizable], watcher들은 이벤트를 놓치거나 중복하거나 순서를 바꾸지 않았고
    [watch_guarantees], 쿼럼 읽기는 오래된 값을 돌려주지 않았으며
    [no_stale_quorum_read], Service 요청 실패는 2 % 이하이며
    [service_failures], drain은 다른 web 레플리카가 사용 가능할 때만 축출합니다(PDB)
    [pdb_held_at_evictions].
    """
    # Availability at every moment is measured, not claimed, on `ha`: a control plane's etcd upgrade stalls the
    # kubelets connected through its apiserver, and the node controller marks their pods NotReady for seconds.
    kubeadm_upgrade.run(chaos, workload_namespace, available_throughout=False)

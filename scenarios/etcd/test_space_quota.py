"""etcd over its space quota: the NOSPACE alarm, and etcd's documented way back (compact, defrag, disarm)."""

from __future__ import annotations

import time
import uuid

import pytest

from kindchaos.cluster.etcd import alarms, endpoint_status
from kindchaos.cluster.etcd_tools import recover_space
from kindchaos.cluster.markers import Markers
from kindchaos.cluster.readiness import wait_ready
from kindchaos.evidence.scenario import ChaosRun
from kindchaos.expect import eventually
from kindchaos.faults.etcd import NOSPACE, SpaceQuotaExceeded
from kindchaos.observe import figures

pytestmark = [
    pytest.mark.topology("single"),
    pytest.mark.question("etcd-failure"),
    pytest.mark.component("etcd"),
    pytest.mark.disruptive,
]

REJECTED_HELD_S = 5  # short: every lease renewal is a write, and leaders give up after 10 s without one
REJECTED_WITHIN_S = 10  # a fixed wait: the history's next writes, after the alarm the fault proved
WRITES_BACK_S = 60


def test_database_space_exceeded(chaos: ChaosRun) -> None:
    """With a small backend quota, filling etcd raises the NOSPACE alarm [nospace_alarm]: the API rejects creates
    and updates with "database space exceeded" while reads are still answered [rejected_but_readable]; compacting,
    defragmenting and disarming the alarm [alarm_cleared] bring writes back within 60 s [writes_back], and every
    operation the history clients saw is consistent with one order [history_linearizable], their watchers missed,
    repeated or reordered no event [watch_guarantees], no quorum read was stale [no_stale_quorum_read].

    ko: 백엔드 쿼터가 작을 때 etcd를 채우면 NOSPACE 알람이 울립니다 [nospace_alarm].
    API는 "database space exceeded"로 생성과 수정을 거부하지만 읽기는 계속 응답합니다
    [rejected_but_readable]. 압축(compact), 조각 모음(defrag), 알람
    해제(disarm)를 하면 [alarm_cleared] 60초 안에 쓰기가 돌아오고 [writes_back],
    클라이언트들이 본 모든 연산은 하나의 순서로 설명되고 [history_linearizable],
    watcher들은 이벤트를 놓치거나 중복하거나 순서를 바꾸지 않았고 [watch_guarantees], 쿼럼
    읽기는 오래된 값을 돌려주지 않았습니다 [no_stale_quorum_read].
    """
    cluster = chaos.cluster
    node = cluster.control_planes[0]
    namespace = f"kc-space-{uuid.uuid4().hex[:6]}"
    Markers(cluster, namespace).create_namespace()
    api = chaos.api_probe()
    history = chaos.history(namespace=f"{namespace}-history")
    with chaos.fault(SpaceQuotaExceeded(cluster, namespace)) as full:
        with chaos.step(f"during: writes rejected with NOSPACE and reads answered for {REJECTED_HELD_S} s"):
            held_from = time.monotonic()

            def rejected_but_readable() -> None:
                # etcd's alarm mode still takes deletes (they free space): only creates and updates are refused.
                writes = [s for s in figures.between(history.samples, held_from, None) if s.detail["kind"] != "delete"]
                writes = writes[-2:]
                assert writes and not any(w.ok for w in writes), f"a write was accepted: {writes}"
                assert all("database space exceeded" in str(w.detail.get("error")) for w in writes), writes
                reads = figures.between(api.samples, held_from, None)[-2:]
                assert reads and all(r.ok for r in reads), f"a read failed: {reads}"

            chaos.check.that(
                "nospace_alarm",
                NOSPACE in " ".join(full.proof),
                what="etcdctl alarm list shows NOSPACE and the API refused a write with it",
                measured="; ".join(full.proof)[-240:],
            )
            eventually(rejected_but_readable, within=REJECTED_WITHIN_S, expected="writes rejected, reads answered")
            chaos.check.stays(
                "rejected_but_readable",
                rejected_but_readable,
                during=REJECTED_HELD_S,
                interval=1,
                expected='the last creates and updates refused: "database space exceeded"; the last reads answered',
            )
            db_full = max(s.db_size for s in endpoint_status(node, cluster=False))
        with chaos.step(f"during: compact, defrag and alarm disarm bring writes back within {WRITES_BACK_S} s"):
            runbook_started = time.monotonic()
            took = recover_space(node)
            db_after = max(s.db_size for s in endpoint_status(node, cluster=False))
            left = alarms(node)
            chaos.check.that(
                "alarm_cleared", not left, what="no etcd alarm after compact, defrag and disarm", measured=str(left)
            )

            def writes_back() -> None:
                later = figures.between(history.samples, runbook_started, None)
                assert any(s.detail.get("result") == "ok" for s in later), "no write acknowledged since the runbook"

            chaos.check.reaches(
                "writes_back",
                writes_back,
                budget=WRITES_BACK_S,
                what="a write acknowledged (not only answered with a conflict), from the runbook's start",
                interval=0.5,
            )
    with chaos.step("after: the history checked; the cluster is ready"):
        chaos.check_data_safety(history)
        chaos.stop()
        wait_ready(cluster)
        alarm_at, inject = full.at("alarm"), full.at("inject")
        assert alarm_at is not None and inject is not None
        rejected = [s for s in figures.between(history.samples, alarm_at, runbook_started) if not s.ok]
        chaos.figure("quota_bytes", full.quota_bytes, unit="B")
        chaos.figure("fill_writes", full.writes, unit="", note="900 kB each, rewriting one ConfigMap")
        chaos.figure("fill_to_alarm_s", full.figures.get("fill_to_alarm_s"))
        chaos.figure("db_size_at_alarm_bytes", db_full, unit="B")
        chaos.figure("db_size_after_defrag_bytes", db_after, unit="B")
        for step, seconds in took.items():
            chaos.figure(f"runbook_{step}_s", seconds)
        acknowledged = [s for s in history.samples if s.detail.get("result") == "ok"]
        chaos.figure("writes_back_after_runbook_start_s", figures.first_success_after(acknowledged, runbook_started))
        chaos.figure(
            "writes_rejected_while_alarmed",
            len(rejected),
            unit="",
            note=rejected[0].detail.get("error", "") if rejected else "",
        )
        deletes = [
            s for s in figures.between(history.samples, alarm_at, runbook_started) if s.detail["kind"] == "delete"
        ]
        chaos.figure(
            "deletes_acknowledged_while_alarmed",
            sum(s.detail["result"] == "ok" for s in deletes),
            unit="",
            note=f"of {len(deletes)} deletes; etcd's alarm mode takes reads and deletes",
        )
        chaos.figure(
            "reads_failed_while_alarmed",
            sum(not s.ok for s in figures.between(api.samples, alarm_at, runbook_started)),
            unit="",
        )
        Markers(cluster, namespace).delete_namespaces(namespace, f"{namespace}-history")

"""The pod creation flow from the interview answer: apply -> etcd -> scheduler binds -> kubelet runs it."""

import base64
import json
import time
import uuid

import pytest
import yaml

from kindchaos.cluster.etcd import etcdctl
from kindchaos.cluster.pods import bare_pod
from kindchaos.evidence.scenario import ChaosRun
from kindchaos.expect import eventually
from kindchaos.images.pins import DEFAULT_REFS
from kindchaos.observe import figures

pytestmark = [pytest.mark.topology("single"), pytest.mark.question("components"), pytest.mark.component("etcd")]

RUNNING_WITHIN_S = 30  # measured: see README "Measured figures"


def stored_value(node: str, key: str, revision: str) -> bytes:
    """The value etcd held for ``key`` at ``revision`` (protobuf bytes; strings inside are readable)."""
    ran = etcdctl(node, "get", key, f"--rev={revision}", "-w", "json")
    assert ran.code == 0, ran.output
    kvs = json.loads(ran.output).get("kvs", [])
    assert kvs, f"etcd has no {key} at revision {revision}"
    return base64.b64decode(kvs[0]["value"])


def test_pod_creation_flow(chaos: ChaosRun) -> None:
    """A pod is stored in etcd first [stored_in_etcd], then bound to a node by the scheduler (Scheduled event)
    [bound_in_etcd, scheduled_event], then started by that node's kubelet (Running), in that order
    [stored_bound_running_order], Running within 30 s of the apply [apply_to_running].

    ko: 파드는 먼저 etcd에 저장되고 [stored_in_etcd], 그다음 scheduler가 노드에 바인딩하며(Scheduled 이벤트)
    [bound_in_etcd, scheduled_event], 마지막으로 그 노드의 kubelet이 시작합니다(Running). 이 순서대로
    일어나며 [stored_bound_running_order], apply 후 30초 안에 Running이 됩니다 [apply_to_running].
    """
    cluster = chaos.cluster
    ns, name = f"kc-flow-{uuid.uuid4().hex[:6]}", "flow"
    cluster.kubectl("create", "namespace", ns)
    try:
        with chaos.step("apply: the pod is sent to the API"):
            manifest = yaml.safe_dump(bare_pod(name, namespace=ns, image=DEFAULT_REFS.workload))
            applied = time.monotonic()
            cluster.kubectl("apply", "-f", "-", input_text=manifest)
        with chaos.step(f"then: Running within {RUNNING_WITHIN_S} s"):
            # A fixed wait: the time from the apply is taken from the timeline below and held to the budget.
            eventually(
                lambda: (
                    figures.pod_first_seen(chaos.timeline, f"{ns}/{name}", lambda d: d["phase"] == "Running")
                    is not None
                ),
                within=RUNNING_WITHIN_S * 2,
                interval=0.2,
                expected="the pod Running on the timeline",
            )
        events = [e for e in chaos.timeline.events("pod") if e.name == f"{ns}/{name}"]
        stored = events[0]
        bound = next(e for e in events if e.detail.get("node"))
        running = next(e for e in events if e.detail.get("phase") == "Running")
        scheduled = figures.event_seen(chaos.timeline, "Scheduled", f"Pod/{ns}/{name}")
        with chaos.step(
            "etcd: the key under /registry/pods holds the pod from its first revision, nodeName from the bind"
        ):
            key = f"/registry/pods/{ns}/{name}"
            control_plane = cluster.control_planes[0]
            keys = etcdctl(control_plane, "get", key, "--keys-only").output.split()
            node = str(bound.detail["node"])
            first = stored_value(control_plane, key, str(stored.detail["rv"]))
            chaos.check.that(
                "stored_in_etcd",
                keys == [key] and node.encode() not in first,
                what=f"etcd holds {key}, at its first revision with no nodeName",
                measured=f"keys {keys}; revision {stored.detail['rv']} names {node}: {node.encode() in first}",
            )
            at_bind = stored_value(control_plane, key, str(bound.detail["rv"]))
            chaos.check.that(
                "bound_in_etcd",
                node.encode() in at_bind,
                what=f"at the bind's revision the stored pod names node {node}",
                measured=f"revision {bound.detail['rv']} names {node}: {node.encode() in at_bind}",
            )
            chaos.attach_text(
                etcdctl(control_plane, "get", key, "-w", "fields").output[:4000], name="etcdctl get (fields)"
            )
        with chaos.step("order: stored < bound (Scheduled) < Running"):
            revisions = [int(str(e.detail["rv"])) for e in (stored, bound, running)]
            chaos.check.that(
                "stored_bound_running_order",
                revisions[0] < revisions[1] <= revisions[2] and stored.mono <= bound.mono <= running.mono,
                what="revisions and times in the order stored < bound <= Running",
                measured=f"revisions {revisions}; times +0, +{bound.mono - stored.mono:.2f}, "
                f"+{running.mono - stored.mono:.2f} s",
            )
            chaos.figure("apply_to_stored_s", stored.mono - applied, note=f"revision {stored.detail['rv']}")
            chaos.figure("stored_to_bound_s", bound.mono - stored.mono, note=f"revision {bound.detail['rv']} on {node}")
            chaos.figure("scheduled_event_after_store_s", None if scheduled is None else scheduled - stored.mono)
            chaos.figure("bound_to_running_s", running.mono - bound.mono, note=f"revision {running.detail['rv']}")
            chaos.check.within(
                "apply_to_running", running.mono - applied, budget=RUNNING_WITHIN_S, what="the pod Running, from apply"
            )
            chaos.check.that(
                "scheduled_event",
                scheduled is not None,
                what="a Scheduled event for the pod",
                measured="none" if scheduled is None else f"{scheduled - stored.mono:+.2f} s from the store",
            )
    finally:
        cluster.kubectl("delete", "namespace", ns, "--wait=false")

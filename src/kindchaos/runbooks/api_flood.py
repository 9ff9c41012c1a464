"""What the API-flood scenarios measure, written once for both of them (APF protecting the cluster, and APF's
protection removed for the flooding user), so their figures compare like with like.

``flood_and_observe`` sets the flood's user up in the flow schema asked for, seeds what it lists, runs the flood
as a fault while a ``system:masters`` probe reads the API and the timeline records node leases, and returns what
the checks need; the scenario states its claim with the ``check_*`` functions.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kubernetes import client

from kindchaos.cluster import flow_control
from kindchaos.evidence.scenario import ChaosRun
from kindchaos.faults.api_flood import ApiFlooded, statuses
from kindchaos.observe import figures
from kindchaos.observe.figures import Sample
from kindchaos.observe.probes.api import ApiProbe
from kindchaos.observe.replay import heartbeat_gap

SEED_CONFIGMAPS = 40  # what each flood request lists: 40 ConfigMaps of 16 KiB, about 650 KiB an answer
SEED_BYTES = 16 * 1024
FLOOD_THREADS = 32
FLOOD_REQUESTS = 20_000
FLOOD_SECONDS = 45
HEARTBEAT_GAP_S = 20  # budget: kubelet renews its lease every 10 s (a quarter of its 40 s); twice that at most
PROBE_P95_S = 1.0  # budget: the system:masters probe's 95th percentile during the flood
PROBE_INTERVAL_S = 0.25


@dataclass
class FloodObserved:
    """A flood's fault, the apiserver's per-flow counters over it, the probe's samples and the heartbeat gaps."""

    fault: ApiFlooded
    identity: flow_control.FloodIdentity
    rejected: int  # apiserver_flowcontrol_rejected_requests_total for the flood's flow schema, over the flood
    dispatched: int
    others_rejected: dict[str, int]  # other flow schemas with rejections over the flood
    probe: list[Sample]
    gaps: dict[str, float | None]  # node -> longest wait between its lease renewals, flood start to end

    @property
    def client_429(self) -> int:
        return statuses(self.fault.flood.answers).get(429, 0)


def wall(mono: float) -> float:
    return time.time() - (time.monotonic() - mono)


def seed(chaos: ChaosRun) -> None:
    api: Any = client.CoreV1Api(chaos.cluster.api)
    data = {"blob": "x" * SEED_BYTES}
    for n in range(SEED_CONFIGMAPS):
        body = {"metadata": {"name": f"seed-{n}"}, "data": data}
        try:
            api.create_namespaced_config_map(flow_control.NAME, body)
        except client.exceptions.ApiException as exc:
            if exc.status != 409:
                raise


def flood_and_observe(chaos: ChaosRun, level: str, workdir: Path) -> FloodObserved:
    """The flood in ``level`` (``limited`` or ``exempt``), observed; its objects are removed after it."""
    cluster = chaos.cluster
    identity = flow_control.flood_identity(cluster, level)
    try:
        seed(chaos)
        chaos.attach_text(flow_control.schemas_table(cluster), name="flow schemas and priority levels")
        masters = flow_control.masters_kubeconfig(cluster, workdir / "masters.kubeconfig")
        probe = ApiProbe(kubeconfig=masters, timeline=chaos.timeline, name="masters", interval=PROBE_INTERVAL_S)
        probe.start()
        chaos.probes.append(probe)
        probe.wait_for_first_sample()
        ca = flow_control.ca_file(cluster, workdir / "ca.crt")
        before = flow_control.flow_counters(cluster)
        fault = ApiFlooded(
            cluster,
            identity,
            ca=ca,
            threads=FLOOD_THREADS,
            requests=FLOOD_REQUESTS,
            seconds=FLOOD_SECONDS,
        )
        with chaos.fault(fault), chaos.step(f"during: the flood runs to its bound ({FLOOD_SECONDS} s)"):
            fault.flood.wait()
        after = flow_control.flow_counters(cluster)
    finally:
        flow_control.remove_flood_objects(cluster)
        (workdir / "masters.kubeconfig").unlink(missing_ok=True)  # it holds a private key; the probe has read it
    start, end = fault.at("inject"), fault.at("restore")
    assert start is not None and end is not None
    others = {
        key[1]: after[key] - before[key]
        for key in after
        if key[0].endswith("rejected_requests") and key[1] != identity.flow_schema and after[key] > before[key]
    }
    return FloodObserved(
        fault=fault,
        identity=identity,
        rejected=flow_control.counter_delta(before, after, "rejected", identity.flow_schema),
        dispatched=flow_control.counter_delta(before, after, "dispatched", identity.flow_schema),
        others_rejected=others,
        probe=figures.between(probe.samples, start, end),
        gaps={node: heartbeat_gap(chaos.timeline, node, wall(start), wall(end)) for node in cluster.nodes},
    )


def report(chaos: ChaosRun, seen: FloodObserved) -> None:
    """The flood's figures: requests by status, the apiserver's counts, the probe's latency, heartbeat gaps."""
    answers = seen.fault.flood.answers
    took = seen.fault.figures.get("flood_seconds") or 1.0
    chaos.figure("flood_requests", len(answers), unit="")
    chaos.figure("flood_requests_per_s", len(answers) / took, unit="/s")
    for status, count in sorted(statuses(answers).items()):
        chaos.figure(f"flood_http_{status}", count, unit="", note="0: no answer" if status == 0 else "")
    chaos.figure("apf_rejected_flood", seen.rejected, unit="", note=f"flow schema {seen.identity.flow_schema}")
    chaos.figure(
        "apf_dispatched_flood", seen.dispatched, unit="", note=f"priority level {seen.identity.priority_level}"
    )
    chaos.figure(
        "apf_rejected_other_flows", sum(seen.others_rejected.values()), unit="", note=str(seen.others_rejected)
    )
    for name, value in figures.latency_summary(seen.probe).items():
        chaos.figure(f"masters_probe_{name}", value, note="system:masters (exempt), every 0.25 s")
    chaos.figure("masters_probe_success_ratio", figures.success_ratio(seen.probe), unit="")
    for node, gap in seen.gaps.items():
        chaos.figure(f"lease_gap_{node}_s", gap, note="longest wait between renewals of the node's lease")


def longest_gap(seen: FloodObserved) -> float | None:
    found = [gap for gap in seen.gaps.values() if gap is not None]
    return max(found) if len(found) == len(seen.gaps) else None


def check_flood_rejected(chaos: ChaosRun, seen: FloodObserved) -> None:
    """[flood_rejected]: the apiserver rejected some of the flood's requests in its own flow schema, and the
    client saw 429s."""
    chaos.check.that(
        "flood_rejected",
        seen.rejected > 0 and seen.client_429 > 0,
        what=f"requests in flow schema {seen.identity.flow_schema} rejected by APF (apiserver counter and HTTP 429)",
        measured=f"{seen.rejected} rejected by the apiserver, {seen.client_429} answered 429 of "
        f"{len(seen.fault.flood.answers)}",
    )


def check_flood_never_rejected(chaos: ChaosRun, seen: FloodObserved) -> None:
    """[flood_never_rejected]: with the flood exempt, no request of it was rejected."""
    chaos.check.that(
        "flood_never_rejected",
        seen.rejected == 0 and seen.client_429 == 0 and len(seen.fault.flood.answers) > 0,
        what=f"no request in flow schema {seen.identity.flow_schema} (level {seen.identity.priority_level}) rejected",
        measured=f"{seen.rejected} rejected by the apiserver, {seen.client_429} answered 429 of "
        f"{len(seen.fault.flood.answers)}",
    )


def check_protected(chaos: ChaosRun, seen: FloodObserved) -> None:
    """[heartbeats_kept, masters_probe_answered, masters_probe_fast, other_flows_not_rejected]."""
    chaos.check.within(
        "heartbeats_kept",
        longest_gap(seen),
        budget=HEARTBEAT_GAP_S,
        what="the longest wait between renewals of any node's lease during the flood",
    )
    chaos.check.at_least(
        "masters_probe_answered",
        figures.success_ratio(seen.probe),
        1.0,
        what="share of system:masters probe requests answered during the flood",
    )
    chaos.check.within(
        "masters_probe_fast",
        figures.latency_summary(seen.probe).get("p95_s"),
        budget=PROBE_P95_S,
        what="the system:masters probe's 95th-percentile latency during the flood",
    )
    chaos.check.that(
        "other_flows_not_rejected",
        not seen.others_rejected,
        what="no request of any other flow schema rejected by APF during the flood",
        measured=f"rejections by flow schema: {seen.others_rejected}" if seen.others_rejected else "none",
    )

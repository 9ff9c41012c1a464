"""The kubeadm minor-upgrade runbook, run for real on a cluster of the previous minor, with everything watched.

The order is the runbook's: kubeadm first on the first control plane (``upgrade plan`` told the target,
``upgrade apply``), ``kubeadm upgrade node`` on the other control planes, then node by node (control planes
first, then workers): drain, install kubeadm, ``kubeadm upgrade node``, install kubelet and kubectl, restart
kubelet, uncordon. While it runs: the API probe, a Service probe, the history clients and watchers, the pod
records (for the PDB) and the version-skew watch. Each node step is a function of its own, so a sabotaged
target can replace one (``restart_kubelet``) and show that the drill then fails.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import yaml

from kindchaos.cluster import node_upgrade
from kindchaos.cluster.lifecycle import Cluster
from kindchaos.cluster.readiness import API_ERRORS, wait_ready
from kindchaos.cluster.running_versions import (
    apiserver_addresses,
    apiserver_ready,
    everything,
    kubelet_versions,
    versions_table,
    wrong_versions,
)
from kindchaos.cluster.workload import Workload
from kindchaos.cluster.workload_objects import pod_disruption_budget
from kindchaos.evidence.scenario import ChaosRun
from kindchaos.expect import eventually, settles
from kindchaos.faults import NodeDrained
from kindchaos.images.pins import DEFAULT_VERSIONS, UPGRADE_FROM_VERSIONS, Versions
from kindchaos.observe import figures, replay
from kindchaos.observe.probes.version_skew import VersionSkewProbe

PDB = "web"
MIN_AVAILABLE = 1
DRAIN_WITHIN_S = 300
KUBELET_REPORTS_WITHIN_S = 120
APISERVER_READY_WITHIN_S = 300
APISERVERS_SETTLED_S = 15
READY_AFTER_S = 300  # a fixed wait: the cluster Ready after the last uncordon
# Requests to the Service during the whole upgrade that may fail: a pod evicted by a drain can still receive a
# request or two before every node's kube-proxy drops it. Measured: see the README's upgrade figures.
SERVICE_FAILED_RATIO_BUDGET = 0.02
MARKER = "made-before-upgrade"


@contextmanager
def timed(chaos: ChaosRun, key: str, title: str) -> Iterator[None]:
    """One runbook step: an Allure step and a ``<key>_s`` figure."""
    started = time.monotonic()
    with chaos.step(title):
        yield
    chaos.figure(f"{key}_s", time.monotonic() - started, note=title)


def objects_made_before(chaos: ChaosRun, workload: Workload) -> dict[str, tuple[str, str]]:
    """kind/name -> (uid, what may not change) of the objects the upgrade must leave as they were.

    Deployments and PDBs have status the controllers keep writing, so their ``generation`` (bumped by spec
    changes only) is compared; for the rest, the ``resourceVersion`` (bumped by any write).
    """
    ns, name = workload.namespace, workload.name
    names = [f"namespace/{ns}", f"configmap/{MARKER}", f"service/{name}", f"deployment/{name}", f"pdb/{PDB}"]
    listed = yaml.safe_load(chaos.cluster.kubectl("get", *names, "-n", ns, "-o", "yaml"))
    found = {}
    for item in listed["items"]:
        meta = item["metadata"]
        kept = meta.get("generation") if item["kind"] in ("Deployment", "PodDisruptionBudget") else None
        found[f"{item['kind']}/{meta['name']}"] = (meta["uid"], str(kept or meta["resourceVersion"]))
    return found


def restart_kubelet(cluster: Cluster, node: str, target: str) -> None:
    """Restart the node's kubelet on the binary just installed and wait for its node status to report ``target``."""
    node_upgrade.restart_kubelet(node)
    eventually(
        lambda: _reports(cluster, node, target),
        within=KUBELET_REPORTS_WITHIN_S,
        retry_on=API_ERRORS,
        expected=f"kubelet on {node} reporting {target} in its node status",
    )


def upgrade_node(chaos: ChaosRun, node: str, target: str, *, run_kubeadm: bool) -> None:
    """Drain, kubeadm and ``upgrade node`` (unless done already), kubelet and kubectl, restart, uncordon."""
    cluster = chaos.cluster
    with chaos.fault(NodeDrained(cluster, node, timeout=DRAIN_WITHIN_S)) as drained:
        chaos.figure(f"drain_{node}_s", drained.result.seconds, note=f"evicted: {', '.join(drained.result.evicted)}")
        if run_kubeadm:
            with timed(chaos, f"kubeadm_upgrade_node_{node}", f"{node}: install kubeadm, kubeadm upgrade node"):
                chaos.attach_text(node_upgrade.install(node, target, "kubeadm"), name=f"kubeadm installed on {node}")
                chaos.attach_text(node_upgrade.upgrade_node(node), name=f"kubeadm upgrade node on {node}")
        with timed(chaos, f"kubelet_{node}", f"{node}: install kubelet and kubectl {target}, restart kubelet"):
            chaos.attach_text(node_upgrade.install(node, target, "kubelet", "kubectl"), name=f"installed on {node}")
            restart_kubelet(cluster, node, target)
        if node in cluster.control_planes:
            # kubelet on a new minor restarts its static pods: until its apiserver is up again with RBAC loaded,
            # the API refuses even the uncordon (403). A single first /readyz 200 can come before that restart.
            with timed(chaos, f"apiservers_settled_{node}", f"{node}: every apiserver ready for 15 s"):
                settles(
                    lambda: all_apiservers_ready(cluster),
                    within=APISERVER_READY_WITHIN_S,
                    holding=APISERVERS_SETTLED_S,
                    retry_on=API_ERRORS,
                    expected="every apiserver's /readyz answering 200",
                )
    with timed(chaos, f"ready_after_{node}", f"{node}: uncordoned; every node Ready, every system pod"):
        wait_ready(cluster, within=APISERVER_READY_WITHIN_S)


def all_apiservers_ready(cluster: Cluster) -> None:
    for address in apiserver_addresses(cluster).values():
        apiserver_ready(address)


def _reports(cluster: Cluster, node: str, target: str) -> None:
    seen = kubelet_versions(cluster).get(node)
    assert seen == target, f"kubelet on {node} reports {seen}"


def run(
    chaos: ChaosRun,
    workload: Workload,
    *,
    old: Versions = UPGRADE_FROM_VERSIONS,
    new: Versions = DEFAULT_VERSIONS,
    available_throughout: bool = True,
) -> None:
    """The whole drill, its figures and its assertions. ``available_throughout`` also requires a web replica
    available at every pod record, not only at each eviction (on ``ha`` an etcd upgrade can stall the kubelets
    whose apiserver connection goes through that control plane, and the node controller marks their pods
    NotReady)."""
    cluster, target, ns = chaos.cluster, new.kubernetes, workload.namespace
    first, *other_control_planes = cluster.control_planes
    with chaos.step(f"before: every node at {old.kubernetes}, {target} staged; web (2 replicas, PDB) and objects"):
        for node in cluster.nodes:
            node_upgrade.check_staged(node, target)
        before = everything(cluster)
        chaos.attach_text(versions_table(before), name="versions before")
        wrong = wrong_versions(before, old)
        assert not wrong, f"the cluster is not at {old.kubernetes} before the upgrade: {wrong}"
        # With one worker, its drain could move no replica while the control planes refuse workloads.
        workload.apply(replicas=2, spread=True, on_control_planes=len(cluster.workers) < 2)
        pdb = pod_disruption_budget(name=PDB, namespace=ns, labels={"app": workload.name}, min_available=MIN_AVAILABLE)
        marker = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": MARKER, "namespace": ns},
                  "data": {"made-at": old.kubernetes}}  # fmt: skip
        cluster.kubectl("apply", "-f", "-", input_text=yaml.safe_dump_all([pdb, marker]))
        workload.wait_ready()
        objects_before = objects_made_before(chaos, workload)
    api = chaos.api_probe()
    service = chaos.service_probe(url=f"http://{workload.service_ip()}/", node=first)
    history = chaos.history(namespace=f"{ns}-history")
    skew = VersionSkewProbe(cluster=cluster, timeline=chaos.timeline).start()
    chaos.probes.append(skew)
    skew.wait_for_first_sample()
    upgrade_started = time.monotonic()

    with timed(chaos, "kubeadm_plan", f"{first}: install kubeadm {target}, kubeadm upgrade plan {target}"):
        chaos.attach_text(node_upgrade.install(first, target, "kubeadm"), name=f"kubeadm installed on {first}")
        plan = node_upgrade.upgrade_plan(first, target)
        chaos.attach_text(plan, name="kubeadm upgrade plan")
        assert f"kubeadm upgrade apply {target}" in plan, f"the plan does not offer {target}"
    with timed(chaos, "kubeadm_apply", f"{first}: kubeadm upgrade apply {target}"):
        applied = node_upgrade.upgrade_apply(first, target)
        chaos.attach_text(applied, name="kubeadm upgrade apply")
        assert f'upgraded to "{target}"' in applied, "kubeadm upgrade apply did not report success"
    for node in other_control_planes:
        with timed(chaos, f"kubeadm_upgrade_node_{node}", f"{node}: install kubeadm, kubeadm upgrade node"):
            chaos.attach_text(node_upgrade.install(node, target, "kubeadm"), name=f"kubeadm installed on {node}")
            chaos.attach_text(node_upgrade.upgrade_node(node), name=f"kubeadm upgrade node on {node}")
    for node in cluster.control_planes:
        upgrade_node(chaos, node, target, run_kubeadm=False)
    for node in cluster.workers:
        upgrade_node(chaos, node, target, run_kubeadm=True)
    upgrade_ended = time.monotonic()
    chaos.figure("upgrade_total_s", upgrade_ended - upgrade_started, note="plan to the last uncordon")

    with chaos.step("after: cluster Ready; versions, skew, objects, writes, Service and PDB checked"):
        chaos.figure("ready_after_upgrade_s", wait_ready(cluster, within=READY_AFTER_S).seconds)
        for probe in (skew, api, service):
            probe.stop()
        after = everything(cluster)
        chaos.attach_text(versions_table(after), name="versions after")
        breaches = skew.breaches()
        chaos.figure("version_samples", len(skew.samples), unit="")
        chaos.figure("skew_breaches", len(breaches), unit="", note="; ".join(b.text for b in breaches[:5]))
        objects_after = objects_made_before(chaos, workload)
        changed = {k: (v, objects_after.get(k)) for k, v in objects_before.items() if objects_after.get(k) != v}
        api_during = figures.between(api.samples, upgrade_started, upgrade_ended)
        api_windows = figures.unavailability_windows(api_during)
        chaos.figure("api_requests_during_upgrade", len(api_during), unit="")
        chaos.figure("api_failed_during_upgrade", sum(not s.ok for s in api_during), unit="")
        chaos.figure(
            "api_longest_unavailability_s",
            max((w.seconds or 0.0 for w in api_windows), default=0.0),
            note="the apiserver restarts in `upgrade apply` and again when its node's kubelet restarts",
        )
        during = figures.between(service.samples, upgrade_started, upgrade_ended)
        failed = [s for s in during if not s.ok]
        chaos.figure("service_requests_during_upgrade", len(during), unit="")
        chaos.figure(
            "service_failed_during_upgrade",
            len(failed),
            unit="",
            note=failed[0].detail.get("error", "") if failed else "",
        )
        counts = replay.available_counts(chaos.timeline, ns, f"{workload.name}-", after=upgrade_started)
        lowest = min((c for t, c in counts if t <= upgrade_ended), default=None)
        chaos.figure(
            "web_available_min_during_upgrade",
            lowest,
            unit="",
            note="replayed from every pod record" + ("" if available_throughout else "; measured, not claimed"),
        )
        refused = [p for f in chaos.faults if isinstance(f, NodeDrained) for p in f.result.refused]
        chaos.figure("evictions_refused_by_pdb", len(refused), unit="", note="; ".join(refused))
        evictions = replay.available_at_evictions(chaos.timeline, ns, f"{workload.name}-", after=upgrade_started)
        chaos.figure(
            "web_available_at_each_eviction",
            ", ".join(str(count) for _, count in evictions),
            unit="",
            note="; ".join(f"{name}: {count}" for name, count in evictions),
        )
        not_ready = replay.not_ready_windows(chaos.timeline, after=upgrade_started)
        chaos.figure(
            "nodes_not_ready_during_upgrade",
            len(not_ready),
            unit="",
            note="; ".join(
                f"{node} {start - upgrade_started:.0f}-{'?' if end is None else f'{end - upgrade_started:.0f}'} s"
                for node, start, end in not_ready
            ),
        )

        wrong = wrong_versions(after, new)
        chaos.check.that(
            "every_version_new",
            not wrong,
            what=f"every component and node reports {target} (read from what runs)",
            measured=f"not every component and node reports {target} after the upgrade: {wrong}"
            if wrong
            else f"{len(after)} readings, all {target}",
        )
        chaos.check.equals(
            "no_skew_breach", len(breaches), 0, what=f"version-skew breaches in {len(skew.samples)} samples"
        )
        chaos.check.that(
            "objects_unchanged",
            not changed,
            what="the objects made before the upgrade keep their uid and resourceVersion (generation)",
            measured=f"changed: {changed}" if changed else f"{len(objects_before)} objects unchanged",
        )
        chaos.check_data_safety(history)  # history_linearizable, watch_guarantees, no_stale_quorum_read
        chaos.check.at_most(
            "service_failures",
            (len(failed) / len(during)) if during else None,
            SERVICE_FAILED_RATIO_BUDGET,
            what=f"share of Service requests failed during the upgrade ({len(failed)} of {len(during)})",
        )
        below = [(name, count) for name, count in evictions if count <= MIN_AVAILABLE]
        chaos.check.that(
            "pdb_held_at_evictions",
            bool(evictions) and not below,
            what=f"at every web eviction more than {MIN_AVAILABLE} replica(s) available",
            measured="no web replica was evicted" if not evictions else f"at each eviction: {evictions}",
        )
        if available_throughout:
            chaos.check.at_least(
                "available_throughout",
                lowest,
                MIN_AVAILABLE,
                what="fewest web replicas available at any pod record during the upgrade",
            )

"""One scenario run: its timeline, probes and faults, and the evidence written when it ends.

A scenario test gets a ``ChaosRun`` from the ``chaos`` fixture. The run starts
recording before the test body, binds every fault to its timeline, and at the
end attaches the timeline (JSON and chart), the figures, each fault's proof,
the logs of the components involved and the state of the cluster, and returns
the ``Finding`` for reports/findings.json.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from kindchaos.cluster import nodes
from kindchaos.cluster.etcd import member_list
from kindchaos.cluster.etcd_tools import install_tools
from kindchaos.cluster.external_etcd import etcdctl as host_etcdctl
from kindchaos.cluster.health import HealthReport
from kindchaos.cluster.lifecycle import Cluster
from kindchaos.errors import UsageError
from kindchaos.evidence import attach, chart, collect, triaged
from kindchaos.evidence.checks import CheckBook
from kindchaos.evidence.findings import Claim, Figure, Finding
from kindchaos.evidence.triaged import TriageRecord
from kindchaos.faults.base import Fault
from kindchaos.faults.control_plane import ComponentFault
from kindchaos.observe import figures
from kindchaos.observe.history.client import Endpoint
from kindchaos.observe.probes import ApiProbe, Probe, ServiceProbe, etcd_status
from kindchaos.observe.probes.etcd_status import EtcdStatusProbe
from kindchaos.observe.timeline import Timeline
from kindchaos.observe.watches import TimelineRecorder
from kindchaos.safety.recorder import HistoryOptions, HistoryRecorder
from kindchaos.safety.report import DataSafetyReport

F = TypeVar("F", bound=Fault)


class ChaosRun:
    """Everything one scenario observes and reports."""

    def __init__(
        self,
        *,
        cluster: Cluster,
        test_id: str,
        title: str,
        claim: Claim | None,
        components: list[str],
        health: HealthReport | None = None,
        triage: bool = True,
    ) -> None:
        self.cluster = cluster
        self.test_id = test_id
        self.title = title
        self.claim = claim
        self.components = components
        self.health = health
        self.timeline = Timeline()
        self.figures: list[Figure] = []
        self.check = CheckBook(self.figures)  # the claim's checks: chaos.check.within("name", ...)
        self.faults: list[Fault] = []
        self.probes: list[Probe] = []
        self.histories: list[HistoryRecorder] = []
        self._recorder = TimelineRecorder(kubeconfig=cluster.kubeconfig, timeline=self.timeline)
        self._started = time.monotonic()
        self.triage = triage  # triage each fault once it is proven (the plugin's --kindchaos-triage)
        self.triaged: list[TriageRecord] = []

    def start(self) -> ChaosRun:
        self._recorder.start()
        return self

    # --- what a scenario body uses -------------------------------------------------------------

    def fault(self, fault: F) -> F:
        """Bind a fault to this run's timeline; use as ``with chaos.fault(NodeStopped(...)):``. Binding it again is a
        no-op (its figures, proof and triage are recorded once)."""
        if any(bound is fault for bound in self.faults):
            return fault
        fault.timeline = self.timeline
        self.faults.append(fault)
        if self.triage:
            fault.on_proven.append(self._triage_while_faulted)
        return fault

    def _triage_while_faulted(self, fault: Fault) -> None:
        active = [f for f in self.faults if f.active]
        self.triaged.append(triaged.while_faulted(self.cluster, fault, active))

    def triage_record(self, fault: Fault) -> TriageRecord:
        """The record of the triage run once ``fault`` was proven (the run must triage: --kindchaos-triage on)."""
        found = [r for r in self.triaged if r.fault.endswith(fault.title)]
        if not found:
            raise UsageError(f"no triage ran while {fault.title}", hint="run with --kindchaos-triage=on")
        return found[-1]

    def triage_healthy(self) -> TriageRecord:
        """Triage now, with no fault held: every finding is a false alarm."""
        record = triaged.on_healthy(self.cluster)
        self.triaged.append(record)
        return record

    def api_probe(self, **options: Any) -> ApiProbe:
        probe = ApiProbe(kubeconfig=self.cluster.kubeconfig, timeline=self.timeline, **options).start()
        self.probes.append(probe)
        probe.wait_for_first_sample()
        return probe

    def service_probe(self, *, url: str, node: str | None = None, **options: Any) -> ServiceProbe:
        """Requests to ``url`` from inside ``node`` (default: the last worker)."""
        where = node or self.cluster.workers[-1]
        probe = ServiceProbe(node=where, url=url, timeline=self.timeline, **options).start()
        self.probes.append(probe)
        probe.wait_for_first_sample()
        return probe

    def etcd_probe(self, *, vantage: str | None = None) -> EtcdStatusProbe:
        """Every etcd member's status twice a second, asked from ``vantage`` (a node whose etcd stays up), or
        from the host when the cluster's etcd is external."""
        layout = self.cluster.etcd
        if layout is not None:
            members = host_etcdctl.member_list(layout)
            ask = etcd_status.from_host(layout, members)
        elif vantage is not None:
            install_tools(vantage)
            members = member_list(vantage)
            ask = etcd_status.in_node(vantage, members)
        else:
            raise UsageError("a stacked etcd's probe needs a vantage node", hint="pass vantage=<a control plane>")
        probe = EtcdStatusProbe(ask=ask, members=members, timeline=self.timeline).start()
        self.probes.append(probe)
        probe.wait_for_first_sample()
        return probe

    def endpoints(self, via: str | None = None) -> list[Endpoint]:
        """Two history clients: one through the kubeconfig's server (the load balancer on ha) and, on ha, one
        straight to ``via``'s apiserver (default: the last control plane); on one control plane, both alike."""
        planes = self.cluster.control_planes
        if len(planes) == 1:
            return [Endpoint("kubeconfig"), Endpoint("kubeconfig")]
        node = via or planes[-1]
        return [Endpoint("load balancer"), Endpoint(f"{node} apiserver", f"https://{nodes.ip_address(node)}:6443")]

    def history(self, *, namespace: str, via: str | None = None, **options: Any) -> HistoryRecorder:
        """Concurrent clients and watchers recording every operation through the fault (see ``safety``)."""
        recorder = HistoryRecorder(
            kubeconfig=self.cluster.kubeconfig,
            namespace=namespace,
            endpoints=self.endpoints(via),
            timeline=self.timeline,
            options=HistoryOptions(**options),
        )
        self.histories.append(recorder.start())
        return recorder

    def check_data_safety(self, recorder: HistoryRecorder) -> DataSafetyReport:
        """Fence the history, run its checks, attach it (and porcupine's visualization on a violation), and
        record the checks ``history_linearizable``, ``watch_guarantees`` and ``no_stale_quorum_read``."""
        with tempfile.TemporaryDirectory(prefix="kindchaos-safety-") as scratch:
            visualization = Path(scratch) / "linearizability.html"
            report = recorder.finish(visualize=visualization)
            attach.json_data(report.history.as_dict(), name="history.json")
            if report.linearizability.verdict != "ok" and visualization.exists():
                attach.html(visualization.read_text(), name="linearizability visualization (porcupine)")
        for name, value, unit, note in report.figures():
            self.figure(name, value, unit=unit, note=note)
        self.figure("data_safety_check_s", report.check_seconds, note="resolve, porcupine, watch and stale-read checks")
        linearizable, watches, stale = report.verdicts()
        with self.check.together():
            self.check.that("history_linearizable", linearizable.held, linearizable.measured, what=linearizable.what)
            self.check.that("watch_guarantees", watches.held, watches.measured, what=watches.what)
            self.check.that("no_stale_quorum_read", stale.held, stale.measured, what=stale.what)
        return report

    @contextmanager
    def step(self, title: str) -> Iterator[None]:
        """A scenario phase (before/during/after) as an Allure step, marked on the timeline."""
        self.timeline.add("step", "start", title)
        with attach.step(title):
            yield
        self.timeline.add("step", "end", title)

    def figure(
        self,
        name: str,
        value: float | int | str | None,
        *,
        unit: str = "s",
        note: str = "",
    ) -> None:
        """Record a measured figure for the report and findings.json; one with a budget is ``check.within``."""
        if isinstance(value, float):
            value = round(value, 3)
        self.figures.append(Figure(name, value, unit, None, note))

    def observer_problems(self) -> list[str]:
        """Probes and history recorders that ended on their own (each says why and when)."""
        observers: list[Probe | HistoryRecorder] = [*self.probes, *self.histories]
        return [found.ended for found in observers if found.ended]

    def unchecked_clauses(self) -> list[str]:
        """The claim's declared checks that no check ran under (a passing run must have none)."""
        return self.check.missing(self.claim.checks) if self.claim else []

    def attach_text(self, body: str, *, name: str) -> None:
        """A text attachment (redacted, like every attachment)."""
        attach.text(body, name=name)

    def attach_kubectl(self, *args: str, name: str | None = None) -> str:
        out = collect.kubectl(self.cluster, *args)
        attach.text(out, name=name or "kubectl " + " ".join(args))
        return out

    def probe_figures(self, probe: Probe | HistoryRecorder, *, fault: Fault) -> dict[str, Any]:
        """Unavailability window, success ratio during the fault and time to first success after restore."""
        samples = probe.samples
        injected, restore = fault.at("inject"), fault.at("restore")
        during = figures.between(samples, injected, restore)
        windows = [
            w for w in figures.unavailability_windows(samples) if injected is None or w.end is None or w.end >= injected
        ]
        longest = max(windows, key=lambda w: w.seconds if w.seconds is not None else float("inf"), default=None)
        label = probe.name
        found = {
            f"{label}_requests_during_fault": len(during),
            f"{label}_failed_during_fault": sum(not s.ok for s in during),
            f"{label}_success_ratio_during_fault": figures.success_ratio(during),
            f"{label}_longest_unavailability_s": None if longest is None else longest.seconds,
            f"{label}_first_success_after_restore_s": (
                None if restore is None else figures.first_success_after(samples, restore)
            ),
        }
        return found

    # --- the end of the run ----------------------------------------------------------------------

    def stop(self) -> None:
        """Stop every probe, history recorder and watch (safe to call twice)."""
        for probe in self.probes:
            probe.stop()
        for recorder in self.histories:
            recorder.stop()
        self._recorder.stop()

    def finish(self, *, outcome: str, message: str = "") -> Finding:
        """Stop observing, attach the evidence and return the finding."""
        self.stop()
        wall = time.monotonic() - self._started
        run_rows = [
            Figure(
                "cluster_create_s", self.cluster.created_seconds, note="" if self.cluster.created_seconds else "reused"
            ).row(),
            Figure("health_gate_ready_s", self.health.ready_seconds if self.health else None).row(),
            Figure("scenario_wall_s", round(wall, 3)).row(),
        ]
        fault_rows = [
            Figure(name, round(value, 3), note=fault.title).row()
            for fault in self.faults
            for name, value in fault.figures.items()
        ]
        attach.table([*run_rows, *fault_rows, *(f.row() for f in self.figures)], name="figures")
        attach.table([c.row() for c in self.check.checks], name="checks")
        for fault in self.faults:
            attach.text("\n".join(fault.proof) or "(nothing observed)", name=f"proof: {fault.title}")
        self._attach_component_evidence()
        attach.json_data(self.timeline.as_dicts(), name="timeline.json")
        try:
            attach.png(chart.render(self.timeline, title=self.title), name="timeline chart")
        except Exception as exc:  # a chart failure must not hide the result
            attach.text(f"chart failed: {exc}", name="timeline chart")
        return Finding(
            test=self.test_id,
            claim=self.claim,
            outcome=outcome,
            topology=self.cluster.topology.name,
            components=self.components,
            figures=self.figures,
            faults=[{"title": f.title, "proof": f.proof, **f.figures} for f in self.faults],
            checks=[c.as_dict() for c in self.check.checks],
            cluster_create_s=self.cluster.created_seconds,
            wall_s=round(wall, 3),
            message=message,
            triage=[record.as_dict() for record in self.triaged],
        )

    def _attach_component_evidence(self) -> None:
        seen: set[tuple[str, str]] = set()
        for fault in self.faults:
            if isinstance(fault, ComponentFault):
                key = (fault.node, fault.component.name)
                if key not in seen:
                    seen.add(key)
                    log = collect.component_log(self.cluster, fault.node, fault.component.name)
                    attach.text(log, name=f"log: {fault.component.name} on {fault.node}")
        if "etcd" in self.components or any(
            isinstance(f, ComponentFault) and f.component.name == "etcd" for f in self.faults
        ):
            node = self.cluster.control_planes[0]
            name = "etcdctl member list, endpoint status, health" if self.cluster.etcd else "etcdctl endpoint status"
            attach.text(collect.etcd_endpoint_status(self.cluster, node), name=name)
        for node in sorted({n for f in self.faults if isinstance(n := getattr(f, "node", None), str)}):
            attach.text(collect.kubectl(self.cluster, "describe", "node", node), name=f"kubectl describe node {node}")
        attach.text(
            collect.kubectl(self.cluster, "get", "nodes,pods", "-A", "-o", "wide"), name="kubectl get nodes,pods"
        )
        attach.text(self._events_table(), name="events during the run")

    def _events_table(self) -> str:
        """Kubernetes Events seen by the recorder, one line each, relative to the recorder's start."""
        origin = self.timeline.origin
        lines = [
            f"{e.mono - origin:8.1f}s  {e.detail.get('type') or '':7} {e.detail.get('reason') or '':24} {e.name}: "
            f"{e.detail.get('message') or ''}"
            for e in self.timeline.events("event")
        ]
        return "\n".join(lines) or "(no events)"

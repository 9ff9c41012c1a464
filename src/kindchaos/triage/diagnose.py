"""From facts to a diagnosis: the broken parts, root causes first, each with the lines that show it and the
runbook step that fixes it.

Rules run from the deepest cause up (certificates and etcd, then machines, node agents, the control plane,
then what the API shows), and a node whose machine, runtime or kubelet is down is claimed by that finding, so
its pods and conditions are not reported again as separate faults.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from kindchaos.triage.facts import Facts, Machine, PodInfo
from kindchaos.triage.runbook import fix_for
from kindchaos.triage.sources.etcd import TLS_REFUSED

HEALTHY, DEGRADED, DOWN = "healthy", "degraded", "down"
CONTROL_PLANE = ("kube-apiserver", "kube-scheduler", "kube-controller-manager")
NODE_PARTS = (*CONTROL_PLANE, "etcd", "kube-proxy")  # the parts triage names by node, whatever pod shows them
RECENT_CRASH_S = 120  # a container killed or failed this recently is the present fault, not history
# A container stopped on purpose (SIGTERM), or found dead after its node restarted (kubelet reports 255).
GRACEFUL_EXITS = (0, 143, 255)
SIGKILL_EXIT = 137
LEASE_STALE_FACTOR = 2  # a leader lease not renewed for twice its duration has no leader
FLOOD_RATE = 100.0  # requests per second from one flow schema that no healthy cluster of ours comes near
SYSTEM_FLOW_SCHEMAS = ("exempt",)  # system:masters (triage itself, when it uses an admin kubeconfig)


@dataclass(frozen=True)
class Finding:
    part: str  # what is broken: kube-scheduler, etcd-member, node-stopped, certificate-expired, ...
    where: str  # the node or member, or "" for the cluster as a whole
    severity: str  # DOWN or DEGRADED
    summary: str
    evidence: tuple[str, ...]

    @property
    def fix(self) -> str:
        return fix_for(self.part)

    def as_dict(self) -> dict[str, object]:
        return {
            "part": self.part,
            "where": self.where,
            "severity": self.severity,
            "summary": self.summary,
            "evidence": list(self.evidence),
            "fix": self.fix,
        }


@dataclass
class Diagnosis:
    status: str
    findings: list[Finding]
    unseen: dict[str, str] = field(default_factory=dict)

    @property
    def primary(self) -> Finding | None:
        return self.findings[0] if self.findings else None


class _Rules:
    """The findings so far and what they claim."""

    def __init__(self, facts: Facts) -> None:
        self.facts = facts
        self.findings: list[Finding] = []
        self.nodes_claimed: set[str] = set()
        self.now = time.time()

    def has(self, part: str, where: str) -> bool:
        return any(f.part == part and f.where == where for f in self.findings)

    def add(self, part: str, where: str, summary: str, evidence: list[str], *, severity: str = DEGRADED) -> None:
        if not self.has(part, where):
            self.findings.append(Finding(part, where, severity, summary, tuple(e for e in evidence if e)))

    def claim(self, node: str) -> None:
        self.nodes_claimed.add(node)

    def free(self, node: str) -> bool:
        return node not in self.nodes_claimed

    @property
    def api_down(self) -> bool:
        return self.facts.api is not None and self.facts.api.status is None


def _certificates(rules: _Rules) -> None:
    for cert in rules.facts.certificates:
        if cert.expired:
            ago = rules.now - cert.not_after
            evidence = [
                f"{cert.where}: notAfter {time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime(cert.not_after))}"
                f" UTC, {ago:.0f} s ago"
            ]
            if "expired" in rules.facts.client_error:
                evidence.append(f"a verifying client is refused: {rules.facts.client_error}")
            rules.add("certificate-expired", "", f"{cert.where} has expired", evidence, severity=DOWN)


def _etcd(rules: _Rules) -> None:
    etcd = rules.facts.etcd
    if etcd is None:
        return
    for alarm in etcd.alarms:
        if alarm.startswith("NOSPACE"):
            rules.add(
                "etcd-nospace",
                "",
                "etcd raised its NOSPACE alarm: the database hit its quota and every write is refused",
                [f"alarm list: {', '.join(etcd.alarms)}"]
                + [f"{m.name}: dbSize {m.db_size} B" for m in etcd.members if m.db_size is not None],
                severity=DOWN,
            )
    unhealthy = [m for m in etcd.members if not m.healthy]
    if unhealthy and all(m.reason.startswith(TLS_REFUSED) for m in unhealthy):
        # Not a member down: no TLS connection is made at all, which an expiry explains (and names first).
        rules.add(
            "certificate-expired",
            "",
            "etcd's TLS is refused: its certificate (or the apiserver's client certificate) does not verify",
            [f"{m.name} ({m.client_url}): {m.reason}" for m in unhealthy],
            severity=DOWN,
        )
        return
    evidence = [
        f"{m.name} ({m.client_url or 'never started'}): {'healthy' if m.healthy else 'unhealthy'}"
        f"{' (leader)' if m.leader else ''}{': ' + m.reason if m.reason and not m.healthy else ''}"
        for m in etcd.members
    ]
    evidence += [f"container {name}: {state}" for name, state in sorted(etcd.containers.items()) if state != "running"]
    listed = etcd.listed
    if not etcd.members:
        return
    quorum = len(etcd.members) // 2 + 1
    healthy = len(etcd.members) - len(unhealthy)
    if healthy < quorum or (not listed and unhealthy):
        no_list = [] if listed else [f"no member answered a member list (asked from {etcd.asked_from})"]
        rules.add(
            "etcd-quorum",
            "",
            f"etcd has lost quorum: {healthy} of {len(etcd.members)} members healthy, {quorum} needed; "
            "the API can neither read nor write",
            no_list + evidence,
            severity=DOWN,
        )
        return
    for member in unhealthy:
        if not rules.free(member.name):  # its machine is down: that finding names it
            continue
        detail = [line for line in evidence if line.startswith(member.name)]
        container = etcd.containers.get(member.name)
        if container:
            detail.append(f"container {member.name}: {container}")
        rules.add(
            "etcd-member",
            member.name,
            f"etcd member {member.name} is not healthy; the others hold quorum ({healthy} of {len(etcd.members)})",
            [*detail, f"asked from {etcd.asked_from}"],
        )


def _machine_down(rules: _Rules, machine: Machine) -> None:
    node = machine.name
    if machine.state in ("exited", "dead", "created", "missing"):
        rules.add(
            "node-stopped",
            node,
            f"node {node} is powered off (container {machine.state})",
            [f"docker: {node} is {machine.state}"],
        )
        rules.claim(node)
    elif machine.state == "paused":
        rules.add(
            "node-frozen", node, f"node {node} is frozen: every process on it is paused", [f"docker: {node} is paused"]
        )
        rules.claim(node)
    elif machine.error:
        rules.add("node-unresponsive", node, f"node {node} does not answer commands", [machine.error])
        rules.claim(node)


def _agents(rules: _Rules, machine: Machine) -> None:
    node = machine.name
    for unit in ("containerd", "kubelet"):
        state = machine.units.get(unit)
        if state is not None and state != "active":
            log = machine.logs.get(unit, "")
            rules.add(
                unit,
                node,
                f"{unit} is {state} on {node}",
                [f"systemctl is-active {unit}: {state}", *(f"log: {line}" for line in log.splitlines()[-3:])],
            )
            rules.claim(node)
            return
    if machine.runtime_error:
        rules.add("containerd", node, f"containerd on {node} does not answer", [f"crictl: {machine.runtime_error}"])
        rules.claim(node)


def _part_of(process: str) -> str:
    return "etcd-member" if process == "etcd" else process


def _own_apiserver_down(machine: Machine) -> bool:
    """A control plane whose own apiserver is not in place or not answering (kubeadm points a control plane's
    kubelet at its local apiserver, so the node cannot reach "the API" then, whatever its network does). Its
    container may be gone already (kubelet removes a pod whose manifest went away), so only a control plane is
    asked."""
    endpoint = machine.health.get("kube-apiserver")
    return "kube-apiserver" not in machine.manifests or (endpoint is not None and not endpoint.ok)


def _cut_off(rules: _Rules, machine: Machine, control_plane: bool) -> bool:
    """The node cannot reach the API server that answers from elsewhere: its own network path is cut, which
    explains every component on it that cannot sync."""
    reach, api = machine.reaches_api, rules.facts.api
    if control_plane and _own_apiserver_down(machine):  # its kubelet uses its own apiserver: that finding names it
        return False
    others = [m.reaches_api for m in rules.facts.machines.values() if m is not machine and m.reaches_api]
    answers_elsewhere = (api is not None and api.status is not None) or any(r.status for r in others)
    if reach is None or reach.status is not None or not answers_elsewhere:
        return False
    rules.add(
        "node-unreachable",
        machine.name,
        f"node {machine.name} cannot reach the API server that answers elsewhere: its network path is cut",
        [f"from {machine.name}: {reach.url}/livez: {reach.detail}"],
    )
    rules.claim(machine.name)
    return True


def _components(rules: _Rules, machine: Machine, control_plane: bool) -> None:
    node = machine.name
    if _cut_off(rules, machine, control_plane):
        return
    for process in machine.stopped_processes:
        rules.add(
            _part_of(process),
            node,
            f"{process} on {node} is stopped (SIGSTOP): alive but doing nothing",
            [f"ps on {node}: {process} in state T"],
        )
    names = [*(CONTROL_PLANE if control_plane else ()), "kube-proxy"]
    if control_plane and "etcd" not in machine.manifests and "etcd" in machine.containers:
        names.append("etcd")
    for name in names:
        container = machine.containers.get(name)
        endpoint = machine.health.get(name)
        missing = control_plane and name != "kube-proxy" and name not in machine.manifests
        if not missing and (endpoint is None or endpoint.ok):
            continue
        evidence = []
        if missing:
            evidence.append(f"/etc/kubernetes/manifests/{name}.yaml is missing")
        if endpoint is not None and not endpoint.ok:
            evidence.append(f"{endpoint.url}: {endpoint.status or endpoint.detail}")
        if container is not None:
            evidence.append(
                f"newest {name} container: {container.state}, attempt {container.attempt}, "
                f"created {container.age_s:.0f} s ago"
            )
        evidence += [f"log: {line}" for line in machine.logs.get(name, "").splitlines()[-3:]]
        what = "its manifest is gone, so kubelet stopped it" if missing else "it does not answer its health endpoint"
        severity = DOWN if name == "kube-apiserver" and rules.api_down else DEGRADED
        rules.add(_part_of(name), node, f"{name} on {node} is down: {what}", evidence, severity=severity)


def _machines_down(rules: _Rules) -> None:
    for machine in rules.facts.machines.values():
        _machine_down(rules, machine)


def _machines(rules: _Rules) -> None:
    machines = rules.facts.machines
    control_planes = {n.name for n in rules.facts.nodes if n.control_plane} or {
        name for name in machines if "control-plane" in name
    }
    for machine in machines.values():
        if rules.free(machine.name):
            _agents(rules, machine)
    for machine in machines.values():
        if rules.free(machine.name):
            _components(rules, machine, machine.name in control_planes)


def _crashed(pod: PodInfo) -> bool:
    """Crash-looping; or killed (SIGKILL: the OOM killer or a person) in the last minutes; or failed in the last
    minutes and not ready again. A component that exited on purpose and serves again (a scheduler that lost its
    lease while the API was away exits 1 and restarts) is not a fault of the present."""
    recent = pod.last_exit_age_s is not None and pod.last_exit_age_s <= RECENT_CRASH_S
    killed = pod.last_exit == SIGKILL_EXIT
    failed = pod.last_exit is not None and pod.last_exit not in GRACEFUL_EXITS
    return pod.waiting == "CrashLoopBackOff" or (recent and (killed or (failed and not pod.ready)))


def _crashes(rules: _Rules) -> None:
    for pod in rules.facts.pods:
        if not rules.free(pod.node) or not _crashed(pod):
            continue
        part = _part_of(pod.component)
        how = "SIGKILL" if pod.last_exit == SIGKILL_EXIT else f"exit code {pod.last_exit}"
        when = f"{pod.last_exit_age_s:.0f} s ago" if pod.last_exit_age_s is not None else "earlier"
        rules.add(
            part,
            pod.node,
            f"{pod.component} on {pod.node} crashed ({how}, {when})",
            [
                f"pod {pod.name}: {pod.restarts} restarts, last exit {pod.last_exit} {when}"
                f"{', waiting: ' + pod.waiting if pod.waiting else ''}, ready={pod.ready}"
            ],
        )


def _apiservers(rules: _Rules) -> None:
    for node, endpoint in sorted(rules.facts.apiservers.items()):
        if not endpoint.ok and rules.free(node) and not rules.has("kube-apiserver", node):
            rules.add(
                "kube-apiserver",
                node,
                f"the apiserver on {node} does not answer",
                [f"{endpoint.url}: {endpoint.status or endpoint.detail}"],
                severity=DOWN if rules.api_down else DEGRADED,
            )
    api = rules.facts.api
    if api is not None and api.status is None and not rules.findings:
        rules.add(
            "api-unreachable",
            rules.facts.api_server,
            "the API server does not answer",
            [f"{api.url}: {api.detail}"],
            severity=DOWN,
        )


def _nodes(rules: _Rules) -> None:
    for node in rules.facts.nodes:
        if node.ready != "True" and rules.free(node.name):
            lease = f", lease renewed {node.lease_age_s:.0f} s ago" if node.lease_age_s is not None else ""
            rules.add(
                "node-not-ready",
                node.name,
                f"node {node.name} is NotReady ({node.reason})",
                [f"Ready={node.ready} ({node.reason}) for {node.since_s or 0:.0f} s{lease}"],
            )
            rules.claim(node.name)
        elif node.pressure and rules.free(node.name):
            rules.add(
                "node-not-ready",
                node.name,
                f"node {node.name} reports {', '.join(node.pressure)}",
                [f"conditions: {', '.join(node.pressure)}"],
            )
    for node in rules.facts.nodes:
        if node.unschedulable:
            rules.add(
                "node-cordoned",
                node.name,
                f"node {node.name} is cordoned: no new pods land on it",
                ["spec.unschedulable: true"],
            )


def _services(rules: _Rules) -> None:
    for deployment in rules.facts.deployments:
        if deployment.name == "coredns" and deployment.available == 0:
            rules.add(
                "coredns",
                "",
                "CoreDNS has no available replica: no name in the cluster resolves",
                [f"deployment kube-system/coredns: {deployment.desired} desired, {deployment.available} available"],
            )
    for hook in rules.facts.webhooks:
        if hook.ready_endpoints == 0:
            effect = (
                "every request it matches is rejected"
                if hook.failure_policy == "Fail"
                else "requests it matches pass unchecked (failurePolicy Ignore)"
            )
            rules.add(
                "admission-webhook",
                hook.configuration,
                f"admission webhook {hook.name} has no ready backend: {effect}",
                [
                    f"{hook.configuration}/{hook.name}: failurePolicy {hook.failure_policy}, "
                    f"service {hook.service} has 0 ready endpoints"
                ],
            )
    flow = rules.facts.flow
    if flow is not None:
        for schema, rejected in sorted(flow.rejected.items(), key=lambda kv: -kv[1]):
            rules.add(
                "api-overload",
                schema,
                f"the API is shedding load: flow schema {schema} had {rejected:.0f} requests rejected",
                [
                    f"{rejected:.0f} rejected and {flow.dispatched.get(schema, 0):.0f} dispatched in "
                    f"{flow.window_s:.1f} s (apiserver_flowcontrol_*)"
                ],
            )
        for schema in flow.dispatched:
            if schema not in SYSTEM_FLOW_SCHEMAS and flow.rate(schema) >= FLOOD_RATE:
                rules.add(
                    "api-overload",
                    schema,
                    f"the API is flooded by flow schema {schema} ({flow.rate(schema):.0f} requests/s)",
                    [f"{flow.dispatched[schema]:.0f} requests dispatched in {flow.window_s:.1f} s"],
                )


def _leftovers(rules: _Rules) -> None:
    for lease in rules.facts.leases:
        stale = lease.age_s is not None and lease.age_s > LEASE_STALE_FACTOR * lease.duration_s
        if stale and not any(f.part == lease.component for f in rules.findings):
            rules.add(
                "leader-lost",
                lease.component,
                f"no {lease.component} has renewed its leader lease",
                [f"lease kube-system/{lease.component}: holder {lease.holder}, renewed {lease.age_s:.0f} s ago"],
            )
    for pod in rules.facts.pods:
        explained = not rules.free(pod.node) or any(f.where == pod.node for f in rules.findings)
        if not pod.ready and pod.phase != "Succeeded" and not explained:
            waiting = f", waiting: {pod.waiting}" if pod.waiting else ""
            evidence = [f"phase {pod.phase}, restarts {pod.restarts}{waiting}"]
            if pod.component in NODE_PARTS:
                # A component's pod goes not ready before kubelet reports why (a crash's new last state comes
                # later): the part is still that component on its node.
                summary = f"{pod.component} on {pod.node} is not ready (pod {pod.name})"
                rules.add(_part_of(pod.component), pod.node, summary, evidence)
            else:
                rules.add("kube-system-pod", pod.name, f"kube-system pod {pod.name} is not ready", evidence)


RULES = (_certificates, _machines_down, _etcd, _machines, _crashes, _apiservers, _nodes, _services, _leftovers)


def diagnose(facts: Facts) -> Diagnosis:
    rules = _Rules(facts)
    for rule in RULES:
        rule(rules)
    ordered = sorted(rules.findings, key=lambda f: 0 if f.severity == DOWN else 1)
    down = any(f.severity == DOWN for f in ordered) or rules.api_down
    status = DOWN if down else DEGRADED if ordered else HEALTHY
    return Diagnosis(status, ordered, dict(facts.unseen))

"""Triage's output: for a person first (diagnosis, then what was looked at), and as JSON for machines."""

from __future__ import annotations

import json
import time
from dataclasses import asdict
from typing import Any

from kindchaos.redact import redact
from kindchaos.triage.diagnose import DEGRADED, DOWN, HEALTHY
from kindchaos.triage.facts import Endpoint, Facts
from kindchaos.triage.run import Triage

EXIT_CODES = {HEALTHY: 0, DEGRADED: 3, DOWN: 4}


def _endpoint(endpoint: Endpoint | None) -> str:
    if endpoint is None:
        return "not asked"
    if endpoint.ok:
        return f"{endpoint.status}"
    if endpoint.status is None:
        return endpoint.detail if endpoint.detail.startswith("no answer") else f"no answer: {endpoint.detail}"
    return f"{endpoint.status} {endpoint.detail}".strip()


def _looked_at(facts: Facts) -> list[str]:
    lines = [f"  API {facts.api_server}: /livez {_endpoint(facts.api)}; /readyz {_endpoint(facts.readyz)}"]
    for node, endpoint in sorted(facts.apiservers.items()):
        lines.append(f"  apiserver {node}: /livez {_endpoint(endpoint)}")
    for cert in facts.certificates:
        left = cert.not_after - cert.now
        validity = f"EXPIRED {-left:.0f} s ago" if left <= 0 else f"{left / 86400:.0f} days left"
        lines.append(f"  {cert.where}: {validity}")
    for info in facts.nodes:
        lease = f", lease {info.lease_age_s:.0f} s old" if info.lease_age_s is not None else ""
        extra = (" cordoned" if info.unschedulable else "") + (f" {','.join(info.pressure)}" if info.pressure else "")
        lines.append(f"  node {info.name}: Ready={info.ready}{lease}{extra}")
    for status in facts.component_statuses:
        lines.append(f"  componentstatus (deprecated) {status}")
    if facts.pods:
        unready = [p.name for p in facts.pods if not p.ready and p.phase != "Succeeded"]
        restarted = [f"{p.name} ({p.restarts})" for p in facts.pods if p.restarts]
        lines.append(f"  kube-system pods: {len(facts.pods)}, not ready: {', '.join(unready) or 'none'}")
        if restarted:
            lines.append(f"  restarts: {', '.join(restarted)}")
    for leader in facts.leases:
        age = f"{leader.age_s:.0f} s ago" if leader.age_s is not None else "never"
        lines.append(f"  leader {leader.component}: {leader.holder or '(none)'}, renewed {age}")
    if facts.etcd is not None:
        etcd = facts.etcd
        for member in etcd.members:
            state = "healthy" if member.healthy else f"UNHEALTHY {member.reason}".strip()
            role = " leader" if member.leader else ""
            size = f" db {member.db_size / 1e6:.1f} MB" if member.db_size is not None else ""
            lines.append(f"  etcd {member.name} {member.client_url}: {state}{role}{size}")
        lines.append(f"  etcd alarms: {', '.join(etcd.alarms) or 'none'} (asked from {etcd.asked_from})")
        for name, state in sorted(etcd.containers.items()):
            lines.append(f"  etcd container {name}: {state}")
    for name, machine in sorted(facts.machines.items()):
        units = ", ".join(f"{u} {s}" for u, s in sorted(machine.units.items()))
        bad = [f"{n} {e.status or 'no answer'}" for n, e in sorted(machine.health.items()) if not e.ok]
        stopped = f"; stopped: {', '.join(machine.stopped_processes)}" if machine.stopped_processes else ""
        reach = f"; API {_endpoint(machine.reaches_api)}" if machine.reaches_api else ""
        detail = f"{units}; failing health: {', '.join(bad) or 'none'}{stopped}{reach}" if machine.units else ""
        lines.append(f"  machine {name}: {machine.state}{'; ' + detail if detail else ''}")
    if facts.flow is not None:
        busiest = sorted(facts.flow.dispatched.items(), key=lambda kv: -kv[1])[:3]
        shown = ", ".join(f"{k} {v / facts.flow.window_s:.0f}/s" for k, v in busiest if facts.flow.window_s)
        rejected = ", ".join(f"{k} {v:.0f}" for k, v in facts.flow.rejected.items()) or "none"
        lines.append(f"  flow control over {facts.flow.window_s:.1f} s: busiest {shown or 'none'}; rejected {rejected}")
    for event in facts.events:
        lines.append(f"  event {event}")
    return lines


def human(result: Triage) -> str:
    diagnosis, facts = result.diagnosis, result.facts
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(result.started))
    out = [
        f"triage of {result.target.name} ({facts.api_server}) at {stamp} UTC, {result.seconds:.1f} s: "
        f"{diagnosis.status.upper()}"
    ]
    if not diagnosis.findings:
        out.append("nothing broken found")
    for number, finding in enumerate(diagnosis.findings, start=1):
        out.append(
            f"{number}. [{finding.severity}] {finding.part}{' @ ' + finding.where if finding.where else ''}: "
            f"{finding.summary}"
        )
        out += [f"     seen: {line}" for line in finding.evidence]
        out.append(f"     fix: {finding.fix}")
    out.append("looked at:")
    out += _looked_at(facts)
    if diagnosis.unseen:
        out.append("could not see:")
        out += [f"  {source}: {why}" for source, why in sorted(diagnosis.unseen.items())]
    slowest = sorted(facts.seconds.items(), key=lambda kv: -kv[1])[:3]
    out.append("slowest sources: " + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in slowest))
    return redact("\n".join(out)) + "\n"


def as_data(result: Triage) -> dict[str, Any]:
    return {
        "cluster": result.target.name,
        "server": result.facts.api_server,
        "started": result.started,
        "seconds": result.seconds,
        "status": result.diagnosis.status,
        "findings": [finding.as_dict() for finding in result.diagnosis.findings],
        "unseen": result.diagnosis.unseen,
        "facts": asdict(result.facts),
    }


def _redacted(value: Any) -> Any:
    """Every string redacted on its own, so a match can never eat JSON syntax."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, list | tuple):
        return [_redacted(item) for item in value]
    if isinstance(value, dict):
        return {key: _redacted(item) for key, item in value.items()}
    return value


def as_json(result: Triage) -> str:
    return json.dumps(_redacted(as_data(result)), indent=1, default=str) + "\n"

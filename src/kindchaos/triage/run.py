"""One triage run: every source at once, each under the run's time limit, then the diagnosis.

A source that fails or runs out of time leaves its part of the facts empty and says why in ``unseen``; the
run returns by its deadline whatever a dead apiserver or etcd does (threads still waiting on a bounded call
are left to finish on their own).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ALL_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from functools import partial

from kindchaos.triage.diagnose import Diagnosis, diagnose
from kindchaos.triage.facts import Facts
from kindchaos.triage.session import Session, short_error
from kindchaos.triage.sources import api_health, etcd, flow, machines, objects
from kindchaos.triage.target import Target

DEADLINE_S = 30.0  # the whole run; every call inside has a shorter limit of its own

Source = Callable[[Session, Facts], None]
API_SOURCES: dict[str, Source] = {
    "api": api_health.through_server,
    "apiservers and certificates": api_health.each_apiserver,
    "nodes": objects.nodes,
    "kube-system pods": objects.pods,
    "leader leases": objects.leader_leases,
    "warning events": objects.events,
    "componentstatuses": objects.component_statuses,
    "admission webhooks": objects.webhooks,
}


@dataclass
class Triage:
    """What one run saw, what it concluded, and how long it took."""

    target: Target
    facts: Facts
    diagnosis: Diagnosis
    seconds: float
    started: float = field(default_factory=time.time)


def _timed(name: str, call: Callable[[], None], facts: Facts) -> None:
    began = time.monotonic()
    try:
        call()
    except Exception as exc:  # what could not be seen is reported, never raised
        facts.unseen[name] = short_error(exc)
    finally:
        facts.seconds[name] = round(time.monotonic() - began, 3)


def _machine_source(target: Target, node: str, facts: Facts) -> Callable[[], None]:
    def look() -> None:
        facts.machines[node] = machines.look(node, control_plane=target.machines[node] == "control-plane")

    return look


def triage(target: Target, *, deadline_s: float = DEADLINE_S) -> Triage:
    """Gather everything in parallel, each source bounded, then diagnose."""
    began = time.monotonic()
    started = time.time()
    facts = Facts()
    session = Session(target)
    first = flow.sample(session)
    calls: dict[str, Callable[[], None]] = {
        name: partial(source, session, facts) for name, source in API_SOURCES.items()
    }
    if target.machines:
        for node in sorted(target.machines):
            calls[f"node {node}"] = _machine_source(target, node, facts)
        calls["etcd"] = lambda: setattr(facts, "etcd", etcd.look(target.control_planes, target.etcd_containers))
    else:
        facts.unseen["nodes' machines"] = target.no_machines
        facts.unseen["etcd"] = "needs a control-plane node's files (" + target.no_machines + ")"
    pool = ThreadPoolExecutor(max_workers=len(calls), thread_name_prefix="triage")
    futures: dict[Future[None], str] = {pool.submit(_timed, name, call, facts): name for name, call in calls.items()}
    left = deadline_s - (time.monotonic() - began)
    _, pending = wait(futures, timeout=max(left, 1.0), return_when=ALL_COMPLETED)
    for future in pending:
        facts.unseen[futures[future]] = f"no answer within the run's {deadline_s:.0f} s"
    pool.shutdown(wait=False, cancel_futures=True)
    if first is not None:
        second = flow.sample(session)
        if second is not None:
            facts.flow = flow.window(first, second)
    elif "api" not in facts.unseen:
        facts.unseen["flow control"] = "/metrics did not answer"
    session.close()
    diagnosis = diagnose(facts)
    return Triage(target, facts, diagnosis, round(time.monotonic() - began, 3), started)

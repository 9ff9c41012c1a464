"""What the cluster did about a node it lost, read from the timeline.

Kubernetes answers a silent node in a fixed chain: the node's lease stops being
renewed, after the node-monitor grace period the node is marked NotReady or
Unknown and tainted NoExecute, after each pod's ``tolerationSeconds`` the pod
is marked for deletion, and its controller starts a replacement elsewhere.
These pure functions find each link, so the scenario can compare the measured
delays with the configured ones and a reader can recompute them from the
attached timeline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise

from kindchaos.observe.timeline import Timeline, TimelineEvent

NODE_LEASE_NAMESPACE = "kube-node-lease"
NO_EXECUTE_TAINTS = ("node.kubernetes.io/unreachable:NoExecute", "node.kubernetes.io/not-ready:NoExecute")


def _node_events(timeline: Timeline, node: str, after: float) -> list[TimelineEvent]:
    return [e for e in timeline.events("node") if e.name == node and e.mono >= after and e.type != "DELETED"]


def not_ready_at(timeline: Timeline, node: str, after: float) -> TimelineEvent | None:
    """The first record at or after ``after`` of ``node`` with Ready other than True."""
    return next((e for e in _node_events(timeline, node, after) if e.detail.get("ready") != "True"), None)


def ready_at(timeline: Timeline, node: str, after: float) -> float | None:
    """The first time at or after ``after`` that ``node`` was recorded Ready."""
    return next((e.mono for e in _node_events(timeline, node, after) if e.detail.get("ready") == "True"), None)


def no_execute_taint_at(timeline: Timeline, node: str, after: float) -> TimelineEvent | None:
    """The first record of ``node`` carrying a NoExecute taint for not-ready or unreachable."""
    return next(
        (e for e in _node_events(timeline, node, after) if set(e.detail.get("taints", [])) & set(NO_EXECUTE_TAINTS)),
        None,
    )


def last_heartbeat_before(timeline: Timeline, node: str, before: float) -> float | None:
    """Wall time (epoch seconds) of the node lease's ``renewTime`` as last recorded before ``before``.

    The lease's own timestamp, not when the watch saw it: the recorder lists the lease when it starts,
    and a renewal made before that would otherwise look as recent as the start.
    """
    lease = f"{NODE_LEASE_NAMESPACE}/{node}"
    found: float | None = None
    for event in timeline.events("lease"):
        if event.mono >= before:
            break
        renew = event.detail.get("renew")
        if event.name == lease and event.type != "DELETED" and renew:
            found = datetime.fromisoformat(str(renew)).timestamp()
    return found


@dataclass(frozen=True)
class PodFate:
    """One pod that ran on the lost node, and what happened to it."""

    name: str
    uid: str
    marked_for_deletion: float | None  # first record with deletionTimestamp
    gone: float | None  # DELETED from the API


def pods_on_node(timeline: Timeline, node: str, namespace: str, before: float) -> dict[str, str]:
    """Pods (name -> uid) of ``namespace`` last recorded on ``node`` and not deleting, before ``before``."""
    found: dict[str, str] = {}
    for event in timeline.events("pod"):
        if event.mono >= before:
            break
        if not event.name.startswith(f"{namespace}/"):
            continue
        on_node = event.detail.get("node") == node and not event.detail.get("deleting")
        if event.type == "DELETED" or not on_node:
            found.pop(event.name, None)
        else:
            found[event.name] = str(event.detail.get("uid"))
    return found


def fates(timeline: Timeline, pods: dict[str, str], after: float) -> list[PodFate]:
    """When each pod (name -> uid) was marked for deletion and removed, at or after ``after``."""
    result = []
    for name, uid in sorted(pods.items()):
        mine = [e for e in timeline.events("pod") if e.name == name and e.detail.get("uid") == uid and e.mono >= after]
        marked = next((e.mono for e in mine if e.detail.get("deleting") or e.type == "DELETED"), None)
        gone = next((e.mono for e in mine if e.type == "DELETED"), None)
        result.append(PodFate(name, uid, marked, gone))
    return result


def replacement_running_at(
    timeline: Timeline, namespace: str, prefix: str, *, avoid_node: str, old_uids: set[str], after: float
) -> TimelineEvent | None:
    """The first new pod (a uid not in ``old_uids``) named ``namespace/prefix...`` Ready on another node."""
    return next(
        (
            e
            for e in timeline.events("pod")
            if e.mono >= after
            and e.name.startswith(f"{namespace}/{prefix}")
            and e.detail.get("uid") not in old_uids
            and e.detail.get("node") not in (None, avoid_node)
            and e.detail.get("ready")
            and not e.detail.get("deleting")
        ),
        None,
    )


def available_counts(timeline: Timeline, namespace: str, prefix: str, after: float = 0.0) -> list[tuple[float, int]]:
    """After each pod record, how many ``namespace/prefix...`` pods were Ready and not being deleted.

    This is what a PodDisruptionBudget counts as healthy; replaying every record gives the lowest
    value the workload reached, not just the values seen by polling.
    """
    state: dict[str, bool] = {}
    series: list[tuple[float, int]] = []
    for event in timeline.events("pod"):
        if not event.name.startswith(f"{namespace}/{prefix}"):
            continue
        key = f"{event.name}/{event.detail.get('uid')}"
        if event.type == "DELETED":
            state.pop(key, None)
        else:
            state[key] = bool(event.detail.get("ready")) and not event.detail.get("deleting")
        if event.mono >= after:
            series.append((event.mono, sum(state.values())))
    return series


def available_at_evictions(
    timeline: Timeline, namespace: str, prefix: str, after: float = 0.0
) -> list[tuple[str, int]]:
    """For each ``namespace/prefix...`` pod marked for deletion after ``after``: how many such pods were Ready and
    not being deleted just before. A drain honoured a PDB of minAvailable N when every count is above N."""
    available: dict[str, bool] = {}
    deleting: dict[str, bool] = {}
    found: list[tuple[str, int]] = []
    for event in timeline.events("pod"):
        if not event.name.startswith(f"{namespace}/{prefix}"):
            continue
        key = f"{event.name}/{event.detail.get('uid')}"
        if event.type == "DELETED":
            available.pop(key, None)
            deleting.pop(key, None)
            continue
        now_deleting = bool(event.detail.get("deleting"))
        if now_deleting and not deleting.get(key, False) and event.mono >= after:
            found.append((event.name, sum(available.values())))
        deleting[key] = now_deleting
        available[key] = bool(event.detail.get("ready")) and not now_deleting
    return found


def not_ready_windows(timeline: Timeline, after: float = 0.0) -> list[tuple[str, float, float | None]]:
    """(node, from, until) for each time after ``after`` the API reported a node not Ready (until None: still)."""
    since: dict[str, float] = {}
    found: list[tuple[str, float, float | None]] = []
    for event in timeline.events("node"):
        ready = event.detail.get("ready") == "True"
        if not ready and event.name not in since and event.mono >= after:
            since[event.name] = event.mono
        elif ready and event.name in since:
            found.append((event.name, since.pop(event.name), event.mono))
    found += [(node, start, None) for node, start in since.items()]
    return found


def identities_running(timeline: Timeline, namespace: str, name: str, after: float = 0.0) -> int:
    """The most pods (distinct uids) named ``namespace/name`` present at once at or after ``after``.

    A StatefulSet promises at most one pod per identity; 2 here means it was broken.
    """
    present: set[str] = set()
    most = 0
    for event in timeline.events("pod"):
        if event.name != f"{namespace}/{name}":
            continue
        uid = str(event.detail.get("uid"))
        if event.type == "DELETED":
            present.discard(uid)
        else:
            present.add(uid)
        if event.mono >= after:
            most = max(most, len(present))
    return most


def heartbeat_gap(timeline: Timeline, node: str, start: float, end: float) -> float | None:
    """The longest wait between renewals of the node's lease from the last renewal before ``start`` to ``end``
    (wall times, epoch seconds), the wait after the last renewal up to ``end`` included; ``None`` without any
    renewal. Read from the lease's own ``renewTime``, so a slow watch does not lengthen it.
    """
    lease = f"{NODE_LEASE_NAMESPACE}/{node}"
    renewals = sorted(
        {
            datetime.fromisoformat(str(e.detail["renew"])).timestamp()
            for e in timeline.events("lease")
            if e.name == lease and e.type != "DELETED" and e.detail.get("renew")
        }
    )
    renewals = [r for r in renewals if r <= end]
    if not renewals:
        return None
    before = [r for r in renewals if r <= start]
    window = [before[-1], *(r for r in renewals if r > start)] if before else renewals
    return max([b - a for a, b in pairwise(window)] + [end - window[-1]])

"""Stacked etcd members lost for good (kubeadm's static pods on ``ha``): not stopped, but their data gone.

The member is stopped the kubeadm way (its manifest parked) and its data directory's ``member`` tree deleted, so
it cannot come back as it was: starting it again would meet a raft log it no longer has. The restore is the
operator's runbook (``cluster.etcd_runbook``): one member replaced with ``member remove``/``member add``, or,
with quorum gone, every member restored from one snapshot under a new cluster token. Each step it ran is kept
in ``steps`` for the report.
"""

from __future__ import annotations

import time

from kindchaos.cluster import etcd_runbook as runbook
from kindchaos.cluster.etcd import endpoint_health, has_quorum
from kindchaos.cluster.etcd_tools import data_dir, read_manifest
from kindchaos.cluster.lifecycle import Cluster
from kindchaos.cluster.nodes import crictl_container, output
from kindchaos.cluster.runbook_step import Step
from kindchaos.errors import UsageError
from kindchaos.expect.conditions import eventually
from kindchaos.faults.base import Fault
from kindchaos.faults.expected import Expected, expect
from kindchaos.observe.timeline import Timeline

UNHEALTHY_WITHIN_S = 30  # a fixed wait: the others find a stopped member unreachable within seconds


def _one_line(text: str) -> str:
    return " ".join(text.split())[-200:]


def _check_ha(cluster: Cluster, nodes: list[str], *, at_most: int) -> None:
    if cluster.etcd is not None or len(cluster.control_planes) < 3:
        raise UsageError(
            f"cluster {cluster.name!r} has no stacked etcd of three members", hint="run it on an `ha` cluster"
        )
    strangers = [n for n in nodes if n not in cluster.control_planes]
    if strangers or not nodes or len(set(nodes)) > at_most:
        raise UsageError(
            f"cannot lose the etcd members of {nodes!r}",
            hint=f"name 1 to {at_most} control planes of {cluster.name!r}: {', '.join(cluster.control_planes)}",
        )


class StackedMemberDataLost(Fault):
    """Members' etcd stopped and their data directories emptied; the base of both runbooks' faults."""

    def __init__(self, cluster: Cluster, nodes: list[str], *, at_most: int, timeline: Timeline | None) -> None:
        super().__init__(timeline=timeline)
        _check_ha(cluster, nodes, at_most=at_most)
        self.cluster, self.nodes = cluster, list(nodes)
        self.survivor = next(n for n in cluster.control_planes if n not in nodes)
        self.steps: list[Step] = []
        self.data: dict[str, str] = {}
        self.old_ids: dict[str, int] = {}

    def triage_expects(self) -> Expected:
        return expect("etcd-quorum") if len(self.nodes) > 1 else expect("etcd-member", self.nodes[0])

    def inject(self) -> None:
        for node in self.nodes:
            self.data[node] = data_dir(read_manifest(node, runbook.etcd_manifest_path(node)))
            found = runbook.listed_at(self.survivor, runbook.peer_url(node))
            assert found is not None, f"{node} is not listed by {self.survivor}'s etcd"
            self.old_ids[node] = found
        for node in self.nodes:
            runbook.park(node, "etcd.yaml", "etcd")
            output(node, "rm", "-rf", f"{self.data[node]}/member")

    def _prove_gone(self) -> None:
        for node in self.nodes:
            assert not crictl_container(node, "etcd"), f"etcd still runs on {node}"
            assert not runbook.data_dir_has_member(node, self.data[node]), f"{self.data[node]}/member is on {node}"
            gone = f"{self.data[node]}/member deleted (member {self.old_ids[node]:x})"
            self.observed(f"{node}: no etcd container; {gone}")

    def _data_lost(self) -> bool:
        return any(not runbook.data_dir_has_member(node, self.data.get(node, "/var/lib/etcd")) for node in self.nodes)


class StackedMemberLost(StackedMemberDataLost):
    """One member's data gone for good; the other two keep quorum. Restored by replacing the member."""

    def __init__(self, cluster: Cluster, node: str, *, timeline: Timeline | None = None) -> None:
        super().__init__(cluster, [node], at_most=1, timeline=timeline)
        self.node = node
        self.new_id = 0

    @property
    def title(self) -> str:
        return f"etcd member of {self.node!r} lost for good (data deleted)"

    @property
    def old_id(self) -> int:
        return self.old_ids.get(self.node, 0)

    def prove(self) -> None:
        self._prove_gone()
        url = runbook.peer_url(self.node)

        sick: list[str] = []

        def one_unhealthy() -> None:
            health = endpoint_health(self.survivor)
            sick[:] = [endpoint for endpoint, (ok, _) in health.items() if not ok]
            assert len(health) == 3 and len(sick) == 1, f"endpoint health from {self.survivor}: {health}"

        eventually(one_unhealthy, within=UNHEALTHY_WITHIN_S, expected="one of three members unhealthy")
        quorum = has_quorum(self.survivor)
        assert quorum.code == 0, f"quorum lost with one member down: {_one_line(quorum.output)}"
        self.observed(f"etcdctl endpoint health --cluster on {self.survivor}: {sick} unhealthy; quorum held")
        self.observed(f"{self.node}'s peer URL {url} still listed as member {self.old_id:x}")

    def restore(self) -> None:
        if not self.data or not self._data_lost():
            runbook.unpark(self.node, "etcd.yaml", "etcd")  # nothing deleted: only the stop to undo
            runbook.wait_healthy(self.survivor, len(self.cluster.control_planes))
            return
        self._mark("replace")
        self.steps = runbook.replace_member(self.node, self.survivor, len(self.cluster.control_planes))
        self._mark("replaced")
        started = time.monotonic() - (time.time() - runbook.started_at(self.node, "etcd"))
        self._mark("returned", at=started, container="etcd")
        unparked = next(s for s in self.steps if s.title.startswith("start etcd"))
        after = sum(s.seconds for s in self.steps[self.steps.index(unparked) + 1 :])
        self.figures["etcd_started_after_manifest_s"] = started - (time.monotonic() - after)

    def prove_restored(self) -> None:
        health = endpoint_health(self.survivor)
        assert len(health) == 3 and all(ok for ok, _ in health.values()), f"endpoint health: {health}"
        found = runbook.listed_at(self.survivor, runbook.peer_url(self.node))
        assert found is not None, f"{self.node} is not listed again"
        self.new_id = found
        if self.steps:
            assert found != self.old_id, f"{self.node} still has its old member ID {found:x}"
        self.observed(f"{self.node}: member ID {self.old_id:x} -> {found:x}; three members healthy")


class StackedQuorumLost(StackedMemberDataLost):
    """Two members' data gone for good: quorum is lost and cannot come back from the survivor alone. Restored by
    etcd's disaster recovery from ``snapshot`` (a file on the survivor) under the cluster token ``token``."""

    def __init__(
        self,
        cluster: Cluster,
        nodes: list[str],
        *,
        snapshot: str,
        token: str,
        target: str,
        timeline: Timeline | None = None,
    ) -> None:
        super().__init__(cluster, nodes, at_most=2, timeline=timeline)
        if len(nodes) != 2:
            raise UsageError(f"quorum of three is lost with two members, not {len(nodes)}", hint="name two nodes")
        self.snapshot, self.token, self.target = snapshot, token, target

    @property
    def title(self) -> str:
        return f"etcd members of {' and '.join(repr(n) for n in self.nodes)} lost for good (quorum gone)"

    def prove(self) -> None:
        self._prove_gone()

        def no_quorum() -> None:
            ran = has_quorum(self.survivor)
            assert ran.code != 0, f"{self.survivor}'s member still answers a linearizable read"

        eventually(no_quorum, within=UNHEALTHY_WITHIN_S, expected=f"{self.survivor}'s member without quorum")
        self.observed(f"etcdctl endpoint health on {self.survivor}: {_one_line(has_quorum(self.survivor).output)}")

    def restore(self) -> None:
        if not self.data or not self._data_lost():
            for node in self.nodes:
                runbook.unpark(node, "etcd.yaml", "etcd")
            return
        self._mark("recover")
        self.steps = runbook.restore_all(
            self.cluster.control_planes,
            source=self.survivor,
            snapshot=self.snapshot,
            target=self.target,
            token=self.token,
        )
        self._mark("recovered")

    def prove_restored(self) -> None:
        health = endpoint_health(self.survivor)
        assert len(health) == 3 and all(ok for ok, _ in health.values()), f"endpoint health: {health}"
        for node in self.cluster.control_planes:

            def apiserver_running(node: str = node) -> None:
                assert crictl_container(node, runbook.APISERVER), f"no running kube-apiserver on {node}"

            eventually(apiserver_running, within=runbook.HEALTHY_WITHIN_S, expected=f"kube-apiserver on {node}")
        self.observed(f"three members healthy from {self.target}; every kube-apiserver running")

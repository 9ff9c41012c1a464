"""Faults of an external etcd member (``ha-external``): its container stopped or frozen, or the control planes
cut from it.

The members are containers on the host, not static pods, so these act through Docker and prove themselves
with the operator's own etcdctl from the host (``--endpoints``, ``--cacert``, ``--cert``, ``--key``): a stopped
member refuses connections, a frozen one times out. The cut from the control planes is an iptables chain on
each control-plane node that drops etcd's client port for the member's address only; it is proven from the
nodes (the apiserver's own client certificate gets no answer from the member, the chain drops packets) while
the host still finds the member healthy, so what the fault removes is the path, not the member.
"""

from __future__ import annotations

import time

from kindchaos import shell
from kindchaos.cluster.external_etcd import etcdctl as host_etcdctl
from kindchaos.cluster.external_etcd import members, runbook
from kindchaos.cluster.external_etcd.layout import CLIENT_PORT, NODE_PKI, EtcdLayout, EtcdMember
from kindchaos.cluster.leftovers import ETCD_CLIENT_CUT_CHAIN
from kindchaos.cluster.lifecycle import Cluster
from kindchaos.cluster.nodes import Ran, run
from kindchaos.cluster.partition import between, chain_exists, heal, partition
from kindchaos.cluster.runbook_step import Step
from kindchaos.errors import UsageError
from kindchaos.expect.conditions import eventually
from kindchaos.faults.base import Fault
from kindchaos.faults.expected import Expected, expect
from kindchaos.faults.network import CURL_TIMEOUT, dropped_packets
from kindchaos.observe.timeline import Timeline

STOP_GRACE_S = 10  # docker stop's SIGTERM grace: etcd stops gracefully (a leader hands over first)
GONE_WITHIN_S = 30  # a fixed wait: the container's state is Docker's answer, the endpoint's refusal follows it
HEALTHY_WITHIN_S = 60  # a fixed wait: a returning member answers a quorum read once it has caught up
DROPS_WITHIN_S = 30  # a fixed wait: the apiservers send to every member within seconds


def _one_line(text: str, limit: int = 200) -> str:
    return " ".join(text.split())[-limit:]


PROOF_TIMEOUTS = ("--dial-timeout=1s", "--command-timeout=2s")  # a live member answers in milliseconds


def endpoint_answer(layout: EtcdLayout, member: EtcdMember) -> Ran:
    """``endpoint status`` of one member from the host (exit 0: it answered)."""
    return host_etcdctl.etcdctl(
        layout, "endpoint", "status", endpoints=[member.client_url], timeout=20, timeouts=PROOF_TIMEOUTS
    )


def check_member_healthy(layout: EtcdLayout, member: EtcdMember) -> None:
    """The member answers a quorum read from the host (an assertion, for ``eventually``)."""
    health = host_etcdctl.endpoint_health(layout, endpoints=[member.client_url])
    healthy, error = health.get(member.client_url, (False, "not listed"))
    assert healthy, f"{member.name} unhealthy: {error}"


class ExternalMemberFault(Fault):
    """A fault on one member of the cluster's external etcd; restoring ends with the member healthy."""

    def __init__(self, cluster: Cluster, member: str, *, timeline: Timeline | None = None) -> None:
        super().__init__(timeline=timeline)
        if cluster.etcd is None:
            raise UsageError(
                f"cluster {cluster.name!r} has no external etcd", hint="run the scenario on an `ha-external` cluster"
            )
        try:
            self.member = cluster.etcd.member(member)
        except KeyError as exc:
            raise UsageError(str(exc.args[0]), hint=f"use one of {cluster.etcd.names}") from None
        self.cluster = cluster
        self.layout = cluster.etcd

    def triage_expects(self) -> Expected:
        return expect("etcd-member", self.member.name)

    def _state(self) -> dict[str, object]:
        found = members.state(self.member.name)
        assert found is not None, f"container {self.member.name} is gone"
        return found

    def _prove_healthy_again(self) -> None:
        waited = eventually(
            lambda: check_member_healthy(self.layout, self.member),
            within=HEALTHY_WITHIN_S,
            interval=0.5,
            expected=f"{self.member.name} healthy over TLS from the host",
        )
        self.observed(f"etcdctl endpoint health: {self.member.client_url} healthy ({waited.seconds:.1f} s)")


class ExternalMemberStopped(ExternalMemberFault):
    """The member's container stopped (etcd gets SIGTERM and stops gracefully) and started again with its data."""

    @property
    def title(self) -> str:
        return f"external etcd member {self.member.name!r} stopped"

    def inject(self) -> None:
        started = time.monotonic()
        shell.run(["docker", "stop", "--time", str(STOP_GRACE_S), self.member.name], timeout=STOP_GRACE_S + 30)
        self.figures["docker_stop_s"] = time.monotonic() - started

    def prove(self) -> None:
        state = self._state()
        assert not state.get("Running"), f"{self.member.name} still running ({state.get('Status')})"

        def refused() -> None:
            ran = endpoint_answer(self.layout, self.member)
            assert ran.code != 0, f"{self.member.client_url} still answers endpoint status"

        eventually(refused, within=GONE_WITHIN_S, interval=0.5, expected=f"{self.member.client_url} not answering")
        self.observed(f"docker: {self.member.name} {state.get('Status')} (exit code {state.get('ExitCode')})")
        ran = endpoint_answer(self.layout, self.member)
        self.observed(
            f"etcdctl endpoint status --endpoints={self.member.client_url}: exit {ran.code}, {_one_line(ran.output)}"
        )

    def restore(self) -> None:
        found = members.state(self.member.name)
        if found is not None and not found.get("Running"):
            shell.run(["docker", "start", self.member.name], timeout=60)
            self._mark("returned")

    def prove_restored(self) -> None:
        state = self._state()
        assert state.get("Running"), f"{self.member.name} not running ({state.get('Status')})"
        self._prove_healthy_again()


class ExternalMemberFrozen(ExternalMemberFault):
    """Every process of the member's container paused (``docker pause``): alive to Docker, silent to its peers."""

    @property
    def title(self) -> str:
        return f"external etcd member {self.member.name!r} frozen"

    def inject(self) -> None:
        shell.run(["docker", "pause", self.member.name])

    def prove(self) -> None:
        state = self._state()
        assert state.get("Paused"), f"{self.member.name} not paused ({state.get('Status')})"
        ran = endpoint_answer(self.layout, self.member)
        assert ran.code != 0, f"a frozen {self.member.name} answered endpoint status"
        self.observed(f"docker: {self.member.name} paused")
        self.observed(
            f"etcdctl endpoint status --endpoints={self.member.client_url}: exit {ran.code}, {_one_line(ran.output)}"
        )

    def restore(self) -> None:
        found = members.state(self.member.name)
        if found is not None and found.get("Paused"):
            shell.run(["docker", "unpause", self.member.name])
            self._mark("returned")

    def prove_restored(self) -> None:
        state = self._state()
        assert state.get("Running") and not state.get("Paused"), f"{self.member.name}: {state.get('Status')}"
        self._prove_healthy_again()


class ExternalMemberLost(ExternalMemberFault):
    """The member's machine gone for good: its container removed and its data directory deleted. Only the
    replacement runbook undoes it (``member remove``, a new member of the same name and address ``member add``-ed
    and started with an empty data directory), so that is the restore; its steps are kept for the report."""

    def __init__(self, cluster: Cluster, member: str, *, timeline: Timeline | None = None) -> None:
        super().__init__(cluster, member, timeline=timeline)
        self.old_id = 0
        self.new_id = 0
        self.steps: list[Step] = []

    @property
    def title(self) -> str:
        return f"external etcd member {self.member.name!r} lost for good"

    def inject(self) -> None:
        self.old_id = runbook.member_id(self.layout, self.member.name)
        runbook.destroy_machine(self.layout, self.member)

    def prove(self) -> None:
        assert members.state(self.member.name) is None, f"container {self.member.name} still exists"
        data = self.layout.data_dir(self.member)
        assert not data.exists(), f"{data} still exists"
        ran = endpoint_answer(self.layout, self.member)
        assert ran.code != 0, f"{self.member.client_url} still answers endpoint status"
        self.observed(f"docker: no container {self.member.name}; {data} deleted (member ID {self.old_id:x})")
        self.observed(
            f"etcdctl endpoint status --endpoints={self.member.client_url}: exit {ran.code}, {_one_line(ran.output)}"
        )

    def restore(self) -> None:
        found = members.state(self.member.name)
        if found is not None and found.get("Running"):
            return
        if found is not None:  # a stopped leftover of a replacement that did not finish
            members.remove_member(self.member.name)
        self._mark("replace")
        self.steps = runbook.replace_member(self.layout, self.member)
        self._mark("replaced")

    def prove_restored(self) -> None:
        self._prove_healthy_again()
        self.new_id = runbook.member_id(self.layout, self.member.name)
        listed = host_etcdctl.member_list(self.layout)
        assert len(listed) == len(self.layout.members), f"etcdctl member list: {[m.name for m in listed]}"
        assert self.new_id != self.old_id, f"{self.member.name} still has its old member ID {self.old_id:x}"
        self.observed(
            f"{self.member.name} replaced: member ID {self.old_id:x} -> {self.new_id:x}, {len(listed)} members listed"
        )


def health_from_node(node: str, member: EtcdMember, *, seconds: int = 3) -> Ran:
    """etcd's ``/health`` asked from a control-plane node with the apiserver's own client certificate."""
    return run(
        node,
        *("curl", "-s", "-m", str(seconds), "--cacert", f"{NODE_PKI}/ca.crt"),
        *("--cert", f"{NODE_PKI}/apiserver-etcd-client.crt", "--key", f"{NODE_PKI}/apiserver-etcd-client.key"),
        f"https://{member.address}:{CLIENT_PORT}/health",
        timeout=seconds + 10,
    )


class EtcdMemberCutFromControlPlanes(ExternalMemberFault):
    """Every control plane's path to one member's client port dropped; the member itself keeps running in
    quorum with its peers, so what is lost is the apiservers' path to it, not a member."""

    @property
    def title(self) -> str:
        return f"control planes cut from external etcd member {self.member.name!r}"

    def inject(self) -> None:
        for node in self.cluster.control_planes:
            partition(node, ETCD_CLIENT_CUT_CHAIN, between(self.member.address))

    def prove(self) -> None:
        for node in self.cluster.control_planes:
            ran = health_from_node(node, self.member)
            assert ran.code == CURL_TIMEOUT, f"{self.member.name}'s /health from {node}: curl exit {ran.code}"

            def dropping(node: str = node) -> None:
                assert dropped_packets(node, ETCD_CLIENT_CUT_CHAIN) > 0, f"{ETCD_CLIENT_CUT_CHAIN} dropped nothing"

            eventually(
                dropping, within=DROPS_WITHIN_S, expected=f"packets dropped by {ETCD_CLIENT_CUT_CHAIN} on {node}"
            )
        check_member_healthy(self.layout, self.member)
        drops = {node: dropped_packets(node, ETCD_CLIENT_CUT_CHAIN) for node in self.cluster.control_planes}
        self.observed(f"{self.member.name}'s /health timed out (curl exit {CURL_TIMEOUT}) from every control plane")
        self.observed(f"{ETCD_CLIENT_CUT_CHAIN} dropped packets: {drops}")
        self.observed(f"etcdctl endpoint health from the host: {self.member.client_url} healthy (still in quorum)")

    def restore(self) -> None:
        for node in self.cluster.control_planes:
            heal(node, ETCD_CLIENT_CUT_CHAIN)

    def prove_restored(self) -> None:
        for node in self.cluster.control_planes:
            assert not chain_exists(node, ETCD_CLIENT_CUT_CHAIN), f"chain {ETCD_CLIENT_CUT_CHAIN} still on {node}"

            def answers(node: str = node) -> None:
                ran = health_from_node(node, self.member)
                assert ran.code == 0 and '"health":"true"' in ran.stdout, f"curl exit {ran.code}: {ran.output[-160:]}"

            eventually(answers, within=HEALTHY_WITHIN_S, expected=f"{self.member.name}'s /health from {node}")
        self.observed(f"{ETCD_CLIENT_CUT_CHAIN} removed; {self.member.name}'s /health answers every control plane")

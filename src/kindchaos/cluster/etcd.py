"""etcdctl run inside a node's etcd container, so it works without the API server, and what it reports."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from kindchaos.cluster.nodes import Ran, crictl_container, run
from kindchaos.shell import CommandFailed

TLS_ARGS = (
    "--cacert=/etc/kubernetes/pki/etcd/ca.crt",
    "--cert=/etc/kubernetes/pki/etcd/healthcheck-client.crt",
    "--key=/etc/kubernetes/pki/etcd/healthcheck-client.key",
)
LOCAL_ARGS = ("--endpoints=https://127.0.0.1:2379", *TLS_ARGS)  # the node's own member


def etcdctl(node: str, *args: str, timeout: float = 30, stderr: bool = True) -> Ran:
    """``etcdctl <args>`` against the node's own member (https://127.0.0.1:2379).

    ``stderr=False`` drops etcdctl's complaints about unreachable members, so that ``-w json`` output parses.
    """
    try:
        containers = crictl_container(node, "etcd")
    except CommandFailed as exc:  # the node's runtime is not answering (node just started, or stopped)
        return Ran(1, str(exc))
    if not containers:
        return Ran(1, f"no running etcd container on {node}")
    argv = ("crictl", "exec", containers[0]["id"], "etcdctl", *LOCAL_ARGS, "--dial-timeout=2s", "--command-timeout=5s")
    ran = run(node, *argv, *args, timeout=timeout)
    return ran if stderr else Ran(ran.code, ran.stdout, ran.stdout)


def has_quorum(node: str) -> Ran:
    """``endpoint health`` does a linearizable read, which only succeeds while a quorum of members agrees."""
    return etcdctl(node, "endpoint", "health")


class EtcdctlFailed(AssertionError):
    """etcdctl could not answer; an assertion, so ``eventually`` keeps trying."""


@dataclass(frozen=True)
class MemberStatus:
    """One member's ``endpoint status``: who it is, whom it follows and how far it has applied."""

    endpoint: str
    member_id: int
    leader: int
    revision: int
    raft_term: int
    raft_index: int
    db_size: int
    db_size_in_use: int

    @property
    def is_leader(self) -> bool:
        return self.member_id == self.leader


@dataclass(frozen=True)
class Member:
    member_id: int
    name: str  # kubeadm names each member after its node
    peer_urls: tuple[str, ...]
    client_urls: tuple[str, ...]


def parse_endpoint_status(text: str) -> list[MemberStatus]:
    found = []
    for entry in json.loads(text or "[]"):
        status: dict[str, Any] = entry["Status"]
        found.append(
            MemberStatus(
                endpoint=entry["Endpoint"],
                member_id=int(status["header"]["member_id"]),
                leader=int(status.get("leader", 0)),
                revision=int(status["header"].get("revision", 0)),
                raft_term=int(status.get("raftTerm", 0)),
                raft_index=int(status.get("raftIndex", 0)),
                db_size=int(status.get("dbSize", 0)),
                db_size_in_use=int(status.get("dbSizeInUse", 0)),
            )
        )
    return found


def endpoint_status(node: str, *, cluster: bool = True) -> list[MemberStatus]:
    """The status of every member that answers (of the node's own member when ``cluster`` is false)."""
    ran = etcdctl(node, "endpoint", "status", *(["--cluster"] if cluster else []), "-w", "json", stderr=False)
    if not ran.output.startswith("["):
        raise EtcdctlFailed(f"etcdctl endpoint status on {node} exited {ran.code}: {ran.output[-300:]}")
    return parse_endpoint_status(ran.output)


def parse_member_list(text: str) -> list[Member]:
    return [
        Member(
            member_id=int(m["ID"]),
            name=m.get("name", ""),
            peer_urls=tuple(m.get("peerURLs", [])),
            client_urls=tuple(m.get("clientURLs", [])),
        )
        for m in json.loads(text)["members"]
    ]


def member_list(node: str) -> list[Member]:
    ran = etcdctl(node, "member", "list", "-w", "json", stderr=False)
    if ran.code != 0:
        raise EtcdctlFailed(f"etcdctl member list on {node} exited {ran.code}: {ran.output[-300:]}")
    return parse_member_list(ran.output)


def endpoint_health(node: str) -> dict[str, tuple[bool, str]]:
    """Every member's client URL -> (healthy, error); the command exits 1 when any member is unhealthy."""
    ran = etcdctl(node, "endpoint", "health", "--cluster", "-w", "json", stderr=False)
    if not ran.output.startswith("["):
        raise EtcdctlFailed(f"etcdctl endpoint health on {node} exited {ran.code}: {ran.output[-300:]}")
    return {e["endpoint"]: (bool(e.get("health")), e.get("error", "")) for e in json.loads(ran.output)}


def leader_among(statuses: list[MemberStatus], members: list[Member]) -> str:
    """The name of the leader every answering member follows; raises when they disagree or follow none."""
    leaders = {s.leader for s in statuses}
    if len(leaders) != 1 or 0 in leaders:
        raise EtcdctlFailed(f"members disagree on the leader or have none: {sorted(leaders)}")
    (leader,) = leaders
    return {m.member_id: m.name for m in members}[leader]


def leader_name(node: str) -> str:
    """The name (= node) of the current leader, as the members that answer report it."""
    return leader_among(endpoint_status(node), member_list(node))


def alarms(node: str) -> list[str]:
    """``alarm list``, one line per raised alarm (``memberID:... alarm:NOSPACE``)."""
    ran = etcdctl(node, "alarm", "list")
    if ran.code != 0:
        raise EtcdctlFailed(f"etcdctl alarm list on {node} exited {ran.code}: {ran.output[-300:]}")
    return [line for line in ran.output.splitlines() if line.strip()]

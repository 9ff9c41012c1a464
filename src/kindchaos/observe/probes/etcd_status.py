"""An etcd probe: every member's ``endpoint status`` twice a second, asked from where no fault reaches.

On stacked etcd, etcdctl runs in the shell of a node whose member is not faulted (installed there by the
runbook), not in an etcd container, so it keeps answering while that node's own member is down. On an
external etcd, it runs on the host with the healthcheck client's certificate. Each round records one sample
per member: reached or not, its revision, raft term and the leader it follows, by member name. Catch-up and
election times are derived from these samples by the pure functions below.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from kindchaos import shell
from kindchaos.cluster.etcd import TLS_ARGS, Member, parse_endpoint_status
from kindchaos.cluster.external_etcd import etcdctl as host_etcdctl
from kindchaos.cluster.external_etcd.layout import EtcdLayout
from kindchaos.cluster.nodes import run
from kindchaos.observe.figures import Sample
from kindchaos.observe.probes.base import Probe
from kindchaos.observe.timeline import Timeline

ROUND_TIMEOUTS = ("--dial-timeout=1s", "--command-timeout=1s")
STATUS = ("endpoint", "status", "-w", "json")
TERM_SETTLE_S = 3.0  # the probe asks every 0.5 s: several answers from every member

Ask = Callable[[], str]  # one round: etcdctl's JSON for every member that answered


def in_node(vantage: str, members: Sequence[Member]) -> Ask:
    """Ask with the etcdctl installed in node ``vantage``, with the node's healthcheck client certificate."""
    endpoints = ",".join(u for m in members for u in m.client_urls[:1])
    command = ("etcdctl", f"--endpoints={endpoints}", *TLS_ARGS, *ROUND_TIMEOUTS, *STATUS)
    return lambda: run(vantage, *command, timeout=10).stdout


def from_host(layout: EtcdLayout, members: Sequence[Member]) -> Ask:
    """Ask with the host's etcdctl, for members outside the nodes."""
    endpoints = [u for m in members for u in m.client_urls[:1]]
    argv = host_etcdctl.command(layout, *STATUS, endpoints=endpoints, timeouts=ROUND_TIMEOUTS)
    return lambda: shell.run(argv, timeout=10, check=False).stdout


class EtcdStatusProbe(Probe):
    source = "etcd-probe"

    def __init__(
        self,
        *,
        ask: Ask,
        members: Sequence[Member],
        timeline: Timeline,
        name: str = "etcd",
        interval: float = 0.5,
    ) -> None:
        super().__init__(name=name, timeline=timeline, interval=interval)
        self.members = list(members)
        self._ask = ask

    def _loop(self) -> None:
        names = {m.member_id: m.name for m in self.members}
        while not self._stop.is_set():
            mono, wall = time.monotonic(), time.time()
            output = self._ask().strip()
            try:
                statuses = {s.endpoint: s for s in parse_endpoint_status(output if output.startswith("[") else "")}
            except ValueError:
                statuses = {}
            latency = time.monotonic() - mono
            for member in self.members:
                # By endpoint, not by ID: a member replaced at the same address answers under a new ID.
                status = statuses.get(member.client_urls[0]) if member.client_urls else None
                if status is not None:
                    names[status.member_id] = member.name
                if status is None:
                    self.record(started_mono=mono, started_wall=wall, ok=False, latency=latency, member=member.name)
                else:
                    self.record(
                        started_mono=mono,
                        started_wall=wall,
                        ok=True,
                        latency=latency,
                        member=member.name,
                        revision=status.revision,
                        term=status.raft_term,
                        leader=names.get(status.leader, str(status.leader) if status.leader else ""),
                    )
            self._stop.wait(max(0.0, self.interval - (time.monotonic() - mono)))


def of_member(samples: Sequence[Sample], member: str) -> list[Sample]:
    return [s for s in samples if s.detail.get("member") == member]


def highest_revision(samples: Sequence[Sample], members: Sequence[str], *, at: float) -> int | None:
    """The highest revision any of ``members`` reported in its last answer at or before ``at``."""
    found = []
    for member in members:
        answered = [s for s in of_member(samples, member) if s.ok and s.mono <= at]
        if answered:
            found.append(int(answered[-1].detail["revision"]))
    return max(found, default=None)


def caught_up(samples: Sequence[Sample], member: str, *, revision: int, after: float) -> float | None:
    """When ``member`` first answered with at least ``revision`` after ``after`` (None: never)."""
    return next(
        (s.mono for s in of_member(samples, member) if s.mono >= after and s.ok and s.detail["revision"] >= revision),
        None,
    )


def leader_seen(samples: Sequence[Sample], *, other_than: str, after: float) -> Sample | None:
    """The first answer after ``after`` that follows a leader other than ``other_than``."""
    return next(
        (s for s in samples if s.mono >= after and s.ok and s.detail.get("leader") not in ("", other_than)),
        None,
    )


def term_after(samples: Sequence[Sample], new: Sample, *, settle_s: float = TERM_SETTLE_S) -> int:
    """The raft term under the new leader: the highest any member reports within ``settle_s`` of the first answer
    naming it. One status answer can be torn (etcd sets the leader it reports before the term, so a member may
    name the new leader with the old term for a moment); an election that did happen shows its term within that
    window, one that did not leaves the old term."""
    terms = [int(s.detail["term"]) for s in samples if s.ok and new.mono <= s.mono <= new.mono + settle_s]
    return max([int(new.detail["term"]), *terms])


def last_answer(samples: Sequence[Sample], member: str, *, before: float) -> float | None:
    """When ``member`` last answered before ``before`` (None: it never did)."""
    answered = [s.mono for s in of_member(samples, member) if s.ok and s.mono < before]
    return answered[-1] if answered else None

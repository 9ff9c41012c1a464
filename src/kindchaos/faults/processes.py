"""A process inside a node stopped with SIGSTOP and continued with SIGCONT.

For components that kubelet would restart at once if killed (kube-proxy, a
DaemonSet), stopping the process is how it is taken out without changing any
object: its container stays "running", it does nothing. Proof is the process
state (T) in the node's process table and its health port no longer answering.
"""

from __future__ import annotations

from kindchaos.cluster.lifecycle import Cluster
from kindchaos.cluster.nodes import http_status, output, run
from kindchaos.expect.conditions import eventually
from kindchaos.faults.expected import Expected, expect
from kindchaos.faults.nodes import NodeFault
from kindchaos.observe.timeline import Timeline


def process_states(node: str, process: str) -> dict[int, str]:
    """pid -> ps state letter(s) of every process named exactly ``process`` in the node."""
    out = run(node, "ps", "-C", process, "-o", "pid=,stat=").stdout
    return {int(pid): stat for pid, stat in (line.split() for line in out.splitlines() if line.strip())}


class ProcessFrozen(NodeFault):
    """Every process named ``process`` on ``node`` stopped (SIGSTOP), then continued (SIGCONT)."""

    def __init__(
        self,
        cluster: Cluster,
        node: str,
        process: str,
        *,
        health_url: str | None = None,
        timeline: Timeline | None = None,
    ) -> None:
        super().__init__(cluster, node, timeline=timeline)
        self.process = process
        self.health_url = health_url
        self.pids: list[int] = []

    def triage_expects(self) -> Expected:
        return expect("etcd-member" if self.process == "etcd" else self.process, self.node)

    @property
    def title(self) -> str:
        return f"{self.process} stopped (SIGSTOP) on {self.node!r}"

    def inject(self) -> None:
        self.pids = sorted(process_states(self.node, self.process))
        if not self.pids:
            raise AssertionError(f"no {self.process} process on {self.node}")
        output(self.node, "kill", "-STOP", *map(str, self.pids))

    def prove(self) -> None:
        states = process_states(self.node, self.process)
        running = {pid: st for pid, st in states.items() if pid in self.pids and not st.startswith("T")}
        assert not running, f"{self.process} not stopped: {running}"
        self.observed(f"ps on {self.node}: {self.process} pids {self.pids} in state T (stopped)")
        if self.health_url:
            code, status = http_status(self.node, self.health_url)
            assert code != 0, f"{self.health_url} still answers HTTP {status}"
            self.observed(f"{self.health_url} does not answer (curl exit {code})")

    def restore(self) -> None:
        if self.pids:
            run(self.node, "kill", "-CONT", *map(str, self.pids))

    def prove_restored(self) -> None:
        states = process_states(self.node, self.process)
        stopped = {pid: st for pid, st in states.items() if st.startswith("T")}
        assert not stopped, f"{self.process} still stopped: {stopped}"
        if self.health_url:
            url = self.health_url
            eventually(lambda: http_status(self.node, url)[0] == 0, within=60, expected=f"{url} answering")
        self.observed(f"{self.process} running again" + (f"; {self.health_url} answers" if self.health_url else ""))

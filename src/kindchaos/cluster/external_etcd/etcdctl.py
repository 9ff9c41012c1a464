"""etcdctl on the host against the external members: the operator's own commands, with ``--endpoints``,
``--cacert``, ``--cert`` and ``--key``, so they keep answering whichever member or node is down."""

from __future__ import annotations

import json
import shlex

from kindchaos import shell
from kindchaos.cluster.etcd import (
    EtcdctlFailed,
    Member,
    MemberStatus,
    leader_among,
    parse_endpoint_status,
    parse_member_list,
)
from kindchaos.cluster.external_etcd.layout import EtcdLayout
from kindchaos.cluster.node_access import Ran
from kindchaos.paths import bin_dir


def tls_args(layout: EtcdLayout) -> list[str]:
    ca, crt, key = layout.client_cert
    return [f"--cacert={ca}", f"--cert={crt}", f"--key={key}"]


TIMEOUTS = ("--dial-timeout=2s", "--command-timeout=5s")


def command(
    layout: EtcdLayout, *args: str, endpoints: list[str] | None = None, timeouts: tuple[str, ...] = TIMEOUTS
) -> list[str]:
    """The full etcdctl command line, as the report shows it (paths, never the keys' contents)."""
    chosen = ",".join(endpoints or layout.endpoints)
    return [str(bin_dir() / "etcdctl"), f"--endpoints={chosen}", *tls_args(layout), *timeouts, *args]


def etcdctl(
    layout: EtcdLayout,
    *args: str,
    endpoints: list[str] | None = None,
    timeout: float = 30,
    timeouts: tuple[str, ...] = TIMEOUTS,
) -> Ran:
    proc = shell.run(command(layout, *args, endpoints=endpoints, timeouts=timeouts), timeout=timeout, check=False)
    return Ran(proc.returncode, (proc.stdout + proc.stderr).strip(), proc.stdout.strip())


def member_list(layout: EtcdLayout) -> list[Member]:
    ran = etcdctl(layout, "member", "list", "-w", "json")
    if ran.code != 0:
        raise EtcdctlFailed(f"etcdctl member list exited {ran.code}: {ran.output[-300:]}")
    return parse_member_list(ran.stdout)


def endpoint_status(layout: EtcdLayout, *, endpoints: list[str] | None = None) -> list[MemberStatus]:
    """The status of every member that answers."""
    ran = etcdctl(layout, "endpoint", "status", "-w", "json", endpoints=endpoints)
    if not ran.stdout.startswith("["):
        raise EtcdctlFailed(f"etcdctl endpoint status exited {ran.code}: {ran.output[-300:]}")
    return parse_endpoint_status(ran.stdout)


def endpoint_health(layout: EtcdLayout, *, endpoints: list[str] | None = None) -> dict[str, tuple[bool, str]]:
    """Every endpoint -> (healthy, error); ``endpoint health`` is a linearizable read, so it needs a quorum."""
    ran = etcdctl(layout, "endpoint", "health", "-w", "json", endpoints=endpoints)
    if not ran.stdout.startswith("["):
        raise EtcdctlFailed(f"etcdctl endpoint health exited {ran.code}: {ran.output[-300:]}")
    return {e["endpoint"]: (bool(e.get("health")), e.get("error", "")) for e in json.loads(ran.stdout)}


def all_healthy(layout: EtcdLayout) -> None:
    """Every member answers a linearizable read (an assertion, for ``eventually``)."""
    health = endpoint_health(layout)
    sick = {url: error for url, (ok, error) in health.items() if not ok}
    assert len(health) == len(layout.members) and not sick, f"etcd endpoints unhealthy: {sick or health}"


def leader_name(layout: EtcdLayout) -> str:
    return leader_among(endpoint_status(layout), member_list(layout))


def table(layout: EtcdLayout, *args: str) -> str:
    """A command's table output with the command line above it, for the report."""
    ran = etcdctl(layout, *args, "-w", "table")
    return "$ ETCDCTL_API=3 " + shlex.join(command(layout, *args, "-w", "table")) + "\n" + ran.output

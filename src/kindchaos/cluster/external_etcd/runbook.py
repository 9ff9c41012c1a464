"""The operator's runbook for an external etcd, run from the host with the seed's own commands.

Backup: ``ETCDCTL_API=3 etcdctl snapshot save`` against one member and ``etcdutl snapshot status``. Disaster
recovery, as etcd documents it: every member stopped, each member's new data directory restored from the same
snapshot with ``etcdutl snapshot restore --data-dir=...`` under a new cluster token (so no member of the old
cluster can ever join the new one), the directories swapped in and the members started. Replacement of a member
whose disk is gone for good: ``member remove``, a fresh member of the same name and address (a new machine in
the old one's place, with new certificates) ``member add``-ed and started with an empty data directory and
``--initial-cluster-state=existing``. Each step is a function of its own and returns what it ran, its output
and its time, for the report.
"""

from __future__ import annotations

import json
import shlex
import shutil
import time
from pathlib import Path

from kindchaos import shell
from kindchaos.cluster.etcd_tools import BUMP_REVISION, SnapshotStatus, parse_snapshot_status
from kindchaos.cluster.external_etcd import etcdctl as host_etcdctl
from kindchaos.cluster.external_etcd import members
from kindchaos.cluster.external_etcd.certificates import load_ca, write_member_certificates
from kindchaos.cluster.external_etcd.layout import EtcdLayout, EtcdMember
from kindchaos.cluster.node_access import Ran
from kindchaos.cluster.runbook_step import Step
from kindchaos.paths import bin_dir
from kindchaos.waiting import wait_for

HEALTHY_WITHIN_S = 90  # a fixed wait: members started from restored data (or a new one) answer within seconds


def _run(title: str, argv: list[str], *, shown: str | None = None, timeout: float = 120) -> Step:
    """Run a runbook command on the host; raise ``AssertionError`` with its output when it fails."""
    started = time.monotonic()
    proc = shell.run(argv, timeout=timeout, check=False)
    ran = Ran(proc.returncode, (proc.stdout + proc.stderr).strip(), proc.stdout.strip())
    seconds = time.monotonic() - started
    command = shown or shlex.join(argv)
    assert ran.code == 0, f"{title}: `{command}` exited {ran.code}: {ran.output[-400:]}"
    return Step(title, command, ran.output, seconds)


def _etcdctl(title: str, layout: EtcdLayout, *args: str, endpoints: list[str] | None = None) -> Step:
    argv = host_etcdctl.command(layout, *args, endpoints=endpoints)
    return _run(title, argv, shown="ETCDCTL_API=3 " + shlex.join(argv))


def etcdutl(*args: str) -> list[str]:
    return [str(bin_dir() / "etcdutl"), *args]


# --- backup -------------------------------------------------------------------------------------------------


def save_snapshot(layout: EtcdLayout, path: Path, *, member: EtcdMember) -> Step:
    """``etcdctl snapshot save`` against one member (a snapshot is taken from exactly one endpoint)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return _etcdctl("snapshot save", layout, "snapshot", "save", str(path), endpoints=[member.client_url])


def snapshot_status(path: Path) -> tuple[Step, SnapshotStatus]:
    step = _run("snapshot status", etcdutl("snapshot", "status", str(path), "-w", "json"))
    return step, parse_snapshot_status(step.output.splitlines()[-1])


# --- disaster recovery: every member from one snapshot, a new cluster token --------------------------------


def restored_dir(layout: EtcdLayout, member: EtcdMember) -> Path:
    return layout.data_dir(member).with_name(f"{member.name}.restored")


def parked_dir(layout: EtcdLayout, member: EtcdMember) -> Path:
    """Where a member's data before the restore is kept (the operator's way back), until the cluster is deleted."""
    return layout.data_dir(member).with_name(f"{member.name}.before-restore")


def restore_command(layout: EtcdLayout, member: EtcdMember, snapshot: Path, token: str) -> list[str]:
    """``etcdutl snapshot restore`` for one member: its name and peer URL, the whole cluster, a new token,
    revisions bumped past anything a client has seen and marked compacted (Kubernetes' restore advice)."""
    return etcdutl(
        *("snapshot", "restore", str(snapshot), f"--data-dir={restored_dir(layout, member)}"),
        *(f"--name={member.name}", f"--initial-cluster={layout.initial_cluster()}"),
        *(f"--initial-advertise-peer-urls={member.peer_url}", f"--initial-cluster-token={token}"),
        *(f"--bump-revision={BUMP_REVISION}", "--mark-compacted"),
    )


def stop_members(layout: EtcdLayout) -> Step:
    names = layout.names
    return _run("stop every member", ["docker", "stop", "--time", "10", *names], timeout=60)


def restore_member(layout: EtcdLayout, member: EtcdMember, snapshot: Path, token: str) -> Step:
    shutil.rmtree(restored_dir(layout, member), ignore_errors=True)
    return _run(f"restore {member.name}", restore_command(layout, member, snapshot, token))


def swap_in_restored(layout: EtcdLayout, member: EtcdMember) -> Step:
    """The member's old data directory parked, the restored one in its place (the container mounts the path)."""
    started = time.monotonic()
    current, parked = layout.data_dir(member), parked_dir(layout, member)
    shutil.rmtree(parked, ignore_errors=True)
    current.rename(parked)
    restored_dir(layout, member).rename(current)
    return Step(
        f"swap in {member.name}'s restored data",
        f"mv {current} {parked} && mv {restored_dir(layout, member)} {current}",
        "",
        time.monotonic() - started,
    )


def start_members(layout: EtcdLayout) -> Step:
    return _run("start every member", ["docker", "start", *layout.names], timeout=60)


def wait_healthy(layout: EtcdLayout) -> Step:
    started = time.monotonic()
    wait_for(
        lambda: host_etcdctl.all_healthy(layout),
        within=HEALTHY_WITHIN_S,
        interval=1,
        expected="every member healthy over TLS",
    )
    shown = host_etcdctl.table(layout, "endpoint", "health")
    return Step("every member healthy", shown.splitlines()[0].removeprefix("$ "), shown, time.monotonic() - started)


def restore_all(layout: EtcdLayout, snapshot: Path, token: str) -> list[Step]:
    """etcd's disaster recovery for the whole cluster, one step after another; every member ends healthy."""
    done = [stop_members(layout)]
    done += [restore_member(layout, member, snapshot, token) for member in layout.members]
    done += [swap_in_restored(layout, member) for member in layout.members]
    done += [start_members(layout), wait_healthy(layout)]
    return done


def cluster_id(layout: EtcdLayout) -> int:
    """The cluster ID the members report (a restore with a new token gives a new one)."""
    ran = host_etcdctl.etcdctl(layout, "endpoint", "status", "-w", "json")
    found = json.loads(ran.stdout or "[]")
    ids = {int(entry["Status"]["header"]["cluster_id"]) for entry in found}
    assert len(ids) == 1, f"members report cluster ids {sorted(ids)}"
    return ids.pop()


# --- one member replaced for good ---------------------------------------------------------------------------


def member_id(layout: EtcdLayout, name: str) -> int:
    found = next((m for m in host_etcdctl.member_list(layout) if m.name == name), None)
    assert found is not None, f"{name} is not in etcdctl member list"
    return found.member_id


def others(layout: EtcdLayout, member: EtcdMember) -> list[str]:
    return [m.client_url for m in layout.members if m != member]


def remove_member(layout: EtcdLayout, member: EtcdMember) -> Step:
    """``member remove`` by ID, asked of the remaining members."""
    gone = f"{member_id(layout, member.name):x}"
    return _etcdctl(f"member remove {member.name}", layout, "member", "remove", gone, endpoints=others(layout, member))


def destroy_machine(layout: EtcdLayout, member: EtcdMember) -> None:
    """The machine gone for good: its container removed and its data directory deleted."""
    members.remove_member(member.name)
    shutil.rmtree(layout.data_dir(member), ignore_errors=True)


def issue_certificates(layout: EtcdLayout, member: EtcdMember) -> Step:
    """The new machine's server and peer certificates, signed by the cluster's CA."""
    started = time.monotonic()
    write_member_certificates(layout, member, load_ca(layout))
    return Step(
        f"certificates for {member.name}",
        f"(server and peer certificates for {member.name} {member.address}, signed by the etcd CA)",
        "",
        time.monotonic() - started,
    )


def add_member(layout: EtcdLayout, member: EtcdMember) -> Step:
    return _etcdctl(
        f"member add {member.name}",
        layout,
        *("member", "add", member.name, f"--peer-urls={member.peer_url}"),
        endpoints=others(layout, member),
    )


def start_new_member(layout: EtcdLayout, member: EtcdMember) -> Step:
    """The new member with an empty data directory joins the existing cluster (the whole cluster named)."""
    argv = members.run_argv(layout, member, state="existing", initial=layout.initial_cluster())
    layout.data_dir(member).mkdir(parents=True, exist_ok=True)
    return _run(f"start {member.name} (existing cluster, empty data)", argv, timeout=60)


def listed(layout: EtcdLayout, name: str) -> bool:
    return any(m.name == name for m in host_etcdctl.member_list(layout))


def replace_member(layout: EtcdLayout, member: EtcdMember) -> list[Step]:
    """The runbook for a member whose machine is gone for good, in order; the new member ends healthy. A member
    already removed (a runbook interrupted after that step) is not removed twice."""
    removed = [remove_member(layout, member)] if listed(layout, member.name) else []
    return [
        *removed,
        issue_certificates(layout, member),
        add_member(layout, member),
        start_new_member(layout, member),
        wait_healthy(layout),
    ]

"""The operator's runbook for a stacked etcd (kubeadm's static pods), run inside the control-plane nodes.

Replacement of a member whose data is gone for good, as etcd and kubeadm document it: ``etcdctl member remove``
asked of a healthy member, ``member add`` with the node's peer URL, the node's etcd manifest given the cluster
``member add`` printed and ``--initial-cluster-state=existing``, and etcd started on an empty data directory.

Disaster recovery when quorum is lost for good, as Kubernetes documents it: every apiserver stopped, every etcd
stopped, the one snapshot copied to each node and restored there with ``etcdutl snapshot restore`` (the member's
own name and peer URL, the whole cluster, a new cluster token, revisions bumped and marked compacted), each
manifest pointed at its restored directory, etcd started, then the apiservers.

Each step is a function of its own and returns its command line, its output and its time, for the report.
"""

from __future__ import annotations

import base64
import posixpath
import shlex
import time
from datetime import datetime

from kindchaos.cluster.etcd import LOCAL_ARGS, endpoint_health, member_list
from kindchaos.cluster.etcd_tools import (
    BUMP_REVISION,
    ETCD_MANIFEST,
    container_flags,
    data_dir,
    install_tools,
    read_manifest,
    with_data_dir,
    with_flag,
    write_manifest,
)
from kindchaos.cluster.leftovers import MANIFESTS_DIR, PARKED_DIR
from kindchaos.cluster.nodes import crictl_container, crictl_inspect, output, run
from kindchaos.cluster.runbook_step import Step
from kindchaos.waiting import ConditionTimeout, wait_for

PARKED_ETCD = f"{PARKED_DIR}/etcd.yaml"
APISERVER = "kube-apiserver"
KUBELET_STOPS_WITHIN_S = 20  # a fixed wait: kubelet stops a static pod within seconds of its manifest going
STOPPED_WITHIN_S = 60  # a fixed wait: a container stopped with crictl
# A fixed wait: members started from restored data (or a new one) answer within seconds of their container's
# start, but kubelet may take a minute to start it (its mirror-pod calls to a local apiserver without etcd time out).
HEALTHY_WITHIN_S = 180


def _timed(title: str, node: str, argv: list[str], *, timeout: float = 120) -> Step:
    """Run a runbook command in ``node``; raise ``AssertionError`` with its output when it fails."""
    started = time.monotonic()
    ran = run(node, *argv, timeout=timeout)
    command = f"[{node}] {shlex.join(argv)}"
    assert ran.code == 0, f"{title}: `{command}` exited {ran.code}: {ran.output[-400:]}"
    return Step(title, command, ran.output, time.monotonic() - started)


def _done(title: str, command: str, started: float, output_text: str = "") -> Step:
    return Step(title, command, output_text, time.monotonic() - started)


def etcd_manifest_path(node: str) -> str:
    """Where the node's etcd manifest is now: parked while its etcd is stopped, else in the manifests dir."""
    return PARKED_ETCD if run(node, "test", "-f", PARKED_ETCD).code == 0 else ETCD_MANIFEST


def member_flags(node: str) -> dict[str, str]:
    return container_flags(read_manifest(node, etcd_manifest_path(node)))


def peer_url(node: str) -> str:
    return member_flags(node)["initial-advertise-peer-urls"]


def data_dir_has_member(node: str, data_dir: str) -> bool:
    return run(node, "test", "-d", f"{data_dir}/member").code == 0


def started_at(node: str, name: str) -> float:
    """The wall time the node's running ``name`` container started, as containerd records it."""
    found = crictl_container(node, name)
    assert found, f"no running {name} container on {node}"
    started = crictl_inspect(node, str(found[0]["id"]))["status"]["startedAt"]
    return datetime.fromisoformat(started).timestamp()


def _running(node: str, name: str) -> list[str]:
    return [str(c["id"]) for c in crictl_container(node, name)]


def park(node: str, manifest: str, name: str) -> Step:
    """Stop a static pod the kubeadm way: its manifest moved out of kubelet's sight (skipped when parked).

    Without quorum kubelet can take minutes to stop it (it first tries to delete the mirror pod through an API
    that cannot write), so a container still running after a short wait is stopped with ``crictl stop``, as an
    operator does; the step's output says so.
    """
    started = time.monotonic()
    source, parked = f"{MANIFESTS_DIR}/{manifest}", f"{PARKED_DIR}/{manifest}"
    if run(node, "test", "-f", source).code == 0:
        output(node, "mkdir", "-p", PARKED_DIR)
        output(node, "mv", source, parked)
    command, said = f"[{node}] mv {source} {parked}", ""
    try:
        wait_for(lambda: _stopped(node, name), within=KUBELET_STOPS_WITHIN_S, expected=f"no running {name}")
    except ConditionTimeout:
        left = _running(node, name)
        if left:
            output(node, "crictl", "stop", *left, timeout=60)
            command += f"; crictl stop {' '.join(c[:13] for c in left)}"
            said = f"kubelet had not stopped {name} after {KUBELET_STOPS_WITHIN_S} s: stopped with crictl"
        wait_for(lambda: _stopped(node, name), within=STOPPED_WITHIN_S, expected=f"no running {name} on {node}")
    return _done(f"stop {name} on {node}", command, started, said)


def _stopped(node: str, name: str) -> None:
    assert not _running(node, name), f"a {name} container still runs on {node}"


def unpark(node: str, manifest: str, name: str) -> Step:
    started = time.monotonic()
    source, parked = f"{MANIFESTS_DIR}/{manifest}", f"{PARKED_DIR}/{manifest}"
    if run(node, "test", "-f", parked).code == 0:
        output(node, "mv", parked, source)
    return _done(f"start {name} on {node}", f"[{node}] mv {parked} {source}", started)


def wait_healthy(asked: str, members: int) -> Step:
    """Every one of ``members`` members healthy, asked of ``asked``'s own member."""
    started = time.monotonic()

    def all_healthy() -> None:
        health = endpoint_health(asked)
        assert len(health) == members and all(ok for ok, _ in health.values()), f"endpoint health: {health}"

    wait_for(all_healthy, within=HEALTHY_WITHIN_S, interval=1, expected=f"{members} etcd members healthy")
    shown = run(asked, "etcdctl", *LOCAL_ARGS, "endpoint", "health", "--cluster", "-w", "table")
    argv = ["etcdctl", *LOCAL_ARGS, "endpoint", "health", "--cluster"]
    return _done("every member healthy", f"[{asked}] {shlex.join(argv)}", started, shown.output)


# --- one member replaced ------------------------------------------------------------------------------------


def listed_at(asked: str, url: str) -> int | None:
    """The ID of the member listed with peer URL ``url`` (started or not), if any."""
    return next((m.member_id for m in member_list(asked) if url in m.peer_urls), None)


def remove_member(asked: str, node: str, url: str) -> Step | None:
    """``member remove`` of whatever member has the node's peer URL (none: an earlier attempt removed it)."""
    found = listed_at(asked, url)
    if found is None:
        return None
    return _timed(f"member remove {node}", asked, ["etcdctl", *LOCAL_ARGS, "member", "remove", f"{found:x}"])


def add_member(asked: str, node: str, url: str) -> tuple[Step, str]:
    """``member add``; returns the step and the ``ETCD_INITIAL_CLUSTER`` etcdctl printed for the new member."""
    step = _timed(f"member add {node}", asked, ["etcdctl", *LOCAL_ARGS, "member", "add", node, f"--peer-urls={url}"])
    return step, initial_cluster_from(step.output)


def initial_cluster_from(printed: str) -> str:
    """The ``ETCD_INITIAL_CLUSTER`` value ``etcdctl member add`` prints for the new member to start with."""
    line = next((x for x in printed.splitlines() if x.startswith("ETCD_INITIAL_CLUSTER=")), None)
    assert line is not None, f"member add printed no ETCD_INITIAL_CLUSTER: {printed[-300:]}"
    return line.split("=", 1)[1].strip('"')


def join_existing(node: str, initial_cluster: str) -> Step:
    """The parked manifest told to join the existing cluster, and the data directory emptied."""
    started = time.monotonic()
    manifest = read_manifest(node, PARKED_ETCD)
    data = data_dir(manifest)
    output(node, "rm", "-rf", f"{data}/member")
    manifest = with_flag(manifest, "initial-cluster", initial_cluster)
    write_manifest(node, PARKED_ETCD, with_flag(manifest, "initial-cluster-state", "existing"))
    edit = f"--initial-cluster={initial_cluster} --initial-cluster-state=existing"
    return _done(f"manifest of {node}: join the existing cluster", f"[{node}] rm -rf {data}/member; {edit}", started)


def replace_member(node: str, asked: str, members: int) -> list[Step]:
    """The runbook for a stacked member whose data is gone, in order; the new member ends healthy. It starts
    from wherever an interrupted attempt stopped (a member already removed is not removed twice)."""
    install_tools(asked)
    url = peer_url(node)
    steps = [park(node, "etcd.yaml", "etcd")]
    removed = remove_member(asked, node, url)
    steps += [removed] if removed else []
    added, initial = add_member(asked, node, url)
    steps += [added, join_existing(node, initial), unpark(node, "etcd.yaml", "etcd"), wait_healthy(asked, members)]
    return steps


# --- disaster recovery from one snapshot --------------------------------------------------------------------


def copy_snapshot(source: str, target: str, path: str) -> Step:
    """The snapshot file copied from one node to another (through the host, as bytes)."""
    started = time.monotonic()
    data = output(source, "base64", "-w0", path, timeout=120)
    output(target, "mkdir", "-p", posixpath.dirname(path))
    decoded = run(target, "bash", "-c", f"base64 -d > {shlex.quote(path)}", input_text=data, timeout=120)
    assert decoded.code == 0, f"copying {path} to {target}: {decoded.output[-300:]}"
    assert len(base64.b64decode(data)) > 0, f"{path} on {source} is empty"
    return _done(f"copy snapshot to {target}", f"docker cp {source}:{path} -> {target}:{path}", started)


def restore_member(node: str, snapshot: str, target: str, initial_cluster: str, token: str) -> Step:
    flags = member_flags(node)
    output(node, "rm", "-rf", target)
    argv = [
        *("etcdutl", "snapshot", "restore", snapshot, f"--data-dir={target}"),
        *(f"--name={flags['name']}", f"--initial-cluster={initial_cluster}"),
        *(f"--initial-advertise-peer-urls={flags['initial-advertise-peer-urls']}", f"--initial-cluster-token={token}"),
        *(f"--bump-revision={BUMP_REVISION}", "--mark-compacted"),
    ]
    return _timed(f"restore {node}", node, argv)


def point_at(node: str, target: str) -> Step:
    """The parked etcd manifest's data volume pointed at the restored directory."""
    started = time.monotonic()
    write_manifest(node, PARKED_ETCD, with_data_dir(read_manifest(node, PARKED_ETCD), target))
    return _done(f"manifest of {node}: data from {target}", f"[{node}] etcd-data hostPath: {target}", started)


def whole_cluster(nodes: list[str]) -> str:
    return ",".join(f"{node}={peer_url(node)}" for node in nodes)


def restore_all(nodes: list[str], *, source: str, snapshot: str, target: str, token: str) -> list[Step]:
    """Kubernetes' restore of a multi-member etcd from one snapshot; every member ends healthy and the
    apiservers' manifests are back. ``source`` is the node that holds ``snapshot``."""
    steps = [park(node, "kube-apiserver.yaml", APISERVER) for node in nodes]
    steps += [park(node, "etcd.yaml", "etcd") for node in nodes]
    initial = whole_cluster(nodes)
    for node in nodes:
        install_tools(node)
        if node != source:
            steps.append(copy_snapshot(source, node, snapshot))
        steps += [restore_member(node, snapshot, target, initial, token), point_at(node, target)]
    steps += [unpark(node, "etcd.yaml", "etcd") for node in nodes]
    steps.append(wait_healthy(source, len(nodes)))
    steps += [unpark(node, "kube-apiserver.yaml", APISERVER) for node in nodes]
    return steps

"""The etcd runbook, run on a control-plane node the way an operator runs it.

etcdctl and etcdutl are installed on the node from the project's own build
(the same etcd release as the cluster's image), then used exactly as the
operator's documentation has it: ``snapshot save``, ``snapshot status``,
``snapshot restore`` into a new data directory with the member's own name and
peer URLs, the static pod manifest pointed at that directory; and
``compact``, ``defrag``, ``alarm disarm`` when the space quota is exceeded.
"""

from __future__ import annotations

import json
import posixpath
import time
from dataclasses import dataclass
from typing import Any

import yaml

from kindchaos.cluster.etcd import LOCAL_ARGS
from kindchaos.cluster.leftovers import MANIFESTS_DIR
from kindchaos.cluster.nodes import Ran, copy_in, output, run
from kindchaos.paths import bin_dir

BACKUP_DIR = "/var/lib/kindchaos-backup"
ETCD_MANIFEST = f"{MANIFESTS_DIR}/etcd.yaml"
DATA_VOLUME = "etcd-data"  # kubeadm's hostPath volume for etcd's data directory
# Kubernetes' own restore instructions: move revisions far past anything a client has seen and mark them
# compacted, so every informer's watch is told to relist instead of silently missing changes.
BUMP_REVISION = 1_000_000_000


def install_tools(node: str) -> None:
    """Copy etcdctl and etcdutl onto the node (kind's node image does not carry them)."""
    for tool in ("etcdctl", "etcdutl"):
        copy_in(node, bin_dir() / tool, f"/usr/local/bin/{tool}")


@dataclass(frozen=True)
class SnapshotStatus:
    """``etcdutl snapshot status``: the hash etcd checks on restore, and what the snapshot holds."""

    hash: int
    revision: int
    total_keys: int
    total_size: int
    version: str


@dataclass(frozen=True)
class Timed:
    """A command's result and how long it took."""

    ran: Ran
    seconds: float


def timed(node: str, *argv: str, timeout: float = 120) -> Timed:
    started = time.monotonic()
    ran = run(node, *argv, timeout=timeout)
    return Timed(ran, time.monotonic() - started)


def save_snapshot(node: str, path: str) -> Timed:
    """``etcdctl snapshot save`` from the node's own member; raises if etcdctl fails."""
    output(node, "mkdir", "-p", posixpath.dirname(path))
    done = timed(node, "etcdctl", *LOCAL_ARGS, "snapshot", "save", path)
    if done.ran.code != 0:
        raise AssertionError(f"etcdctl snapshot save {path} exited {done.ran.code}: {done.ran.output[-400:]}")
    return done


def snapshot_status(node: str, path: str) -> SnapshotStatus:
    return parse_snapshot_status(output(node, "etcdutl", "snapshot", "status", path, "-w", "json"))


def parse_snapshot_status(text: str) -> SnapshotStatus:
    """``etcdutl snapshot status -w json``, wherever it ran (a node, or the host for an external etcd)."""
    found = json.loads(text)
    return SnapshotStatus(
        hash=int(found["hash"]),
        revision=int(found["revision"]),
        total_keys=int(found["totalKey"]),
        total_size=int(found["totalSize"]),
        version=str(found.get("version", "")),
    )


def file_size(node: str, path: str) -> int:
    return int(output(node, "stat", "-c", "%s", path))


def read_manifest(node: str, path: str = ETCD_MANIFEST) -> dict[str, Any]:
    found: dict[str, Any] = yaml.safe_load(output(node, "cat", path))
    return found


def write_manifest(node: str, path: str, manifest: dict[str, Any]) -> None:
    """Write a manifest atomically (kubelet must never read half a file)."""
    text = yaml.safe_dump(manifest, sort_keys=False)
    output(node, "tee", f"{path}.kindchaos-new", input_text=text)
    output(node, "mv", f"{path}.kindchaos-new", path)


def container_flags(manifest: dict[str, Any]) -> dict[str, str]:
    """``--name=value`` arguments of a static pod's (first) container, as a dict."""
    return parse_flags(manifest["spec"]["containers"][0]["command"])


def parse_flags(argv: list[str]) -> dict[str, str]:
    """``--name=value`` arguments of a command line, as a dict."""
    return dict(arg.removeprefix("--").split("=", 1) for arg in argv if arg.startswith("--") and "=" in arg)


def with_flag(manifest: dict[str, Any], name: str, value: str | None) -> dict[str, Any]:
    """A copy of the manifest with ``--name=value`` set (``None`` removes it)."""
    copy: dict[str, Any] = json.loads(json.dumps(manifest))
    container = copy["spec"]["containers"][0]
    kept = [arg for arg in container["command"] if not arg.startswith(f"--{name}=")]
    container["command"] = kept if value is None else [*kept, f"--{name}={value}"]
    return copy


def data_dir(manifest: dict[str, Any]) -> str:
    """The host directory etcd's data volume points at."""
    volume = next(v for v in manifest["spec"]["volumes"] if v["name"] == DATA_VOLUME)
    return str(volume["hostPath"]["path"])


def with_data_dir(manifest: dict[str, Any], host_path: str) -> dict[str, Any]:
    """A copy of the manifest whose data volume points at ``host_path`` (``--data-dir`` inside is unchanged)."""
    copy: dict[str, Any] = json.loads(json.dumps(manifest))
    for volume in copy["spec"]["volumes"]:
        if volume["name"] == DATA_VOLUME:
            volume["hostPath"]["path"] = host_path
    return copy


def restore_command(snapshot: str, target: str, flags: dict[str, str]) -> list[str]:
    """``etcdutl snapshot restore`` for this member: its name, peer URLs and cluster from the manifest."""
    return [
        *("etcdutl", "snapshot", "restore", snapshot, "--data-dir", target),
        *("--name", flags["name"], "--initial-cluster", flags["initial-cluster"]),
        *("--initial-advertise-peer-urls", flags["initial-advertise-peer-urls"]),
        *("--bump-revision", str(BUMP_REVISION), "--mark-compacted"),
    ]


def restore_snapshot(node: str, snapshot: str, target: str, flags: dict[str, str]) -> Timed:
    """Restore into ``target``; the exit code and etcdutl's words are the result (a refusal is not raised)."""
    return timed(node, *restore_command(snapshot, target, flags))


def current_revision(node: str) -> int:
    found = json.loads(output(node, "etcdctl", *LOCAL_ARGS, "endpoint", "status", "-w", "json"))
    return int(found[0]["Status"]["header"]["revision"])


def recover_space(node: str) -> dict[str, float]:
    """etcd's documented way out of NOSPACE: compact to the current revision, defragment, disarm the alarm.

    Returns each step's duration; raises naming the step that failed. It brings its own etcdctl, so it
    works on a node no other part of the runbook has touched yet.
    """
    install_tools(node)
    took: dict[str, float] = {}
    revision = current_revision(node)
    for step, script in (
        ("compact", ["etcdctl", *LOCAL_ARGS, "compact", str(revision)]),
        ("defrag", ["etcdctl", *LOCAL_ARGS, "--command-timeout=60s", "defrag"]),
        ("disarm", ["etcdctl", *LOCAL_ARGS, "alarm", "disarm"]),
    ):
        done = timed(node, *script)
        # A compaction to a revision already compacted is not an error for our purpose.
        if done.ran.code != 0 and not (step == "compact" and "already been compacted" in done.ran.output):
            raise AssertionError(f"etcdctl {step} exited {done.ran.code}: {done.ran.output[-300:]}")
        took[step] = done.seconds
    return took

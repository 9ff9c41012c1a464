"""etcd faults an operator meets: a damaged snapshot, a database over its space quota, a member cut off.

A damaged snapshot is made from a good one (cut short, or bytes overwritten in
the middle) and proven different from it. Space is exceeded for real: etcd's
backend quota is lowered through its static pod manifest (the original is
parked where the health gate puts it back) and one ConfigMap is rewritten with
1 MB of data until etcd raises its NOSPACE alarm and the API rejects writes.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from kubernetes import client
from kubernetes.client.exceptions import ApiException

from kindchaos.cluster.etcd import alarms, endpoint_status, etcdctl, has_quorum
from kindchaos.cluster.etcd_tools import (
    BACKUP_DIR,
    ETCD_MANIFEST,
    container_flags,
    file_size,
    parse_flags,
    read_manifest,
    recover_space,
    with_flag,
    write_manifest,
)
from kindchaos.cluster.leftovers import PARKED_DIR, PEER_CUT_CHAIN
from kindchaos.cluster.lifecycle import Cluster
from kindchaos.cluster.nodes import crictl_inspect, output, run, sha256
from kindchaos.cluster.partition import chain_exists, heal, partition
from kindchaos.cluster.readiness import API_ERRORS
from kindchaos.errors import UsageError
from kindchaos.expect.conditions import eventually
from kindchaos.faults.base import Fault
from kindchaos.faults.control_plane import BACKOFF_WITHIN, COMPONENTS, Component, check_serving, running_container
from kindchaos.faults.expected import Expected, expect
from kindchaos.faults.network import dropped_packets
from kindchaos.observe.timeline import Timeline, error_text

DAMAGES = ("truncated", "corrupted")
QUOTA_FLAG = "quota-backend-bytes"
NOSPACE = "alarm:NOSPACE"
FILLER = "kindchaos-filler"
ETCD_HEALTH_BUT_SPACE = Component("etcd", "http://127.0.0.1:2381/health?exclude=NOSPACE")
FILLER_BYTES = 900_000  # a ConfigMap holds at most 1 MiB


class SnapshotDamaged(Fault):
    """A copy of a good snapshot cut to half its size, or with 16 bytes overwritten in the middle."""

    def __init__(
        self,
        cluster: Cluster,
        good: str,
        damage: str,
        *,
        node: str | None = None,
        timeline: Timeline | None = None,
    ) -> None:
        super().__init__(timeline=timeline)
        if damage not in DAMAGES:
            raise UsageError(f"unknown snapshot damage {damage!r}", hint=f"use one of {', '.join(DAMAGES)}")
        self.cluster = cluster
        self.node = node or cluster.control_planes[0]
        self.good, self.damage = good, damage
        self.path = f"{BACKUP_DIR}/{damage}.db"
        self.restore_dir = f"/var/lib/etcd-from-{damage}-snapshot"  # where a restore of it would go

    @property
    def title(self) -> str:
        return f"{self.damage} snapshot {self.path} on {self.node!r}"

    def inject(self) -> None:
        size = file_size(self.node, self.good)
        output(self.node, "cp", self.good, self.path)
        if self.damage == "truncated":
            output(self.node, "truncate", "-s", str(size // 2), self.path)
        else:
            seek = f"seek={size // 2}"
            dd = ("dd", f"of={self.path}", "bs=1", seek, "conv=notrunc", "status=none")
            output(self.node, *dd, input_text="kindchaos-damage")

    def prove(self) -> None:
        good_sum, bad_sum = (sha256(self.node, p) for p in (self.good, self.path))
        assert good_sum != bad_sum, f"{self.path} has the same sha256 as {self.good}"
        sizes = [file_size(self.node, p) for p in (self.good, self.path)]
        self.observed(f"{self.path}: {sizes[1]} bytes, sha256 {bad_sum[:16]}...")
        self.observed(f"{self.good}: {sizes[0]} bytes, sha256 {good_sum[:16]}...")

    def restore(self) -> None:
        output(self.node, "rm", "-rf", self.path, self.restore_dir)

    def prove_restored(self) -> None:
        left = " ".join(p for p in (self.path, self.restore_dir) if run(self.node, "test", "-e", p).code == 0)
        assert not left, f"still on {self.node}: {left}"
        self.observed(f"{self.path} and {self.restore_dir} removed")


def _filler_api(cluster: Cluster) -> Any:
    return client.CoreV1Api(cluster.api)


def put_config_map(api: Any, namespace: str, body: Any, *, timeout: float) -> None:
    """Replace the ConfigMap, or create it if it does not exist yet."""
    try:
        api.replace_namespaced_config_map(body.metadata.name, namespace, body, _request_timeout=timeout)
    except ApiException as exc:
        if exc.status != 404:
            raise
        api.create_namespaced_config_map(namespace, body, _request_timeout=timeout)


class SpaceQuotaExceeded(Fault):
    """etcd's backend quota lowered to ``quota_bytes`` and filled until the NOSPACE alarm rejects writes.

    Restoring runs etcd's runbook if the alarm is still raised, deletes the filler and puts the
    original manifest back, so etcd runs with its usual quota again.
    """

    def __init__(
        self,
        cluster: Cluster,
        namespace: str,
        *,
        headroom_bytes: int = 16 * 1024 * 1024,
        node: str | None = None,
        timeline: Timeline | None = None,
        max_writes: int = 200,
    ) -> None:
        super().__init__(timeline=timeline)
        self.cluster = cluster
        self.namespace = namespace
        self.node = node or cluster.control_planes[0]
        self.headroom_bytes = headroom_bytes
        self.max_writes = max_writes
        self.quota_bytes = 0
        self.original: dict[str, Any] = {}
        self.container_before: str | None = None
        self.rejection = ""
        self.writes = 0
        self.manifest_changed = False

    def triage_expects(self) -> Expected:
        return expect("etcd-nospace")

    @property
    def title(self) -> str:
        return f"etcd space quota exceeded on {self.node!r}"

    def inject(self) -> None:
        self.original = read_manifest(self.node)
        db_size = max(s.db_size for s in endpoint_status(self.node, cluster=False))
        self.quota_bytes = db_size + self.headroom_bytes
        found = running_container(self.node, COMPONENTS["etcd"])
        self.container_before = found["id"] if found else None
        output(self.node, "mkdir", "-p", PARKED_DIR)
        output(self.node, "cp", ETCD_MANIFEST, f"{PARKED_DIR}/etcd.yaml")
        write_manifest(self.node, ETCD_MANIFEST, with_flag(self.original, QUOTA_FLAG, str(self.quota_bytes)))
        self.manifest_changed = True
        self._mark("quota_lowered", quota_bytes=self.quota_bytes)
        self._wait_for_etcd(lambda flags: flags.get(QUOTA_FLAG) == str(self.quota_bytes), "with the lowered quota")
        self._wait_for_writes()
        self._mark("etcd_back", quota_bytes=self.quota_bytes)
        self.figures["etcd_restart_for_quota_s"] = (self.at("etcd_back") or 0) - (self.at("quota_lowered") or 0)
        self._fill()

    def _running(self) -> tuple[str, dict[str, str]]:
        """The running etcd container's id and its ``--name=value`` flags, as crictl inspect shows them."""
        found = running_container(self.node, COMPONENTS["etcd"])
        assert found is not None, "no running etcd container"
        config = crictl_inspect(self.node, found["id"])["info"]["config"]
        return found["id"], parse_flags([*(config.get("command") or []), *(config.get("args") or [])])

    def _wait_for_etcd(self, flags_ok: Any, what: str) -> None:
        def restarted() -> None:
            container, flags = self._running()
            assert container != self.container_before, "etcd not restarted yet"
            assert flags_ok(flags), f"etcd running with {QUOTA_FLAG}={flags.get(QUOTA_FLAG)}"
            self.container_before = container

        eventually(restarted, within=BACKOFF_WITHIN, expected=f"a new etcd container {what}")
        # /health fails while any alarm is raised; a NOSPACE alarm survives the restart until it is disarmed.
        eventually(lambda: check_serving(self.node, ETCD_HEALTH_BUT_SPACE), within=60, expected="etcd /health 200")

    def _wait_for_writes(self) -> None:
        eventually(self._write_ok, within=120, interval=1, retry_on=API_ERRORS, expected="an API write accepted")

    def _write_ok(self) -> None:
        body = client.V1ConfigMap(metadata=client.V1ObjectMeta(name="kindchaos-probe"), data={"at": str(time.time())})
        put_config_map(_filler_api(self.cluster), self.namespace, body, timeout=5)

    def _fill(self) -> None:
        """Rewrite one ConfigMap with fresh random data until a write is refused for lack of space."""
        api = _filler_api(self.cluster)
        self._mark("fill")
        for written in range(1, self.max_writes + 1):
            self.writes = written
            body = client.V1ConfigMap(
                metadata=client.V1ObjectMeta(name=FILLER), data={"fill": secrets.token_urlsafe(FILLER_BYTES * 3 // 4)}
            )
            try:
                put_config_map(api, self.namespace, body, timeout=10)
            except ApiException as exc:
                if "database space exceeded" in error_text(exc):
                    self.rejection = error_text(exc)
                    self._mark("alarm", writes=self.writes)
                    self.figures["fill_to_alarm_s"] = (self.at("alarm") or 0) - (self.at("fill") or 0)
                    return
                raise
        raise AssertionError(
            f"{self.writes} writes of {FILLER_BYTES} bytes accepted under a {self.quota_bytes}-byte quota"
        )

    def prove(self) -> None:
        raised = alarms(self.node)
        assert any(NOSPACE in line for line in raised), f"etcdctl alarm list: {raised or 'no alarm'}"
        self.observed(f"etcd running with --{QUOTA_FLAG}={self.quota_bytes}")
        self.observed(f"{self.writes} writes of {FILLER_BYTES} bytes; the last refused: {self.rejection}")
        self.observed(f"etcdctl alarm list: {'; '.join(raised)}")

    def restore(self) -> None:
        """The usual manifest back first (etcd restarts with its usual quota), then the runbook if still alarmed."""
        if run(self.node, "test", "-f", f"{PARKED_DIR}/etcd.yaml").code == 0:
            output(self.node, "mv", f"{PARKED_DIR}/etcd.yaml", ETCD_MANIFEST)
        if not self.manifest_changed:
            return
        usual = container_flags(self.original).get(QUOTA_FLAG)
        self._wait_for_etcd(lambda flags: flags.get(QUOTA_FLAG) == usual, f"with {QUOTA_FLAG}={usual}")
        self.manifest_changed = False
        if any(NOSPACE in line for line in alarms(self.node)):
            recover_space(self.node)
        try:
            _filler_api(self.cluster).delete_namespaced_config_map(FILLER, self.namespace, _request_timeout=10)
        except ApiException as exc:
            if exc.status != 404:
                raise

    def prove_restored(self) -> None:
        quota = self._running()[1].get(QUOTA_FLAG)
        usual = container_flags(self.original).get(QUOTA_FLAG)
        assert quota == usual, f"etcd running with {QUOTA_FLAG}={quota}, expected {usual}"
        raised = alarms(self.node)
        assert not raised, f"etcdctl alarm list: {raised}"
        eventually(lambda: check_serving(self.node, COMPONENTS["etcd"]), within=60, expected="etcd /health 200")
        self._wait_for_writes()
        self.observed(f"etcd running with {QUOTA_FLAG}={usual or 'its default'}; no alarm; an API write accepted")


SERIALIZABLE_GET = ("get", "/registry/namespaces/default", "--consistency=s", "--keys-only")
ISOLATED_WITHIN_S = 30  # a fixed wait: etcd's election timeout is 1 s; the member notices within seconds
REJOINED_WITHIN_S = 60


class EtcdMemberIsolated(Fault):
    """One control plane's etcd member cut from its peers (raft's port 2380), its apiserver still beside it.

    The apiserver reaches the member on localhost, so it keeps serving; the member cannot reach a leader, so
    every linearizable read it is asked fails while a serializable (local) read still answers. Proven by both,
    and by the chain's drop counter; undone by removing the chain, proven by the member answering a
    linearizable read again.
    """

    def __init__(self, cluster: Cluster, node: str, *, timeline: Timeline | None = None) -> None:
        super().__init__(timeline=timeline)
        if node not in cluster.control_planes or len(cluster.control_planes) < 3:
            raise UsageError(
                f"cannot isolate the etcd member of {node!r}", hint="name a control plane of an `ha` cluster"
            )
        self.cluster = cluster
        self.node = node

    def triage_expects(self) -> Expected:
        return expect("etcd-member", self.node)

    @property
    def title(self) -> str:
        return f"etcd member of {self.node!r} cut from its peers"

    def inject(self) -> None:
        partition(self.node, PEER_CUT_CHAIN)

    def _refuses_linearizable(self) -> None:
        ran = has_quorum(self.node)
        assert ran.code != 0, f"{self.node}'s member still answers a linearizable read"

    def prove(self) -> None:
        waited = eventually(
            self._refuses_linearizable, within=ISOLATED_WITHIN_S, expected="linearizable reads refused", interval=0.5
        )
        local = etcdctl(self.node, *SERIALIZABLE_GET)
        assert local.code == 0, f"a serializable read on {self.node} failed too: {local.output[-200:]}"
        dropped = dropped_packets(self.node, PEER_CUT_CHAIN)
        assert dropped > 0, f"{PEER_CUT_CHAIN} on {self.node} dropped no packet"
        self.observed(
            f"{self.node}'s member refuses linearizable reads (after {waited.seconds:.1f} s: "
            f"{' '.join(has_quorum(self.node).output.split())[-160:]}); a serializable read answers; "
            f"{PEER_CUT_CHAIN} dropped {dropped} packets"
        )

    def restore(self) -> None:
        heal(self.node, PEER_CUT_CHAIN)

    def _answers_linearizable(self) -> None:
        ran = has_quorum(self.node)
        assert ran.code == 0, f"{self.node}: {' '.join(ran.output.split())[-160:]}"

    def prove_restored(self) -> None:
        assert not chain_exists(self.node, PEER_CUT_CHAIN), f"chain {PEER_CUT_CHAIN} still on {self.node}"
        waited = eventually(
            self._answers_linearizable, within=REJOINED_WITHIN_S, expected="linearizable reads answered", interval=1
        )
        self.observed(
            f"{PEER_CUT_CHAIN} removed; {self.node}'s member answers linearizable reads ({waited.seconds:.1f} s)"
        )

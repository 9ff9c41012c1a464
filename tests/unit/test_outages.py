"""Pure parts of the outage scenarios: lease renewal gaps, APF counters, etcdctl's member add, the flood's bounds."""

from pathlib import Path
from typing import Any, cast

import pytest

from kindchaos.cluster.etcd_runbook import initial_cluster_from
from kindchaos.cluster.flow_control import counter_delta, parse_flow_counters, server_url
from kindchaos.cluster.lifecycle import Cluster
from kindchaos.cluster.topology import topology_named
from kindchaos.errors import UsageError
from kindchaos.faults.api_flood import MAX_REQUESTS, MAX_SECONDS, Flood
from kindchaos.faults.certificates import MAX_VALIDITY_S, MIN_VALIDITY_S, CertificatesExpired
from kindchaos.faults.stacked_etcd import StackedMemberLost, StackedQuorumLost
from kindchaos.observe.replay import heartbeat_gap
from kindchaos.observe.timeline import Timeline, TimelineEvent

T0 = 1_800_000_000.0  # 2027-01-15T08:00:00Z


def renewals(node: str, *seconds: float) -> Timeline:
    timeline = Timeline(clock=lambda: 0.0, wall=lambda: 0.0)
    for n, at in enumerate(seconds):
        renew = TimelineEvent(n, T0 + at, "lease", "MODIFIED", f"kube-node-lease/{node}", {})
        stamp = f"2027-01-15T08:00:{at:09.6f}Z" if at < 60 else f"2027-01-15T08:01:{at - 60:09.6f}Z"
        timeline.append(TimelineEvent(renew.mono, renew.wall, renew.source, renew.type, renew.name, {"renew": stamp}))
    return timeline


def test_the_gap_counts_from_the_renewal_before_the_window_and_up_to_its_end() -> None:
    timeline = renewals("w1", 0, 10, 30, 40)
    assert heartbeat_gap(timeline, "w1", T0 + 5, T0 + 45) == pytest.approx(20)  # 10 -> 30
    assert heartbeat_gap(timeline, "w1", T0 + 5, T0 + 65) == pytest.approx(25)  # 40 -> the end, nothing since


def test_renewals_after_the_window_do_not_shorten_it() -> None:
    assert heartbeat_gap(renewals("w1", 0, 50), "w1", T0 + 1, T0 + 30) == pytest.approx(30)


def test_no_renewal_is_no_figure() -> None:
    assert heartbeat_gap(renewals("w1", 0), "w2", T0, T0 + 10) is None


METRICS = """\
# HELP apiserver_flowcontrol_rejected_requests_total [BETA] Number of requests rejected by API Priority and Fairness
# TYPE apiserver_flowcontrol_rejected_requests_total counter
apiserver_flowcontrol_rejected_requests_total{flow_schema="F",priority_level="L",reason="queue-full"} 40
apiserver_flowcontrol_rejected_requests_total{flow_schema="F",priority_level="L",reason="time-out"} 2
# HELP apiserver_flowcontrol_dispatched_requests_total [BETA] Number of requests executed by API Priority and Fairness
# TYPE apiserver_flowcontrol_dispatched_requests_total counter
apiserver_flowcontrol_dispatched_requests_total{flow_schema="exempt",priority_level="exempt"} 7
apiserver_flowcontrol_dispatched_requests_total{flow_schema="F",priority_level="L"} 100
"""


def test_flow_counters_are_summed_over_reasons() -> None:
    found = parse_flow_counters(METRICS)
    assert found[("apiserver_flowcontrol_rejected_requests", "F", "L")] == 42
    assert counter_delta(parse_flow_counters(""), found, "rejected", "F") == 42
    assert counter_delta(found, found, "dispatched", "F") == 0
    assert counter_delta(parse_flow_counters(""), found, "dispatched", "exempt") == 7


def test_member_add_prints_the_cluster_the_new_member_starts_with() -> None:
    printed = (
        "Member 5f3c added to cluster 9a1b\n\n"
        'ETCD_NAME="cp3"\n'
        'ETCD_INITIAL_CLUSTER="cp1=https://10.0.0.2:2380,cp3=https://10.0.0.4:2380"\n'
        'ETCD_INITIAL_CLUSTER_STATE="existing"\n'
    )
    assert initial_cluster_from(printed) == "cp1=https://10.0.0.2:2380,cp3=https://10.0.0.4:2380"
    with pytest.raises(AssertionError, match="no ETCD_INITIAL_CLUSTER"):
        initial_cluster_from("Error: etcdserver: unhealthy cluster")


@pytest.mark.parametrize(
    ("threads", "requests", "seconds", "hint"),
    [(0, 10, 10, "threads"), (8, MAX_REQUESTS + 1, 10, "requests"), (8, 10, MAX_SECONDS + 1, "seconds")],
)
def test_the_flood_is_bounded(threads: int, requests: int, seconds: float, hint: str, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=hint):
        Flood("https://127.0.0.1:1/", "token", tmp_path / "ca.crt", threads=threads, requests=requests, seconds=seconds)


def a_cluster(topology: str) -> Cluster:
    """A cluster as the library describes it (no cluster behind it: the constructors refuse before using one)."""
    return Cluster(
        name="kc-unit",
        topology=topology_named(topology),
        image="kindchaos/node:unit",
        kubeconfig=Path("/nonexistent/kubeconfig"),
        kind=cast(Any, None),
        created_seconds=None,
    )


def test_a_stacked_member_is_lost_only_on_an_ha_cluster() -> None:
    with pytest.raises(UsageError, match="no stacked etcd of three members") as refused:
        StackedMemberLost(a_cluster("single"), "kc-unit-control-plane")
    assert "`ha`" in (refused.value.hint or "")
    with pytest.raises(UsageError, match="cannot lose the etcd members") as refused:
        StackedMemberLost(a_cluster("ha"), "kc-unit-worker")
    assert "kc-unit-control-plane2" in (refused.value.hint or "")


def test_quorum_is_lost_with_exactly_two_members() -> None:
    with pytest.raises(UsageError, match="not 1"):
        StackedQuorumLost(a_cluster("ha"), ["kc-unit-control-plane2"], snapshot="s", token="t", target="d")


@pytest.mark.parametrize("validity", [MIN_VALIDITY_S - 1, MAX_VALIDITY_S + 1])
def test_certificates_expire_within_bounds(validity: int) -> None:
    with pytest.raises(UsageError, match="out of range"):
        CertificatesExpired(a_cluster("single"), validity_s=validity)


def test_the_flood_targets_loopback_only(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text("clusters:\n- cluster:\n    server: https://10.0.0.1:6443\n")
    remote = Cluster(
        name="kc-unit",
        topology=topology_named("single"),
        image="kindchaos/node:unit",
        kubeconfig=kubeconfig,
        kind=cast(Any, None),
        created_seconds=None,
    )
    with pytest.raises(UsageError, match="not on loopback"):
        server_url(remote)
    kubeconfig.write_text("clusters:\n- cluster:\n    server: https://127.0.0.1:41234\n")
    assert server_url(remote) == "https://127.0.0.1:41234"

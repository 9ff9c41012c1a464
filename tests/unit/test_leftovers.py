"""The shell a partition and the health gate run, and the gate's reading of kubelet's back-off window."""

from datetime import UTC, datetime, timedelta

from kindchaos.cluster import health
from kindchaos.faults.network import heal_script, partition_script


def test_partition_hangs_one_drop_chain_on_every_eth0_path() -> None:
    script = partition_script("KC")
    assert script.startswith("iptables -N KC && iptables -A KC -j DROP")
    for jump in ("INPUT 1 -i eth0", "OUTPUT 1 -o eth0", "FORWARD 1 -i eth0", "FORWARD 1 -o eth0"):
        assert f"iptables -I {jump} -j KC" in script


def test_healing_removes_every_jump_then_the_chain_and_never_fails() -> None:
    script = heal_script("KC")
    assert script.count("while iptables -D") == 4
    assert script.endswith("iptables -F KC 2>/dev/null; iptables -X KC 2>/dev/null; true")


def test_back_off_window_reads_cri_timestamps_with_nanoseconds() -> None:
    recent = (datetime.now(UTC) - timedelta(seconds=30)).strftime("%Y-%m-%dT%H:%M:%S.%f") + "123Z"
    assert 29 < health._seconds_ago(recent) < 60
    assert health._seconds_ago("2020-01-01T00:00:00Z") > health.BACKOFF_MEMORY_S
    assert health._seconds_ago("not a time") == float("inf")

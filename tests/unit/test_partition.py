"""The shell a partition and its healing run."""

from kindchaos.cluster.partition import heal_script, partition_script


def test_partition_hangs_one_drop_chain_on_every_eth0_path() -> None:
    script = partition_script("KC")
    assert script.startswith("iptables -N KC && iptables -A KC -j DROP")
    for jump in ("INPUT 1 -i eth0", "OUTPUT 1 -o eth0", "FORWARD 1 -i eth0", "FORWARD 1 -o eth0"):
        assert f"iptables -I {jump} -j KC" in script


def test_healing_removes_every_jump_then_the_chain_and_never_fails() -> None:
    script = heal_script("KC")
    assert script.count("while iptables -D") == 4
    assert script.endswith("iptables -F KC 2>/dev/null; iptables -X KC 2>/dev/null; true")

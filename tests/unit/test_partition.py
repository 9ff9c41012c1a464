"""The iptables commands a partition runs."""

from kindchaos.cluster.partition import partition_commands


def test_partition_hangs_one_drop_chain_on_every_eth0_path() -> None:
    commands = partition_commands("KC")
    assert commands[:2] == [["iptables", "-N", "KC"], ["iptables", "-A", "KC", "-j", "DROP"]]
    jumps = {" ".join(argv) for argv in commands[2:]}
    for jump in ("INPUT 1 -i eth0", "OUTPUT 1 -o eth0", "FORWARD 1 -i eth0", "FORWARD 1 -o eth0"):
        assert f"iptables -I {jump} -j KC" in jumps
    assert len(commands) == 6

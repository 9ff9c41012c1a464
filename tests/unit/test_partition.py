"""The iptables commands a partition runs."""

from kindchaos.cluster.leftovers import ETCD_CLIENT_CUT_CHAIN, PARTITION_CHAIN, PEER_CUT_CHAIN
from kindchaos.cluster.partition import between, partition_commands


def test_partition_hangs_one_drop_chain_on_every_eth0_path() -> None:
    commands = partition_commands(PARTITION_CHAIN)
    chain = PARTITION_CHAIN
    assert commands[:2] == [["iptables", "-N", chain], ["iptables", "-A", chain, "-j", "DROP"]]
    jumps = {" ".join(argv) for argv in commands[2:]}
    for jump in ("INPUT 1 -i eth0", "OUTPUT 1 -o eth0", "FORWARD 1 -i eth0", "FORWARD 1 -o eth0"):
        assert f"iptables -I {jump} -j {chain}" in jumps
    assert len(commands) == 6


def test_a_peer_cut_drops_only_etcd_raft_traffic_on_eth0() -> None:
    jumps = {" ".join(argv) for argv in partition_commands(PEER_CUT_CHAIN)[2:]}
    assert jumps == {
        f"iptables -I INPUT 1 -i eth0 -p tcp --dport 2380 -j {PEER_CUT_CHAIN}",
        f"iptables -I INPUT 1 -i eth0 -p tcp --sport 2380 -j {PEER_CUT_CHAIN}",
        f"iptables -I OUTPUT 1 -o eth0 -p tcp --dport 2380 -j {PEER_CUT_CHAIN}",
        f"iptables -I OUTPUT 1 -o eth0 -p tcp --sport 2380 -j {PEER_CUT_CHAIN}",
    }


def test_a_cut_from_an_external_member_drops_its_client_port_for_its_address_only() -> None:
    commands = partition_commands(ETCD_CLIENT_CUT_CHAIN, between("172.30.250.12"))
    chain = ETCD_CLIENT_CUT_CHAIN
    assert commands[:3] == [
        ["iptables", "-N", chain],
        ["iptables", "-A", chain, "-d", "172.30.250.12", "-j", "DROP"],
        ["iptables", "-A", chain, "-s", "172.30.250.12", "-j", "DROP"],
    ]
    assert {" ".join(argv) for argv in commands[3:]} == {
        f"iptables -I OUTPUT 1 -o eth0 -p tcp --dport 2379 -j {chain}",
        f"iptables -I INPUT 1 -i eth0 -p tcp --sport 2379 -j {chain}",
    }


def test_a_partition_keeps_the_node_s_own_access_path_first() -> None:
    kept = (("-p", "tcp", "--dport", "22"), ("-p", "tcp", "--sport", "22"))
    commands = [" ".join(argv) for argv in partition_commands(PARTITION_CHAIN, kept=kept)]
    assert commands[:4] == [
        f"iptables -N {PARTITION_CHAIN}",
        f"iptables -A {PARTITION_CHAIN} -p tcp --dport 22 -j RETURN",
        f"iptables -A {PARTITION_CHAIN} -p tcp --sport 22 -j RETURN",
        f"iptables -A {PARTITION_CHAIN} -j DROP",
    ]


def test_a_cut_naming_no_address_is_made_in_both_families_one_by_address_in_ipv4_only() -> None:
    from kindchaos.cluster.partition import EVERYTHING, families

    assert families(EVERYTHING) == ("iptables", "ip6tables")
    assert families(between("172.30.250.12")) == ("iptables",)
    assert partition_commands(PARTITION_CHAIN, tool="ip6tables")[0] == ["ip6tables", "-N", PARTITION_CHAIN]

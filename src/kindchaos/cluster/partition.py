"""The iptables a network partition adds to a node and the iptables that take it away again.

Both the fault and the health gate use these, so a partition left by a killed run is removed
exactly as the fault itself would remove it.
"""

from __future__ import annotations

from kindchaos.cluster.leftovers import PARTITION_CHAIN
from kindchaos.cluster.nodes import run_in

# (built-in chain, match) for every path on the node's kind-network interface.
JUMPS = (("INPUT", "-i eth0"), ("OUTPUT", "-o eth0"), ("FORWARD", "-i eth0"), ("FORWARD", "-o eth0"))


def partition_script(chain: str = PARTITION_CHAIN) -> str:
    rules = [f"iptables -N {chain}", f"iptables -A {chain} -j DROP"]
    rules += [f"iptables -I {builtin} 1 {match} -j {chain}" for builtin, match in JUMPS]
    return " && ".join(rules)


def heal_script(chain: str = PARTITION_CHAIN) -> str:
    """Remove every jump to the chain and the chain itself; safe when there is none."""
    deletes = [f"while iptables -D {builtin} {match} -j {chain} 2>/dev/null; do :; done" for builtin, match in JUMPS]
    return "; ".join([*deletes, f"iptables -F {chain} 2>/dev/null", f"iptables -X {chain} 2>/dev/null", "true"])


def chain_exists(node: str, chain: str = PARTITION_CHAIN) -> bool:
    return run_in(node, f"iptables -n -L {chain} >/dev/null 2>&1").code == 0

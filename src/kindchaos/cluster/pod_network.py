"""A node's pod network read the way an operator reads it: the device the kernel routes an address through
(``ip route get``), a device's packet counters (``/sys/class/net``), and the address a connection was rewritten to
(the reply direction of its conntrack entry). Parsing is kept apart from the commands so it is tested on its own."""

from __future__ import annotations

import re

from kindchaos.cluster.nodes import output

VXLAN_DEVICE = "vxlan.calico"  # Calico's VXLAN tunnel device on every node


def device_in_route(route: str) -> str | None:
    """The ``dev`` of ``ip route get`` output, e.g. ``192.168.57.129 dev vxlan.calico src ...`` -> vxlan.calico."""
    found = re.search(r"\bdev (\S+)", route)
    return found.group(1) if found else None


def route_device(node: str, address: str) -> str | None:
    return device_in_route(output(node, "ip", "route", "get", address))


def packets(node: str, device: str, direction: str) -> int:
    """A device's packet counter in ``node``; ``direction`` is "tx" or "rx"."""
    return int(output(node, "cat", f"/sys/class/net/{device}/statistics/{direction}_packets"))


def reply_destinations(conntrack_list: str) -> list[str]:
    """For each entry of ``conntrack -L`` output, the reply direction's destination: the address the peer
    answered, which is the original source unless the connection was source-NATed."""
    found = []
    for line in conntrack_list.splitlines():
        destinations = re.findall(r"\bdst=(\S+)", line)
        if len(destinations) >= 2:
            found.append(destinations[1])
    return found


def answered_addresses(node: str, *, source: str, destination: str, port: int) -> list[str]:
    """The addresses ``destination`` answered for TCP connections from ``source`` to it on ``port``, as
    ``node``'s conntrack recorded them."""
    listed = output(
        node, "conntrack", "-L", "-p", "tcp", "--orig-src", source, "--orig-dst", destination, "--dport", str(port)
    )
    return reply_destinations(listed)

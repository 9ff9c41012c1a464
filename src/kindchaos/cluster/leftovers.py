"""Where faults leave their marks on a node, so a health gate can find and undo them.

Faults import these names to put things there; the health gate imports them to
take them back. Nothing else is left on a node by a fault.
"""

MANIFESTS_DIR = "/etc/kubernetes/manifests"
# Parked manifests stay under /etc/kubernetes, outside kubelet's static pod path.
PARKED_DIR = "/etc/kubernetes/kindchaos-parked"
# The iptables chain a network partition hangs its DROP rules on.
PARTITION_CHAIN = "KINDCHAOS-PARTITION"
NODE_UNITS = ("containerd", "kubelet")
# A Deployment scaled down by a fault carries its earlier replica count here until it is scaled back.
REPLICAS_ANNOTATION = "kindchaos.dev/replicas-before"
# Processes stopped with SIGSTOP show state T in ps; a health gate continues every one of them.
STOPPED_PROCESSES = "ps -eo pid=,stat=,comm= | awk '$2 ~ /^T/ {print $1\" \"$3}'"

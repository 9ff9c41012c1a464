"""Linux capabilities the host's bounding set lacks.

Docker 20.10 hands ``--privileged`` containers every capability it knows; when
the host's bounding set lacks one (CAP_SYS_RESOURCE on these machines), runc
fails with "unable to apply caps". Knowing which ones are missing decides
whether the runtime wrapper is installed at all.
"""

from __future__ import annotations

from pathlib import Path

# Capability numbers from linux/capability.h, in order.
CAPABILITY_NAMES: tuple[str, ...] = (
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
)


def bounding_set(status_text: str) -> int:
    """Return the ``CapBnd`` mask from the text of ``/proc/<pid>/status``."""
    for line in status_text.splitlines():
        if line.startswith("CapBnd:"):
            return int(line.split(":", 1)[1].strip(), 16)
    raise ValueError("no CapBnd line in process status")


def missing_capabilities(mask: int) -> list[str]:
    """Names of known capabilities whose bit is clear in ``mask``."""
    return [name for bit, name in enumerate(CAPABILITY_NAMES) if not mask >> bit & 1]


def host_missing_capabilities(status_path: Path = Path("/proc/self/status")) -> list[str]:
    return missing_capabilities(bounding_set(status_path.read_text()))

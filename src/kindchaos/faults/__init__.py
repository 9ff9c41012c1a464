"""Faults that prove they happened and prove they were undone."""

from kindchaos.faults.base import Fault
from kindchaos.faults.control_plane import ComponentCrashed, ComponentDown
from kindchaos.faults.drain import DrainBlocked, NodeCordoned, NodeDrained, drain
from kindchaos.faults.etcd import EtcdMemberIsolated, SnapshotDamaged, SpaceQuotaExceeded
from kindchaos.faults.external_etcd import (
    EtcdMemberCutFromControlPlanes,
    ExternalMemberFrozen,
    ExternalMemberLost,
    ExternalMemberStopped,
)
from kindchaos.faults.network import NetworkPartitioned
from kindchaos.faults.nodes import KubeletStopped, NodeFrozen, NodeRemoved, NodeStopped, RuntimeStopped
from kindchaos.faults.processes import ProcessFrozen
from kindchaos.faults.stacked_etcd import StackedMemberLost, StackedQuorumLost
from kindchaos.faults.workloads import DeploymentScaledToZero

__all__ = [
    "ComponentCrashed",
    "ComponentDown",
    "DeploymentScaledToZero",
    "DrainBlocked",
    "EtcdMemberCutFromControlPlanes",
    "EtcdMemberIsolated",
    "ExternalMemberFrozen",
    "ExternalMemberLost",
    "ExternalMemberStopped",
    "Fault",
    "KubeletStopped",
    "NetworkPartitioned",
    "NodeCordoned",
    "NodeDrained",
    "NodeFrozen",
    "NodeRemoved",
    "NodeStopped",
    "ProcessFrozen",
    "RuntimeStopped",
    "SnapshotDamaged",
    "SpaceQuotaExceeded",
    "StackedMemberLost",
    "StackedQuorumLost",
    "drain",
]

"""The probes, in one place: each runs a loop of bounded requests while a scenario runs and records every
outcome. ``ApiProbe`` (the API endpoint), ``ServiceProbe`` (a Service's data path, from inside a node),
``EtcdStatusProbe`` (every etcd member's status) and ``VersionSkewProbe`` (what every component runs)."""

from kindchaos.observe.probes.api import ApiProbe
from kindchaos.observe.probes.base import Probe
from kindchaos.observe.probes.etcd_status import EtcdStatusProbe
from kindchaos.observe.probes.service import ServiceProbe, parse_service_line
from kindchaos.observe.probes.version_skew import VersionSkewProbe

__all__ = ["ApiProbe", "EtcdStatusProbe", "Probe", "ServiceProbe", "VersionSkewProbe", "parse_service_line"]

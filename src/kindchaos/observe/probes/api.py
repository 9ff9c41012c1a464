"""The API probe: reads a namespace through the cluster's API endpoint (the load balancer on ``ha``), so every
answer went through an apiserver and etcd."""

from __future__ import annotations

import time
from pathlib import Path

from kubernetes import client

from kindchaos.cluster.api import api_client
from kindchaos.observe.probes.base import DEFAULT_INTERVAL, DEFAULT_TIMEOUT, Probe
from kindchaos.observe.timeline import Timeline, error_text


class ApiProbe(Probe):
    """GET /api/v1/namespaces/default every ``interval`` seconds, each bounded by ``timeout``."""

    source = "api-probe"

    def __init__(
        self,
        *,
        kubeconfig: Path,
        timeline: Timeline,
        name: str = "api",
        interval: float = DEFAULT_INTERVAL,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        super().__init__(name=name, timeline=timeline, interval=interval)
        self.kubeconfig = kubeconfig
        self.timeout = timeout

    def _loop(self) -> None:
        core = client.CoreV1Api(api_client(self.kubeconfig))
        while not self._stop.is_set():
            mono, wall = time.monotonic(), time.time()
            try:
                core.read_namespace("default", _request_timeout=self.timeout)
                self.record(started_mono=mono, started_wall=wall, ok=True, latency=time.monotonic() - mono)
            except Exception as exc:  # every failure is an outcome to record
                self.record(
                    started_mono=mono,
                    started_wall=wall,
                    ok=False,
                    latency=time.monotonic() - mono,
                    error=error_text(exc),
                )
            self._stop.wait(max(0.0, self.interval - (time.monotonic() - mono)))

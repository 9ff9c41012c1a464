"""Availability probes: a bounded request loop, each request's outcome and latency on the timeline.

The API probe reads a namespace through the cluster's API endpoint (the load
balancer on ``ha``), which goes through etcd. The Service probe runs a curl
loop inside a node against the workload's ClusterIP, so it measures the data
path (kube-proxy, CNI, the pods) without depending on the API server, and
records which pod answered each request.
"""

from __future__ import annotations

import abc
import json
import shlex
import subprocess
import threading
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from kubernetes import client

from kindchaos.cluster import nodes
from kindchaos.cluster.api import api_client
from kindchaos.cluster.services import programmed
from kindchaos.errors import InjectionError
from kindchaos.observe.figures import Sample
from kindchaos.observe.observer import Observer
from kindchaos.observe.timeline import Timeline, TimelineEvent, error_text

DEFAULT_INTERVAL = 0.25
DEFAULT_TIMEOUT = 2.0
SERVICE_CIDR_PREFIX = "10.96."  # kind's default Service CIDR, 10.96.0.0/16


class Probe(Observer):
    """Requests in a loop until stopped, each outcome a sample and a timeline event."""

    source = "probe"

    def __init__(self, *, name: str, timeline: Timeline, interval: float) -> None:
        super().__init__()
        self.name = name
        self.timeline = timeline
        self.interval = interval
        self._thread: threading.Thread | None = None
        self._samples: list[Sample] = []
        self._lock = threading.Lock()
        self._first = threading.Event()

    @property
    def samples(self) -> list[Sample]:
        with self._lock:
            return list(self._samples)

    def record(self, *, started_mono: float, started_wall: float, ok: bool, latency: float, **detail: Any) -> None:
        detail = {"latency": round(latency, 4), **detail}
        sample = Sample(started_mono, ok, latency, detail)
        with self._lock:
            self._samples.append(sample)
        self._first.set()
        self.timeline.append(
            TimelineEvent(started_mono, started_wall, self.source, "ok" if ok else "fail", self.name, detail)
        )

    def wait_for_first_sample(self, *, within: float = 30) -> None:
        """Block until the probe has recorded a sample, so the loop is known to be running."""
        if not self._first.wait(within):
            raise TimeoutError(f"probe {self.name!r} recorded no sample within {within:.0f}s")

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=15)

    def __enter__(self) -> Probe:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @abc.abstractmethod
    def start(self) -> Probe: ...


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

    def start(self) -> ApiProbe:
        self._thread = threading.Thread(
            target=self._guarded(self._loop), name=f"kindchaos-{self.name}-probe", daemon=True
        )
        self._thread.start()
        return self

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


# One line per request: start time, curl's exit code, HTTP status, total time, body (JSON), error text.
_SERVICE_LOOP = r"""
echo $$ > {pidfile}
while true; do
  start=$(date +%s.%N)
  meta=$(curl -sS -m {timeout} -o {body} -w '%{{http_code}}\t%{{time_total}}' {url} 2>{err}); rc=$?
  printf '%s\t%s\t%s\t%s\t%s\n' "$start" "$rc" "$meta" "$(head -c 400 {body} | tr -d '\t\n')" \
    "$(head -c 200 {err} | tr '\t\n' '  ')"
  : > {body}
  sleep {interval}
done
"""


def parse_service_line(line: str) -> tuple[float, bool, float, dict[str, Any]] | None:
    """Turn one loop line into (start wall time, ok, latency, detail); None for a line that is not one."""
    parts = line.rstrip("\n").split("\t")
    if len(parts) < 6:
        return None
    start, rc, code, total, body, err = parts[:6]
    try:
        wall, latency = float(start), float(total)
    except ValueError:
        return None
    detail: dict[str, Any] = {"http": code}
    try:
        answer = json.loads(body) if body else {}
        detail["pod"] = answer.get("pod")
    except json.JSONDecodeError:
        detail["body"] = body[:80]
    ok = rc == "0" and code == "200"
    if not ok:
        detail["error"] = err.strip() or f"curl exit {rc}, HTTP {code}"
    return wall, ok, latency, detail


class ServiceProbe(Probe):
    """HTTP GETs to a Service URL from inside a node, independent of the API server."""

    source = "service-probe"

    def __init__(
        self,
        *,
        node: str,
        url: str,
        timeline: Timeline,
        name: str = "service",
        interval: float = DEFAULT_INTERVAL,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        super().__init__(name=name, timeline=timeline, interval=interval)
        self.node = node
        self.url = url
        self.timeout = timeout
        self._files = f"/tmp/kindchaos-probe-{uuid.uuid4().hex[:8]}"
        self._process: subprocess.Popen[str] | None = None

    def start(self) -> ServiceProbe:
        host = urlsplit(self.url).hostname or ""
        if host.startswith(SERVICE_CIDR_PREFIX) and not programmed(self.node, host):
            raise InjectionError(
                f"no kube-proxy rule for {host} on {self.node}; a request would leave the cluster",
                hint="wait for the Service (Workload.wait_ready or cluster.services.wait_programmed) first",
            )
        script = _SERVICE_LOOP.format(
            pidfile=f"{self._files}.pid",
            body=f"{self._files}.body",
            err=f"{self._files}.err",
            url=shlex.quote(self.url),
            timeout=self.timeout,
            interval=self.interval,
        )
        self._process = nodes.stream(self.node, "bash", "-c", script)  # a loop inside the node: a real shell
        self._thread = threading.Thread(
            target=self._guarded(self._read), name=f"kindchaos-{self.name}-probe", daemon=True
        )
        self._thread.start()
        return self

    def _read(self) -> None:
        """Samples from the loop's lines; the loop runs until ``stop`` kills it, so an end before that is
        recorded (by ``_guarded``) as the probe ending on its own."""
        assert self._process is not None and self._process.stdout is not None
        for line in self._process.stdout:
            parsed = parse_service_line(line)
            if parsed is None:
                continue
            wall, ok, latency, detail = parsed
            mono = time.monotonic() - (time.time() - wall)  # one kernel: both clocks are the host's
            self.record(started_mono=mono, started_wall=wall, ok=ok, latency=latency, **detail)

    def stop(self) -> None:
        self._stop.set()  # first: the reader's end of input is then a stop, not the probe ending on its own
        # Killing `docker exec` does not stop the loop inside the node; kill it by its pid file.
        nodes.script(self.node, f"kill $(cat {self._files}.pid) 2>/dev/null; rm -f {self._files}.*", timeout=30)
        if self._process is not None:
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
        super().stop()

"""The Service probe: a curl loop inside a node against the workload's ClusterIP. It measures the data path
(kube-proxy, CNI, the pods) without depending on the API server, and records which pod answered each request."""

from __future__ import annotations

import json
import shlex
import subprocess
import time
import uuid
from typing import Any
from urllib.parse import urlsplit

from kindchaos.cluster import nodes
from kindchaos.cluster.services import programmed
from kindchaos.errors import InjectionError
from kindchaos.observe.probes.base import DEFAULT_INTERVAL, DEFAULT_TIMEOUT, Probe
from kindchaos.observe.timeline import Timeline

SERVICE_CIDR_PREFIX = "10.96."  # kind's default Service CIDR, 10.96.0.0/16

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

    def _prepare(self) -> None:
        """Refuse a ClusterIP kube-proxy has not programmed yet, then start the curl loop inside the node."""
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

    def _loop(self) -> None:
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

"""The API as triage reaches it: a fresh client from the kubeconfig, every request with a time limit.

A fresh client per run, because TLS checks certificate dates only at the handshake: a pooled connection made
before a certificate expired would hide the expiry.
"""

from __future__ import annotations

from typing import Any

import urllib3
from kubernetes import client, config

from kindchaos.triage.target import Target

CONNECT_S, READ_S = 2.0, 5.0
REQUEST_TIMEOUT = (CONNECT_S, READ_S)  # what every typed call passes as _request_timeout


class Session:
    """One triage run's view of the API."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.configuration = client.Configuration()
        config.load_kube_config(  # type: ignore[no-untyped-call]
            config_file=str(target.kubeconfig), client_configuration=self.configuration
        )
        self.configuration.retries = False
        self.api = client.ApiClient(self.configuration)
        self.unverified = urllib3.PoolManager(cert_reqs="CERT_NONE", retries=False)
        urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)  # health paths only, asked unverified

    def core(self) -> Any:
        return client.CoreV1Api(self.api)

    def _headers(self) -> dict[str, str]:
        token = self.configuration.get_api_key_with_prefix("authorization")
        return {"Authorization": token} if token else {}

    def raw(self, path: str, *, base: str | None = None, verified: bool = True) -> tuple[int, str]:
        """GET ``path`` on the kubeconfig's server (or ``base``); (status, body). Raises on no answer."""
        pool = self.api.rest_client.pool_manager if verified else self.unverified
        response = pool.request(
            "GET",
            (base or self.target.server).rstrip("/") + path,
            headers=self._headers() if verified else {},
            timeout=urllib3.Timeout(connect=CONNECT_S, read=READ_S),
            retries=False,
            preload_content=True,
        )
        return int(response.status), response.data.decode(errors="replace")

    def close(self) -> None:
        self.api.close()  # type: ignore[no-untyped-call]
        self.unverified.clear()


def short_error(exc: BaseException, limit: int = 200) -> str:
    """An exception in one line: its type and the first line of its message."""
    text = [part.strip() for part in str(exc).strip().splitlines() if part.strip()]
    reason = next((part.removeprefix("Reason:").strip() for part in text if part.startswith("Reason:")), "")
    first = text[0] if text else str(getattr(exc, "reason", "") or "")
    if reason and reason not in first:  # the API client's "(0)\nReason: ..." says why only on its second line
        first = f"{first} {reason}".strip()
    line = f"{type(exc).__name__}: {first}"
    return line if len(line) <= limit else line[: limit - 3] + "..."

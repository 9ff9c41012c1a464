"""The API's own health: /livez and /readyz through the kubeconfig's server, each apiserver's /livez
directly (not only through a load balancer), and the certificates the apiservers present."""

from __future__ import annotations

import base64
import ssl
import time
from urllib.parse import urlsplit

import yaml
from cryptography import x509

from kindchaos.triage.facts import Certificate, Endpoint, Facts
from kindchaos.triage.session import CONNECT_S, Session, short_error
from kindchaos.triage.target import inspected

APISERVER_PORT = 6443


def _get(session: Session, path: str, *, base: str | None = None, verified: bool = True) -> Endpoint:
    url = (base or session.target.server).rstrip("/") + path
    try:
        status, body = session.raw(path, base=base, verified=verified)
    except Exception as exc:  # no answer is the observation
        return Endpoint(url, None, short_error(exc))
    failing = [line.strip() for line in body.splitlines() if line.strip().startswith("[-]")]
    return Endpoint(url, status, "; ".join(failing) if failing else body.strip()[:120])


def through_server(session: Session, facts: Facts) -> None:
    """/livez and /readyz?verbose the way kubectl reaches the API (kind HA: through its load balancer)."""
    facts.api_server = session.target.server
    facts.api = _get(session, "/livez")
    facts.readyz = _get(session, "/readyz?verbose")
    if facts.api.status is None:
        facts.client_error = facts.api.detail


def _container_ip(name: str) -> str:
    found = inspected(name, "{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}") or ""
    return (found.split() or [""])[0]


def _endpoints_from_api(session: Session) -> dict[str, str]:
    """Every apiserver the ``kubernetes`` service lists (any cluster, while the API answers)."""
    endpoints = session.core().read_namespaced_endpoints("kubernetes", "default", _request_timeout=(CONNECT_S, 5))
    found = {}
    for subset in endpoints.subsets or []:
        port = next((p.port for p in subset.ports or [] if p.name == "https"), APISERVER_PORT)
        for address in subset.addresses or []:
            found[address.node_name or address.ip] = f"https://{address.ip}:{port}"
    return found


def apiserver_urls(session: Session) -> dict[str, str]:
    """Each apiserver's own address: a kind control plane's container address, else what the API lists."""
    target = session.target
    if target.machines:
        urls = {node: f"https://{_container_ip(node)}:{APISERVER_PORT}" for node in target.control_planes}
        return {node: url for node, url in urls.items() if "//:" not in url}
    return _endpoints_from_api(session)


def each_apiserver(session: Session, facts: Facts) -> None:
    """/livez of every apiserver, asked directly (health paths are open to anonymous clients), then the
    certificates they and the kubeconfig's server present: the addresses are looked up once for both."""
    urls = apiserver_urls(session)
    for node, base in sorted(urls.items()):
        facts.apiservers[node] = _get(session, "/livez", base=base, verified=False)
    _certificates(session, facts, list(urls.values()))


def served_certificate(url: str, now: float) -> Certificate | None:
    parts = urlsplit(url)
    try:
        pem = ssl.get_server_certificate((parts.hostname or "", parts.port or 443), timeout=CONNECT_S + 1)
    except OSError:
        return None
    not_after = x509.load_pem_x509_certificate(pem.encode()).not_valid_after_utc.timestamp()
    return Certificate(f"serving certificate of {parts.netloc}", not_after, now)


def _client_certificate(session: Session, now: float) -> Certificate | None:
    """The kubeconfig's own client certificate (its public part only: the key is never read)."""
    document = yaml.safe_load(session.target.kubeconfig.read_text())
    for user in document.get("users") or []:
        data = (user.get("user") or {}).get("client-certificate-data")
        if data:
            cert = x509.load_pem_x509_certificate(base64.b64decode(data))
            not_after = cert.not_valid_after_utc.timestamp()
            return Certificate(f"client certificate of user {user.get('name')!r}", not_after, now)
    return None


def _certificates(session: Session, facts: Facts, apiservers: list[str]) -> None:
    """notAfter of the certificate each apiserver presents (fetched unverified) and of the kubeconfig's client."""
    now = time.time()
    for url in dict.fromkeys([session.target.server, *apiservers]):
        found = served_certificate(url, now)
        if found is not None:
            facts.certificates.append(found)
    client_cert = _client_certificate(session, now)
    if client_cert is not None:
        facts.certificates.append(client_cert)


__all__ = ["each_apiserver", "through_server"]

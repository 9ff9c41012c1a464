"""Secrets never reach a report: every text attachment passes through ``redact`` first.

Covers what a Kubernetes run can leak: PEM private keys and certificates,
kubeconfig credential fields, bearer tokens, ServiceAccount JWTs, and
``token``/``password`` fields in YAML or JSON.
"""

from __future__ import annotations

import re

REDACTED = "<redacted>"

_PATTERNS = (
    # PEM blocks: private keys of any kind (and certificates, which carry nothing a reader needs)
    re.compile(r"-----BEGIN [A-Z0-9 ]*(PRIVATE KEY|CERTIFICATE)-----.*?-----END [A-Z0-9 ]*\1-----", re.S),
    # kubeconfig credential fields, in YAML or JSON
    re.compile(
        r"(?P<key>[\"']?(client-key-data|client-certificate-data|certificate-authority-data|token|password|"
        r"id-token|refresh-token|access-token)[\"']?\s*[:=]\s*)[\"']?[^\s\"',}]+[\"']?",
        re.I,
    ),
    re.compile(r"(?P<key>[Bb]earer\s+)[A-Za-z0-9._~+/=-]{8,}"),
    # JWTs (ServiceAccount tokens) wherever they appear
    re.compile(r"eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"),
)


def _replace(match: re.Match[str]) -> str:
    key = match.groupdict().get("key")
    return f"{key}{REDACTED}" if key else REDACTED


def redact(text: str) -> str:
    for pattern in _PATTERNS:
        text = pattern.sub(_replace, text)
    return text

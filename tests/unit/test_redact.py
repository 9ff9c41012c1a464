"""No key, token or kubeconfig credential survives redaction."""

from kindchaos.redact import REDACTED, redact

KUBECONFIG = """apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUM=
    server: https://127.0.0.1:34167
users:
- name: kind-kc
  user:
    client-certificate-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSURLVEND
    client-key-data: LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQpNSUlFb3dJQkFBS0NB
    token: abcdef.0123456789abcdef
"""


def test_kubeconfig_credentials_are_removed_but_the_server_kept() -> None:
    out = redact(KUBECONFIG)
    assert "LS0t" not in out and "abcdef.0123456789abcdef" not in out
    assert "server: https://127.0.0.1:34167" in out
    assert out.count(REDACTED) == 4


def test_pem_private_keys_json_tokens_bearer_and_jwts() -> None:
    pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----"
    jwt = "eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJpc3MiOiJrdWJlcm5ldGVzIn0.c2lnbmF0dXJlLXZhbHVl"
    text = f'key:\n{pem}\n{{"token": "s3cr3t-value"}}\nAuthorization: Bearer abcdefgh12345678\nsa={jwt}'
    out = redact(text)
    for secret in ("MIIEowIBAAKCAQEA", "s3cr3t-value", "abcdefgh12345678", jwt):
        assert secret not in out
    assert '"token": <redacted>' in out and "Bearer <redacted>" in out


def test_ordinary_text_is_unchanged() -> None:
    text = "kube-scheduler lease renewed by kc-control-plane_1234 at 2026-11-24T10:00:00Z"
    assert redact(text) == text

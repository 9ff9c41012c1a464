"""The external etcd's PKI, made on the host with ``cryptography``, and the checks kubeadm's preflight would run.

kubeadm makes no etcd certificate when etcd is external, and kind skips kubeadm's preflight, so a missing or
wrong file shows only as an apiserver crash loop. These checks run before kind does, and say which file is
wrong and how to fix it. Keys are written 0600 and never attached to a report.
"""

from __future__ import annotations

import datetime
import ipaddress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from kindchaos.cluster.external_etcd.layout import EtcdLayout, EtcdMember
from kindchaos.errors import ClusterError

VALID_FOR = datetime.timedelta(days=365)
KEY_BITS = 2048  # kubeadm's default RSA size
SERVER_AND_CLIENT = (ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH)
CLIENT = (ExtendedKeyUsageOID.CLIENT_AUTH,)


@dataclass(frozen=True)
class Issuer:
    certificate: x509.Certificate
    key: rsa.RSAPrivateKey


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _write(path: Path, data: bytes, *, private: bool) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    path.chmod(0o600 if private else 0o644)


def pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def key_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    )


def make_ca(common_name: str = "etcd-ca") -> Issuer:
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(_name(common_name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + 10 * VALID_FOR)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(True, False, True, False, False, True, True, False, False), critical=True)
        .sign(key, hashes.SHA256())
    )
    return Issuer(certificate, key)


def issue(
    ca: Issuer,
    common_name: str,
    *,
    usages: tuple[x509.ObjectIdentifier, ...],
    dns: tuple[str, ...] = (),
    ips: tuple[str, ...] = (),
) -> Issuer:
    """A leaf certificate signed by ``ca`` (returned as an ``Issuer``: a certificate and its key)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(ca.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + VALID_FOR)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(True, False, True, False, False, False, False, False, False), critical=True)
        .add_extension(x509.ExtendedKeyUsage(list(usages)), critical=False)
    )
    if dns or ips:
        names: list[x509.GeneralName] = [x509.DNSName(d) for d in dns]
        names += [x509.IPAddress(ipaddress.ip_address(i)) for i in ips]
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return Issuer(builder.sign(ca.key, hashes.SHA256()), key)


def _save(issued: Issuer, crt: Path, key: Path) -> None:
    _write(crt, pem(issued.certificate), private=False)
    _write(key, key_pem(issued.key), private=True)


def load_ca(layout: EtcdLayout) -> Issuer:
    pki = layout.pki_dir
    certificate = x509.load_pem_x509_certificate((pki / "ca.crt").read_bytes())
    key = serialization.load_pem_private_key((pki / "ca.key").read_bytes(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return Issuer(certificate, key)


def write_member_certificates(layout: EtcdLayout, member: EtcdMember, ca: Issuer) -> None:
    """The member's server and peer certificates (its name, address and localhost), and the CA beside them."""
    folder = layout.member_pki(member)
    sans = {"dns": (member.name, "localhost"), "ips": (member.address, "127.0.0.1")}
    _write(folder / "ca.crt", pem(ca.certificate), private=False)
    _save(issue(ca, member.name, usages=SERVER_AND_CLIENT, **sans), folder / "server.crt", folder / "server.key")
    _save(issue(ca, member.name, usages=SERVER_AND_CLIENT, **sans), folder / "peer.crt", folder / "peer.key")


def write_pki(layout: EtcdLayout, control_planes: list[str]) -> None:
    """Every file the members, the control planes and etcdctl on the host need."""
    ca = make_ca()
    pki = layout.pki_dir
    _save(ca, pki / "ca.crt", pki / "ca.key")
    for member in layout.members:
        write_member_certificates(layout, member, ca)
    _, crt, key = layout.client_cert
    _save(issue(ca, "kube-etcd-healthcheck-client", usages=CLIENT), crt, key)
    apiserver = issue(ca, "kube-apiserver-etcd-client", usages=CLIENT)
    for node in control_planes:
        folder = layout.node_pki(node)
        _save(ca, folder / "ca.crt", folder / "ca.key")
        _save(apiserver, folder / "apiserver-etcd-client.crt", folder / "apiserver-etcd-client.key")


def required_files(layout: EtcdLayout, control_planes: list[str]) -> list[tuple[Path, Path | None]]:
    """(certificate, its key) pairs that must exist; a CA copy has a key only on the control planes."""
    pairs: list[tuple[Path, Path | None]] = [(layout.pki_dir / "ca.crt", layout.pki_dir / "ca.key")]
    _, crt, key = layout.client_cert
    pairs.append((crt, key))
    for member in layout.members:
        folder = layout.member_pki(member)
        pairs += [(folder / "ca.crt", None), (folder / "server.crt", folder / "server.key")]
        pairs.append((folder / "peer.crt", folder / "peer.key"))
    for node in control_planes:
        folder = layout.node_pki(node)
        pairs += [(folder / "ca.crt", folder / "ca.key")]
        pairs.append((folder / "apiserver-etcd-client.crt", folder / "apiserver-etcd-client.key"))
    return pairs


FIX = "run `kindchaos clusters delete ha-external` (or the cluster's name) to make a fresh PKI"


def _public(key: Any) -> bytes:
    found: bytes = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return found


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ClusterError(f"etcd certificate file {path} is unreadable: {exc.strerror}", hint=FIX) from None


def check_pki(layout: EtcdLayout, control_planes: list[str]) -> None:
    """What kubeadm's preflight checks for an external etcd's files, and more: each file exists and parses, each
    key belongs to its certificate, each certificate is signed by the CA and valid now, and each member's
    server certificate names the member's address."""
    ca = x509.load_pem_x509_certificate(_read(layout.pki_dir / "ca.crt"))
    now = datetime.datetime.now(datetime.UTC)
    for crt_path, key_path in required_files(layout, control_planes):
        try:
            certificate = x509.load_pem_x509_certificate(_read(crt_path))
        except ValueError:
            raise ClusterError(f"{crt_path} is not a PEM certificate", hint=FIX) from None
        if key_path is not None:
            try:
                key = serialization.load_pem_private_key(_read(key_path), password=None)
            except ValueError:
                raise ClusterError(f"{key_path} is not a PEM private key", hint=FIX) from None
            if _public(key.public_key()) != _public(certificate.public_key()):
                raise ClusterError(f"{key_path} is not the key of {crt_path}", hint=FIX)
        try:
            certificate.verify_directly_issued_by(ca)
        except (ValueError, TypeError, InvalidSignature) as exc:
            raise ClusterError(f"{crt_path} is not signed by {layout.pki_dir / 'ca.crt'} ({exc!r})", hint=FIX) from None
        if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
            raise ClusterError(
                f"{crt_path} is not valid now (valid {certificate.not_valid_before_utc:%Y-%m-%d} to "
                f"{certificate.not_valid_after_utc:%Y-%m-%d})",
                hint=FIX,
            )
    for member in layout.members:
        crt_path = layout.member_pki(member) / "server.crt"
        certificate = x509.load_pem_x509_certificate(_read(crt_path))
        sans = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        if ipaddress.ip_address(member.address) not in sans.get_values_for_type(x509.IPAddress):
            raise ClusterError(f"{crt_path} does not name {member.address}, the member's address", hint=FIX)

"""Test certificates made with ``cryptography``: a CA, a server leaf and a client leaf from a CSR.

These follow ``../shared/STACK.md`` §6 and the OCPP 1.6 security whitepaper's certificate rules:

* the CA is a self-signed root with ``BasicConstraints(ca=True)`` (critical), ``KeyUsage``
  (keyCertSign, cRLSign) and a SubjectKeyIdentifier;
* the server leaf has SAN ``DNS:localhost`` and ``IP:127.0.0.1`` and EKU serverAuth;
* the client leaf (the Charge Point certificate of security profile 3) is issued from a CSR, keeps
  the CSR's subject (``O=<CPO>``, ``CN=<charge point serial>``) and has EKU clientAuth;
* keys are EC P-256 or RSA-2048 (the whitepaper minimums are EC 224 / RSA 2048 bits).

Everything is written as PEM files, because :mod:`ssl` (the interpreter's OpenSSL, not the one
bundled with ``cryptography``) loads certificates and keys from files. :func:`make_test_pki` makes
the usual set in one call.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = [
    "CertAndKey",
    "KeyType",
    "PemFiles",
    "PrivateKey",
    "TestPki",
    "csr_pem",
    "load_pem",
    "make_ca",
    "make_client_cert",
    "make_csr",
    "make_key",
    "make_server_cert",
    "make_test_pki",
    "sign_csr",
    "write_pem",
]

KeyType = Literal["ec", "rsa"]
PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey

_VALIDITY = dt.timedelta(days=30)
_BACKDATE = dt.timedelta(minutes=5)  # tolerate small clock differences between signer and verifier


@dataclass(frozen=True, slots=True)
class CertAndKey:
    """A certificate and its private key."""

    cert: x509.Certificate
    key: PrivateKey


@dataclass(frozen=True, slots=True)
class PemFiles:
    """Where :func:`write_pem` put a certificate and its key."""

    cert: Path
    key: Path


@dataclass(frozen=True, slots=True)
class TestPki:
    """A complete set of test PEM files (see :func:`make_test_pki`).

    ``ca`` signs ``server`` and ``client``; ``other_ca`` is an unrelated root, for "wrong CA" tests.
    """

    __test__ = False  # not a pytest test class despite its name

    directory: Path
    ca: PemFiles
    server: PemFiles
    client: PemFiles
    other_ca: PemFiles
    client_serial: str


def make_key(key_type: KeyType = "ec") -> PrivateKey:
    """A fresh private key: EC P-256 or RSA-2048."""
    if key_type == "ec":
        return ec.generate_private_key(ec.SECP256R1())
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _validity() -> tuple[dt.datetime, dt.datetime]:
    now = dt.datetime.now(dt.UTC)
    return now - _BACKDATE, now + _VALIDITY


def make_ca(common_name: str = "Test CSMS Root CA", *, key_type: KeyType = "ec") -> CertAndKey:
    """A self-signed root CA (the Central System Root Certificate of the whitepaper)."""
    key = make_key(key_type)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Test CPO"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    not_before, not_after = _validity()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return CertAndKey(cert=cert, key=key)


def _leaf_key_usage(key: PrivateKey) -> x509.KeyUsage:
    # RSA keys may be used for static-RSA key exchange (TLS_RSA_WITH_AES_*_GCM), which needs
    # keyEncipherment; EC keys only sign (ECDHE-ECDSA).
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=isinstance(key, rsa.RSAPrivateKey),
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )


def make_server_cert(
    ca: CertAndKey,
    *,
    key_type: KeyType = "ec",
    common_name: str = "localhost",
    dns_names: tuple[str, ...] = ("localhost",),
    ip_addresses: tuple[str, ...] = ("127.0.0.1",),
) -> CertAndKey:
    """A Central System (TLS server) leaf signed by ``ca``: SAN DNS/IP names, EKU serverAuth."""
    key = make_key(key_type)
    not_before, not_after = _validity()
    san: list[x509.GeneralName] = [x509.DNSName(n) for n in dns_names]
    san += [x509.IPAddress(ipaddress.ip_address(a)) for a in ip_addresses]
    cert = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Test CPO"),
                    x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                ]
            )
        )
        .issuer_name(ca.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_leaf_key_usage(key), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName(san), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()),
            critical=False,
        )
        .sign(ca.key, hashes.SHA256())
    )
    return CertAndKey(cert=cert, key=key)


def make_csr(key: PrivateKey, *, serial: str, organization: str = "Test CPO") -> x509.CertificateSigningRequest:
    """The CSR a charge point sends in SignCertificate: subject ``O=<CPO>, CN=<serial>``."""
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
            x509.NameAttribute(NameOID.COMMON_NAME, serial),
        ]
    )
    return x509.CertificateSigningRequestBuilder().subject_name(subject).sign(key, hashes.SHA256())


def csr_pem(csr: x509.CertificateSigningRequest) -> str:
    """The PEM text of a CSR (what goes in ``SignCertificate.req {"csr": ...}``)."""
    return csr.public_bytes(serialization.Encoding.PEM).decode("ascii")


def sign_csr(ca: CertAndKey, csr: x509.CertificateSigningRequest) -> x509.Certificate:
    """Issue a Charge Point certificate from ``csr``: subject copied, EKU clientAuth, AKI set.

    Raises :class:`ValueError` when the CSR's signature does not verify.
    """
    if not csr.is_signature_valid:
        raise ValueError("CSR signature is not valid")
    public_key = csr.public_key()
    if not isinstance(public_key, ec.EllipticCurvePublicKey | rsa.RSAPublicKey):
        raise ValueError(f"unsupported CSR key type {type(public_key).__name__}")
    not_before, not_after = _validity()
    return (
        x509.CertificateBuilder()
        .subject_name(csr.subject)
        .issuer_name(ca.cert.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()),
            critical=False,
        )
        .sign(ca.key, hashes.SHA256())
    )


def make_client_cert(
    ca: CertAndKey,
    *,
    serial: str = "CP-SERIAL-0001",
    organization: str = "Test CPO",
    key_type: KeyType = "ec",
) -> CertAndKey:
    """A Charge Point certificate made the way a charge point gets one: key, CSR, signed by ``ca``."""
    key = make_key(key_type)
    cert = sign_csr(ca, make_csr(key, serial=serial, organization=organization))
    return CertAndKey(cert=cert, key=key)


def write_pem(item: CertAndKey, directory: Path, name: str) -> PemFiles:
    """Write ``<name>.pem`` (certificate) and ``<name>.key`` (unencrypted PKCS#8 key) to ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    cert_path = directory / f"{name}.pem"
    key_path = directory / f"{name}.key"
    cert_path.write_bytes(item.cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        item.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    return PemFiles(cert=cert_path, key=key_path)


def load_pem(files: PemFiles) -> CertAndKey:
    """Read back what :func:`write_pem` wrote (e.g. to issue more certificates from a test CA)."""
    cert = x509.load_pem_x509_certificate(files.cert.read_bytes())
    key = serialization.load_pem_private_key(files.key.read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise ValueError(f"unsupported key type {type(key).__name__} in {files.key}")
    return CertAndKey(cert=cert, key=key)


def make_test_pki(
    directory: Path,
    *,
    key_type: KeyType = "ec",
    client_serial: str = "CP-SERIAL-0001",
) -> TestPki:
    """A CA, a server leaf, a client leaf (from a CSR) and an unrelated CA, written to ``directory``.

    ``key_type`` applies to every key: ``"rsa"`` gives an RSA server certificate, which is what a
    central system offering only static-RSA suites (``TLS_RSA_WITH_AES_*_GCM``) needs.
    """
    ca = make_ca(key_type=key_type)
    other_ca = make_ca("Unrelated Root CA", key_type=key_type)
    return TestPki(
        directory=directory,
        ca=write_pem(ca, directory, "ca"),
        server=write_pem(make_server_cert(ca, key_type=key_type), directory, "server"),
        client=write_pem(make_client_cert(ca, serial=client_serial, key_type=key_type), directory, "client"),
        other_ca=write_pem(other_ca, directory, "other-ca"),
        client_serial=client_serial,
    )

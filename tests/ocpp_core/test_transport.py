"""Unit tests of :mod:`ocpp_core.transport` (no network; the handshakes are in test_tls_handshake.py)."""

from __future__ import annotations

import ast
import base64
import inspect
import random
import socket
import ssl
import urllib.parse
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from websockets.datastructures import Headers
from websockets.exceptions import (
    ConnectionClosedError,
    InvalidHeader,
    InvalidMessage,
    InvalidStatus,
    InvalidUpgrade,
    InvalidURI,
    NegotiationError,
)
from websockets.http11 import Response

from ocpp_core import transport
from ocpp_core.errors import ConfigError
from ocpp_core.transport import (
    DEFAULT_CIPHERS12,
    FailureKind,
    SubprotocolNotAgreed,
    backoff_delays,
    basic_auth_header,
    build_url,
    check_subprotocol,
    classify_connect_failure,
    client_ssl_context,
    handshake_headers,
    security_events_for,
)
from tests import csms as _csms
from tests.certs import TestPki

pki = _csms.pki  # the session-wide test PKI fixture

# ------------------------------------------------------------------------------------ module


def test_it_exports_exactly_its_public_names_with_docstrings() -> None:
    public = {name for name in vars(transport) if not name.startswith("_")}
    imported = {"Iterator", "Sequence", "StrEnum", "PathLike", "ConfigError", "OcppError", "annotations"}
    modules = {"base64", "random", "re", "ssl", "urllib"}
    assert set(transport.__all__) == public - imported - modules
    for name in transport.__all__:
        obj = getattr(transport, name)
        if callable(obj):
            assert inspect.getdoc(obj), name


def test_it_imports_neither_asyncio_nor_websockets() -> None:
    tree = ast.parse(Path(transport.__file__).read_text(encoding="utf-8"))
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert imported.isdisjoint({"asyncio", "websockets", "django", "channels"})


# ------------------------------------------------------------------------------------ build_url


@pytest.mark.parametrize(
    ("uri", "cp_id", "profile", "expected"),
    [
        ("csms.example.com/ocpp", "CP1", 0, "ws://csms.example.com/ocpp/CP1"),
        ("csms.example.com/ocpp", "CP1", 1, "ws://csms.example.com/ocpp/CP1"),
        ("csms.example.com/ocpp", "CP1", 2, "wss://csms.example.com/ocpp/CP1"),
        ("csms.example.com/ocpp", "CP1", 3, "wss://csms.example.com/ocpp/CP1"),
        (
            "127.0.0.1:8180/steve/websocket/CentralSystemService/",
            "CP1",
            0,
            "ws://127.0.0.1:8180/steve/websocket/CentralSystemService/CP1",
        ),
        ("ws://h:9000/ocpp/", "CP1", 1, "ws://h:9000/ocpp/CP1"),
        ("wss://h/ocpp//", "CP1", 2, "wss://h/ocpp/CP1"),
        ("WSS://h/ocpp", "CP1", 3, "wss://h/ocpp/CP1"),
        ("ws://h/ocpp/CP1", "CP1", 0, "ws://h/ocpp/CP1"),
        ("ws://h/ocpp/CP1/", "CP1", 0, "ws://h/ocpp/CP1"),
        ("ws://h/CP1", "CP1", 0, "ws://h/CP1"),
        ("ws://h/ocpp/CP10", "CP1", 0, "ws://h/ocpp/CP10/CP1"),
        ("ws://h/ocpp/RDAM%20123", "RDAM 123", 0, "ws://h/ocpp/RDAM%20123"),
        ("wss://cs.example.com/ocppj", "RDAM 123", 2, "wss://cs.example.com/ocppj/RDAM%20123"),
        ("ws://h", "CP1", 0, "ws://h/CP1"),
        ("ws://h/", "CP1", 0, "ws://h/CP1"),
        ("  ws://h/ocpp  ", "CP1", 0, "ws://h/ocpp/CP1"),
        ("ws://[::1]:9000/ocpp", "CP1", 0, "ws://[::1]:9000/ocpp/CP1"),
        ("ws://h/ocpp", "a/b?c#d", 0, "ws://h/ocpp/a%2Fb%3Fc%23d"),
        ("ws://h/ocpp", "Zürich-1", 0, "ws://h/ocpp/Z%C3%BCrich-1"),
        ("ws://h/ocpp", "A-._~z", 0, "ws://h/ocpp/A-._~z"),
    ],
)
def test_it_builds_urls_like_libocpp(uri: str, cp_id: str, profile: int, expected: str) -> None:
    assert build_url(uri, cp_id, profile) == expected


@pytest.mark.parametrize(
    ("uri", "profile", "message"),
    [
        ("ws://h/ocpp", 2, "uses ws:// but SecurityProfile 2 requires wss://"),
        ("ws://h/ocpp", 3, "uses ws:// but SecurityProfile 3 requires wss://"),
        ("wss://h/ocpp", 0, "uses wss:// but SecurityProfile 0 requires ws://"),
        ("wss://h/ocpp", 1, "uses wss:// but SecurityProfile 1 requires ws://"),
        ("https://h/ocpp", 2, "must use the ws:// or wss:// scheme"),
        ("http://h/ocpp", 0, "must use the ws:// or wss:// scheme"),
        ("ws:///ocpp", 0, "has no host"),
        ("", 0, "has no host"),
        ("ws://user:pw@h/ocpp", 1, "must not contain credentials"),
        ("ws://h/ocpp?token=1", 0, "must not have a query or a fragment"),
        ("ws://h/ocpp?", 0, "must not have a query or a fragment"),
        ("ws://h/ocpp#x", 0, "must not have a query or a fragment"),
        ("ws://h:99999/ocpp", 0, "is not a valid URL"),
        ("ws://h:port/ocpp", 0, "is not a valid URL"),
    ],
)
def test_it_refuses_uris_that_break_the_rules(uri: str, profile: int, message: str) -> None:
    with pytest.raises(ConfigError, match="CentralSystemURI") as info:
        build_url(uri, "CP1", profile)
    assert message in str(info.value)
    assert info.value.key == "CentralSystemURI"


@pytest.mark.parametrize("profile", [-1, 4, True, False])
def test_it_refuses_unknown_security_profiles(profile: int) -> None:
    with pytest.raises(ConfigError, match="SecurityProfile"):
        build_url("ws://h/ocpp", "CP1", profile)


def test_it_refuses_an_empty_charge_point_id() -> None:
    with pytest.raises(ConfigError, match="ChargePointId"):
        build_url("ws://h/ocpp", "", 0)


_segment = st.text(alphabet=st.sampled_from("abcXYZ019-_.~"), min_size=1, max_size=8)
_cp_ids = st.text(min_size=1, max_size=48)


@given(
    host=st.sampled_from(["h", "csms.example.com", "127.0.0.1:8180", "[::1]:9000"]),
    segments=st.lists(_segment, max_size=4),
    trailing_slash=st.booleans(),
    with_id=st.booleans(),
    with_scheme=st.booleans(),
    cp_id=_cp_ids,
    profile=st.sampled_from([0, 1, 2, 3]),
)
def test_it_always_ends_the_url_with_one_slash_and_the_encoded_id(
    host: str,
    segments: list[str],
    trailing_slash: bool,
    with_id: bool,
    with_scheme: bool,
    cp_id: str,
    profile: int,
) -> None:
    scheme = "wss" if profile >= 2 else "ws"
    path = "".join(f"/{s}" for s in segments)
    if with_id:
        path += "/" + urllib.parse.quote(cp_id, safe="")
    if trailing_slash:
        path += "/"
    uri = f"{scheme}://{host}{path}" if with_scheme else f"{host}{path}"

    url = build_url(uri, cp_id, profile)

    encoded = urllib.parse.quote(cp_id, safe="")
    assert url.startswith(f"{scheme}://{host}")
    assert url.endswith("/" + encoded)
    assert not url.endswith("//" + encoded)
    assert urllib.parse.unquote(urllib.parse.urlsplit(url).path.rpartition("/")[2]) == cp_id
    kept = list(segments)
    if not with_id and kept and kept[-1] == cp_id:
        kept.pop()  # a base path already ending in the id loses it before the id is appended
    assert url == f"{scheme}://{host}{''.join(f'/{s}' for s in kept)}/{encoded}"
    assert build_url(url, cp_id, profile) == url  # idempotent: the id is stripped, then re-added


# ------------------------------------------------------------------------------------ Basic auth


def test_it_builds_the_basic_auth_header() -> None:
    assert basic_auth_header("CP1", b"secret") == "Basic Q1AxOnNlY3JldA=="


@given(cp_id=st.text(min_size=1).filter(lambda s: ":" not in s), password=st.binary(max_size=40))
def test_it_puts_the_raw_password_bytes_in_the_header(cp_id: str, password: bytes) -> None:
    header = basic_auth_header(cp_id, password)
    scheme, _, token = header.partition(" ")
    assert scheme == "Basic"
    user, _, raw = base64.b64decode(token, validate=True).partition(b":")
    assert (user.decode("utf-8"), raw) == (cp_id, password)


@pytest.mark.parametrize("cp_id", ["", "CP:1"])
def test_it_refuses_ids_unusable_as_basic_auth_user(cp_id: str) -> None:
    with pytest.raises(ConfigError, match="ChargePointId"):
        basic_auth_header(cp_id, b"secret")


@pytest.mark.parametrize("profile", [1, 2])
def test_it_sends_basic_auth_in_profiles_1_and_2(profile: int) -> None:
    headers = handshake_headers(security_profile=profile, charge_point_id="CP1", password=b"secret")
    assert headers == {"Authorization": "Basic Q1AxOnNlY3JldA=="}


@pytest.mark.parametrize("profile", [0, 3])
def test_it_sends_no_basic_auth_in_profiles_0_and_3(profile: int) -> None:
    assert handshake_headers(security_profile=profile, charge_point_id="CP1", password=b"secret") == {}
    assert handshake_headers(security_profile=profile, charge_point_id="CP1", password=None) == {}


@pytest.mark.parametrize("profile", [1, 2])
def test_it_needs_an_authorization_key_in_profiles_1_and_2(profile: int) -> None:
    with pytest.raises(ConfigError, match="AuthorizationKey"):
        handshake_headers(security_profile=profile, charge_point_id="CP1", password=None)


def test_it_refuses_an_unknown_profile_for_headers() -> None:
    with pytest.raises(ConfigError, match="SecurityProfile"):
        handshake_headers(security_profile=5, charge_point_id="CP1", password=b"x")


# ------------------------------------------------------------------------------------ subprotocol


def test_it_accepts_only_the_ocpp16_subprotocol() -> None:
    check_subprotocol("ocpp1.6")
    for selected in (None, "ocpp2.0.1", "OCPP1.6", ""):
        with pytest.raises(SubprotocolNotAgreed) as info:
            check_subprotocol(selected)
        assert info.value.selected == selected
        assert classify_connect_failure(info.value) is FailureKind.BAD_SUBPROTOCOL


# ------------------------------------------------------------------------------------ TLS context


def test_it_makes_a_whitepaper_tls_context(pki: TestPki) -> None:
    ctx = client_ssl_context(security_profile=2, ca_file=pki.ca.cert)

    assert ctx.minimum_version is ssl.TLSVersion.TLSv1_2
    assert ctx.maximum_version is ssl.TLSVersion.MAXIMUM_SUPPORTED
    assert ctx.options & ssl.OP_NO_COMPRESSION
    assert ctx.verify_mode is ssl.CERT_REQUIRED
    assert ctx.check_hostname is True
    assert ctx.security_level == 2
    ciphers = {c["name"]: c["protocol"] for c in ctx.get_ciphers()}
    # Both whitepaper pairs; the static-RSA pair is what Python's default context leaves out.
    for name in DEFAULT_CIPHERS12:
        assert ciphers[name] == "TLSv1.2"
    assert {"TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256"} <= set(ciphers)
    assert not any("CBC" in name or "SHA1" in name or name.endswith("-SHA") for name in ciphers)
    # Only the configured root is trusted, not the OS store.
    assert [ca["subject"] for ca in ctx.get_ca_certs()] == [
        ((("organizationName", "Test CPO"),), (("commonName", "Test CSMS Root CA"),))
    ]


def test_python_default_context_lacks_the_static_rsa_suites() -> None:
    """The trap the explicit cipher list avoids (../shared/STACK.md §6)."""
    names = {c["name"] for c in ssl.create_default_context().get_ciphers()}
    assert "AES128-GCM-SHA256" not in names
    assert "AES256-GCM-SHA384" not in names


def test_it_can_skip_the_host_name_check_but_never_the_chain(pki: TestPki) -> None:
    ctx = client_ssl_context(security_profile=2, ca_file=pki.ca.cert, verify_hostname=False)
    assert ctx.check_hostname is False
    assert ctx.verify_mode is ssl.CERT_REQUIRED


def test_it_takes_the_root_as_pem_data(pki: TestPki) -> None:
    ctx = client_ssl_context(security_profile=2, ca_data=pki.ca.cert.read_text(encoding="ascii"))
    assert len(ctx.get_ca_certs()) == 1


def test_it_loads_the_client_certificate_in_profile_3(pki: TestPki) -> None:
    ctx = client_ssl_context(
        security_profile=3,
        ca_file=pki.ca.cert,
        client_cert_file=pki.client.cert,
        client_key_file=pki.client.key,
    )
    assert ctx.verify_mode is ssl.CERT_REQUIRED


def test_it_accepts_iana_cipher_names(pki: TestPki) -> None:
    ctx = client_ssl_context(
        security_profile=2,
        ca_file=pki.ca.cert,
        ciphers12=["TLS_RSA_WITH_AES_128_GCM_SHA256", "TLS_RSA_WITH_AES_256_GCM_SHA384"],
    )
    tls12 = {c["name"] for c in ctx.get_ciphers() if c["protocol"] == "TLSv1.2"}
    assert tls12 == {"AES128-GCM-SHA256", "AES256-GCM-SHA384"}


def test_it_uses_the_libocpp_defaults_for_none(pki: TestPki) -> None:
    ctx = client_ssl_context(security_profile=2, ca_file=pki.ca.cert, ciphers12=None, ciphers13=None)
    tls12 = [c["name"] for c in ctx.get_ciphers() if c["protocol"] == "TLSv1.2"]
    assert sorted(tls12) == sorted(DEFAULT_CIPHERS12)
    assert ctx.maximum_version is ssl.TLSVersion.MAXIMUM_SUPPORTED


def test_it_turns_tls13_off_without_tls13_suites(pki: TestPki) -> None:
    ctx = client_ssl_context(security_profile=2, ca_file=pki.ca.cert, ciphers13=[])
    assert ctx.maximum_version is ssl.TLSVersion.TLSv1_2


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"security_profile": 0}, "SecurityProfile"),
        ({"security_profile": 1}, "SecurityProfile"),
        ({"security_profile": 7}, "SecurityProfile"),
        ({"security_profile": 2, "ca_file": None}, "CentralSystemRootCertificate"),
        ({"security_profile": 2, "ca_file": "/nonexistent/ca.pem"}, "CentralSystemRootCertificate"),
        ({"security_profile": 2, "ca_data": "not a certificate"}, "CentralSystemRootCertificate"),
        ({"security_profile": 3, "with_ca": True}, "ChargePointCertificate"),
        ({"security_profile": 2, "with_ca": True, "with_client": True}, "ChargePointCertificate"),
        ({"security_profile": 3, "with_ca": True, "with_client": True, "wrong_key": True}, "ChargePointCertificate"),
        (
            {
                "security_profile": 2,
                "with_ca": True,
                "ciphers12": ["ECDHE-ECDSA-AES128-GCM-SHA256", "AES128-GCM-SHA256"],
            },
            "SupportedCiphers12",
        ),
        (
            {"security_profile": 2, "with_ca": True, "ciphers12": [*DEFAULT_CIPHERS12, "NO-SUCH-SUITE"]},
            "SupportedCiphers12",
        ),
        ({"security_profile": 2, "with_ca": True, "ciphers12": [*DEFAULT_CIPHERS12, "HIGH"]}, "SupportedCiphers12"),
        ({"security_profile": 2, "with_ca": True, "ciphers12": [*DEFAULT_CIPHERS12, "!ALL"]}, "SupportedCiphers12"),
        (
            {"security_profile": 2, "with_ca": True, "ciphers12": [*DEFAULT_CIPHERS12, "@SECLEVEL=0"]},
            "SupportedCiphers12",
        ),
        ({"security_profile": 2, "with_ca": True, "ciphers13": ["TLS_NO_SUCH_SUITE"]}, "SupportedCiphers13"),
    ],
)
def test_it_refuses_unusable_tls_settings(pki: TestPki, kwargs: dict[str, object], key: str) -> None:
    args = dict(kwargs)
    if args.pop("with_ca", False):
        args["ca_file"] = pki.ca.cert
    if args.pop("with_client", False):
        args["client_cert_file"] = pki.client.cert
        args["client_key_file"] = pki.server.key if args.pop("wrong_key", False) else pki.client.key
    with pytest.raises(ConfigError) as info:
        client_ssl_context(**args)  # type: ignore[arg-type]
    assert info.value.key == key


# ------------------------------------------------------------------------------------ back-off


class _MaxRandom(random.Random):
    """Always draws the top of the range, so the policy's arithmetic is visible."""

    def uniform(self, a: float, b: float) -> float:
        return b


def _take(n: int, it: object) -> list[float]:
    return [next(it) for _ in range(n)]  # type: ignore[call-overload]


def test_it_backs_off_like_libocpp_defaults() -> None:
    # libocpp defaults: minimum 3 s, random range 10 s, 3 doublings.
    assert _take(7, backoff_delays(3, 10, 3, _MaxRandom())) == [13, 36, 82, 174, 174, 174, 174]


def test_it_backs_off_without_randomness() -> None:
    assert _take(6, backoff_delays(3, 0, 3, random.Random(1))) == [3, 6, 12, 24, 24, 24]
    assert _take(3, backoff_delays(5, 0, 0, random.Random(1))) == [5, 5, 5]


@pytest.mark.parametrize(
    ("args", "key"),
    [
        ((-1, 10, 3), "RetryBackoffWaitMinimum"),
        ((3, -1, 3), "RetryBackoffRandomRange"),
        ((3, 10, -1), "RetryBackoffRepeatTimes"),
    ],
)
def test_it_refuses_negative_backoff_settings(args: tuple[float, float, int], key: str) -> None:
    with pytest.raises(ConfigError) as info:
        next(backoff_delays(*args, random.Random(0)))
    assert info.value.key == key


@given(
    wait_minimum=st.floats(0, 600, allow_nan=False),
    random_range=st.floats(0, 600, allow_nan=False),
    repeat_times=st.integers(0, 8),
    seed=st.integers(0, 2**32),
)
def test_backoff_doubles_then_stays_constant(
    wait_minimum: float, random_range: float, repeat_times: int, seed: int
) -> None:
    delays = _take(repeat_times + 4, backoff_delays(wait_minimum, random_range, repeat_times, random.Random(seed)))

    assert wait_minimum <= delays[0] <= wait_minimum + random_range
    for previous, current in zip(delays[: repeat_times + 1], delays[1 : repeat_times + 1], strict=False):
        assert 2 * previous <= current <= 2 * previous + random_range + 1e-9 * current
    assert len(set(delays[repeat_times:])) == 1
    assert all(d >= 0 for d in delays)
    again = _take(repeat_times + 4, backoff_delays(wait_minimum, random_range, repeat_times, random.Random(seed)))
    assert again == delays  # deterministic for a given rng


# ------------------------------------------------------------------------------------ failures


def _status(code: int, body: bytes | bytearray = b"") -> InvalidStatus:
    return InvalidStatus(Response(code, "Reason", Headers(), body))


def _caused(exc: BaseException, cause: BaseException) -> BaseException:
    try:
        raise exc from cause
    except BaseException as raised:
        return raised


def _ssl_error(reason: str) -> ssl.SSLError:
    exc = ssl.SSLError(1, f"[SSL: {reason}] test")
    exc.reason = reason
    return exc


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (_status(401), FailureKind.AUTH_REJECTED),
        (_status(403), FailureKind.AUTH_REJECTED),
        (_status(404), FailureKind.NOT_FOUND),
        (
            _status(
                400,
                bytearray(b"Failed to open a WebSocket connection: invalid subprotocol; expected one of ocpp1.6.\n"),
            ),
            FailureKind.BAD_SUBPROTOCOL,
        ),
        (_status(400, b"Failed to open a WebSocket connection: missing subprotocol.\n"), FailureKind.BAD_SUBPROTOCOL),
        (_status(400, b"bad request"), FailureKind.HTTP_STATUS),
        (_status(500), FailureKind.HTTP_STATUS),
        (_status(503), FailureKind.HTTP_STATUS),
        (_status(200), FailureKind.HTTP_STATUS),
        (NegotiationError("unsupported subprotocol: ocpp2.0.1"), FailureKind.BAD_SUBPROTOCOL),
        (NegotiationError("no subprotocols supported"), FailureKind.BAD_SUBPROTOCOL),
        (NegotiationError("unsupported extension"), FailureKind.PROTOCOL),
        (SubprotocolNotAgreed(None), FailureKind.BAD_SUBPROTOCOL),
        (_caused(InvalidMessage("did not receive a valid HTTP response"), EOFError("closed")), FailureKind.NETWORK),
        (_caused(InvalidMessage("did not receive a valid HTTP response"), ConnectionResetError()), FailureKind.NETWORK),
        (
            _caused(
                InvalidMessage("did not receive a valid HTTP response"), _ssl_error("TLSV13_ALERT_CERTIFICATE_REQUIRED")
            ),
            FailureKind.TLS_CLIENT_CERTIFICATE,
        ),
        (_caused(InvalidHeader("Upgrade"), ValueError("x")), FailureKind.PROTOCOL),
        (InvalidMessage("did not receive a valid HTTP response"), FailureKind.PROTOCOL),
        (InvalidUpgrade("Upgrade", "h2c"), FailureKind.PROTOCOL),
        (ConnectionClosedError(None, None), FailureKind.NETWORK),
        (ssl.SSLCertVerificationError(1, "certificate verify failed"), FailureKind.TLS_CERTIFICATE),
        (_ssl_error("TLSV1_ALERT_PROTOCOL_VERSION"), FailureKind.TLS_VERSION),
        (_ssl_error("UNSUPPORTED_PROTOCOL"), FailureKind.TLS_VERSION),
        (_ssl_error("NO_SHARED_CIPHER"), FailureKind.TLS_CIPHER_SUITE),
        (_ssl_error("TLSV1_ALERT_INSUFFICIENT_SECURITY"), FailureKind.TLS_CIPHER_SUITE),
        (_ssl_error("TLSV1_ALERT_UNKNOWN_CA"), FailureKind.TLS_CLIENT_CERTIFICATE),
        (_ssl_error("SSLV3_ALERT_BAD_CERTIFICATE"), FailureKind.TLS_CLIENT_CERTIFICATE),
        (_ssl_error("SSLV3_ALERT_HANDSHAKE_FAILURE"), FailureKind.TLS_HANDSHAKE),
        (ssl.SSLError(1, "no reason"), FailureKind.TLS_HANDSHAKE),
        (ssl.SSLEOFError(8, "EOF occurred in violation of protocol"), FailureKind.NETWORK),
        (ConnectionRefusedError(111, "Connection refused"), FailureKind.NETWORK),
        (ConnectionResetError(), FailureKind.NETWORK),
        (TimeoutError(), FailureKind.NETWORK),
        (EOFError(), FailureKind.NETWORK),
        (socket.gaierror(-2, "Name or service not known"), FailureKind.NETWORK),
        (OSError(113, "No route to host"), FailureKind.NETWORK),
        (InvalidURI("x", "bad"), FailureKind.UNKNOWN),
        (ConfigError("CentralSystemURI", "x", "is bad"), FailureKind.UNKNOWN),
        (ValueError("bug"), FailureKind.UNKNOWN),
        (KeyboardInterrupt(), FailureKind.UNKNOWN),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, BaseException) else str(v),
)
def test_it_classifies_connect_failures(exc: BaseException, kind: FailureKind) -> None:
    assert classify_connect_failure(exc) is kind


def test_it_survives_a_cause_cycle() -> None:
    first = InvalidMessage("first")
    second = InvalidMessage("second")
    first.__cause__ = second
    second.__cause__ = first
    assert classify_connect_failure(first) is FailureKind.PROTOCOL


def test_it_does_not_take_a_bool_for_a_status_code() -> None:
    class Odd(Exception):
        class response:
            status_code = True

    assert classify_connect_failure(Odd()) is FailureKind.UNKNOWN


_EVENTS = {
    FailureKind.AUTH_REJECTED: "FailedToAuthenticateAtCentralSystem",
    FailureKind.TLS_CLIENT_CERTIFICATE: "FailedToAuthenticateAtCentralSystem",
    FailureKind.TLS_CERTIFICATE: "InvalidCentralSystemCertificate",
    FailureKind.TLS_VERSION: "InvalidTLSVersion",
    FailureKind.TLS_CIPHER_SUITE: "InvalidTLSCipherSuite",
}


@pytest.mark.parametrize("kind", list(FailureKind))
def test_it_names_the_security_event_of_each_kind(kind: FailureKind) -> None:
    assert security_events_for(kind) == _EVENTS.get(kind)


@pytest.mark.parametrize("kind", list(FailureKind))
def test_every_kind_but_unknown_is_retryable(kind: FailureKind) -> None:
    assert kind.retryable is (kind is not FailureKind.UNKNOWN)

"""Connection settings of the OCPP-J 1.6 websocket: URL, security profiles 0-3, TLS, Basic auth, back-off.

Theory of operation
-------------------
Everything here is a pure function of configuration values; :mod:`ocpp_core.aio` calls them and
does the I/O. The rules come from OCPP-J 1.6 §3, the OCPP 1.6 security whitepaper (edition 3,
section 2.1 of ``reference/ocpp16-spec.md``) and libocpp's websocket layer:

* **URL** (:func:`build_url`). ``CentralSystemURI`` may omit the scheme; it is then ``ws://`` for
  security profiles 0/1 and ``wss://`` for 2/3. A given scheme must match the profile. A trailing
  path segment equal to the charge point id is dropped, and the id is appended, percent-encoded,
  after exactly one ``/``.
* **Security profiles.** 0: plain ``ws://``, no authentication. 1: ``ws://`` with HTTP Basic auth.
  2: TLS with Basic auth. 3: TLS with a client certificate and no Basic auth
  (:func:`handshake_headers`, :func:`client_ssl_context`).
* **Basic auth** (:func:`basic_auth_header`). ``Authorization: Basic base64(<id>:<password>)``
  where the password is the raw password bytes; reading them from ``AuthorizationKey`` (OCTT:
  32-40 hex digits are decoded) is the configuration's job
  (``ocpp_core.config.keys_security.authorization_key_bytes``).
* **TLS** (:func:`client_ssl_context`). TLS 1.2 or newer, TLS 1.3 enabled, no compression,
  OpenSSL security level 2 (RSA >= 2048 bits, EC >= 224 bits, as the whitepaper requires), the
  server certificate verified against the configured Central System root(s) only, the host name
  checked by default. The TLS 1.2 cipher list is set explicitly: Python's default list lacks the
  static-RSA suites ``TLS_RSA_WITH_AES_*_GCM_*`` that the whitepaper allows and that some central
  systems offer exclusively (``../shared/STACK.md`` §6, "the cipher-suite trap").
* **Reconnect back-off** (:func:`backoff_delays`). libocpp's policy: first wait
  ``minimum + rand[0, range]``, then ``previous * 2 + rand[0, range]``, doubled ``repeat_times``
  times, then constant.
* **Failures** (:func:`classify_connect_failure`). A failed connection attempt is sorted into a
  :class:`FailureKind`; :func:`security_events_for` names the whitepaper security event a kind
  raises. This module may not import ``websockets`` (only :mod:`ocpp_core.aio` does), so
  websockets' exceptions are recognised by duck typing: an HTTP rejection
  (``websockets.exceptions.InvalidStatus``) by its ``response.status_code``, other handshake errors
  by their class names in the ``websockets`` package, and their ``__cause__`` is followed. The
  tests check this against the real websockets classes.
"""

from __future__ import annotations

import base64
import random
import re
import ssl
import urllib.parse
from collections.abc import Iterator, Sequence
from enum import StrEnum
from os import PathLike

from ocpp_core.errors import ConfigError, OcppError

__all__ = [
    "DEFAULT_CIPHERS12",
    "DEFAULT_CIPHERS13",
    "OCPP16_SUBPROTOCOL",
    "FailureKind",
    "SubprotocolNotAgreed",
    "backoff_delays",
    "basic_auth_header",
    "build_url",
    "check_subprotocol",
    "classify_connect_failure",
    "client_ssl_context",
    "handshake_headers",
    "security_events_for",
]

OCPP16_SUBPROTOCOL = "ocpp1.6"
"""The websocket subprotocol of OCPP-J 1.6 (``Sec-WebSocket-Protocol``)."""

DEFAULT_CIPHERS12: tuple[str, ...] = (
    "ECDHE-ECDSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES256-GCM-SHA384",
    "AES128-GCM-SHA256",
    "AES256-GCM-SHA384",
)
"""libocpp's ``SupportedCiphers12`` default: both whitepaper pairs (ECDHE-ECDSA and static RSA, AES-GCM)."""

DEFAULT_CIPHERS13: tuple[str, ...] = ("TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256")
"""libocpp's ``SupportedCiphers13`` default."""

_SECURITY_PROFILES = (0, 1, 2, 3)
_TLS_PROFILES = (2, 3)
_BASIC_AUTH_PROFILES = (1, 2)

# The whitepaper writes suites by their IANA names; OpenSSL's cipher strings only know its own.
_IANA_TO_OPENSSL = {
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256": "ECDHE-ECDSA-AES128-GCM-SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384": "ECDHE-ECDSA-AES256-GCM-SHA384",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256": "ECDHE-RSA-AES128-GCM-SHA256",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384": "ECDHE-RSA-AES256-GCM-SHA384",
    "TLS_RSA_WITH_AES_128_GCM_SHA256": "AES128-GCM-SHA256",
    "TLS_RSA_WITH_AES_256_GCM_SHA384": "AES256-GCM-SHA384",
}

# A charge point SHALL support at least one of these pairs (reference/ocpp16-spec.md §2.1, TLS).
_WHITEPAPER_PAIRS = (
    frozenset({"ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384"}),
    frozenset({"AES128-GCM-SHA256", "AES256-GCM-SHA384"}),
)

_SCHEME_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
_CIPHER_NAME_RE = re.compile(r"[A-Za-z0-9_-]+")


# --------------------------------------------------------------------------------------------
# URL, headers, Basic auth
# --------------------------------------------------------------------------------------------


def _check_profile(security_profile: int) -> None:
    # bool is an int; SecurityProfile True is a configuration bug, not profile 1.
    if isinstance(security_profile, bool) or security_profile not in _SECURITY_PROFILES:
        raise ConfigError("SecurityProfile", security_profile, "is not one of 0, 1, 2, 3")


def build_url(central_system_uri: str, charge_point_id: str, security_profile: int) -> str:
    """The websocket URL for ``charge_point_id`` at ``central_system_uri`` (libocpp's rules).

    >>> build_url("csms.example.com:8443/ocpp/", "RDAM 123", 2)
    'wss://csms.example.com:8443/ocpp/RDAM%20123'
    >>> build_url("ws://10.0.0.1/ocpp/CP1", "CP1", 1)
    'ws://10.0.0.1/ocpp/CP1'

    Raises :class:`~ocpp_core.errors.ConfigError` when the scheme is not ``ws``/``wss``, does not
    match the profile, or the URI has no host, carries credentials, a query or a fragment (the
    charge point id must be the last thing in the URL; credentials go in the Basic auth header).
    """
    _check_profile(security_profile)
    if not charge_point_id:
        raise ConfigError("ChargePointId", charge_point_id, "must not be empty")
    expected = "wss" if security_profile in _TLS_PROFILES else "ws"
    uri = central_system_uri.strip()
    match = _SCHEME_RE.match(uri)
    if match is None:
        uri = f"{expected}://{uri}"
    else:
        scheme = match.group(1).lower()
        if scheme not in ("ws", "wss"):
            raise ConfigError("CentralSystemURI", central_system_uri, "must use the ws:// or wss:// scheme")
        if scheme != expected:
            raise ConfigError(
                "CentralSystemURI",
                central_system_uri,
                f"uses {scheme}:// but SecurityProfile {security_profile} requires {expected}://",
            )
        uri = f"{expected}://{uri[match.end() :]}"
    try:
        parts = urllib.parse.urlsplit(uri)
        _ = parts.port  # raises ValueError on a bad port
    except ValueError as exc:
        raise ConfigError("CentralSystemURI", central_system_uri, f"is not a valid URL ({exc})") from None
    if not parts.hostname:
        raise ConfigError("CentralSystemURI", central_system_uri, "has no host")
    if "@" in parts.netloc:
        raise ConfigError("CentralSystemURI", central_system_uri, "must not contain credentials (use AuthorizationKey)")
    if parts.query or parts.fragment or uri.endswith(("?", "#")):
        raise ConfigError("CentralSystemURI", central_system_uri, "must not have a query or a fragment")
    path = parts.path.rstrip("/")
    head, _, last = path.rpartition("/")
    if last and urllib.parse.unquote(last) == charge_point_id:
        path = head
    encoded_id = urllib.parse.quote(charge_point_id, safe="")
    return f"{parts.scheme}://{parts.netloc}{path}/{encoded_id}"


def basic_auth_header(charge_point_id: str, password: bytes) -> str:
    """The ``Authorization`` header value: ``"Basic " + base64(<id>:<password>)``.

    The user name is the charge point id, which the central system compares with the last path
    segment of the URL. RFC 7617 forbids ``:`` in a user id, so such an id raises
    :class:`~ocpp_core.errors.ConfigError`.
    """
    if not charge_point_id or ":" in charge_point_id:
        raise ConfigError("ChargePointId", charge_point_id, "must be non-empty and contain no ':' for Basic auth")
    token = base64.b64encode(charge_point_id.encode("utf-8") + b":" + password).decode("ascii")
    return f"Basic {token}"


def handshake_headers(*, security_profile: int, charge_point_id: str, password: bytes | None) -> dict[str, str]:
    """The extra HTTP headers of the websocket upgrade for a security profile.

    Profiles 1 and 2 send Basic auth and need a password (like libocpp, connecting without an
    ``AuthorizationKey`` is a configuration error); profiles 0 and 3 send none.
    """
    _check_profile(security_profile)
    if security_profile not in _BASIC_AUTH_PROFILES:
        return {}
    if password is None:
        raise ConfigError("AuthorizationKey", None, f"is required by SecurityProfile {security_profile}")
    return {"Authorization": basic_auth_header(charge_point_id, password)}


class SubprotocolNotAgreed(OcppError):
    """The central system completed the websocket handshake without agreeing on ``ocpp1.6``."""

    def __init__(self, selected: str | None) -> None:
        self.selected = selected
        super().__init__(f"central system selected subprotocol {selected!r}, not {OCPP16_SUBPROTOCOL!r}")


def check_subprotocol(selected: str | None) -> None:
    """Raise :class:`SubprotocolNotAgreed` unless the handshake selected ``ocpp1.6``.

    A server that agrees on none of the offered subprotocols may still complete the handshake
    without a ``Sec-WebSocket-Protocol`` header (OCPP-J §3.1.2); the client must then close.
    """
    if selected != OCPP16_SUBPROTOCOL:
        raise SubprotocolNotAgreed(selected)


# --------------------------------------------------------------------------------------------
# TLS
# --------------------------------------------------------------------------------------------


def _openssl_names(names: Sequence[str]) -> list[str]:
    return [_IANA_TO_OPENSSL.get(name, name) for name in names]


def client_ssl_context(
    *,
    security_profile: int,
    ca_file: str | PathLike[str] | None = None,
    ca_data: str | bytes | None = None,
    client_cert_file: str | PathLike[str] | None = None,
    client_key_file: str | PathLike[str] | None = None,
    client_key_password: bytes | None = None,
    verify_hostname: bool = True,
    ciphers12: Sequence[str] | None = None,
    ciphers13: Sequence[str] | None = None,
) -> ssl.SSLContext:
    """The client TLS context for security profile 2 or 3.

    * ``ca_file`` / ``ca_data``: the Central System root certificate(s) (PEM); at least one is
      required, and nothing else is trusted (not the OS store).
    * ``client_cert_file`` / ``client_key_file`` (and ``client_key_password``): the Charge Point
      certificate chain and key; required for profile 3 and refused for profile 2.
    * ``verify_hostname``: check the server certificate's name against the host (libocpp's
      ``VerifyCsmsCommonName``); the chain is always verified.
    * ``ciphers12``: TLS 1.2 suites, OpenSSL or IANA names; must contain one whitepaper pair
      (both ECDHE-ECDSA AES-GCM suites or both static-RSA AES-GCM suites). ``None`` means
      :data:`DEFAULT_CIPHERS12`.
    * ``ciphers13``: TLS 1.3 suites. Python 3.11's :mod:`ssl` cannot choose TLS 1.3 suites, so
      they are only checked to be known to OpenSSL (whose TLS 1.3 defaults are all AEAD suites
      acceptable under the whitepaper); an empty list turns TLS 1.3 off, as an empty
      ``SSL_CTX_set_ciphersuites`` does in libocpp. ``None`` means :data:`DEFAULT_CIPHERS13`.

    Raises :class:`~ocpp_core.errors.ConfigError` for a non-TLS profile, missing or unusable
    files, and unknown or insufficient cipher suites.
    """
    _check_profile(security_profile)
    if security_profile not in _TLS_PROFILES:
        raise ConfigError("SecurityProfile", security_profile, "does not use TLS (only profiles 2 and 3 do)")
    if ca_file is None and ca_data is None:
        raise ConfigError("CentralSystemRootCertificate", None, f"is required by SecurityProfile {security_profile}")
    has_client_cert = client_cert_file is not None or client_key_file is not None
    if security_profile == 3 and (client_cert_file is None or client_key_file is None):
        raise ConfigError("ChargePointCertificate", None, "and its key are required by SecurityProfile 3")
    if security_profile == 2 and has_client_cert:
        raise ConfigError("ChargePointCertificate", client_cert_file, "is only presented in SecurityProfile 3")

    ciphers12 = DEFAULT_CIPHERS12 if ciphers12 is None else ciphers12
    ciphers13 = DEFAULT_CIPHERS13 if ciphers13 is None else ciphers13

    # PROTOCOL_TLS_CLIENT: CERT_REQUIRED and check_hostname on; no OS trust store is loaded.
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.maximum_version = ssl.TLSVersion.MAXIMUM_SUPPORTED if ciphers13 else ssl.TLSVersion.TLSv1_2
    ctx.options |= ssl.OP_NO_COMPRESSION
    ctx.check_hostname = verify_hostname
    ctx.verify_mode = ssl.CERT_REQUIRED

    _set_ciphers12(ctx, ciphers12)
    _check_ciphers13(ctx, ciphers13)

    try:
        ctx.load_verify_locations(cafile=ca_file, cadata=ca_data)
    except (OSError, ValueError) as exc:  # ssl.SSLError is an OSError
        raise ConfigError("CentralSystemRootCertificate", ca_file or "<ca_data>", f"cannot be loaded ({exc})") from exc
    if client_cert_file is not None:
        try:
            ctx.load_cert_chain(client_cert_file, client_key_file, password=client_key_password)
        except (OSError, ValueError) as exc:
            raise ConfigError("ChargePointCertificate", client_cert_file, f"cannot be loaded ({exc})") from exc
    return ctx


def _set_ciphers12(ctx: ssl.SSLContext, ciphers12: Sequence[str]) -> None:
    names = _openssl_names(ciphers12)
    # Plain suite names only: no cipher-string operators ("!", "+", "@SECLEVEL=0", ...).
    operators = [name for name in ciphers12 if not _CIPHER_NAME_RE.fullmatch(name)]
    if operators:
        raise ConfigError("SupportedCiphers12", operators, "are not cipher suite names")
    if not any(pair.issubset(names) for pair in _WHITEPAPER_PAIRS):
        raise ConfigError(
            "SupportedCiphers12",
            list(ciphers12),
            "must contain both ECDHE-ECDSA AES-GCM suites or both TLS_RSA AES-GCM suites",
        )
    # @SECLEVEL=2: >= 112-bit security, i.e. RSA/DH >= 2048 and EC >= 224 bits (whitepaper).
    # Cannot fail: a whitepaper pair is in the list and nothing can remove it.
    ctx.set_ciphers(":".join(names) + ":@SECLEVEL=2")
    # Aliases such as ALL or HIGH would enable more than they name: they are not suite names.
    enabled = {c["name"] for c in ctx.get_ciphers() if c["protocol"] == "TLSv1.2"}
    unknown = [name for name, openssl in zip(ciphers12, names, strict=True) if openssl not in enabled]
    if unknown:
        raise ConfigError("SupportedCiphers12", unknown, "are not TLS 1.2 cipher suites known to OpenSSL")


def _check_ciphers13(ctx: ssl.SSLContext, ciphers13: Sequence[str]) -> None:
    available = {c["name"] for c in ctx.get_ciphers() if c["protocol"] == "TLSv1.3"}
    unknown = [name for name in ciphers13 if name not in available]
    if unknown:
        raise ConfigError(
            "SupportedCiphers13",
            unknown,
            f"are not available TLS 1.3 cipher suites (available: {', '.join(sorted(available))})",
        )


# --------------------------------------------------------------------------------------------
# Reconnect back-off
# --------------------------------------------------------------------------------------------


def backoff_delays(
    wait_minimum: float,
    random_range: float,
    repeat_times: int,
    rng: random.Random,
) -> Iterator[float]:
    """The waits (seconds) before reconnect attempts 1, 2, 3, ... (an endless iterator).

    libocpp's policy with ``RetryBackoffWaitMinimum``, ``RetryBackoffRandomRange`` and
    ``RetryBackoffRepeatTimes`` (defaults 3, 10, 3): the first wait is
    ``wait_minimum + uniform(0, random_range)``; each later wait is the previous one doubled plus
    a fresh ``uniform(0, random_range)``, for ``repeat_times`` doublings; after that the last
    wait repeats unchanged. Start a new iterator after a successful connection.
    """
    if wait_minimum < 0:
        raise ConfigError("RetryBackoffWaitMinimum", wait_minimum, "must not be negative")
    if random_range < 0:
        raise ConfigError("RetryBackoffRandomRange", random_range, "must not be negative")
    if repeat_times < 0:
        raise ConfigError("RetryBackoffRepeatTimes", repeat_times, "must not be negative")
    delay = wait_minimum + rng.uniform(0, random_range)
    yield delay
    for _ in range(repeat_times):
        delay = delay * 2 + rng.uniform(0, random_range)
        yield delay
    while True:
        yield delay


# --------------------------------------------------------------------------------------------
# Failure classification
# --------------------------------------------------------------------------------------------


class FailureKind(StrEnum):
    """Why a connection attempt failed.

    Every kind but :attr:`UNKNOWN` is a connection failure to retry with back-off
    (:attr:`retryable`); the caller decides whether some kinds are fatal for it (e.g. a new
    security profile that failed). :attr:`UNKNOWN` is anything else, most likely a bug, and
    should be re-raised.
    """

    AUTH_REJECTED = "auth_rejected"
    """HTTP 401/403: the central system rejected our Basic auth credentials."""
    NOT_FOUND = "not_found"
    """HTTP 404: the central system does not know our identity (retry with back-off, J-erratum 3.3)."""
    BAD_SUBPROTOCOL = "bad_subprotocol"
    """The central system did not agree on ``ocpp1.6``."""
    HTTP_STATUS = "http_status"
    """Another HTTP status instead of ``101 Switching Protocols`` (e.g. 500, 503)."""
    TLS_CERTIFICATE = "tls_certificate"
    """The central system's certificate did not verify (chain, validity or host name)."""
    TLS_CLIENT_CERTIFICATE = "tls_client_certificate"
    """The central system refused our client certificate with a TLS alert (profile 3).

    Often the refusal is not visible as such: under TLS 1.2 the server may just reset the
    connection (:attr:`NETWORK`), under TLS 1.3 the client sees the connection end while it
    waits for the HTTP response (:attr:`NETWORK`) -- see ``../shared/STACK.md`` §6.
    """
    TLS_VERSION = "tls_version"
    """No common TLS version: the central system offers only TLS < 1.2."""
    TLS_CIPHER_SUITE = "tls_cipher_suite"
    """No common cipher suite (when OpenSSL says so explicitly)."""
    TLS_HANDSHAKE = "tls_handshake"
    """Any other TLS failure (e.g. a ``handshake_failure`` alert, which is ambiguous)."""
    NETWORK = "network"
    """Refused, reset, timed out, closed (EOF), name resolution failed."""
    PROTOCOL = "protocol"
    """The server's answer was not a valid websocket handshake."""
    UNKNOWN = "unknown"
    """Not a connection failure: re-raise it."""

    @property
    def retryable(self) -> bool:
        """Whether a reconnect with back-off is the normal reaction."""
        return self is not FailureKind.UNKNOWN


_SECURITY_EVENTS: dict[FailureKind, str] = {
    FailureKind.AUTH_REJECTED: "FailedToAuthenticateAtCentralSystem",
    FailureKind.TLS_CLIENT_CERTIFICATE: "FailedToAuthenticateAtCentralSystem",
    FailureKind.TLS_CERTIFICATE: "InvalidCentralSystemCertificate",
    FailureKind.TLS_VERSION: "InvalidTLSVersion",
    FailureKind.TLS_CIPHER_SUITE: "InvalidTLSCipherSuite",
}


def security_events_for(kind: FailureKind) -> str | None:
    """The whitepaper security event a failure of ``kind`` raises, or ``None``.

    Spelling of edition 2 (``FailedToAuthenticateAtCentralSystem``), see
    ``reference/ocpp16-spec.md`` §2.6.
    """
    return _SECURITY_EVENTS.get(kind)


# Reasons of ssl.SSLError (OpenSSL's reason codes) by kind. Alerts the *server* sent about our
# certificate mean it refused us; our own verification failure is ssl.SSLCertVerificationError.
_SSL_VERSION_REASONS = frozenset(
    {
        "UNSUPPORTED_PROTOCOL",
        "TLSV1_ALERT_PROTOCOL_VERSION",
        "NO_PROTOCOLS_AVAILABLE",
        "WRONG_SSL_VERSION",
        "VERSION_TOO_LOW",
    }
)
_SSL_CIPHER_REASONS = frozenset(
    {"NO_SHARED_CIPHER", "NO_CIPHERS_AVAILABLE", "NO_CIPHER_MATCH", "TLSV1_ALERT_INSUFFICIENT_SECURITY"}
)
_SSL_CLIENT_CERT_REASONS = frozenset(
    {
        "SSLV3_ALERT_BAD_CERTIFICATE",
        "SSLV3_ALERT_CERTIFICATE_UNKNOWN",
        "SSLV3_ALERT_CERTIFICATE_EXPIRED",
        "SSLV3_ALERT_CERTIFICATE_REVOKED",
        "SSLV3_ALERT_UNSUPPORTED_CERTIFICATE",
        "TLSV1_ALERT_UNKNOWN_CA",
        "TLSV1_ALERT_ACCESS_DENIED",
        "TLSV13_ALERT_CERTIFICATE_REQUIRED",
    }
)


def _is_websockets(exc: BaseException, *class_names: str) -> bool:
    """Whether ``exc`` is an instance of a ``websockets`` exception class of one of these names."""
    return any(
        cls.__module__.split(".", 1)[0] == "websockets" and cls.__name__ in class_names for cls in type(exc).__mro__
    )


def _classify_status(status: int, body: bytes) -> FailureKind:
    if status in (401, 403):
        return FailureKind.AUTH_REJECTED
    if status == 404:
        return FailureKind.NOT_FOUND
    # websockets >= 14 servers answer 400 "... invalid subprotocol; expected one of ..." or
    # "... missing subprotocol" when no offered subprotocol is supported.
    if status == 400 and b"subprotocol" in body.lower():
        return FailureKind.BAD_SUBPROTOCOL
    return FailureKind.HTTP_STATUS


def _classify_ssl(exc: ssl.SSLError) -> FailureKind:
    if isinstance(exc, ssl.SSLCertVerificationError):
        return FailureKind.TLS_CERTIFICATE
    if isinstance(exc, ssl.SSLEOFError | ssl.SSLZeroReturnError):
        return FailureKind.NETWORK
    # Set by the ssl module for OpenSSL errors; absent on an SSLError built by hand.
    reason = getattr(exc, "reason", None) or ""
    if reason in _SSL_VERSION_REASONS:
        return FailureKind.TLS_VERSION
    if reason in _SSL_CIPHER_REASONS:
        return FailureKind.TLS_CIPHER_SUITE
    if reason in _SSL_CLIENT_CERT_REASONS:
        return FailureKind.TLS_CLIENT_CERTIFICATE
    return FailureKind.TLS_HANDSHAKE


def classify_connect_failure(exc: BaseException) -> FailureKind:
    """Sort the exception of a failed connection attempt into a :class:`FailureKind`.

    Understands :mod:`ssl` errors, :class:`OSError`/:class:`EOFError`/:class:`TimeoutError`,
    :class:`SubprotocolNotAgreed`, and websockets 17's handshake exceptions by duck typing:

    * anything with an integer ``response.status_code`` (``InvalidStatus``): 401/403
      :attr:`~FailureKind.AUTH_REJECTED`, 404 :attr:`~FailureKind.NOT_FOUND`, 400 whose body
      mentions the subprotocol :attr:`~FailureKind.BAD_SUBPROTOCOL`, else
      :attr:`~FailureKind.HTTP_STATUS`;
    * ``NegotiationError`` about a subprotocol: :attr:`~FailureKind.BAD_SUBPROTOCOL`;
    * ``ConnectionClosed``: :attr:`~FailureKind.NETWORK`;
    * any other ``InvalidHandshake`` (e.g. ``InvalidMessage``): its ``__cause__`` decides (an
      ``EOFError`` or an SSL alert while reading the response), else
      :attr:`~FailureKind.PROTOCOL`.
    """
    return _classify(exc, seen=set())


def _classify(exc: BaseException, *, seen: set[int]) -> FailureKind:
    seen.add(id(exc))
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    if isinstance(status, int) and not isinstance(status, bool):
        body = getattr(response, "body", None)
        # websockets keeps the body as a bytearray; tolerate any bytes-like or missing body.
        return _classify_status(status, bytes(body) if isinstance(body, bytes | bytearray) else b"")
    if isinstance(exc, SubprotocolNotAgreed):
        return FailureKind.BAD_SUBPROTOCOL
    if isinstance(exc, ssl.SSLError):  # before OSError: SSLError is an OSError
        return _classify_ssl(exc)
    if isinstance(exc, OSError | EOFError | TimeoutError):
        return FailureKind.NETWORK
    if _is_websockets(exc, "NegotiationError") and "subprotocol" in str(exc):
        return FailureKind.BAD_SUBPROTOCOL
    if _is_websockets(exc, "ConnectionClosed"):
        return FailureKind.NETWORK
    if _is_websockets(exc, "InvalidHandshake"):
        cause = exc.__cause__
        if cause is not None and id(cause) not in seen:
            kind = _classify(cause, seen=seen)
            if kind is not FailureKind.UNKNOWN:
                return kind
        return FailureKind.PROTOCOL
    return FailureKind.UNKNOWN

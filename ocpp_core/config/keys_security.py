"""Keys of the ``Security`` section (Security Whitepaper §2.5) and the ``PnC`` section.

``AuthorizationKey`` is write-only: it is never reported with a value and is masked in every
display. Following the Whitepaper and the OCTT reading of it, its value is either 32..40 hex
digits (16..20 bytes, decoded for HTTP Basic authentication) or 16..20 printable ASCII characters
used as they are. ``SecurityProfile`` may only be raised by the central system.
"""

from __future__ import annotations

import string
from typing import Any

from ocpp_core.config.keys_model import Access, KeyDef, Lookup, ValueType

__all__ = ["PNC_KEYS", "SECURITY_KEYS", "authorization_key_bytes"]

R, RW, W = Access.READ_ONLY, Access.READ_WRITE, Access.WRITE_ONLY
BOOL, INT, STR = ValueType.BOOLEAN, ValueType.INTEGER, ValueType.STRING

_PRINTABLE = frozenset(chr(code) for code in range(0x20, 0x7F))
_HEX = frozenset(string.hexdigits)


def authorization_key_bytes(value: str) -> bytes | None:
    """The HTTP Basic password an AuthorizationKey value stands for, or ``None`` if it is invalid.

    32..40 hex digits (an even count) are decoded to 16..20 bytes; 16..20 printable ASCII
    characters are the password themselves. Lengths do not overlap, so the reading is unambiguous
    (``4F43415F4F4354545F61646D696E5F74657374`` is ``b"OCA_OCTT_admin_test"``).
    """
    if 32 <= len(value) <= 40 and len(value) % 2 == 0 and _HEX.issuperset(value):
        return bytes.fromhex(value)
    if 16 <= len(value) <= 20 and _PRINTABLE.issuperset(value):
        return value.encode("ascii")
    return None


def _authorization_key(value: str, lookup: Lookup) -> str | None:
    if authorization_key_bytes(value) is None:
        return "is neither 32..40 hex digits (16..20 bytes) nor 16..20 printable ASCII characters"
    return None


def _security_profile(value: int, lookup: Lookup) -> str | None:
    # Profiles 1 and 2 authenticate with HTTP Basic auth, whose password is the AuthorizationKey
    # (Whitepaper A00.FR.202/302). Certificates (profiles 2 and 3) live outside the registry: the
    # ``checks`` hook of ChangeConfiguration covers them.
    if value in (1, 2) and lookup.get("AuthorizationKey") is None:
        return "needs Security.AuthorizationKey to be set (HTTP Basic authentication)"
    return None


def _security(name: str, kind: ValueType, access: Access, description: str, **options: Any) -> KeyDef:
    if kind is INT:
        options.setdefault("minimum", 0)
    return KeyDef(
        section="Security", profile="Security", name=name, type=kind, access=access, description=description, **options
    )


def _pnc(name: str, kind: ValueType, description: str, **options: Any) -> KeyDef:
    if kind is INT:
        options.setdefault("minimum", 0)
    return KeyDef(section="PnC", profile="PnC", name=name, type=kind, access=RW, description=description, **options)


SECURITY_KEYS: tuple[KeyDef, ...] = (
    _security(
        "AdditionalRootCertificateCheck",
        BOOL,
        R,
        "Only one central system root certificate is kept, replaced by one it signed.",
    ),
    _security(
        "AuthorizationKey",
        STR,
        W,
        "Password of HTTP Basic authentication in security profiles 1 and 2 (write-only).",
        min_length=16,
        max_length=40,
        rule=_authorization_key,
        secret=True,
        always_supported=True,
    ),
    _security(
        "CertificateSignedMaxChainSize",
        INT,
        R,
        "Longest certificate chain, in characters, a CertificateSigned request may carry.",
        maximum=10000,
    ),
    _security(
        "CertificateStoreMaxLength",
        INT,
        R,
        "Most root certificates the station can keep.",
    ),
    _security(
        "CpoName",
        STR,
        RW,
        "Organization name the station puts in its certificate signing requests.",
        max_length=64,
        always_supported=True,
    ),
    _security(
        "SecurityProfile",
        INT,
        RW,
        "Security profile of the connection: 0 none, 1 Basic auth, 2 TLS + Basic auth, 3 mutual TLS.",
        required=True,
        default=0,
        maximum=3,
        only_upwards=True,
        rule=_security_profile,
    ),
    _security(
        "DisableSecurityEventNotifications",
        BOOL,
        RW,
        "Keep security events in the local log only, without notifying the central system.",
        default=False,
    ),
)

PNC_KEYS: tuple[KeyDef, ...] = (
    _pnc(
        "ISO15118CertificateManagementEnabled",
        BOOL,
        "Handle ISO 15118 certificate messages wrapped in DataTransfer.",
        default=False,
    ),
    _pnc(
        "ISO15118PnCEnabled",
        BOOL,
        "Authorize with contract certificates (Plug & Charge).",
        required=True,
        default=False,
    ),
    _pnc(
        "CentralContractValidationAllowed",
        BOOL,
        "Let the central system validate a contract certificate the station cannot validate.",
    ),
    _pnc(
        "CertSigningWaitMinimum",
        INT,
        "Seconds to wait for a signed certificate before asking again.",
    ),
    _pnc(
        "CertSigningRepeatTimes",
        INT,
        "How many times the wait for a signed certificate doubles before giving up.",
    ),
    _pnc(
        "ContractValidationOffline",
        BOOL,
        "While offline, validate contract certificates locally.",
        required=True,
        default=False,
    ),
)

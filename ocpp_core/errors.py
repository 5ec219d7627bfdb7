"""Errors of the OCPP 1.6J engine.

Every error the engine raises derives from :class:`OcppError`::

    OcppError
    ├── LocalProtocolError          we misused the engine (e.g. an invalid outbound payload,
    │                               a CALL while another one is outstanding); raised to the caller
    ├── ConfigError                 a configuration key, value or file broke a rule
    └── CallErrorException          the peer broke the protocol; becomes a CALLERROR reply
        ├── ActionNotImplemented         NotImplemented
        ├── ActionNotSupported           NotSupported
        ├── InternalError                InternalError
        ├── ProtocolError                ProtocolError
        ├── SecurityError                SecurityError
        ├── FormationViolation           FormationViolation
        ├── PropertyConstraintViolation  PropertyConstraintViolation
        ├── OccurenceConstraintViolation OccurenceConstraintViolation
        ├── TypeConstraintViolation      TypeConstraintViolation
        └── GenericError                 GenericError

:class:`CallErrorException` carries the OCPP-J error code (:class:`ErrorCode`, spelled exactly as
OCPP-J 1.6 and its errata spell them, typos included) and, when known, the unique id of the
frame that caused it, so a CALLERROR can be built from it.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar

__all__ = [
    "ActionNotImplemented",
    "ActionNotSupported",
    "CallErrorException",
    "ConfigError",
    "ErrorCode",
    "FormationViolation",
    "GenericError",
    "InternalError",
    "LocalProtocolError",
    "OccurenceConstraintViolation",
    "OcppError",
    "PropertyConstraintViolation",
    "ProtocolError",
    "SecurityError",
    "TypeConstraintViolation",
    "exception_for_code",
]


class ErrorCode(StrEnum):
    """OCPP-J 1.6 CALLERROR codes, with the wire spelling of the 1.6 specification."""

    NOT_IMPLEMENTED = "NotImplemented"
    NOT_SUPPORTED = "NotSupported"
    INTERNAL_ERROR = "InternalError"
    PROTOCOL_ERROR = "ProtocolError"
    SECURITY_ERROR = "SecurityError"
    FORMATION_VIOLATION = "FormationViolation"
    PROPERTY_CONSTRAINT_VIOLATION = "PropertyConstraintViolation"
    OCCURENCE_CONSTRAINT_VIOLATION = "OccurenceConstraintViolation"
    TYPE_CONSTRAINT_VIOLATION = "TypeConstraintViolation"
    GENERIC_ERROR = "GenericError"

    @classmethod
    def from_wire(cls, text: str) -> ErrorCode:
        """Read an error code sent by a peer, accepting every spelling seen in the field.

        OCPP 2.0.1 spellings (``FormatViolation``, ``OccurrenceConstraintViolation``) and the
        2.0.1 framework codes are mapped onto their 1.6 meaning; anything unknown is
        ``GenericError`` (the raw text stays available on the CALLERROR).
        """
        try:
            return cls(text)
        except ValueError:
            return _ALIASES.get(text.casefold(), cls.GENERIC_ERROR)


_ALIASES: dict[str, ErrorCode] = {
    **{code.value.casefold(): code for code in ErrorCode},
    "formatviolation": ErrorCode.FORMATION_VIOLATION,
    "occurrenceconstraintviolation": ErrorCode.OCCURENCE_CONSTRAINT_VIOLATION,
    "rpcframeworkerror": ErrorCode.FORMATION_VIOLATION,
    "messagetypenotsupported": ErrorCode.NOT_SUPPORTED,
}


class OcppError(Exception):
    """Base class of every error raised by ``ocpp_core``."""


class LocalProtocolError(OcppError):
    """We used the engine in a way the protocol forbids; a bug in the caller."""


class ConfigError(OcppError):
    """A configuration key, value or file broke a rule.

    The message names the key, the offending value and the rule, e.g.
    ``Core.HeartbeatInterval: -1 is not a non-negative integer``.
    """

    def __init__(self, key: str, value: Any, rule: str) -> None:
        self.key = key
        self.value = value
        self.rule = rule
        super().__init__(f"{key}: {value!r} {rule}")


class CallErrorException(OcppError):
    """The peer sent something that must be answered with a CALLERROR."""

    code: ClassVar[ErrorCode] = ErrorCode.GENERIC_ERROR

    def __init__(
        self,
        description: str,
        *,
        unique_id: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(description)
        self.description = description
        self.unique_id = unique_id
        self.details: dict[str, Any] = details if details is not None else {}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.description!r}, unique_id={self.unique_id!r})"


class ActionNotImplemented(CallErrorException):
    """The action is not known to the receiver."""

    code = ErrorCode.NOT_IMPLEMENTED


class ActionNotSupported(CallErrorException):
    """The action is known but not supported (e.g. its feature profile is disabled)."""

    code = ErrorCode.NOT_SUPPORTED


class InternalError(CallErrorException):
    """The receiver failed while handling a valid request."""

    code = ErrorCode.INTERNAL_ERROR


class ProtocolError(CallErrorException):
    """The payload is incomplete (e.g. a required field is missing)."""

    code = ErrorCode.PROTOCOL_ERROR


class SecurityError(CallErrorException):
    """A security issue prevented completion (e.g. a request in a state that forbids it)."""

    code = ErrorCode.SECURITY_ERROR


class FormationViolation(CallErrorException):
    """The frame or payload is syntactically wrong or does not follow the PDU structure."""

    code = ErrorCode.FORMATION_VIOLATION


class PropertyConstraintViolation(CallErrorException):
    """A field is syntactically correct but holds an invalid value (e.g. an unknown enum value)."""

    code = ErrorCode.PROPERTY_CONSTRAINT_VIOLATION


class OccurenceConstraintViolation(CallErrorException):
    """A field violates occurrence constraints (e.g. an array too short or too long)."""

    code = ErrorCode.OCCURENCE_CONSTRAINT_VIOLATION


class TypeConstraintViolation(CallErrorException):
    """A field violates its data type (e.g. a string where an integer is required)."""

    code = ErrorCode.TYPE_CONSTRAINT_VIOLATION


class GenericError(CallErrorException):
    """Any other error."""

    code = ErrorCode.GENERIC_ERROR


_BY_CODE: dict[ErrorCode, type[CallErrorException]] = {
    cls.code: cls
    for cls in (
        ActionNotImplemented,
        ActionNotSupported,
        InternalError,
        ProtocolError,
        SecurityError,
        FormationViolation,
        PropertyConstraintViolation,
        OccurenceConstraintViolation,
        TypeConstraintViolation,
        GenericError,
    )
}


def exception_for_code(code: ErrorCode) -> type[CallErrorException]:
    """The exception class that carries ``code``."""
    return _BY_CODE[code]

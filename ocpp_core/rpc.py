"""OCPP-J 1.6 framing: CALL, CALLRESULT and CALLERROR.

Theory of operation
-------------------
A frame is a JSON array: ``[2, id, action, payload]`` (CALL), ``[3, id, payload]``
(CALLRESULT) or ``[4, id, code, description, details]`` (CALLERROR). :func:`parse` turns text
into one of the three frozen classes below, or raises a :class:`~ocpp_core.errors.CallErrorException`
describing why the text is not a frame. The exception carries the unique id when one could be read,
so the caller can answer with a CALLERROR; when none could be read the id is ``"-1"`` (as libocpp
does), because a CALLERROR must carry some id.

Parsing is strict: invalid JSON, ``NaN``/``Infinity``, duplicate object keys, a unique id that is not
a string of 1..36 characters, wrong element counts and wrong element types are all errors.
Non-integer numbers are read as :class:`decimal.Decimal` so that ``multipleOf: 0.1`` checks are
exact. :func:`serialize` writes compact JSON; a :class:`~decimal.Decimal` is written as a JSON number.

Replies are built from their request only (:meth:`Call.result`, :meth:`Call.error`), so the
unique id can never drift.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from enum import IntEnum
from typing import Any

from ocpp_core.errors import (
    CallErrorException,
    ErrorCode,
    FormationViolation,
    LocalProtocolError,
    ProtocolError,
    TypeConstraintViolation,
)

__all__ = [
    "MAX_UNIQUE_ID_LENGTH",
    "UNKNOWN_ID",
    "Call",
    "CallError",
    "CallResult",
    "Frame",
    "MessageType",
    "parse",
    "serialize",
]

MAX_UNIQUE_ID_LENGTH = 36
UNKNOWN_ID = "-1"


class MessageType(IntEnum):
    """The OCPP-J MessageTypeId."""

    CALL = 2
    CALLRESULT = 3
    CALLERROR = 4


@dataclass(frozen=True, slots=True, kw_only=True)
class Call:
    """A request: ``[2, unique_id, action, payload]``."""

    unique_id: str
    action: str
    payload: dict[str, Any] = field(default_factory=dict)

    def result(self, payload: dict[str, Any]) -> CallResult:
        """The CALLRESULT answering this CALL."""
        return CallResult(unique_id=self.unique_id, payload=payload)

    def error(
        self,
        code: ErrorCode,
        description: str = "",
        details: dict[str, Any] | None = None,
    ) -> CallError:
        """The CALLERROR answering this CALL."""
        return CallError(
            unique_id=self.unique_id,
            error_code=code,
            description=description,
            details=details if details is not None else {},
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class CallResult:
    """A successful response: ``[3, unique_id, payload]``."""

    unique_id: str
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class CallError:
    """An error response: ``[4, unique_id, errorCode, errorDescription, errorDetails]``.

    ``error_code`` is the normalised code; ``raw_code`` keeps the peer's exact spelling.
    """

    unique_id: str
    error_code: ErrorCode
    description: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    raw_code: str = ""

    @classmethod
    def from_exception(cls, exc: CallErrorException, unique_id: str | None = None) -> CallError:
        """The CALLERROR that reports ``exc`` to the peer."""
        return cls(
            unique_id=unique_id or exc.unique_id or UNKNOWN_ID,
            error_code=exc.code,
            description=exc.description,
            details=exc.details,
        )


Frame = Call | CallResult | CallError


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result


_decoder = json.JSONDecoder(
    parse_float=Decimal,
    parse_constant=_reject_constant,
    object_pairs_hook=_no_duplicates,
)


def _unique_id_of(items: list[Any]) -> str | None:
    if len(items) >= 2 and isinstance(items[1], str) and 0 < len(items[1]) <= MAX_UNIQUE_ID_LENGTH:
        return items[1]
    return None


def parse(text: str | bytes) -> Frame:
    """Parse one OCPP-J frame.

    Raises a :class:`~ocpp_core.errors.CallErrorException` subclass (``unique_id`` set to the
    frame's id, or ``"-1"`` when none could be read) if ``text`` is not a valid frame.
    """
    if isinstance(text, bytes | bytearray):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise FormationViolation(f"frame is not UTF-8: {exc}", unique_id=UNKNOWN_ID) from None
    try:
        items = _decoder.decode(text)
    except (ValueError, RecursionError) as exc:
        raise FormationViolation(f"frame is not valid JSON: {exc}", unique_id=UNKNOWN_ID) from None
    if not isinstance(items, list) or not items:
        raise FormationViolation("frame is not a non-empty JSON array", unique_id=UNKNOWN_ID)
    unique_id = _unique_id_of(items)
    reply_id = unique_id or UNKNOWN_ID
    kind = items[0]
    if type(kind) is not int:
        raise FormationViolation(f"MessageTypeId {kind!r} is not an integer", unique_id=reply_id)
    if kind not in (2, 3, 4):
        raise FormationViolation(f"MessageTypeId {kind} is not 2, 3 or 4", unique_id=reply_id)
    if unique_id is None:
        if len(items) < 2:
            raise ProtocolError("frame has no unique id", unique_id=UNKNOWN_ID)
        raise FormationViolation(
            f"unique id {items[1]!r} is not a string of 1..{MAX_UNIQUE_ID_LENGTH} characters",
            unique_id=UNKNOWN_ID,
        )
    if kind == MessageType.CALL:
        return _parse_call(items, unique_id)
    if kind == MessageType.CALLRESULT:
        return _parse_call_result(items, unique_id)
    return _parse_call_error(items, unique_id)


def _check_length(items: list[Any], expected: int, what: str, unique_id: str) -> None:
    if len(items) < expected:
        raise ProtocolError(f"{what} has {len(items)} elements, expected {expected}", unique_id=unique_id)
    if len(items) > expected:
        raise FormationViolation(f"{what} has {len(items)} elements, expected {expected}", unique_id=unique_id)


def _check_payload(payload: Any, what: str, unique_id: str) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise TypeConstraintViolation(f"{what} payload is not a JSON object", unique_id=unique_id)
    return payload


def _parse_call(items: list[Any], unique_id: str) -> Call:
    _check_length(items, 4, "CALL", unique_id)
    action = items[2]
    if not isinstance(action, str) or not action:
        raise FormationViolation(f"CALL action {action!r} is not a non-empty string", unique_id=unique_id)
    return Call(unique_id=unique_id, action=action, payload=_check_payload(items[3], "CALL", unique_id))


def _parse_call_result(items: list[Any], unique_id: str) -> CallResult:
    _check_length(items, 3, "CALLRESULT", unique_id)
    return CallResult(unique_id=unique_id, payload=_check_payload(items[2], "CALLRESULT", unique_id))


def _parse_call_error(items: list[Any], unique_id: str) -> CallError:
    # A CALLERROR may omit trailing elements in sloppy peers; require at least the code.
    if len(items) < 3:
        raise ProtocolError("CALLERROR has no error code", unique_id=unique_id)
    if len(items) > 5:
        raise FormationViolation(f"CALLERROR has {len(items)} elements, expected 5", unique_id=unique_id)
    code, description, details = items[2], (items[3] if len(items) > 3 else ""), (items[4] if len(items) > 4 else {})
    if not isinstance(code, str):
        raise FormationViolation(f"CALLERROR code {code!r} is not a string", unique_id=unique_id)
    if not isinstance(description, str):
        raise FormationViolation("CALLERROR description is not a string", unique_id=unique_id)
    if not isinstance(details, dict):
        raise FormationViolation("CALLERROR details is not a JSON object", unique_id=unique_id)
    return CallError(
        unique_id=unique_id,
        error_code=ErrorCode.from_wire(code),
        description=description,
        details=details,
        raw_code=code,
    )


def _encode_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        # json writes a float with repr(); for one-fraction-digit limits this is exact text.
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def serialize(frame: Frame) -> str:
    """The compact JSON text of ``frame``."""
    if not 0 < len(frame.unique_id) <= MAX_UNIQUE_ID_LENGTH:
        raise LocalProtocolError(f"unique id {frame.unique_id!r} is not 1..{MAX_UNIQUE_ID_LENGTH} characters")
    items: list[Any]
    if isinstance(frame, Call):
        items = [MessageType.CALL.value, frame.unique_id, frame.action, frame.payload]
    elif isinstance(frame, CallResult):
        items = [MessageType.CALLRESULT.value, frame.unique_id, frame.payload]
    else:
        items = [
            MessageType.CALLERROR.value,
            frame.unique_id,
            frame.raw_code or frame.error_code.value,
            frame.description,
            frame.details,
        ]
    return json.dumps(items, separators=(",", ":"), ensure_ascii=False, default=_encode_default, allow_nan=False)

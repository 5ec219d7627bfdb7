"""Validation of OCPP 1.6 payloads against our schemas, with failures mapped to CALLERROR codes.

Theory of operation
-------------------
At import, every schema of :mod:`ocpp_core.schema` (78: a request and a response per action) is
compiled once with ``fastjsonschema`` into plain Python. Two parts of it are ours instead of
fastjsonschema's, because its own versions are wrong for OCPP:

* ``multipleOf`` (charging limits, ``multipleOf: 0.1``): fastjsonschema cannot divide a
  :class:`~decimal.Decimal` (and :mod:`ocpp_core.rpc` parses every non-integer number as one), and
  binary floats cannot say whether 0.3 is a multiple of 0.1. The keyword is removed before compiling
  and checked afterwards with exact integer arithmetic on the decimal digits: ``0.3`` passes,
  ``0.35`` fails. A float is checked by its shortest ``repr``, which is the JSON text it is sent as.
* ``format``: ``date-time`` is RFC 3339 section 5.6 with a real calendar date (month 01–12, the
  month's number of days, leap years), hours 00–23, seconds 00–59 (no leap second, as the
  ``rfc3339-validator`` used by ``jsonschema`` decides), an optional fraction, ``Z`` or ``±hh:mm``
  (hours 00–23); ``T``/``Z`` in either case; year 0000 rejected. ``uri`` is an absolute RFC 3986 URI:
  a scheme, ``:``, then at least one character and none of the characters RFC 3986 excludes (space,
  controls, ``<``, ``>``, ``"``, ``{``, ``}``, ``|``, backslash, ``^`` and backtick).

Integers are strict, as in draft-04: ``1`` is an integer, ``1.0`` and ``true`` are not.

Error codes
-----------
The first failure found becomes a :class:`~ocpp_core.errors.CallErrorException` whose message names
the action, the field path (``csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0].limit``;
``<payload>`` for the payload itself) and the rule, e.g. ``SetChargingProfile request:
csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0].limit: 0.35 is not a multiple of 0.1
[multipleOf]``. ``details`` carries ``{"field": ..., "rule": ...}``.

===============================================  ============================  ================================
failure (schema keyword)                         CALLERROR code                why
===============================================  ============================  ================================
unknown property (``additionalProperties``)      FormationViolation            not the PDU's structure
payload not an object; a field of the wrong      TypeConstraintViolation       violates the field's data type
JSON type (``type``: ``"1"`` for an integer)
string too long (``maxLength``)                  TypeConstraintViolation       violates CiString<N>Type
bad ``date-time`` or ``uri`` (``format``)        TypeConstraintViolation       violates dateTime / anyURI
date-time outside years 1..9999 in UTC (load)    TypeConstraintViolation       violates dateTime
value not allowed (``enum``); ``minimum``,       PropertyConstraintViolation   well typed, but an invalid value
``maximum``, ``multipleOf``
required property missing (``required``)         OccurenceConstraintViolation  occurs 0 times instead of 1
too few / too many items (``minItems``,          OccurenceConstraintViolation  occurrence bounds of an array
``maxItems``)
unknown action                                   NotImplemented                :class:`ActionNotImplemented`
any other schema keyword                         FormationViolation            not the PDU's structure
===============================================  ============================  ================================

Public API: :func:`validate` (inbound and outbound dicts), :func:`load` / :func:`load_as` (validate,
then build the dataclass) and :func:`dump` (build the dict, then validate; an invalid outbound
payload is our bug and raises :class:`~ocpp_core.errors.LocalProtocolError`, so an invalid frame is
never sent).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar, cast

import fastjsonschema

from ocpp_core.errors import (
    ActionNotImplemented,
    CallErrorException,
    FormationViolation,
    LocalProtocolError,
    OccurenceConstraintViolation,
    PropertyConstraintViolation,
    TypeConstraintViolation,
)
from ocpp_core.messages import ACTIONS, Kind
from ocpp_core.schema import KINDS, schema_for
from ocpp_core.wire import WireValueError, from_wire, to_wire

__all__ = ["dump", "is_date_time", "is_multiple_of", "is_uri", "load", "load_as", "validate"]

T = TypeVar("T")

ROOT = "<payload>"

_CODES: dict[str, type[CallErrorException]] = {
    "additionalProperties": FormationViolation,
    "type": TypeConstraintViolation,
    "maxLength": TypeConstraintViolation,
    "minLength": TypeConstraintViolation,
    "format": TypeConstraintViolation,
    "enum": PropertyConstraintViolation,
    "minimum": PropertyConstraintViolation,
    "maximum": PropertyConstraintViolation,
    "exclusiveMinimum": PropertyConstraintViolation,
    "exclusiveMaximum": PropertyConstraintViolation,
    "multipleOf": PropertyConstraintViolation,
    "required": OccurenceConstraintViolation,
    "minItems": OccurenceConstraintViolation,
    "maxItems": OccurenceConstraintViolation,
}


# --- formats and multipleOf ---------------------------------------------------------------------------

_DATE_TIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?(?:[Zz]|[+-](?:[01]\d|2[0-3]):[0-5]\d)",
    re.ASCII,
)
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\x00-\x20\x7f<>\"{}|\\^`]+", re.ASCII)


def is_date_time(text: str) -> bool:
    """Whether ``text`` is an RFC 3339 date-time (see the module docstring for the exact rule)."""
    match = _DATE_TIME.fullmatch(text)
    if match is None:
        return False
    year, month, day = (int(group) for group in match.groups())
    return year >= 1 and 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]


def is_uri(text: str) -> bool:
    """Whether ``text`` is an absolute URI (scheme, ``:``, no excluded characters)."""
    return _URI.fullmatch(text) is not None


def is_multiple_of(value: int | float | Decimal, step: Decimal) -> bool:
    """Whether ``value`` is an exact multiple of ``step`` (``step`` finite and non-zero).

    Works on the decimal digits with integer arithmetic, so it is exact and stays fast for numbers
    like ``1E+999999`` (where ``Fraction`` would build a million-digit integer).
    """
    number = value if isinstance(value, Decimal) else Decimal(repr(value) if isinstance(value, float) else value)
    if not number.is_finite():
        return False
    _, digits, exp = number.as_tuple()
    _, step_digits, step_exp = step.as_tuple()
    # int(Decimal) rather than int(str): no 4300-digit limit on long inputs.
    mantissa = int(Decimal((0, digits, 0)))
    step_mantissa = int(Decimal((0, step_digits, 0)))
    # number / step = (mantissa / step_mantissa) * 10 ** shift, with integer mantissas.
    shift = cast(int, exp) - cast(int, step_exp)
    if mantissa == 0:
        return True
    if shift >= 0:
        scale: int = pow(10, shift, step_mantissa)
        return mantissa * scale % step_mantissa == 0
    if -shift >= len(digits):
        return False  # 0 < mantissa < 10 ** -shift <= the divisor below
    divisor: int = step_mantissa * 10**-shift
    return mantissa % divisor == 0


# --- compiled validators ------------------------------------------------------------------------------

# A path into a payload: property names, and None for "every item of this array".
_Steps = tuple[str | None, ...]


@dataclass(frozen=True, slots=True)
class _Validator:
    check: Callable[[Any], Any]
    multiples: tuple[tuple[_Steps, Decimal], ...]


def _split_multiple_of(schema: dict[str, Any], steps: _Steps, sites: list[tuple[_Steps, Decimal]]) -> dict[str, Any]:
    """A copy of ``schema`` without ``multipleOf``; where it was goes into ``sites``."""
    node = dict(schema)
    if "multipleOf" in node:
        sites.append((steps, Decimal(repr(node.pop("multipleOf")))))
    if "properties" in node:
        node["properties"] = {
            name: _split_multiple_of(sub, (*steps, name), sites) for name, sub in node["properties"].items()
        }
    if "items" in node:
        node["items"] = _split_multiple_of(node["items"], (*steps, None), sites)
    return node


def _compile(schema: dict[str, Any]) -> _Validator:
    sites: list[tuple[_Steps, Decimal]] = []
    stripped = _split_multiple_of(schema, (), sites)
    check = fastjsonschema.compile(stripped, formats={"date-time": is_date_time, "uri": is_uri})
    return _Validator(check=check, multiples=tuple(sites))


_VALIDATORS: dict[tuple[str, str], _Validator] = {
    (action, kind): _compile(schema_for(action, kind)) for action in ACTIONS for kind in KINDS
}
_PAYLOAD_CLASSES: dict[type, tuple[str, Kind]] = {
    spec.payload_class(kind): (action, kind) for action, spec in ACTIONS.items() for kind in KINDS
}


def _values_at(data: Any, steps: _Steps, path: str) -> Iterator[tuple[str, Any]]:
    """The values a multipleOf site points at in a structurally valid payload, with their paths."""
    if not steps:
        yield path, data
        return
    step, rest = steps[0], steps[1:]
    if step is None:
        for index, item in enumerate(data):
            yield from _values_at(item, rest, f"{path}[{index}]")
    elif step in data:
        yield from _values_at(data[step], rest, f"{path}.{step}" if path else step)


# --- errors -------------------------------------------------------------------------------------------


def _clip(text: str) -> str:
    return text if len(text) <= 60 else f"{text[:57]}..."


def _show(value: Any) -> str:
    return _clip(str(value) if isinstance(value, Decimal) else repr(value))


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _describe(rule: str, value: Any, definition: dict[str, Any], path: str) -> tuple[str, str]:
    """The field path and the text of one fastjsonschema failure."""
    if rule == "required":
        missing = next(name for name in definition["required"] if name not in value)
        return _join(path, missing), "required property is missing"
    if rule == "additionalProperties":
        extra = sorted(set(value) - set(definition.get("properties", {})))[0]
        return _join(path, _clip(extra)), "property is not defined by the schema"
    if rule == "type":
        return path, f"{_show(value)} is not of type {definition['type']}"
    if rule == "maxLength":
        return path, f"{len(value)} characters exceed maxLength {definition['maxLength']}"
    if rule == "format":
        return path, f"{_show(value)} is not a valid {definition['format']}"
    if rule == "enum":
        return path, f"{_show(value)} is not one of {', '.join(definition['enum'])}"
    if rule == "minItems":
        return path, f"{len(value)} items, fewer than minItems {definition['minItems']}"
    return path, f"{_show(value)} violates {rule}"


def _error(action: str, kind: str, rule: str, path: str, text: str) -> CallErrorException:
    field = path or ROOT
    code = _CODES.get(rule, FormationViolation)
    return code(f"{action} {kind}: {field}: {text} [{rule}]", details={"field": field, "rule": rule})


def _from_fastjsonschema(exc: Any, action: str, kind: str) -> CallErrorException:
    name: str = exc.name
    path = name[len("data") :].lstrip(".")
    field, text = _describe(exc.rule, exc.value, exc.definition, path)
    return _error(action, kind, exc.rule, field, text)


# --- public API ---------------------------------------------------------------------------------------


def validate(action: str, kind: Kind, payload: object) -> None:
    """Check ``payload`` (decoded JSON) against the schema of ``action``'s request or response.

    Raises the mapped :class:`~ocpp_core.errors.CallErrorException` subclass (table in the module
    docstring), or :class:`~ocpp_core.errors.ActionNotImplemented` for an unknown action.
    """
    validator = _VALIDATORS.get((action, kind))
    if validator is None:
        if action in ACTIONS:
            raise ValueError(f"kind must be 'request' or 'response', not {kind!r}")
        raise ActionNotImplemented(f"{action!r} is not an OCPP 1.6 action", details={"action": action})
    try:
        validator.check(payload)
    except fastjsonschema.JsonSchemaValueException as exc:
        raise _from_fastjsonschema(exc, action, kind) from None
    for steps, step in validator.multiples:
        for path, value in _values_at(payload, steps, ""):
            if not is_multiple_of(value, step):
                raise _error(action, kind, "multipleOf", path, f"{_show(value)} is not a multiple of {step}")


def _build(cls: type[T], payload: Any, action: str, kind: str) -> T:
    try:
        return from_wire(cls, payload)
    except WireValueError as exc:
        raise _error(action, kind, "format", exc.field, exc.reason) from None


def load(action: str, kind: Kind, payload: object) -> object:
    """Validate ``payload``, then build the request or response dataclass of ``action``.

    Raises like :func:`validate`; a date-time that is valid but outside Python's range (years
    1..9999 in UTC) is a :class:`~ocpp_core.errors.TypeConstraintViolation`.
    """
    validate(action, kind, payload)
    return _build(ACTIONS[action].payload_class(kind), payload, action, kind)


def load_as(cls: type[T], payload: object) -> T:
    """Like :func:`load`, for a known payload class (e.g. the response class of a pending CALL)."""
    where = _PAYLOAD_CLASSES.get(cls)
    if where is None:
        raise LocalProtocolError(f"{cls.__name__} is not an OCPP 1.6 payload class")
    action, kind = where
    validate(action, kind, payload)
    return _build(cls, payload, action, kind)


def dump(obj: object) -> dict[str, Any]:
    """The wire payload of a request or response dataclass, validated before it can be sent.

    An invalid payload raises :class:`~ocpp_core.errors.LocalProtocolError` naming the action, the
    field and the rule (the description of the CALLERROR a peer would have answered).
    """
    where = _PAYLOAD_CLASSES.get(type(obj))
    if where is None:
        raise LocalProtocolError(f"{type(obj).__name__} is not an OCPP 1.6 payload class")
    action, kind = where
    payload = to_wire(obj)
    try:
        validate(action, kind, payload)
    except CallErrorException as exc:
        raise LocalProtocolError(f"refusing to send an invalid payload: {exc.description}") from exc
    return payload

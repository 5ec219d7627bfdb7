"""Our JSON schemas (draft-04) of every OCPP 1.6 payload, generated from the payload dataclasses.

Nothing here is copied from another project: each schema is built from the annotations of the
request/response classes in :mod:`ocpp_core.messages` (read through :func:`ocpp_core.wire.fields_of`),
so the dataclasses stay the single description of a payload. The rules:

=========================================  ===========================================================
annotation                                 schema
=========================================  ===========================================================
payload / nested dataclass                 ``{"type": "object", "properties": ..., "required": [...],
                                           "additionalProperties": false}`` (``required`` omitted when
                                           empty; a field without a default is required)
``str`` / ``int`` / ``bool``               ``string`` / ``integer`` / ``boolean``
``Decimal``                                ``number``
``datetime``                               ``{"type": "string", "format": "date-time"}``
a ``StrEnum``                              ``{"type": "string", "enum": [wire values in order]}``
``tuple[X, ...]``                          ``{"type": "array", "items": <X>}``
``MaxLen(n)`` / ``MinItems(n)``            ``maxLength: n`` / ``minItems: n``
``MultipleOf(d)`` / ``Format(f)``          ``multipleOf: d`` (a JSON number) / ``format: f``
=========================================  ===========================================================

The test suite proves each generated schema equal to the official OCPP 1.6 (2019) or Security
Whitepaper schema after a documented normalisation, the one intended difference being that our
``unit`` enum has no ``Hertz`` (see ``tests/ocpp_core/test_schema_equivalence.py``).
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from ocpp_core.datatypes import Format, MaxLen, MinItems, MultipleOf
from ocpp_core.messages import ACTIONS, Kind
from ocpp_core.wire import TypeSpec, fields_of

__all__ = ["DRAFT_04", "KINDS", "all_schemas", "object_schema", "schema_for"]

DRAFT_04 = "http://json-schema.org/draft-04/schema#"
KINDS: tuple[Kind, Kind] = ("request", "response")

_SCALAR_SCHEMAS: dict[type, dict[str, Any]] = {
    str: {"type": "string"},
    int: {"type": "integer"},
    bool: {"type": "boolean"},
    Decimal: {"type": "number"},
    datetime: {"type": "string", "format": "date-time"},
}


def object_schema(cls: type) -> dict[str, Any]:
    """The schema of one payload dataclass (without ``$schema``/``title``)."""
    fields = fields_of(cls)
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {field.wire_name: _type_schema(field.type) for field in fields},
        "additionalProperties": False,
    }
    required = [field.wire_name for field in fields if field.required]
    if required:
        schema["required"] = required
    return schema


def _type_schema(spec: TypeSpec) -> dict[str, Any]:
    base = spec.base
    schema: dict[str, Any]
    if spec.item is not None:
        schema = {"type": "array", "items": _type_schema(spec.item)}
    elif dataclasses.is_dataclass(base):
        schema = object_schema(base)
    elif issubclass(base, Enum):
        schema = {"type": "string", "enum": [member.value for member in base]}
    else:
        schema = dict(_SCALAR_SCHEMAS[base])
    for marker in spec.markers:
        _apply(marker, schema)
    return schema


def _apply(marker: object, schema: dict[str, Any]) -> None:
    match marker:
        case MaxLen(value=length):
            schema["maxLength"] = length
        case MinItems(value=count):
            schema["minItems"] = count
        case MultipleOf(value=step):
            # A JSON schema holds JSON numbers; validation reads it back exactly via repr().
            schema["multipleOf"] = float(step)
        case Format(value=name):
            schema["format"] = name
        case _:
            raise TypeError(f"{marker!r} is not a schema constraint marker")


def schema_for(action: str, kind: Kind) -> dict[str, Any]:
    """A new copy of the schema of ``action``'s request or response; ``KeyError`` for an unknown action."""
    spec = ACTIONS[action]
    cls = spec.payload_class(kind)
    return {"$schema": DRAFT_04, "title": cls.__name__, **object_schema(cls)}


def all_schemas() -> dict[tuple[str, Kind], dict[str, Any]]:
    """Every schema, keyed by ``(action, kind)``: 78 of them."""
    return {(action, kind): schema_for(action, kind) for action in ACTIONS for kind in KINDS}

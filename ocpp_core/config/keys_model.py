"""The vocabulary of configuration keys: what a key definition says and how values are read.

A :class:`KeyDef` declares one key of libocpp's ``config.json``: its section, type, access, whether it
is required, its default, its limits and a value rule. This module also converts values between
their three forms:

* the *JSON form* found in ``config.json`` and persisted in the overlay (numbers, booleans, strings,
  lists of strings, objects): :func:`from_json_value` / :func:`to_json_value`;
* the *typed form* the engine reads (``bool``, ``int``, ``Decimal``, ``str``, ``tuple[str, ...]``,
  ``dict``): what :class:`ConfigValue` names;
* the *wire form* of Get/ChangeConfiguration (always a string): :func:`from_text` / :func:`to_text`.

Readers raise :class:`InvalidValue` carrying the rule the value broke (e.g. ``"is not an integer"``);
the registry turns it into a :class:`~ocpp_core.errors.ConfigError` or a ``Rejected`` status.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol

__all__ = [
    "MAX_INTEGER",
    "MEASURANDS",
    "PHASES",
    "PROFILE_PURPOSES",
    "Access",
    "ConfigValue",
    "Exposure",
    "InvalidValue",
    "KeyDef",
    "Lookup",
    "Rule",
    "ValueType",
    "from_json_value",
    "from_python",
    "from_text",
    "items_among",
    "limits_rule",
    "split_csl",
    "split_measurand",
    "to_json_value",
    "to_text",
]

#: A typed configuration value. Lists are tuples so a value can be shared without copying; objects
#: are copied by the registry whenever they leave it.
ConfigValue = bool | int | Decimal | str | tuple[str, ...] | dict[str, Any]

#: Integers are bounded to 32 signed bits unless a key says otherwise: no 1.6 key needs more, and the
#: bound keeps a hostile ChangeConfiguration value from turning into a huge number.
MAX_INTEGER = 2**31 - 1

#: OCPP 1.6 measurands (§7.31 of the specification).
MEASURANDS = frozenset(
    {
        "Current.Export",
        "Current.Import",
        "Current.Offered",
        "Energy.Active.Export.Register",
        "Energy.Active.Import.Register",
        "Energy.Reactive.Export.Register",
        "Energy.Reactive.Import.Register",
        "Energy.Active.Export.Interval",
        "Energy.Active.Import.Interval",
        "Energy.Reactive.Export.Interval",
        "Energy.Reactive.Import.Interval",
        "Frequency",
        "Power.Active.Export",
        "Power.Active.Import",
        "Power.Factor",
        "Power.Offered",
        "Power.Reactive.Export",
        "Power.Reactive.Import",
        "RPM",
        "SoC",
        "Temperature",
        "Voltage",
    }
)

#: OCPP 1.6 phases (§7.38); a measurand list item may carry one as a suffix, e.g. ``Voltage.L1-N``.
PHASES = frozenset({"L1", "L2", "L3", "N", "L1-N", "L2-N", "L3-N", "L1-L2", "L2-L3", "L3-L1"})

#: OCPP 1.6 charging profile purposes (§7.9).
PROFILE_PURPOSES = ("ChargePointMaxProfile", "TxDefaultProfile", "TxProfile")


class ValueType(StrEnum):
    """The type of a key's value."""

    BOOLEAN = "boolean"
    INTEGER = "integer"
    DECIMAL = "decimal"
    STRING = "string"
    CSL = "comma-separated list"
    ARRAY = "array of strings"
    OBJECT = "JSON object"


class Access(StrEnum):
    """Who may read and write a key through OCPP."""

    READ_ONLY = "ReadOnly"
    READ_WRITE = "ReadWrite"
    WRITE_ONLY = "WriteOnly"


class Exposure(StrEnum):
    """How GetConfiguration shows a key."""

    PLAIN = "plain"
    #: one key ``<Name>,<language>`` per entry of the object's ``priceTexts`` (DefaultPriceText)
    PER_LANGUAGE = "per-language"
    #: one read-only key ``MeterPublicKey[<n>]`` per array item, counted from 1 (MeterPublicKeys)
    INDEXED = "indexed"


class Lookup(Protocol):
    """Read access to the other keys' typed values, for rules that relate keys."""

    def get(self, name: str) -> ConfigValue | None:
        """The typed value of the key ``name`` (canonical spelling), or ``None`` when unset."""
        ...


#: A value rule: returns ``None`` when the typed value is fine, else the rule it breaks, worded to
#: follow the value (``"is not a subset of SupportedMeasurands (Foo)"``).
Rule = Callable[[Any, Lookup], str | None]


class InvalidValue(ValueError):
    """A value broke a rule; ``rule`` is worded to follow the value in a message."""

    def __init__(self, rule: str) -> None:
        super().__init__(rule)
        self.rule = rule


@dataclass(frozen=True, slots=True, kw_only=True)
class KeyDef:
    """The definition of one configuration key.

    ``profile`` is the feature profile whose support makes the key visible: ``Internal``, ``Core``
    and ``Security`` keys are always visible; see :mod:`ocpp_core.config.registry` for the rule.
    ``default`` is typed (a tuple for lists). ``min_length``/``max_length`` count characters of the
    wire form. ``max_items_key`` names a key whose integer value caps the number of list items.
    ``always_supported`` marks an optional key the station implements even when the file leaves it
    out (GetConfiguration reports it, ChangeConfiguration may set it). ``only_upwards`` means a
    change must raise the value (SecurityProfile).
    """

    section: str
    name: str
    type: ValueType
    access: Access
    description: str
    profile: str
    required: bool = False
    default: ConfigValue | None = None
    minimum: int | Decimal | None = None
    maximum: int | Decimal | None = None
    min_length: int | None = None
    max_length: int | None = None
    rule: Rule | None = None
    max_items_key: str | None = None
    reboot_required: bool = False
    only_upwards: bool = False
    secret: bool = False
    always_supported: bool = False
    exposure: Exposure = Exposure.PLAIN

    @property
    def readonly(self) -> bool:
        """``True`` when the central system may not change the key."""
        return self.access is Access.READ_ONLY

    @property
    def qualified_name(self) -> str:
        """``Section.Key``, as error messages name it."""
        return f"{self.section}.{self.name}"


# ---------------------------------------------------------------------------------------------
# Lists and measurands


def split_csl(text: str) -> tuple[str, ...]:
    """Split a comma-separated list, trimming items and dropping empty ones."""
    return tuple(item for item in (part.strip() for part in text.split(",")) if item)


def split_measurand(item: str) -> tuple[str, str | None] | None:
    """``(measurand, phase)`` of a measurand list item such as ``Voltage.L1``; ``None`` if invalid."""
    if item in MEASURANDS:
        return item, None
    base, _, phase = item.rpartition(".")
    if base in MEASURANDS and phase in PHASES:
        return base, phase
    return None


def items_among(allowed: Sequence[str], what: str, *, non_empty: bool = False) -> Rule:
    """A rule for lists whose items must come from ``allowed`` (named ``what`` in messages)."""

    def rule(value: tuple[str, ...], lookup: Lookup) -> str | None:
        unknown = [item for item in value if item not in allowed]
        if unknown:
            return f"has unknown {what} {', '.join(unknown)} (allowed: {', '.join(allowed)})"
        if non_empty and not value:
            return f"names no {what}"
        return None

    return rule


# ---------------------------------------------------------------------------------------------
# Reading values

# Digit counts are capped so that a hostile value never becomes a huge number to convert.
_INTEGER_TEXT = re.compile(r"-?[0-9]{1,40}", re.ASCII)
_DECIMAL_TEXT = re.compile(r"-?[0-9]{1,40}(\.[0-9]{1,40})?", re.ASCII)

_TYPE_RULES = {
    ValueType.BOOLEAN: "is not a boolean (true or false)",
    ValueType.INTEGER: "is not an integer",
    ValueType.DECIMAL: "is not a number",
    ValueType.STRING: "is not a string",
    ValueType.CSL: "is not a comma-separated list in a string",
    ValueType.ARRAY: "is not an array of strings",
    ValueType.OBJECT: "is not a JSON object",
}


def _number_rule(defn: KeyDef) -> str:
    noun = "an integer" if defn.type is ValueType.INTEGER else "a number"
    low, high = defn.minimum, defn.maximum
    if low is not None and high is not None:
        return f"is not {noun} in {low}..{high}"
    if low == 0:
        return f"is not a non-negative {noun[noun.index(' ') + 1 :]}"
    if low is not None:
        return f"is not {noun} >= {low}"
    if high is not None:
        return f"is not {noun} <= {high}"
    return f"is not {noun}"


def limits_rule(defn: KeyDef, value: ConfigValue) -> str | None:
    """The limit (range or length) that a well-typed ``value`` breaks, or ``None``."""
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        if defn.maximum is None and value > MAX_INTEGER:
            return f"is above the largest supported value {MAX_INTEGER}"
        too_low = defn.minimum is not None and value < defn.minimum
        too_high = defn.maximum is not None and value > defn.maximum
        return _number_rule(defn) if too_low or too_high else None
    if isinstance(value, str | tuple):
        length = len(to_text(defn.type, value))
        if defn.min_length is not None and defn.min_length == defn.max_length:
            return None if length == defn.min_length else f"is not exactly {defn.min_length} characters long"
        if defn.min_length is not None and length < defn.min_length:
            return "is empty" if defn.min_length == 1 else f"is shorter than {defn.min_length} characters"
        if defn.max_length is not None and length > defn.max_length:
            return f"is longer than {defn.max_length} characters"
    return None


def _checked(defn: KeyDef, value: ConfigValue) -> ConfigValue:
    rule = limits_rule(defn, value)
    if rule is not None:
        raise InvalidValue(rule)
    return value


def _is_json_integer(raw: Any) -> bool:
    # JSON Schema (draft 6 on) counts 60.0 as an integer, and so does libocpp's validator.
    if isinstance(raw, float):
        return raw.is_integer()
    return isinstance(raw, int) and not isinstance(raw, bool)


def from_json_value(defn: KeyDef, raw: Any) -> ConfigValue:
    """The typed value of ``raw`` as found in config.json or the overlay, within the key's limits."""
    kind = defn.type
    value: ConfigValue
    if kind is ValueType.BOOLEAN and isinstance(raw, bool):
        value = raw
    elif kind is ValueType.INTEGER and _is_json_integer(raw):
        value = int(raw)
    elif kind is ValueType.DECIMAL and isinstance(raw, int | float) and not isinstance(raw, bool):
        if not math.isfinite(raw):
            raise InvalidValue("is not a finite number")
        value = Decimal(str(raw))
    elif kind is ValueType.STRING and isinstance(raw, str):
        value = raw
    elif kind is ValueType.CSL and isinstance(raw, str):
        value = split_csl(raw)
    elif kind is ValueType.ARRAY and isinstance(raw, list) and all(isinstance(item, str) for item in raw):
        value = tuple(raw)
    elif kind is ValueType.OBJECT and isinstance(raw, Mapping):
        value = json.loads(json.dumps(raw))  # a deep, JSON-clean copy
    else:
        raise InvalidValue(_TYPE_RULES[kind])
    return _checked(defn, value)


def from_text(defn: KeyDef, text: str) -> ConfigValue:
    """The typed value of a ChangeConfiguration string, within the key's limits.

    Booleans are exactly ``true``/``false`` in any case; integers are base-10 ASCII digits with an
    optional minus sign; lists are comma-separated; objects are JSON text.
    """
    kind = defn.type
    value: ConfigValue
    if kind is ValueType.BOOLEAN:
        lowered = text.lower()
        if lowered not in ("true", "false"):
            raise InvalidValue(_TYPE_RULES[kind])
        value = lowered == "true"
    elif kind is ValueType.INTEGER:
        if not _INTEGER_TEXT.fullmatch(text):
            raise InvalidValue(_number_rule(defn))
        value = int(text)
    elif kind is ValueType.DECIMAL:
        if not _DECIMAL_TEXT.fullmatch(text):
            raise InvalidValue(_number_rule(defn))
        value = Decimal(text)
    elif kind is ValueType.STRING:
        value = text
    elif kind in (ValueType.CSL, ValueType.ARRAY):
        value = split_csl(text)
    else:
        try:
            parsed = json.loads(text)
        except (ValueError, RecursionError):
            raise InvalidValue("is not valid JSON") from None
        if not isinstance(parsed, dict):
            raise InvalidValue(_TYPE_RULES[kind])
        value = parsed
    return _checked(defn, value)


def from_python(defn: KeyDef, value: Any) -> ConfigValue:
    """The typed value of a Python value given by the engine (``set_value``), within the limits.

    Accepts the typed form, and for lists also a comma-separated string or any sequence of strings.
    """
    kind = defn.type
    if kind in (ValueType.CSL, ValueType.ARRAY):
        if isinstance(value, str):
            return _checked(defn, split_csl(value))
        if isinstance(value, Sequence) and all(isinstance(item, str) for item in value):
            return _checked(defn, tuple(value))
        raise InvalidValue(_TYPE_RULES[kind])
    if kind is ValueType.DECIMAL and isinstance(value, Decimal):
        if not value.is_finite():
            raise InvalidValue("is not a finite number")
        return _checked(defn, value)
    return from_json_value(defn, value)


# ---------------------------------------------------------------------------------------------
# Writing values


def to_json_value(kind: ValueType, value: ConfigValue) -> Any:
    """The JSON form of a typed value, as config.json and the overlay hold it."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if kind is ValueType.CSL:
        assert isinstance(value, tuple)
        return ",".join(value)
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, dict):
        return json.loads(json.dumps(value))
    return value


def to_text(kind: ValueType, value: ConfigValue) -> str:
    """The wire form of a typed value, as GetConfiguration reports it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, tuple):
        return ",".join(value)
    if isinstance(value, dict):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return str(value)

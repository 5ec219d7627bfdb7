"""The wire form of payload dataclasses: camelCase JSON objects.

Field names
-----------
:data:`WIRE_NAMES` spells out, for every property of the OCPP 1.6 and Security Whitepaper schemas,
the snake_case field name and its camelCase wire name. It is a literal table on purpose: names are
never converted with a regex or a case rule at run time (``fileName`` and ``filename`` both exist,
``csChargingProfiles`` and ``iccid`` do not follow any one rule). A test checks that the table covers
every property of the official schemas and every field of every payload class.

Values
------
:func:`to_wire` turns a payload dataclass into a JSON-ready ``dict``: ``None`` fields are omitted,
enums become their wire strings, ``datetime`` becomes RFC 3339 text
(:func:`ocpp_core.timeutil.format_datetime`), ``Decimal`` stays ``Decimal`` (the framing writes it as
a JSON number), tuples become lists and nested dataclasses nested objects. A value of the wrong
Python type is passed through unchanged, so the validator that follows reports it with the field's
name instead of this module crashing on it.

:func:`from_wire` is the inverse for a payload that has been validated: date-times are parsed with
:func:`ocpp_core.timeutil.parse_datetime`, numbers of ``Decimal`` fields become ``Decimal`` (a float
through its shortest ``repr``, which is its JSON text), strings of enum fields become members. The
only failure on valid input is a date-time that Python cannot represent (a year outside 1..9999 once
converted to UTC): :class:`WireValueError`, naming the field.

:func:`fields_of` is the one reader of payload annotations; :mod:`ocpp_core.schema` uses it too.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from enum import Enum
from types import MappingProxyType, NoneType, UnionType
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin, get_type_hints

from ocpp_core.timeutil import format_datetime, parse_datetime

__all__ = [
    "PYTHON_NAMES",
    "WIRE_NAMES",
    "FieldSpec",
    "TypeSpec",
    "WireValueError",
    "fields_of",
    "from_wire",
    "to_wire",
]

T = TypeVar("T")

WIRE_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "certificate": "certificate",
        "certificate_chain": "certificateChain",
        "certificate_hash_data": "certificateHashData",
        "certificate_type": "certificateType",
        "charge_box_serial_number": "chargeBoxSerialNumber",
        "charge_point_model": "chargePointModel",
        "charge_point_serial_number": "chargePointSerialNumber",
        "charge_point_vendor": "chargePointVendor",
        "charging_profile": "chargingProfile",
        "charging_profile_id": "chargingProfileId",
        "charging_profile_kind": "chargingProfileKind",
        "charging_profile_purpose": "chargingProfilePurpose",
        "charging_rate_unit": "chargingRateUnit",
        "charging_schedule": "chargingSchedule",
        "charging_schedule_period": "chargingSchedulePeriod",
        "configuration_key": "configurationKey",
        "connector_id": "connectorId",
        "context": "context",
        "cs_charging_profiles": "csChargingProfiles",
        "csr": "csr",
        "current_time": "currentTime",
        "data": "data",
        "duration": "duration",
        "error_code": "errorCode",
        "expiry_date": "expiryDate",
        "file_name": "fileName",
        "filename": "filename",
        "firmware": "firmware",
        "firmware_version": "firmwareVersion",
        "format": "format",
        "hash_algorithm": "hashAlgorithm",
        "iccid": "iccid",
        "id": "id",
        "id_tag": "idTag",
        "id_tag_info": "idTagInfo",
        "imsi": "imsi",
        "info": "info",
        "install_date_time": "installDateTime",
        "interval": "interval",
        "issuer_key_hash": "issuerKeyHash",
        "issuer_name_hash": "issuerNameHash",
        "key": "key",
        "latest_timestamp": "latestTimestamp",
        "limit": "limit",
        "list_version": "listVersion",
        "local_authorization_list": "localAuthorizationList",
        "location": "location",
        "log": "log",
        "log_type": "logType",
        "measurand": "measurand",
        "message_id": "messageId",
        "meter_serial_number": "meterSerialNumber",
        "meter_start": "meterStart",
        "meter_stop": "meterStop",
        "meter_type": "meterType",
        "meter_value": "meterValue",
        "min_charging_rate": "minChargingRate",
        "number_phases": "numberPhases",
        "oldest_timestamp": "oldestTimestamp",
        "parent_id_tag": "parentIdTag",
        "phase": "phase",
        "readonly": "readonly",
        "reason": "reason",
        "recurrency_kind": "recurrencyKind",
        "remote_location": "remoteLocation",
        "request_id": "requestId",
        "requested_message": "requestedMessage",
        "reservation_id": "reservationId",
        "retries": "retries",
        "retrieve_date": "retrieveDate",
        "retrieve_date_time": "retrieveDateTime",
        "retry_interval": "retryInterval",
        "sampled_value": "sampledValue",
        "schedule_start": "scheduleStart",
        "serial_number": "serialNumber",
        "signature": "signature",
        "signing_certificate": "signingCertificate",
        "stack_level": "stackLevel",
        "start_period": "startPeriod",
        "start_schedule": "startSchedule",
        "start_time": "startTime",
        "status": "status",
        "stop_time": "stopTime",
        "tech_info": "techInfo",
        "timestamp": "timestamp",
        "transaction_data": "transactionData",
        "transaction_id": "transactionId",
        "type": "type",
        "unit": "unit",
        "unknown_key": "unknownKey",
        "update_type": "updateType",
        "valid_from": "validFrom",
        "valid_to": "validTo",
        "value": "value",
        "vendor_error_code": "vendorErrorCode",
        "vendor_id": "vendorId",
    }
)
"""snake_case field name → camelCase wire name, for every property of every OCPP 1.6 payload."""

PYTHON_NAMES: Mapping[str, str] = MappingProxyType({wire: name for name, wire in WIRE_NAMES.items()})
"""camelCase wire name → snake_case field name (the inverse of :data:`WIRE_NAMES`)."""

_SCALARS: frozenset[type] = frozenset({str, int, bool, Decimal, datetime})


class WireValueError(ValueError):
    """A validated wire value that cannot be turned into its Python type.

    ``path`` locates it (property names and list indexes, outermost first); ``field`` renders the path
    as in validation errors, e.g. ``log.oldestTimestamp``.
    """

    def __init__(self, reason: str, path: tuple[str | int, ...] = ()) -> None:
        super().__init__(reason)
        self.reason = reason
        self.path = path

    @property
    def field(self) -> str:
        """The path as text: ``a.b[0].c``."""
        text = ""
        for part in self.path:
            if isinstance(part, int):
                text += f"[{part}]"
            else:
                text += f".{part}" if text else part
        return text

    def within(self, part: str | int) -> WireValueError:
        """The same error, one level further out."""
        return WireValueError(self.reason, (part, *self.path))

    def __str__(self) -> str:
        return f"{self.field}: {self.reason}"


@dataclasses.dataclass(frozen=True, slots=True)
class TypeSpec:
    """A field's type, read from its annotation.

    ``base`` is ``str``, ``int``, ``bool``, ``Decimal``, ``datetime``, an enum class, a payload
    dataclass, or ``tuple`` (then ``item`` describes the elements); ``markers`` are the
    :data:`typing.Annotated` constraint markers of :mod:`ocpp_core.datatypes`.
    """

    base: type
    markers: tuple[object, ...] = ()
    item: TypeSpec | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class FieldSpec:
    """One field of a payload dataclass: its names, whether it is required, and its type."""

    name: str
    wire_name: str
    required: bool
    type: TypeSpec
    encode: Callable[[Any], Any] = dataclasses.field(repr=False, compare=False)
    decode: Callable[[Any], Any] = dataclasses.field(repr=False, compare=False)


_FIELDS: dict[type, tuple[FieldSpec, ...]] = {}


def fields_of(cls: type) -> tuple[FieldSpec, ...]:
    """The fields of a payload dataclass, in declaration order; ``TypeError`` for anything else."""
    specs = _FIELDS.get(cls)
    if specs is None:
        specs = _FIELDS[cls] = _read_fields(cls)
    return specs


def _read_fields(cls: type) -> tuple[FieldSpec, ...]:
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"{cls!r} is not a payload dataclass")
    hints = get_type_hints(cls, include_extras=True)
    specs = []
    for field in dataclasses.fields(cls):
        wire_name = WIRE_NAMES.get(field.name)
        if wire_name is None:
            raise TypeError(f"{cls.__name__}.{field.name} has no entry in WIRE_NAMES")
        type_spec = _type_spec(_strip_optional(hints[field.name]), f"{cls.__name__}.{field.name}")
        specs.append(
            FieldSpec(
                name=field.name,
                wire_name=wire_name,
                required=field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING,
                type=type_spec,
                encode=_encoder(type_spec),
                decode=_decoder(type_spec),
            )
        )
    return tuple(specs)


def _strip_optional(hint: Any) -> Any:
    if get_origin(hint) in (Union, UnionType):
        args = [arg for arg in get_args(hint) if arg is not NoneType]
        # Only ``X | None`` is a payload type; a union of two real types has no JSON schema here.
        return args[0] if len(args) == 1 else hint
    return hint


def _type_spec(hint: Any, where: str) -> TypeSpec:
    origin = get_origin(hint)
    if origin is Annotated:
        base, *markers = get_args(hint)
        inner = _type_spec(base, where)
        return dataclasses.replace(inner, markers=(*inner.markers, *markers))
    if origin is tuple:
        args = get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:
            return TypeSpec(base=tuple, item=_type_spec(args[0], where))
    elif isinstance(hint, type) and (hint in _SCALARS or issubclass(hint, Enum) or dataclasses.is_dataclass(hint)):
        return TypeSpec(base=hint)
    raise TypeError(f"{where}: {hint!r} is not a supported payload type")


# --- encoding -----------------------------------------------------------------------------------------


def to_wire(obj: object) -> dict[str, Any]:
    """The JSON-ready payload of a payload dataclass (see the module docstring)."""
    payload: dict[str, Any] = {}
    for spec in fields_of(type(obj)):
        value = getattr(obj, spec.name)
        if value is not None:
            payload[spec.wire_name] = spec.encode(value)
    return payload


def _same(value: Any) -> Any:
    return value


def _encode_datetime(value: Any) -> Any:
    return format_datetime(value) if isinstance(value, datetime) else value


def _encode_enum(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


def _encode_object(value: Any) -> Any:
    return to_wire(value) if dataclasses.is_dataclass(value) and not isinstance(value, type) else value


def _encoder(spec: TypeSpec) -> Callable[[Any], Any]:
    base = spec.base
    if spec.item is not None:
        encode_item = _encoder(spec.item)
        return lambda value: [encode_item(item) for item in value] if isinstance(value, tuple | list) else value
    if base is datetime:
        return _encode_datetime
    if issubclass(base, Enum):
        return _encode_enum
    if dataclasses.is_dataclass(base):
        return _encode_object
    return _same


# --- decoding -----------------------------------------------------------------------------------------


def from_wire(cls: type[T], data: Mapping[str, Any]) -> T:
    """The payload dataclass ``cls`` built from a *validated* wire payload (see the module docstring)."""
    kwargs: dict[str, Any] = {}
    for spec in fields_of(cls):
        raw = data.get(spec.wire_name)
        if raw is None:
            continue
        try:
            kwargs[spec.name] = spec.decode(raw)
        except WireValueError as exc:
            raise exc.within(spec.wire_name) from None
    return cls(**kwargs)


def _decode_datetime(value: str) -> datetime:
    try:
        return parse_datetime(value)
    except (ValueError, OverflowError):
        raise WireValueError(f"{value!r} is not a date-time of the years 1..9999 in UTC") from None


def _decode_decimal(value: Decimal | int | float) -> Decimal:
    if isinstance(value, Decimal):
        return value
    # A float's shortest repr is the JSON text it came from (or goes to); Decimal(float) is not.
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def _decode_list(decode_item: Callable[[Any], Any], value: list[Any]) -> tuple[Any, ...]:
    items = []
    for index, item in enumerate(value):
        try:
            items.append(decode_item(item))
        except WireValueError as exc:
            raise exc.within(index) from None
    return tuple(items)


def _decoder(spec: TypeSpec) -> Callable[[Any], Any]:
    base = spec.base
    if spec.item is not None:
        return functools.partial(_decode_list, _decoder(spec.item))
    if base is datetime:
        return _decode_datetime
    if base is Decimal:
        return _decode_decimal
    if issubclass(base, Enum):
        return base  # the enum class maps a wire string to its member
    if dataclasses.is_dataclass(base):
        return functools.partial(from_wire, base)
    return _same

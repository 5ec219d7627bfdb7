"""Nested payload types of OCPP 1.6 and the Security Whitepaper, and the field constraint markers.

Every payload class (here and in :mod:`ocpp_core.messages`) is a frozen, slotted, keyword-only
dataclass whose annotations are the single source of truth for its wire form:

* the Python type gives the JSON type: ``str`` → string, ``int`` → integer, ``bool`` → boolean,
  :class:`~decimal.Decimal` → number, :class:`~datetime.datetime` → string with ``format: date-time``,
  a :class:`~enum.StrEnum` → string with ``enum``, ``tuple[X, ...]`` → array of X, a dataclass → object;
* a field without a default is required; optional fields are ``X | None = None``;
* constraints are :data:`typing.Annotated` markers: :class:`MaxLen` (``maxLength``), :class:`MinItems`
  (``minItems``), :class:`MultipleOf` (``multipleOf``) and :class:`Format` (``format``).

:mod:`ocpp_core.schema` turns the annotations into JSON schemas and :mod:`ocpp_core.wire` into
camelCase JSON objects; nothing else describes the payloads.

Two classes look alike but differ on the wire, as the official schemas do: :class:`MeterValue`
(MeterValues.req, at least one sampled value) and :class:`TransactionData` (StopTransaction.req,
whose schema puts no lower bound on ``sampledValue``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Annotated

from ocpp_core.enums import (
    AuthorizationStatus,
    ChargingProfileKindType,
    ChargingProfilePurposeType,
    ChargingRateUnitType,
    HashAlgorithm,
    Location,
    Measurand,
    Phase,
    ReadingContext,
    RecurrencyKindType,
    UnitOfMeasure,
    ValueFormat,
)

__all__ = [
    "AuthorizationData",
    "CertificateHashData",
    "ChargingProfile",
    "ChargingSchedule",
    "ChargingSchedulePeriod",
    "CiString20",
    "CiString25",
    "CiString40",
    "CiString50",
    "CiString128",
    "CiString255",
    "CiString500",
    "Decimal1",
    "Firmware",
    "Format",
    "IdTagInfo",
    "IdToken",
    "KeyValue",
    "LogParameters",
    "MaxLen",
    "MeterValue",
    "MinItems",
    "MultipleOf",
    "SampledValue",
    "String50",
    "String255",
    "String512",
    "String800",
    "String5500",
    "String10000",
    "TransactionData",
    "Uri",
]


# --- Constraint markers -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MaxLen:
    """``maxLength``: the string has at most ``value`` characters (CiString<N>Type has N = ``value``)."""

    value: int


@dataclass(frozen=True, slots=True)
class MinItems:
    """``minItems``: the array has at least ``value`` items."""

    value: int


@dataclass(frozen=True, slots=True)
class MultipleOf:
    """``multipleOf``: the number is an exact multiple of ``value`` (checked with decimal arithmetic)."""

    value: Decimal


@dataclass(frozen=True, slots=True)
class Format:
    """``format``: the string has the named format (``"uri"``; date-times are typed ``datetime``)."""

    value: str


# OCPP 1.6 CiString<N>Type: a case-insensitive string of at most N characters.
CiString20 = Annotated[str, MaxLen(20)]
CiString25 = Annotated[str, MaxLen(25)]
CiString50 = Annotated[str, MaxLen(50)]
CiString255 = Annotated[str, MaxLen(255)]
CiString500 = Annotated[str, MaxLen(500)]
IdToken = CiString20
# Whitepaper identifier strings (case-insensitive) and plain bounded strings.
CiString40 = Annotated[str, MaxLen(40)]
CiString128 = Annotated[str, MaxLen(128)]
String50 = Annotated[str, MaxLen(50)]
String255 = Annotated[str, MaxLen(255)]
String512 = Annotated[str, MaxLen(512)]
String800 = Annotated[str, MaxLen(800)]
String5500 = Annotated[str, MaxLen(5500)]
String10000 = Annotated[str, MaxLen(10000)]
# An absolute URI (GetDiagnostics / UpdateFirmware location).
Uri = Annotated[str, Format("uri")]
# A decimal number with at most one fraction digit (charging limits).
Decimal1 = Annotated[Decimal, MultipleOf(Decimal("0.1"))]


# --- OCPP 1.6 edition 2 -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class IdTagInfo:
    """The central system's verdict on an idTag."""

    expiry_date: datetime | None = None
    parent_id_tag: IdToken | None = None
    status: AuthorizationStatus


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthorizationData:
    """One entry of a local authorization list; no ``id_tag_info`` in a Differential update deletes it."""

    id_tag: IdToken
    id_tag_info: IdTagInfo | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class KeyValue:
    """One configuration key in GetConfiguration.conf (``value`` absent: known but unset)."""

    key: CiString50
    readonly: bool
    value: CiString500 | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SampledValue:
    """One measured value; absent attributes take the spec's defaults (Sample.Periodic, Raw, ...)."""

    value: str
    context: ReadingContext | None = None
    format: ValueFormat | None = None
    measurand: Measurand | None = None
    phase: Phase | None = None
    location: Location | None = None
    unit: UnitOfMeasure | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MeterValue:
    """Samples taken at one point in time, as MeterValues.req carries them (at least one sample)."""

    timestamp: datetime
    sampled_value: Annotated[tuple[SampledValue, ...], MinItems(1)]


@dataclass(frozen=True, slots=True, kw_only=True)
class TransactionData:
    """A meter value as StopTransaction.req carries it; its schema allows an empty ``sampled_value``."""

    timestamp: datetime
    sampled_value: tuple[SampledValue, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class ChargingSchedulePeriod:
    """A limit from ``start_period`` seconds after the schedule start until the next period."""

    start_period: int
    limit: Decimal1
    number_phases: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ChargingSchedule:
    """Limits over time, in ``charging_rate_unit``."""

    duration: int | None = None
    start_schedule: datetime | None = None
    charging_rate_unit: ChargingRateUnitType
    charging_schedule_period: tuple[ChargingSchedulePeriod, ...]
    min_charging_rate: Decimal1 | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ChargingProfile:
    """A charging profile (RemoteStartTransaction.req chargingProfile, SetChargingProfile.req)."""

    charging_profile_id: int
    transaction_id: int | None = None
    stack_level: int
    charging_profile_purpose: ChargingProfilePurposeType
    charging_profile_kind: ChargingProfileKindType
    recurrency_kind: RecurrencyKindType | None = None
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    charging_schedule: ChargingSchedule


# --- Security Whitepaper (edition 3) ------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class CertificateHashData:
    """Identifies a certificate like an OCSP CertID: hex hashes of issuer name and key, hex serial."""

    hash_algorithm: HashAlgorithm
    issuer_name_hash: CiString128
    issuer_key_hash: CiString128
    serial_number: CiString40


@dataclass(frozen=True, slots=True, kw_only=True)
class LogParameters:
    """Where to upload a log, and which time span to include (GetLog.req log)."""

    remote_location: String512
    oldest_timestamp: datetime | None = None
    latest_timestamp: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Firmware:
    """A signed firmware image to fetch and install (SignedUpdateFirmware.req firmware)."""

    location: String512
    retrieve_date_time: datetime
    install_date_time: datetime | None = None
    signing_certificate: String5500
    signature: String800

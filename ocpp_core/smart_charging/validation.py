"""Checks of a charging profile before it is installed (OCPP 1.6 §3.13, §5.16, §7.7-7.9).

Theory of operation
-------------------
A profile passes three layers of checks; each failure raises :class:`InvalidProfile` whose
message names the field, the value and the rule, so the reason can be traced even though
SetChargingProfile.conf only says ``Rejected``.

1. :func:`checked_profile` -- the profile on its own, against the station's configuration
   (:class:`ProfileRules`): the connector exists; the purpose is one of
   SupportedChargingProfilePurposeTypes; ``0 <= stackLevel <= ChargeProfileMaxStackLevel``;
   a ChargePointMaxProfile is installed on connector 0 and is not Relative; a TxProfile is not
   installed on connector 0; an Absolute or Recurring profile has a ``startSchedule`` -- or gets
   ``now`` when AllowChargingProfileWithoutStartSchedule is true (the returned profile carries it);
   a Recurring profile has a ``recurrencyKind``; ``validTo`` is after ``validFrom``; the schedule
   uses a unit of ChargingScheduleAllowedChargingRateUnit, has no negative ``duration`` nor
   ``minChargingRate``, and 1 to ChargingScheduleMaxPeriods periods, the first starting at 0
   and each later one after the one before, each with a limit of at least 0 and 1 to 3 phases.
2. :func:`check_transaction` -- a TxProfile needs the transaction it is for: one must run on the
   connector, and a ``transactionId`` given must be that transaction's id (OCTT TC_058_1/2), or -1
   while the id is not known (the transaction's id on the wire then).
   Profiles restored at start skip this layer: no transaction survives a restart.
3. The count against MaxChargingProfilesInstalled, which depends on what the profile replaces,
   is checked by the manager (:mod:`ocpp_core.smart_charging.manager`).

:func:`expired` says when an installed profile can never apply again (it is purged).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal

from ocpp_core.config import ConfigRegistry
from ocpp_core.datatypes import ChargingProfile, ChargingSchedule
from ocpp_core.enums import ChargingProfileKindType, ChargingProfilePurposeType, ChargingRateUnitType
from ocpp_core.transactions import UNKNOWN_TRANSACTION_ID

__all__ = [
    "InvalidProfile",
    "ProfileRules",
    "RunningTransaction",
    "allowed_units",
    "check_transaction",
    "checked_profile",
    "expired",
]

#: ChargingScheduleAllowedChargingRateUnit values and the unit each stands for (erratum 3.86).
_UNIT_NAMES = {"Current": ChargingRateUnitType.A, "Power": ChargingRateUnitType.W}
_MAX_PHASES = 3


class InvalidProfile(ValueError):
    """A charging profile the station does not install; the message says why."""


def allowed_units(config: ConfigRegistry) -> tuple[ChargingRateUnitType, ...]:
    """The units of ChargingScheduleAllowedChargingRateUnit, in order (the first is the default)."""
    names = config.get_list("ChargingScheduleAllowedChargingRateUnit") or ()
    units = tuple(dict.fromkeys(_UNIT_NAMES[name] for name in names if name in _UNIT_NAMES))
    return units or (ChargingRateUnitType.A, ChargingRateUnitType.W)


@dataclass(frozen=True, slots=True, kw_only=True)
class ProfileRules:
    """The configuration a profile is checked against."""

    number_of_connectors: int
    max_stack_level: int
    max_periods: int
    max_installed: int
    allowed_units: tuple[ChargingRateUnitType, ...]
    supported_purposes: frozenset[ChargingProfilePurposeType]
    allow_without_start_schedule: bool

    @classmethod
    def from_config(cls, config: ConfigRegistry) -> ProfileRules:
        """The rules of ``config`` (the OCPP defaults where a key is absent)."""
        purposes = config.get_list("SupportedChargingProfilePurposeTypes")
        names = purposes if purposes is not None else tuple(p.value for p in ChargingProfilePurposeType)
        return cls(
            number_of_connectors=config.get_int("NumberOfConnectors") or 0,
            max_stack_level=_int_or(config.get_int("ChargeProfileMaxStackLevel"), 10),
            max_periods=_int_or(config.get_int("ChargingScheduleMaxPeriods"), 1440),
            max_installed=_int_or(config.get_int("MaxChargingProfilesInstalled"), 500),
            allowed_units=allowed_units(config),
            supported_purposes=frozenset(p for p in ChargingProfilePurposeType if p.value in names),
            allow_without_start_schedule=bool(config.get_bool("AllowChargingProfileWithoutStartSchedule")),
        )


def _int_or(value: int | None, default: int) -> int:
    return default if value is None else value


@dataclass(frozen=True, slots=True, kw_only=True)
class RunningTransaction:
    """The transaction running on a connector; ``transaction_id`` None until StartTransaction.conf."""

    transaction_id: int | None


def checked_profile(profile: ChargingProfile, connector_id: int, rules: ProfileRules, now: datetime) -> ChargingProfile:
    """``profile`` as it is installed on ``connector_id`` (a missing ``startSchedule`` filled in
    when allowed); raises :class:`InvalidProfile` naming the first rule it breaks."""
    count = rules.number_of_connectors
    if not 0 <= connector_id <= count:
        raise InvalidProfile(f"connectorId {connector_id} is not a connector of this charge point (0..{count})")
    purpose = profile.charging_profile_purpose
    if purpose not in rules.supported_purposes:
        raise InvalidProfile(f"chargingProfilePurpose {purpose.value} is not in SupportedChargingProfilePurposeTypes")
    if not 0 <= profile.stack_level <= rules.max_stack_level:
        raise InvalidProfile(
            f"stackLevel {profile.stack_level} is outside 0..{rules.max_stack_level} (ChargeProfileMaxStackLevel)"
        )
    kind = profile.charging_profile_kind
    if purpose is ChargingProfilePurposeType.CHARGE_POINT_MAX_PROFILE:
        if connector_id != 0:
            raise InvalidProfile(f"a ChargePointMaxProfile belongs on connector 0, not {connector_id}")
        if kind is ChargingProfileKindType.RELATIVE:
            raise InvalidProfile("a ChargePointMaxProfile cannot be Relative")
    if purpose is ChargingProfilePurposeType.TX_PROFILE and connector_id == 0:
        raise InvalidProfile("a TxProfile belongs on a connector of a transaction, not on connector 0")
    if kind is ChargingProfileKindType.RECURRING and profile.recurrency_kind is None:
        raise InvalidProfile("a Recurring profile needs a recurrencyKind")
    if profile.valid_from is not None and profile.valid_to is not None and profile.valid_to <= profile.valid_from:
        raise InvalidProfile("validTo is not after validFrom: the profile would never be valid")
    schedule = _checked_schedule(profile.charging_schedule, rules)
    if kind is not ChargingProfileKindType.RELATIVE and schedule.start_schedule is None:
        if not rules.allow_without_start_schedule:
            raise InvalidProfile(f"the {kind.value} profile has no chargingSchedule.startSchedule")
        schedule = replace(schedule, start_schedule=now.replace(microsecond=0))
    return replace(profile, charging_schedule=schedule)


def _checked_schedule(schedule: ChargingSchedule, rules: ProfileRules) -> ChargingSchedule:
    unit = schedule.charging_rate_unit
    if unit not in rules.allowed_units:
        raise InvalidProfile(f"chargingRateUnit {unit.value} is not in ChargingScheduleAllowedChargingRateUnit")
    if schedule.duration is not None and schedule.duration < 0:
        raise InvalidProfile(f"chargingSchedule.duration {schedule.duration} is negative")
    if schedule.min_charging_rate is not None and schedule.min_charging_rate < 0:
        raise InvalidProfile(f"minChargingRate {schedule.min_charging_rate} is negative")
    periods = schedule.charging_schedule_period
    if not periods:
        raise InvalidProfile("chargingSchedulePeriod is empty")
    if len(periods) > rules.max_periods:
        raise InvalidProfile(f"{len(periods)} periods exceed ChargingScheduleMaxPeriods ({rules.max_periods})")
    if periods[0].start_period != 0:
        raise InvalidProfile(f"the first period starts at {periods[0].start_period}, not 0")
    for index, period in enumerate(periods):
        where = f"chargingSchedulePeriod[{index}]"
        if index and period.start_period <= periods[index - 1].start_period:
            raise InvalidProfile(f"{where}.startPeriod {period.start_period} is not after the period before it")
        if period.limit < Decimal(0):
            raise InvalidProfile(f"{where}.limit {period.limit} is negative")
        phases = period.number_phases
        if phases is not None and not 1 <= phases <= _MAX_PHASES:
            raise InvalidProfile(f"{where}.numberPhases {phases} is outside 1..{_MAX_PHASES}")
    return schedule


def check_transaction(profile: ChargingProfile, connector_id: int, running: RunningTransaction | None) -> None:
    """A TxProfile needs the transaction it is for on ``connector_id``; raises :class:`InvalidProfile`.

    A ``transactionId`` of -1 names a transaction whose id is not known (yet): that is how it goes
    on the wire until StartTransaction.conf gives one, or for good if it never does (§4.8).
    """
    if profile.charging_profile_purpose is not ChargingProfilePurposeType.TX_PROFILE:
        return
    if running is None:
        raise InvalidProfile(f"a TxProfile needs a transaction, and none runs on connector {connector_id}")
    wanted = profile.transaction_id
    if wanted == UNKNOWN_TRANSACTION_ID and running.transaction_id is None:
        return
    if wanted is not None and wanted != running.transaction_id:
        actual = "not known yet" if running.transaction_id is None else str(running.transaction_id)
        raise InvalidProfile(
            f"transactionId {wanted} is not the transaction on connector {connector_id} (its id: {actual})"
        )


def expired(profile: ChargingProfile, now: datetime) -> bool:
    """True when ``profile`` can never apply again: past ``validTo``, or Absolute and past
    ``startSchedule + duration``."""
    if profile.valid_to is not None and profile.valid_to <= now:
        return True
    schedule = profile.charging_schedule
    return (
        profile.charging_profile_kind is ChargingProfileKindType.ABSOLUTE
        and schedule.start_schedule is not None
        and schedule.duration is not None
        and schedule.start_schedule + timedelta(seconds=schedule.duration) <= now
    )

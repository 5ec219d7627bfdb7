"""Payloads of the SmartCharging profile (OCPP 1.6 edition 2)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ocpp_core.datatypes import ChargingProfile, ChargingSchedule
from ocpp_core.enums import (
    ChargingProfilePurposeType,
    ChargingProfileStatus,
    ChargingRateUnitType,
    ClearChargingProfileStatus,
    GetCompositeScheduleStatus,
)

__all__ = [
    "ClearChargingProfileRequest",
    "ClearChargingProfileResponse",
    "GetCompositeScheduleRequest",
    "GetCompositeScheduleResponse",
    "SetChargingProfileRequest",
    "SetChargingProfileResponse",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class ClearChargingProfileRequest:
    """ClearChargingProfile.req (CS → CP); every criterion is optional, absent ones match anything."""

    id: int | None = None
    connector_id: int | None = None
    charging_profile_purpose: ChargingProfilePurposeType | None = None
    stack_level: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ClearChargingProfileResponse:
    """ClearChargingProfile.conf."""

    status: ClearChargingProfileStatus


@dataclass(frozen=True, slots=True, kw_only=True)
class GetCompositeScheduleRequest:
    """GetCompositeSchedule.req (CS → CP); ``duration`` in seconds."""

    connector_id: int
    duration: int
    charging_rate_unit: ChargingRateUnitType | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class GetCompositeScheduleResponse:
    """GetCompositeSchedule.conf; the schedule fields may be absent when Rejected."""

    status: GetCompositeScheduleStatus
    connector_id: int | None = None
    schedule_start: datetime | None = None
    charging_schedule: ChargingSchedule | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SetChargingProfileRequest:
    """SetChargingProfile.req (CS → CP)."""

    connector_id: int
    cs_charging_profiles: ChargingProfile


@dataclass(frozen=True, slots=True, kw_only=True)
class SetChargingProfileResponse:
    """SetChargingProfile.conf."""

    status: ChargingProfileStatus

"""Smart Charging profile: SetChargingProfile, ClearChargingProfile, GetCompositeSchedule.

The handlers delegate to :class:`ocpp_core.smart_charging.SmartCharging` (``cp.smart_charging``):

* SetChargingProfile: a connectorId that is not a connector of the station is a CALLERROR
  ``PropertyConstraintViolation`` -- erratum 3.39 says so in as many words ("If an invalid value
  for connectorId is used in SetChargingProfile.req ... CALLERROR: PropertyConstraintViolation");
  an enumeration value outside the schema is the same CALLERROR from validation (erratum 3.38).
  Any other reason not to install the profile (see :mod:`ocpp_core.smart_charging.validation`)
  answers ``Rejected``.
* ClearChargingProfile: ``Accepted`` when a profile was removed, else ``Unknown``.
* GetCompositeSchedule: ``Rejected`` for an unknown connector (§5.7: "not able to report the
  requested schedule, for instance if the connectorId is unknown"), a unit not allowed or a
  negative duration; a unit outside A/W is a CALLERROR ``PropertyConstraintViolation`` from
  validation (erratum 3.24). Else ``Accepted`` with ``scheduleStart`` (now, floored to the second)
  and the schedule, which does not repeat its start (``scheduleStart`` carries it).
* GetCompositeSchedule for connector 0 answers "the total expected power or current the Charge
  Point expects to consume from the grid" (§5.7, erratum 3.30): the sum of every connector's
  limit, capped by the ChargePointMaxProfiles. A connector no profile limits adds the default
  limit (CompositeScheduleDefaultLimitAmps/-Watts, what one connector may draw unconstrained), so
  with nothing installed the station reports N x that default: each connector may draw it at
  once. One default for the whole station would understate what it can take from the grid
  (libocpp sums the same way, libocpp-inventory §19.6).

The action is ``NotSupported`` altogether when SmartCharging is not in SupportedFeatureProfiles
(the engine answers that before any handler runs).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from ocpp_core.enums import ChargingProfileStatus, ClearChargingProfileStatus, GetCompositeScheduleStatus
from ocpp_core.errors import PropertyConstraintViolation
from ocpp_core.messages.smart_charging import (
    ClearChargingProfileRequest,
    ClearChargingProfileResponse,
    GetCompositeScheduleRequest,
    GetCompositeScheduleResponse,
    SetChargingProfileRequest,
    SetChargingProfileResponse,
)

if TYPE_CHECKING:
    from ocpp_core import rpc
    from ocpp_core.chargepoint import ChargePoint, Handler, Reply

__all__ = ["HANDLERS"]


def set_charging_profile(cp: ChargePoint, request: SetChargingProfileRequest, call: rpc.Call, now: datetime) -> Reply:
    count = cp.sessions.count
    if not 0 <= request.connector_id <= count:
        raise PropertyConstraintViolation(
            f"connectorId {request.connector_id} is not a connector of this charge point (0..{count})"
        )
    problem = cp.smart_charging.set_profile(request.connector_id, request.cs_charging_profiles, now)
    status = ChargingProfileStatus.ACCEPTED if problem is None else ChargingProfileStatus.REJECTED
    return SetChargingProfileResponse(status=status)


def clear_charging_profile(
    cp: ChargePoint, request: ClearChargingProfileRequest, call: rpc.Call, now: datetime
) -> Reply:
    removed = cp.smart_charging.clear(
        now,
        profile_id=request.id,
        connector_id=request.connector_id,
        purpose=request.charging_profile_purpose,
        stack_level=request.stack_level,
    )
    status = ClearChargingProfileStatus.ACCEPTED if removed else ClearChargingProfileStatus.UNKNOWN
    return ClearChargingProfileResponse(status=status)


def get_composite_schedule(
    cp: ChargePoint, request: GetCompositeScheduleRequest, call: rpc.Call, now: datetime
) -> Reply:
    start = now.replace(microsecond=0)
    schedule = cp.smart_charging.composite(request.connector_id, start, request.duration, request.charging_rate_unit)
    if schedule is None:
        return GetCompositeScheduleResponse(status=GetCompositeScheduleStatus.REJECTED)
    return GetCompositeScheduleResponse(
        status=GetCompositeScheduleStatus.ACCEPTED,
        connector_id=request.connector_id,
        schedule_start=start,
        charging_schedule=replace(schedule, start_schedule=None),
    )


HANDLERS: dict[str, Handler] = {
    "SetChargingProfile": set_charging_profile,
    "ClearChargingProfile": clear_charging_profile,
    "GetCompositeSchedule": get_composite_schedule,
}

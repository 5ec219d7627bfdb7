"""Reservation profile: ReserveNow, CancelReservation.

Both delegate to :class:`ocpp_core.reservations.Reservations`. The reservation is kept (journaled)
while the request is handled; the connector status it causes (Reserved, or Available again -- also
for a reservation whose expiryDate came before its timer ran) is reported after the .conf.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from ocpp_core.enums import CancelReservationStatus
from ocpp_core.messages.reservation import (
    CancelReservationRequest,
    CancelReservationResponse,
    ReserveNowRequest,
    ReserveNowResponse,
)

if TYPE_CHECKING:
    from ocpp_core import rpc
    from ocpp_core.chargepoint import ChargePoint, Handler, Reply

__all__ = ["HANDLERS"]


def reserve_now(cp: ChargePoint, request: ReserveNowRequest, call: rpc.Call, now: datetime) -> Reply:
    status = cp.reservations.reserve(request, now)
    return ReserveNowResponse(status=status), cp.sessions.flush_status


def cancel_reservation(cp: ChargePoint, request: CancelReservationRequest, call: rpc.Call, now: datetime) -> Reply:
    accepted = cp.reservations.cancel(request.reservation_id, now)
    status = CancelReservationStatus.ACCEPTED if accepted else CancelReservationStatus.REJECTED
    return CancelReservationResponse(status=status), cp.sessions.flush_status


HANDLERS: dict[str, Handler] = {
    "ReserveNow": reserve_now,
    "CancelReservation": cancel_reservation,
}

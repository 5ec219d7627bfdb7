"""Payloads of the Reservation profile (OCPP 1.6 edition 2)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ocpp_core.datatypes import IdToken
from ocpp_core.enums import CancelReservationStatus, ReservationStatus

__all__ = [
    "CancelReservationRequest",
    "CancelReservationResponse",
    "ReserveNowRequest",
    "ReserveNowResponse",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class CancelReservationRequest:
    """CancelReservation.req (CS → CP)."""

    reservation_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class CancelReservationResponse:
    """CancelReservation.conf."""

    status: CancelReservationStatus


@dataclass(frozen=True, slots=True, kw_only=True)
class ReserveNowRequest:
    """ReserveNow.req (CS → CP); connector 0 only with ReserveConnectorZeroSupported."""

    connector_id: int
    expiry_date: datetime
    id_tag: IdToken
    parent_id_tag: IdToken | None = None
    reservation_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ReserveNowResponse:
    """ReserveNow.conf."""

    status: ReservationStatus

"""The Reservation feature: ReserveNow, CancelReservation, expiry and persistence.

Theory of operation
-------------------
A reservation (:class:`~ocpp_core.storage.ReservationRecord`) is for one connector or, with
connector 0, for the station as a whole (OCPP 1.6 §3.11, §5.13). Who may use a reserved connector
and which connectors a station reservation holds is decided by
:mod:`ocpp_core.session_reservation`; this module keeps the reservations and answers the central
system.

**ReserveNow**, checked in this order:

1. ``Rejected`` -- the connector does not exist; connector 0 while ReserveConnectorZeroSupported
   is not true; reservations are switched off (the optional boolean key ``ReservationEnabled``,
   from the ``Reservation`` or ``Custom`` section, is false: "configured not to accept
   reservations", OCTT TC_048_4); the expiryDate is already past.
2. ``Faulted`` / ``Unavailable`` -- the connector or the station is Faulted / Unavailable; for
   connector 0 also when no connector is in service (Faulted if any of them is faulted).
3. ``Occupied`` -- a connector: it is not free (a session runs or is being prepared, an
   identification is being authorized there, it is Finishing), another reservation holds it, or
   reserving it would leave fewer free connectors than there are station reservations waiting;
   connector 0: no free connector would be left for it.
4. ``Accepted`` -- the reservation is kept (journaled) and the connector goes Reserved after the
   .conf (StatusNotification).

A ReserveNow with the reservationId of an existing reservation *replaces* it, possibly on another
connector: the checks above leave the old reservation out of account, and a refused replacement
leaves the old one in force.

**A reservation ends** -- and its connector goes back to Available (G1) -- when

* the transaction of an idTag it admitted starts (its StartTransaction carries the
  reservationId);
* its expiryDate is reached (a timer: :meth:`Reservations.next_deadline`). An input may come at
  that very instant before the timer runs, so the reservations also expire whenever they are
  consulted: ReserveNow, CancelReservation, an identification for a start
  (:meth:`ReservationGate.precheck <ocpp_core.session_reservation.ReservationGate.precheck>`) and
  every status update (:meth:`Reservations.refresh`);
* CancelReservation names it (``Accepted``; an unknown id is ``Rejected``);
* its connector, or the station, is Faulted or Unavailable (ChangeAvailability, a fault: G8, or
  Reserved to Faulted) -- a station reservation only when the station as a whole is.

An identification granted under a reservation that ended before its transaction started starts
it without a reservationId.

**Persistence.** Every change is journaled (``ReservationPut`` / ``ReservationDelete``). At start
the stored reservations are restored, those expired meanwhile dropped, and the connectors they
hold are Reserved before the first StatusNotification.

**Status upkeep.** The session manager calls :meth:`Reservations.refresh` whenever it sends the
StatusNotifications that are due, so reservations end and connectors follow (Reserved /
Available) whatever changed: a session ended, a fault, an availability change, another
reservation.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from ocpp_core.enums import ChargePointStatus, ReservationStatus
from ocpp_core.features import Feature
from ocpp_core.storage import ReservationDelete, ReservationPut, ReservationRecord
from ocpp_core.timeutil import earliest, to_utc

if TYPE_CHECKING:
    from ocpp_core.chargepoint import ChargePoint
    from ocpp_core.messages.reservation import ReserveNowRequest
    from ocpp_core.session_reservation import ReservationGate
    from ocpp_core.storage import Snapshot

__all__ = ["ENABLED_KEY", "Reservations"]

#: The optional boolean key that switches reservations off (absent = on).
ENABLED_KEY = "ReservationEnabled"


class Reservations(Feature):
    """Reservations made with ReserveNow, their expiry and who may use them."""

    def __init__(self, cp: ChargePoint, snapshot: Snapshot) -> None:
        super().__init__(cp, snapshot)
        self._records: dict[int, ReservationRecord] = {r.reservation_id: r for r in snapshot.reservations}

    # ------------------------------------------------------------------------------------------
    # views
    def active(self) -> list[ReservationRecord]:
        """The reservations in force, by connector (0 = the station as a whole)."""
        return sorted(self._records.values(), key=lambda r: (r.connector_id, r.reservation_id))

    @property
    def gate(self) -> ReservationGate:
        """The session manager's reservation rules (which connectors are held, for whom)."""
        return self.cp.sessions.reserved

    @property
    def enabled(self) -> bool:
        """Reservations are accepted: the optional ``ReservationEnabled`` key is not false."""
        try:
            return self.cp.config.get_bool(ENABLED_KEY) is not False
        except (KeyError, TypeError):  # not defined (or not a boolean): the default, on
            return True

    # ------------------------------------------------------------------------------------------
    # the central system's requests
    def reserve(self, request: ReserveNowRequest, now: datetime) -> ReservationStatus:
        """ReserveNow: the status to answer; an accepted reservation is kept (see the module docstring)."""
        self.expire(now)
        n = request.connector_id
        status = self._refusal(n, request.reservation_id, to_utc(request.expiry_date), now)
        if status is not None:
            return status
        record = ReservationRecord(
            reservation_id=request.reservation_id,
            connector_id=n,
            id_tag=request.id_tag,
            expiry_date=to_utc(request.expiry_date),
            parent_id_tag=request.parent_id_tag,
        )
        replaced = self._records.get(record.reservation_id)
        if replaced is not None and replaced.connector_id != n:
            self._forget(replaced.reservation_id)
        self._records[record.reservation_id] = record
        self.journal(ReservationPut(record=record))
        return ReservationStatus.ACCEPTED

    def _refusal(self, n: int, reservation_id: int, expiry: datetime, now: datetime) -> ReservationStatus | None:
        """Why a reservation of connector ``n`` cannot be made now, or None (Accepted)."""
        manager = self.cp.sessions
        if n not in manager.connectors or not self.enabled or expiry <= now:
            return ReservationStatus.REJECTED
        if n == 0:
            return self._station_refusal(reservation_id)
        gate = self.gate
        statuses = (manager.connectors[n].status, manager.connectors[0].status)
        if ChargePointStatus.FAULTED in statuses:
            return ReservationStatus.FAULTED
        if ChargePointStatus.UNAVAILABLE in statuses:
            return ReservationStatus.UNAVAILABLE
        other = gate.connector_reservation(n)
        if (other is not None and other.reservation_id != reservation_id) or not gate.free(n):
            return ReservationStatus.OCCUPIED
        if manager.identification.asking(n):
            return ReservationStatus.OCCUPIED
        left = [m for m in gate.shared(besides=reservation_id) if m != n]
        if len(left) < len(gate.waiting_station(besides=reservation_id)):
            return ReservationStatus.OCCUPIED  # the last connectors are kept for station reservations
        return None

    def _station_refusal(self, reservation_id: int) -> ReservationStatus | None:
        """Why a reservation of the station as a whole cannot be made now, or None (Accepted)."""
        manager = self.cp.sessions
        gate = self.gate
        if self.cp.config.get_bool("ReserveConnectorZeroSupported") is not True:
            return ReservationStatus.REJECTED
        station = manager.connectors[0].status
        in_service = [n for n in manager.sessions if not gate.out_of_service(n)]
        faulted = any(manager.connectors[n].status is ChargePointStatus.FAULTED for n in manager.sessions)
        if station is ChargePointStatus.FAULTED or (not in_service and faulted):
            return ReservationStatus.FAULTED
        if station is ChargePointStatus.UNAVAILABLE or not in_service:
            return ReservationStatus.UNAVAILABLE
        if len(gate.shared(besides=reservation_id)) <= len(gate.waiting_station(besides=reservation_id)):
            return ReservationStatus.OCCUPIED  # no free connector would be left for it
        return None

    def cancel(self, reservation_id: int, now: datetime) -> bool:
        """CancelReservation: True (Accepted) if ``reservation_id`` was in force, and it ends."""
        self.expire(now)
        if reservation_id not in self._records:
            return False
        self._end(reservation_id)
        return True

    # ------------------------------------------------------------------------------------------
    # ending
    def _forget(self, reservation_id: int) -> None:
        """Drop ``reservation_id`` from memory; a granted identification keeps no reservationId."""
        self._records.pop(reservation_id, None)
        for session in self.cp.sessions.sessions.values():
            if session.grant is not None and session.grant.reservation_id == reservation_id:
                session.grant.reservation_id = None

    def _end(self, reservation_id: int) -> None:
        self._forget(reservation_id)
        self.journal(ReservationDelete(reservation_id=reservation_id))

    def refresh(self, now: datetime) -> bool:
        """End the reservations that expired or whose connector is out of service, and update the
        connector status; True if a connector moved (its StatusNotification is due)."""
        self.expire(now)
        gate = self.gate
        for record in list(self._records.values()):
            # Connector 0: the station as a whole, not one of its connectors, is out of service.
            if gate.out_of_service(record.connector_id):
                self._end(record.reservation_id)
        return gate.show(now)

    def expire(self, now: datetime) -> bool:
        """End the reservations whose expiryDate has come; True if any did (the connector status
        follows at the next :meth:`refresh`)."""
        expired = [r.reservation_id for r in self._records.values() if r.expiry_date <= now]
        for reservation_id in expired:
            self._end(reservation_id)
        return bool(expired)

    # ------------------------------------------------------------------------------------------
    # engine hooks
    def on_started(self, now: datetime) -> None:
        """Restore: drop what expired while the station was down, reserve the connectors."""
        self.refresh(now)

    def next_deadline(self) -> datetime | None:
        return earliest(*(r.expiry_date for r in self._records.values()))

    def tick(self, now: datetime) -> None:
        # An expiryDate came: the status flush runs refresh(), which ends the reservation and
        # makes its connector Available again (G1).
        self.cp.sessions.flush_status(now)

    def on_transaction_started(self, connector_id: int, tx: Any, now: datetime) -> None:
        """A transaction started under a reservation: the reservation is used up."""
        reservation_id = tx.record.reservation_id
        if reservation_id is not None and reservation_id in self._records:
            self._end(reservation_id)

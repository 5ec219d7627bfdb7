"""Reservations in the charging sessions: which connectors they hold and who may use them.

Theory of operation
-------------------
The reservations themselves (made with ReserveNow, their expiry, persistence) belong to
:mod:`ocpp_core.reservations`; this module answers the session layer's questions about them.

* **Free connectors.** A connector is *free* when a new user could take it now: operative and not
  faulted, nor is the station as a whole; Available or Reserved (a Reserved connector may hold a
  cable plugged in meanwhile); no session on it (no transaction, no identification granted, no
  lock under way, no cable kept locked). An identification being authorized there does not take
  it yet: whoever is granted first does.
* **Held connectors.** A connector reservation holds its connector until it ends. A station
  reservation (connector 0) is *waiting* until its idTag is granted on a connector; the waiting
  ones hold no connector while more connectors are free than there are waiting station
  reservations -- the free connectors are shared, first come first served -- but once only as
  many are left, every free connector (not held by a connector reservation) is held for them:
  the station keeps one connector for each reserved idTag (OCPP 1.6 §5.13).
* **Who may use a held connector.** The reserved idTag, or, when the reservation has a
  parentIdTag, an idTag of the same group. :meth:`ReservationGate.precheck` decides before any
  authorization: the reserved idTag is authorized as usual; another idTag is refused at once
  (no Authorize.req) unless the reservation has a parentIdTag -- then its own parentIdTag decides:
  from the local list or cache when they know it (no Authorize.req), else from Authorize.conf.
  :meth:`ReservationGate.admit` decides again once the identification is accepted, with the
  parentIdTag it came with, and names the reservation the transaction consumes (its
  StartTransaction carries that reservationId). A token matching a waiting station reservation
  consumes it on any connector it may use.
* **Reporting.** :meth:`ReservationGate.show` makes the connector status follow: a held connector
  that is Available goes Reserved (A7); a Reserved connector no longer held goes Available (G1),
  or straight on to Preparing when a cable waits there (the cable plugged into a Reserved
  connector did not leave it, only the reserved identification does: G2).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING

from ocpp_core.connectors import ConnectorInput
from ocpp_core.enums import ChargePointStatus
from ocpp_core.storage import ReservationRecord

if TYPE_CHECKING:
    from ocpp_core.sessions import SessionManager

__all__ = ["Check", "ReservationGate", "Verdict"]

_OUT_OF_SERVICE = (ChargePointStatus.FAULTED, ChargePointStatus.UNAVAILABLE)
_OPEN_STATES = (ChargePointStatus.AVAILABLE, ChargePointStatus.RESERVED)


class Verdict(Enum):
    """What to do with an identification presented for a start, as far as reservations go."""

    FREE = "no reservation in the way"  # authorize as usual
    RESERVED_ID = "the reserved idTag"  # authorize as usual
    SAME_GROUP = "parentIdTag known locally and matching"  # accepted without asking anybody
    ASK_PARENT = "parentIdTag to be learnt from Authorize.conf"  # authorize with the central system
    REFUSED = "reserved for another idTag"


@dataclass(frozen=True, slots=True)
class Check:
    """A :class:`Verdict`, with the parentIdTag the local list or cache gave (SAME_GROUP)."""

    verdict: Verdict
    parent_id_tag: str | None = None


def matches(record: ReservationRecord, id_tag: str, parent_id_tag: str | None) -> bool:
    """``id_tag`` (with its parentIdTag) may use the reservation ``record``."""
    same_group = record.parent_id_tag is not None and parent_id_tag == record.parent_id_tag
    return id_tag == record.id_tag or same_group


class ReservationGate:
    """The reservation rules of one :class:`~ocpp_core.sessions.SessionManager`."""

    def __init__(self, manager: SessionManager) -> None:
        self.manager = manager

    # ------------------------------------------------------------------------------------------
    # what is held
    def _records(self) -> list[ReservationRecord]:
        return self.manager.cp.reservations.active()

    def out_of_service(self, connector_id: int) -> bool:
        """``connector_id`` (or the station as a whole) is Faulted or Unavailable."""
        connectors = self.manager.connectors
        return connectors[connector_id].status in _OUT_OF_SERVICE or connectors[0].status in _OUT_OF_SERVICE

    def free(self, connector_id: int) -> bool:
        """A new user could take ``connector_id`` now (see the module docstring)."""
        manager = self.manager
        session = manager.sessions[connector_id]
        return (
            not self.out_of_service(connector_id)
            and manager.connectors[connector_id].state in _OPEN_STATES
            and not session.busy
            and session.locked_for is None
        )

    def connector_reservation(self, connector_id: int) -> ReservationRecord | None:
        """The reservation of ``connector_id`` itself, if any."""
        return next((r for r in self._records() if r.connector_id == connector_id), None)

    def waiting_station(self, *, besides: int | None = None) -> list[ReservationRecord]:
        """Station reservations whose idTag no connector serves yet (other than ``besides``)."""
        served = {s.grant.reservation_id for s in self.manager.sessions.values() if s.grant is not None}
        return [
            r
            for r in self._records()
            if r.connector_id == 0 and r.reservation_id not in served and r.reservation_id != besides
        ]

    def shared(self, *, besides: int | None = None) -> list[int]:
        """Free connectors held by no connector reservation (other than ``besides``)."""
        own = {r.connector_id for r in self._records() if r.connector_id != 0 and r.reservation_id != besides}
        return [n for n in self.manager.sessions if n not in own and self.free(n)]

    def held_for_station(self) -> list[int]:
        """The connectors kept for the waiting station reservations (none while enough are free)."""
        waiting = len(self.waiting_station())
        shared = self.shared()
        return shared if 0 < len(shared) <= waiting else []

    def holders(self, connector_id: int) -> list[ReservationRecord]:
        """The reservations that hold ``connector_id`` (empty if it is not held)."""
        own = self.connector_reservation(connector_id)
        if own is not None:
            return [own]
        return self.waiting_station() if connector_id in self.held_for_station() else []

    def reserved_for(self, id_tag: str) -> int | None:
        """The connector reserved for ``id_tag`` itself, if one is free."""
        for record in self._records():
            if record.connector_id != 0 and record.id_tag == id_tag and self.free(record.connector_id):
                return record.connector_id
        return None

    # ------------------------------------------------------------------------------------------
    # who may use a connector
    def precheck(self, connector_id: int, id_tag: str, now: datetime) -> Check:
        """Before authorizing ``id_tag`` for a start on ``connector_id``: see the module docstring."""
        if self.manager.cp.reservations.expire(now):
            self.manager.flush_status(now)  # expired before its timer ran: Available first (G1)
        holders = self.holders(connector_id)
        if not holders:
            return Check(Verdict.FREE)
        if any(r.id_tag == id_tag for r in holders):
            return Check(Verdict.RESERVED_ID)
        groups = {r.parent_id_tag for r in holders if r.parent_id_tag is not None}
        if not groups:
            return Check(Verdict.REFUSED)
        parent = self.manager.authorizer.parent_of(id_tag, now)
        if parent is None:
            return Check(Verdict.ASK_PARENT)
        return Check(Verdict.SAME_GROUP, parent) if parent in groups else Check(Verdict.REFUSED)

    def admit(self, connector_id: int, id_tag: str, parent_id_tag: str | None) -> tuple[bool, int | None]:
        """Once ``id_tag`` is accepted for a start on ``connector_id``: may it start there, and
        which reservation does its transaction consume (None: none)."""
        own = self.connector_reservation(connector_id)
        if own is not None:
            return (True, own.reservation_id) if matches(own, id_tag, parent_id_tag) else (False, None)
        mine = next((r for r in self.waiting_station() if matches(r, id_tag, parent_id_tag)), None)
        if mine is not None:
            return True, mine.reservation_id
        return connector_id not in self.held_for_station(), None

    def remote_start_connector(self, connector_id: int | None, id_tag: str) -> int | None:
        """The connector a RemoteStartTransaction for ``id_tag`` will use, or None (Rejected).

        Connectors held for another idTag are out, unless their reservation has a parentIdTag
        (the start is then checked like a local one, the group included). Without a connectorId
        the connector reserved for ``id_tag`` wins, then a startable one with a cable waiting,
        then the first startable one.
        """
        manager = self.manager

        def may_try(n: int) -> bool:
            holders = self.holders(n)
            return not holders or any(r.id_tag == id_tag or r.parent_id_tag is not None for r in holders)

        allowed = [n for n in manager.sessions if manager.startable(n) and may_try(n)]
        if connector_id is not None:
            return connector_id if connector_id in allowed else None
        reserved = [n for n in allowed if any(r.id_tag == id_tag for r in self.holders(n))]
        plugged = [n for n in allowed if manager.sessions[n].plugged]
        candidates = reserved or plugged or allowed
        return candidates[0] if candidates else None

    # ------------------------------------------------------------------------------------------
    # the connector status
    def show(self, now: datetime) -> bool:
        """Reserved for the held connectors that are Available (A7), Available again for the
        Reserved ones no longer held (G1, then Preparing if a cable waits); True if any moved."""
        manager = self.manager
        held = {r.connector_id for r in self._records() if r.connector_id != 0}
        held.update(self.held_for_station())
        moved = False
        for n, session in manager.sessions.items():
            state = manager.connectors[n].state
            if n in held and state is ChargePointStatus.AVAILABLE and not session.busy and not session.plugged:
                manager.apply(n, ConnectorInput.RESERVE, now)  # A7
                moved = True
            elif n not in held and state is ChargePointStatus.RESERVED:
                manager.apply(n, ConnectorInput.RESERVATION_ENDED, now)  # G1
                if manager.cable_waiting(session, now):
                    manager.reporter.observe(manager.connectors[n], now)
                moved = True
        return moved

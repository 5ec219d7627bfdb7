"""Availability and reset of the charging sessions.

Theory of operation
-------------------
**ChangeAvailability** (OCPP 1.6 §5.2). Connector 0 means the charge point and every connector.
For each connector concerned:

* already in the requested availability: ``Accepted``, nothing changes (a change scheduled for it
  earlier is cancelled);
* busy -- a transaction runs, or the connector is Preparing (waiting for a cable, an
  identification, a lock), as libocpp does -- the change is *scheduled*: journaled at once
  (``AvailabilitySet.scheduled``), applied when the session ends, and the answer is
  ``Scheduled``. A stopped transaction leaves the connector Finishing until the user left, so
  that is F8; an incipient session ends in Available first (B1, reported) and then A8, since
  Preparing has no way to Unavailable;
* otherwise it applies now: Unavailable (A8, F8, G8), or back to Available (H1) -- or straight to
  Preparing when a cable was plugged in meanwhile (H2, ConnectionTimeOut armed again).

Every applied change is journaled (``AvailabilitySet``) and tells the hardware
(``EnableConnector`` / ``DisableConnector``). At start the journal is read back: Unavailable
connectors start Unavailable (TC_034) and the hardware is told again; a change that was scheduled
when the station went down applies now, since no session survives a restart.

**Reset** (§5.14). After the .conf every transaction is stopped (reason SoftReset / HardReset, so
the StopTransaction is journaled and queued before the station goes down) and no new session may
start. The hardware is asked to reset (``ResetStation``, once) when every StopTransaction is
answered, or when WaitForStopTransactionsOnResetTimeout expires: an unanswered StopTransaction stays
in the persisted queue and goes after the restart.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from ocpp_core.commands import ResetStation
from ocpp_core.connectors import ConnectorInput
from ocpp_core.enums import ChargePointStatus, Reason
from ocpp_core.storage import AvailabilitySet, Snapshot

if TYPE_CHECKING:
    from ocpp_core.sessions import SessionManager

__all__ = ["Availability"]

#: Seconds to wait for StopTransaction.conf before a reset when the key is absent.
DEFAULT_RESET_WAIT = 60


class Availability:
    """ChangeAvailability and Reset for one :class:`~ocpp_core.sessions.SessionManager`."""

    def __init__(self, manager: SessionManager, snapshot: Snapshot) -> None:
        self.manager = manager
        self.reset_kind: str | None = None
        self.reset_due: datetime | None = None
        for connector_id, (operative, scheduled) in snapshot.availability.items():
            if connector_id in manager.connectors and not operative:
                manager.connectors[connector_id].apply(ConnectorInput.MAKE_UNAVAILABLE)
            if connector_id in manager.sessions:
                manager.sessions[connector_id].scheduled = scheduled

    def operative(self, connector_id: int) -> bool:
        return self.manager.connectors[connector_id].state is not ChargePointStatus.UNAVAILABLE

    def start(self) -> None:
        """After a restart: tell the hardware what is unavailable, apply changes left scheduled."""
        manager = self.manager
        for n in manager.connectors:
            session = manager.sessions.get(n)
            if session is not None and session.scheduled is not None:
                scheduled, session.scheduled = session.scheduled, None
                self.apply(n, scheduled, None)
            elif not self.operative(n):
                manager.cp.emit_availability(n, False)

    # ------------------------------------------------------------------------------------------
    # ChangeAvailability
    def change(self, connector_id: int, operative: bool, now: datetime) -> str:
        """Apply or schedule; returns "Accepted", "Scheduled" or "Rejected" (unknown connector).

        The StatusNotifications of the change are not flushed here: the caller flushes them after
        the .conf is written, so they follow it on the wire.
        """
        manager = self.manager
        if connector_id not in manager.connectors:
            return "Rejected"
        targets = list(manager.connectors) if connector_id == 0 else [connector_id]
        scheduled = False
        for n in targets:
            session = manager.sessions.get(n)
            current = self.operative(n)
            if session is not None and current != operative and self._busy(n):
                session.scheduled = operative
                manager.journal(AvailabilitySet(connector_id=n, operative=current, scheduled=operative))
                scheduled = True
            elif current != operative or (session is not None and session.scheduled is not None):
                if session is not None:
                    session.scheduled = None
                self.apply(n, operative, now)
        return "Scheduled" if scheduled else "Accepted"

    def _busy(self, connector_id: int) -> bool:
        session = self.manager.sessions[connector_id]
        state = self.manager.connectors[connector_id].state
        return session.busy or self.manager.identification.asking(connector_id) or state is ChargePointStatus.PREPARING

    def apply(self, connector_id: int, operative: bool, now: datetime | None) -> None:
        """Make ``connector_id`` (in)operative now; journaled, the hardware told.

        ``now`` None: at start, before anything was reported (the boot burst reports it).
        """
        manager = self.manager
        connector = manager.connectors[connector_id]
        manager.journal(AvailabilitySet(connector_id=connector_id, operative=operative, scheduled=None))
        session = manager.sessions.get(connector_id)
        if not operative:
            changed = connector.apply(ConnectorInput.MAKE_UNAVAILABLE)
        elif session is not None and session.plugged:
            changed = connector.make_available(ConnectorInput.USAGE_INITIATED, info="EVConnected")  # H2
            if changed and now is not None:
                manager.arm_timeout(session, now)
        else:
            changed = connector.make_available()
        if changed and now is not None:
            manager.reporter.observe(connector, now)
        manager.cp.emit_availability(connector_id, operative)

    def session_ended(self, connector_id: int, now: datetime) -> None:
        """The session of ``connector_id`` ended: apply the change scheduled meanwhile, if any."""
        session = self.manager.sessions[connector_id]
        if session.scheduled is not None:
            scheduled, session.scheduled = session.scheduled, None
            self.apply(connector_id, scheduled, now)

    # ------------------------------------------------------------------------------------------
    # Reset
    @property
    def resetting(self) -> bool:
        """A reset was accepted: the station is going down, no new session starts."""
        return self.reset_kind is not None

    def begin_reset(self, kind: str, now: datetime) -> None:
        """Reset accepted: stop every transaction, then ask the hardware to reset."""
        manager = self.manager
        reason = Reason.SOFT_RESET if kind == "Soft" else Reason.HARD_RESET
        wait = manager.cp.config.get_int("WaitForStopTransactionsOnResetTimeout")
        self.reset_kind = kind
        self.reset_due = now + timedelta(seconds=wait if wait is not None else DEFAULT_RESET_WAIT)
        for n, session in manager.sessions.items():
            if session.tx is not None:
                manager.stop_transaction(n, reason, now)
            else:
                session.grant = None
                session.timeout_at = None
        self.stop_answered()

    def stop_answered(self) -> None:
        """A StopTransaction was answered: reset now if a reset waits for no other one."""
        if self.reset_due is not None and not self.manager.pending_stops:
            self._reset_hardware()

    def tick(self, now: datetime) -> None:
        if self.reset_due is not None and now >= self.reset_due:
            self._reset_hardware()

    def _reset_hardware(self) -> None:
        """Ask the hardware to reset, once; the station stays closed to new sessions meanwhile."""
        self.reset_due = None
        self.manager.cp.emit(ResetStation(kind=self.reset_kind or "Hard"))

"""Charging sessions: what the station does between plug-in and unplug.

Theory of operation
-------------------
One :class:`Session` per connector (1..N) holds the physical facts (cable plugged, EV suspended),
the identification granted for the next transaction (:class:`Grant`) and the running
:class:`~ocpp_core.transactions.Transaction`. The :class:`SessionManager` turns hardware events and
central-system requests into connector status changes (:mod:`ocpp_core.connectors`), OCPP
messages and hardware commands (:mod:`ocpp_core.commands`). Four helpers hold the rest:
:mod:`ocpp_core.session_auth` (identification), :mod:`ocpp_core.session_metering` (meter values),
:mod:`ocpp_core.session_availability` (ChangeAvailability, Reset) and
:mod:`ocpp_core.session_reservation` (reserved connectors: a cable plugged in leaves one Reserved,
only an identification the reservation admits moves it on, to Preparing: G2).

Rules:

1. **Start.** A transaction starts when a connector has both a cable and an accepted
   identification, in either order, and may start: operative, not faulted (nor the whole station),
   not Finishing, no reset under way. The cable is locked first (``LockConnector``); only when the
   hardware confirms does the StartTransaction go out (journaled first), energy get offered
   (``ResumeCharging``) and the connector go Charging (SuspendedEV if the EV does not draw). A lock
   failure raises the warning ConnectorLockFailure (cleared when the session ends) and nothing
   starts.
2. **ConnectionTimeOut** (errata 3.20/3.21). It runs from Preparing: an identification waiting for a
   cable is cancelled (B1, back to Available); a cable waiting for an identification goes Finishing
   (B6) -- no token starts a transaction there, the user must unplug first.
3. **During.** StartTransaction.conf not Accepted pauses energy (SuspendedEVSE) and, with
   StopTransactionOnInvalidId, stops the transaction with reason DeAuthorized, the cable staying
   locked until the same identifier is presented again (erratum 3.5). An EV-side unplug stops the
   transaction (EVDisconnected, unlocking per UnlockConnectorOnEVSideDisconnect), or with
   StopTransactionOnEVSideDisconnect=false only suspends it (SuspendedEV, "EV side disconnected";
   plugging back in resumes it).
4. **Stop.** Whatever the reason (local idTag, RemoteStop, UnlockConnector, Reset, EV side,
   DeAuthorized, power loss at the next start), the stop is journaled and the StopTransaction
   queued in the same step; it carries transactionData per StopTxnSampledData/StopTxnAlignedData,
   trimmed to MaxMessageSize. The connector goes Finishing (C6/D6/E6) while anything is left for
   the user to do; the cable is unlocked unless it must stay locked. The session ends (Available,
   or the availability change scheduled meanwhile) when the cable is out: unplugged once unlocked,
   or unlocked (or found to have no lock: ``NotSupported``) once unplugged.
5. **Power loss.** A transaction found unfinished in the journal at start is closed with a
   StopTransaction of reason PowerLoss carrying its journaled meter values and last meter reading,
   exactly once: the stop is journaled with it, so the next start finds a stopped transaction whose
   StopTransaction waits in the persisted queue.
6. **Status reporting** goes through the :class:`~ocpp_core.connectors.StatusReporter` while the
   registration is Accepted; offline (or before acceptance) nothing is drained: the burst that
   follows (re)acceptance reports the current status, never the history (erratum 3.22).

The central-system requests of this area are answered by ``ocpp_core/profiles/core.py`` (and
TriggerMessage by ``remote_trigger.py``), which call the methods here.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from ocpp_core.authorization import Authorizer
from ocpp_core.commands import LockConnector, PauseCharging, ResumeCharging, Unlock
from ocpp_core.connectors import Connector, ConnectorInput, StatusReporter
from ocpp_core.datatypes import IdTagInfo
from ocpp_core.enums import ChargePointStatus, ReadingContext, Reason, UnlockStatus
from ocpp_core.inputs import (
    EvResumed,
    EvSuspended,
    FaultCleared,
    FaultRaised,
    HardwareInput,
    MeterSample,
    PlugIn,
    TokenPresented,
    Unplug,
)
from ocpp_core.messages.core import UnlockConnectorResponse
from ocpp_core.metering import energy_register_wh
from ocpp_core.replies import Deferred
from ocpp_core.session_auth import ACCEPTED, Identification
from ocpp_core.session_availability import Availability
from ocpp_core.session_metering import SessionMetering
from ocpp_core.session_reservation import ReservationGate
from ocpp_core.storage import QueuedMessage, Snapshot, StorageOp, TransactionRecord
from ocpp_core.timeutil import earliest
from ocpp_core.transactions import Transaction, restore_meter_values, stop_request, stopped_at

if TYPE_CHECKING:
    from ocpp_core.chargepoint import ChargePoint

__all__ = ["Grant", "Session", "SessionManager"]

_LOCK_FAILURE = "lock-failure"
_EV_SIDE_DISCONNECTED = "EV side disconnected"


@dataclass(slots=True)
class Grant:
    """An accepted identification waiting for (or used by) a transaction."""

    id_tag: str
    parent_id_tag: str | None = None
    reservation_id: int | None = None


@dataclass(slots=True)
class Session:
    """The physical and logical state of one connector (1..N)."""

    connector_id: int
    plugged: bool = False
    ev_suspended: bool = False
    grant: Grant | None = None
    timeout_at: datetime | None = None
    tx: Transaction | None = None
    #: after a DeAuthorized stop the cable stays locked until this id is presented again
    locked_for: str | None = None
    last_sample: MeterSample | None = None
    next_sample: datetime | None = None
    #: availability to apply when the session ends (True = operative), from ChangeAvailability
    scheduled: bool | None = None
    #: the ref of the LockConnector the transaction waits for
    lock_ref: str | None = None

    @property
    def busy(self) -> bool:
        """A transaction runs, or one is being prepared (identification granted, cable being locked)."""
        return self.tx is not None or self.grant is not None or self.lock_ref is not None


class SessionManager:
    """Every connector's session, for one :class:`~ocpp_core.chargepoint.ChargePoint`."""

    def __init__(self, cp: ChargePoint, snapshot: Snapshot) -> None:
        self.cp = cp
        cfg = cp.config
        self.count = cfg.get_int("NumberOfConnectors") or 0
        self.connectors: dict[int, Connector] = {n: Connector(n) for n in range(self.count + 1)}
        self.reporter = StatusReporter(minimum_duration=cfg.get_int("MinimumStatusDuration") or 0)
        self.sessions: dict[int, Session] = {n: Session(n) for n in range(1, self.count + 1)}
        self.authorizer = Authorizer.from_snapshot(snapshot, cfg)
        self.identification = Identification(self)
        self.metering = SessionMetering(self)
        self.availability = Availability(self, snapshot)
        self.reserved = ReservationGate(self)
        #: stopped transactions waiting for StopTransaction.conf, by tx_key
        self.pending_stops: dict[str, Transaction] = {}
        self._ops: list[StorageOp] = []
        self._refs = itertools.count(1)
        self._unlocks: dict[str, int] = {}
        self._started = False
        self._restored = snapshot

    # ------------------------------------------------------------------------------------------
    # plumbing
    def take_ops(self) -> list[StorageOp]:
        ops = [*self._ops, *self.authorizer.take_ops()]
        self._ops = []
        return ops

    def journal(self, op: StorageOp) -> None:
        """Record a storage operation, applied before this step's frames are sent."""
        self._ops.append(op)

    def _ref(self, kind: str) -> str:
        return f"{kind}-{next(self._refs)}"

    def apply(self, connector_id: int, event: ConnectorInput, now: datetime, info: str | None = None) -> None:
        connector = self.connectors[connector_id]
        if connector.apply(event, info=info):
            self.reporter.observe(connector, now)

    def start(self, now: datetime) -> None:
        """First input after construction: close transactions a power loss interrupted."""
        if self._started:
            return
        self._started = True
        self.cp.on_started(now)
        restored, self._restored = self._restored, Snapshot()
        for record in restored.transactions:
            values = restore_meter_values(restored.meter_values.get(record.tx_key, ()))
            tx = Transaction(record=record, meter_values=values)
            if tx.stopped:  # its StopTransaction waits in the persisted queue
                self.pending_stops[record.tx_key] = tx
                continue
            self.journal(stopped_at(tx, record.meter_last_time, record.meter_last, Reason.POWER_LOSS, None))
            self._send_stop(tx, now)
            self.cp.on_transaction_stopped(record.connector_id, tx, now)
        self.availability.start()
        self.metering.schedule_aligned(now)

    # ------------------------------------------------------------------------------------------
    # views
    def transaction_on(self, connector_id: int) -> Transaction | None:
        session = self.sessions.get(connector_id)
        return session.tx if session is not None else None

    def views(self) -> list[dict[str, Any]]:
        """One dict per connector 0..N for the control API and the dashboard."""
        result = []
        for n, connector in self.connectors.items():
            tx = self.transaction_on(n)
            result.append(
                {
                    "connector_id": n,
                    "status": connector.status.value,
                    "error_code": connector.error_code,
                    "transaction_id": tx.transaction_id if tx is not None else None,
                }
            )
        return result

    def usable(self, connector_id: int) -> bool:
        """Operative and not faulted (nor the whole station), and no reset under way."""
        status = self.connectors[connector_id].status
        station = self.connectors[0].status
        return (
            status not in (ChargePointStatus.UNAVAILABLE, ChargePointStatus.FAULTED)
            and station is not ChargePointStatus.FAULTED
            and not self.availability.resetting
        )

    def startable(self, connector_id: int) -> bool:
        """A new transaction may be prepared on ``connector_id`` now."""
        session = self.sessions[connector_id]
        return (
            self.usable(connector_id)
            and not session.busy
            and session.locked_for is None
            and self.connectors[connector_id].state is not ChargePointStatus.FINISHING
            and not self.identification.asking(connector_id)
        )

    # ------------------------------------------------------------------------------------------
    # timers
    def next_deadline(self) -> datetime | None:
        return earliest(
            self.reporter.next_deadline() if self.cp.accepted else None,
            self.metering.next_deadline(),
            self.identification.next_deadline(),
            self.availability.reset_due,
            *(s.timeout_at for s in self.sessions.values()),
        )

    def tick(self, now: datetime) -> None:
        for session in self.sessions.values():
            if session.timeout_at is not None and now >= session.timeout_at:
                session.timeout_at = None
                self._connection_timeout(session, now)
        self.metering.tick(now)
        self.identification.sweep(now)
        self.availability.tick(now)
        self.flush_status(now)

    def flush_status(self, now: datetime) -> None:
        """Send the StatusNotifications that are due (after MinimumStatusDuration), once Accepted;
        then let the reservations follow (so a connector reports Available before Reserved again)."""
        self._send_due(now)
        if self.cp.reservations.refresh(now):
            self._send_due(now)

    def _send_due(self, now: datetime) -> None:
        if self.cp.accepted:
            for request in self.reporter.due(now):
                self.cp.send(request, now)

    def status_burst(self, now: datetime, *, triggered: bool = False, connector_id: int | None = None) -> None:
        """StatusNotification for connector 0 and every connector (or just ``connector_id``)."""
        if not triggered:  # (re)accepted: questions lost with the connection are settled first
            self.identification.sweep(now)
        connectors = [self.connectors[connector_id]] if connector_id is not None else list(self.connectors.values())
        for request in self.reporter.all_current(connectors, now):
            self.cp.send(request, now, triggered=triggered)

    def trigger_status(self, connector_id: int | None) -> Callable[[datetime], None] | None:
        """TriggerMessage(StatusNotification) for one connector, or connector 0 and all of them."""

        def send(now: datetime) -> None:
            self.status_burst(now, triggered=True, connector_id=connector_id)

        return send

    def trigger_meter_values(self, connector_id: int | None) -> Callable[[datetime], None] | None:
        """TriggerMessage(MeterValues): the action to run after the .conf, or None (Rejected)."""
        return self.metering.trigger(connector_id)

    def settings_changed(self, key: str, now: datetime) -> None:
        """React to a configuration change (timers, debounce)."""
        if key == "MinimumStatusDuration":
            self.reporter.set_minimum_duration(self.cp.config.get_int("MinimumStatusDuration") or 0)
        self.metering.settings_changed(key, now)

    # ------------------------------------------------------------------------------------------
    # hardware events
    def handle_input(self, event: HardwareInput, now: datetime) -> None:
        if isinstance(event, MeterSample):
            session = self.sessions.get(event.connector_id)
            if session is not None:
                session.last_sample = event
                self._journal_reading(session, event)
            return
        connector = self.connectors.get(event.connector_id)
        if connector is None:
            return
        if isinstance(event, FaultRaised):
            if connector.raise_error(event):
                self.reporter.observe(connector, now)
        elif isinstance(event, FaultCleared):
            if connector.clear_error(event.fault_id):
                session = self.sessions.get(event.connector_id)
                if session is not None and not connector.faulted:
                    self.cable_waiting(session, now)
                self.reporter.observe(connector, now)
        elif isinstance(event, TokenPresented):
            target = self.identification.token_connector(event.connector_id, event.id_tag)
            self.identification.token(target, event.id_tag, now)
        elif event.connector_id in self.sessions:
            self._session_input(self.sessions[event.connector_id], event, now)
        self.identification.sweep(now)
        self.flush_status(now)

    def _session_input(self, session: Session, event: PlugIn | Unplug | EvSuspended | EvResumed, now: datetime) -> None:
        if isinstance(event, PlugIn):
            self._on_plug(session, now)
        elif isinstance(event, Unplug):
            self._on_unplug(session, now)
        else:
            session.ev_suspended = isinstance(event, EvSuspended)
            self._energy_changed(session, now)

    def _energy_changed(self, session: Session, now: datetime) -> None:
        """Charging / SuspendedEV per the EV, while energy is offered (not SuspendedEVSE)."""
        tx = session.tx
        if tx is not None and not tx.invalidated and session.plugged:
            event = ConnectorInput.EV_SUSPENDED if session.ev_suspended else ConnectorInput.START_CHARGING
            self.apply(session.connector_id, event, now)

    def _on_plug(self, session: Session, now: datetime) -> None:
        session.plugged = True
        n = session.connector_id
        if session.tx is not None:  # back in after an EV-side unplug that did not stop it
            self._energy_changed(session, now)
        elif session.locked_for is not None or not self.usable(n):
            return  # Unavailable/Faulted: remembered, H2 when it becomes available
        elif self.connectors[n].state is ChargePointStatus.RESERVED:
            return  # stays Reserved: only the reserved identification starts a session there (G2)
        elif session.grant is not None:
            self.begin_transaction(session, now)
        else:
            self.apply(n, ConnectorInput.USAGE_INITIATED, now, info="EVConnected")  # A2, F2
            self.arm_timeout(session, now)

    def _journal_reading(self, session: Session, sample: MeterSample) -> None:
        """Keep the running transaction's last energy reading journaled: after a power loss the
        StopTransaction(PowerLoss) carries it as meterStop, whatever the sampling intervals are."""
        tx = session.tx
        if tx is None or tx.stopped:
            return
        wh = energy_register_wh(sample)
        if wh is not None and wh != tx.record.meter_last:
            self.journal(tx.update(meter_last=wh, meter_last_time=sample.timestamp))

    def cable_waiting(self, session: Session, now: datetime) -> bool:
        """A cable plugged in during a fault or a reservation is a new session once that ends (I2);
        True if the connector went Preparing (the caller observes it)."""
        n = session.connector_id
        if (
            session.plugged
            and session.tx is None
            and session.grant is None
            and session.locked_for is None
            and self.connectors[n].state is ChargePointStatus.AVAILABLE
            and self.usable(n)
        ):
            self.connectors[n].apply(ConnectorInput.USAGE_INITIATED, info="EVConnected")
            self.arm_timeout(session, now)
            return True
        return False

    def _on_unplug(self, session: Session, now: datetime) -> None:
        session.plugged = False
        session.ev_suspended = False
        n = session.connector_id
        cfg = self.cp.config
        if session.tx is not None:
            if cfg.get_bool("StopTransactionOnEVSideDisconnect") is False:
                self.apply(n, ConnectorInput.EV_SUSPENDED, now, info=_EV_SIDE_DISCONNECTED)
            else:
                unlock = cfg.get_bool("UnlockConnectorOnEVSideDisconnect") is not False
                self.stop_transaction(n, Reason.EV_DISCONNECTED, now, unlock=unlock)
        elif session.locked_for is None:
            self.end_session(session, now)
        # else: the cable stays locked at the station side until the same id returns

    def end_session(self, session: Session, now: datetime) -> None:
        """The user left: Available (or the availability change scheduled meanwhile)."""
        n = session.connector_id
        session.grant = None
        session.timeout_at = None
        session.locked_for = None
        connector = self.connectors[n]
        if connector.clear_error(f"{_LOCK_FAILURE}-{n}"):
            self.reporter.observe(connector, now)
        if session.scheduled is None or connector.state is not ChargePointStatus.FINISHING:
            self.apply(n, ConnectorInput.SESSION_ENDED, now)  # B1/F1
            if session.scheduled is not None:
                self.flush_status(now)  # Preparing -> Unavailable is no transition: Available first
        self.availability.session_ended(n, now)  # F8 straight from Finishing

    def cancel_incipient(self, session: Session, now: datetime) -> None:
        """The identification waiting for a cable was presented again: the session is cancelled."""
        self.end_session(session, now)

    def arm_timeout(self, session: Session, now: datetime) -> None:
        timeout = self.cp.config.get_int("ConnectionTimeOut") or 0
        session.timeout_at = now + timedelta(seconds=timeout) if timeout > 0 else None

    def _connection_timeout(self, session: Session, now: datetime) -> None:
        # Armed only while no transaction runs nor a lock is under way (begin_transaction disarms it).
        if session.plugged:
            session.grant = None
            self.apply(session.connector_id, ConnectorInput.TX_STOPPED_USER_ACTION, now, info="ConnectionTimeout")
        else:
            self.end_session(session, now)

    # ------------------------------------------------------------------------------------------
    # starting
    def grant(
        self, session: Session, id_tag: str, parent_id_tag: str | None, now: datetime, reservation_id: int | None = None
    ) -> None:
        """An accepted identification for the next transaction on ``session`` (startable), which
        consumes reservation ``reservation_id`` if given."""
        session.grant = Grant(id_tag=id_tag, parent_id_tag=parent_id_tag, reservation_id=reservation_id)
        reserved = self.connectors[session.connector_id].state is ChargePointStatus.RESERVED
        if not session.plugged or reserved:
            self.apply(session.connector_id, ConnectorInput.USAGE_INITIATED, now, info="Authorized")  # A2, G2
        if session.plugged:
            self.begin_transaction(session, now)
        else:
            self.arm_timeout(session, now)

    def begin_transaction(self, session: Session, now: datetime) -> None:
        """Cable and identification are there: lock the cable; the transaction starts when locked."""
        session.timeout_at = None
        session.lock_ref = self._ref("lock")
        self.cp.emit(LockConnector(connector_id=session.connector_id, ref=session.lock_ref))

    def on_lock_result(self, ref: str, ok: bool, now: datetime) -> bool:
        """The adapter locked (or failed to lock) a cable; True if ``ref`` was a lock of ours."""
        session = next((s for s in self.sessions.values() if s.lock_ref == ref), None)
        if session is None:
            return False
        n = session.connector_id
        session.lock_ref = None
        grant, session.grant = session.grant, None
        if ok and grant is not None and session.plugged and self.usable(n):
            self._start_transaction(session, grant, now)
        elif ok:
            self.unlock(n)  # nothing starts after all: do not keep the cable
        else:
            failure = FaultRaised(
                connector_id=n, error_code="ConnectorLockFailure", fault_id=f"{_LOCK_FAILURE}-{n}", is_fault=True
            )
            if self.connectors[n].raise_error(failure):
                self.reporter.observe(self.connectors[n], now)
        if session.tx is None and session.plugged and self.connectors[n].state is ChargePointStatus.PREPARING:
            self.arm_timeout(session, now)  # the cable waits for another identification
        self.flush_status(now)
        return True

    def _start_transaction(self, session: Session, grant: Grant, now: datetime) -> None:
        n = session.connector_id
        sample = session.last_sample
        meter = energy_register_wh(sample) if sample is not None else None
        meter_start = meter if meter is not None else 0
        record = TransactionRecord(
            tx_key=self.cp.new_tx_key(),
            connector_id=n,
            id_tag=grant.id_tag,
            parent_id_tag=grant.parent_id_tag,
            reservation_id=grant.reservation_id,
            start_time=now,
            meter_start=meter_start,
            meter_last=meter_start,
            meter_last_time=now,
        )
        tx = Transaction(record=record)
        session.tx = tx
        self.journal(tx.update())
        self.metering.record_bound(session, tx, ReadingContext.TRANSACTION_BEGIN, now)
        self.cp.send(tx.start_request(), now, tx_key=tx.tx_key)
        self.cp.on_transaction_started(n, tx, now)
        self.cp.emit(ResumeCharging(connector_id=n))
        self.apply(n, ConnectorInput.EV_SUSPENDED if session.ev_suspended else ConnectorInput.START_CHARGING, now)
        self.metering.schedule_sampled(session, now)
        connector = self.connectors[n]
        if connector.clear_error(f"{_LOCK_FAILURE}-{n}"):
            self.reporter.observe(connector, now)

    def on_start_result(
        self, message: QueuedMessage, transaction_id: int | None, info: IdTagInfo | None, now: datetime
    ) -> None:
        """StartTransaction.conf, or (``info`` None) the StartTransaction was given up."""
        tx = self._find_tx(message.tx_key)
        if tx is None:
            return
        if transaction_id is None or info is None:  # never delivered: later messages keep -1
            return
        self.journal(tx.update(transaction_id=transaction_id, start_status=info.status.value))
        self.cp.outbox.patch_transaction_id(tx.tx_key, transaction_id)
        self.cp.on_transaction_id(tx.connector_id, tx, now)
        if info.parent_id_tag and not tx.record.parent_id_tag:
            self.journal(tx.update(parent_id_tag=info.parent_id_tag))
        if self.authorizer.remember(tx.record.id_tag, info, now):
            self.identification.local_list_conflict(now)
        n = tx.connector_id
        if info.status not in ACCEPTED and self.transaction_on(n) is tx:
            tx.invalidated = True
            self.cp.emit(PauseCharging(connector_id=n))
            self.apply(n, ConnectorInput.EVSE_SUSPENDED, now)
            if self.cp.config.get_bool("StopTransactionOnInvalidId"):
                self.stop_transaction(n, Reason.DE_AUTHORIZED, now)
        self.flush_status(now)

    def _find_tx(self, tx_key: str | None) -> Transaction | None:
        for session in self.sessions.values():
            if session.tx is not None and session.tx.tx_key == tx_key:
                return session.tx
        return self.pending_stops.get(tx_key or "")

    # ------------------------------------------------------------------------------------------
    # stopping
    def stop_transaction(
        self,
        connector_id: int,
        reason: Reason,
        now: datetime,
        *,
        id_tag_end: str | None = None,
        unlock: bool = True,
    ) -> bool:
        """Stop the transaction on ``connector_id``; False if none runs there.

        The cable is unlocked afterwards if ``unlock`` -- except after DeAuthorized, when it stays
        locked until the transaction's idTag is presented again.
        """
        session = self.sessions.get(connector_id)
        if session is None or session.tx is None:
            return False
        tx = session.tx
        sample = session.last_sample
        meter = energy_register_wh(sample) if sample is not None else None
        self.metering.record_bound(session, tx, ReadingContext.TRANSACTION_END, now)
        self.journal(stopped_at(tx, now, meter if meter is not None else tx.record.meter_last, reason, id_tag_end))
        self._send_stop(tx, now)
        session.tx = None
        session.grant = None
        session.next_sample = None
        self.cp.emit(PauseCharging(connector_id=connector_id))
        self.cp.on_transaction_stopped(connector_id, tx, now)
        info = _EV_SIDE_DISCONNECTED if reason is Reason.EV_DISCONNECTED else None
        self.apply(connector_id, ConnectorInput.TX_STOPPED_USER_ACTION, now, info=info)  # C6/D6/E6
        if reason is Reason.DE_AUTHORIZED:
            session.locked_for = tx.record.id_tag
        elif unlock:
            self.unlock(connector_id)
        self.flush_status(now)
        return True

    def _send_stop(self, tx: Transaction, now: datetime) -> None:
        sampled, aligned = self.metering.stop_data_settings()
        cfg = self.cp.config
        payload = stop_request(
            tx,
            sampled=sampled,
            aligned=aligned,
            max_values=cfg.get_int("StopTransactionMaxMeterValues"),
            max_bytes=cfg.get_int("MaxMessageSize"),
        )
        self.pending_stops[tx.tx_key] = tx
        self.cp.send_payload("StopTransaction", payload, now, tx_key=tx.tx_key)

    def on_stop_result(self, message: QueuedMessage, info: IdTagInfo | None, now: datetime) -> None:
        """StopTransaction answered (or given up when ``message`` failed for good)."""
        tx = self.pending_stops.pop(message.tx_key or "", None)
        if tx is None:
            return
        self.journal(tx.update(acknowledged=True))
        if info is not None and tx.record.id_tag_end and self.authorizer.remember(tx.record.id_tag_end, info, now):
            self.identification.local_list_conflict(now)
        self.availability.stop_answered()

    # ------------------------------------------------------------------------------------------
    # the cable
    def unlock(self, connector_id: int) -> None:
        """Ask the hardware to release the cable; the session ends once it is out."""
        ref = self._ref("unlock")
        self._unlocks[ref] = connector_id
        self.cp.emit(Unlock(connector_id=connector_id, ref=ref))

    def on_unlock_result(self, ref: str, status: str, now: datetime) -> bool:
        """An automatic unlock finished; True if ``ref`` was one of ours."""
        connector_id = self._unlocks.pop(ref, None)
        if connector_id is None:
            return False
        if status in (UnlockStatus.UNLOCKED, UnlockStatus.NOT_SUPPORTED):
            self.cable_released(connector_id, now)
        self.flush_status(now)
        return True

    def cable_released(self, connector_id: int, now: datetime) -> None:
        """Nothing holds the cable any more (unlocked, or no lock): a finished session ends when unplugged."""
        session = self.sessions[connector_id]
        if session.tx is None and self.connectors[connector_id].state is ChargePointStatus.FINISHING:
            session.locked_for = None
            if not session.plugged:
                self.end_session(session, now)

    # ------------------------------------------------------------------------------------------
    # central-system requests
    def connector_for_remote_start(self, connector_id: int | None, id_tag: str, now: datetime) -> int | None:
        """The connector a RemoteStartTransaction for ``id_tag`` will use, or None (Rejected);
        see :meth:`ReservationGate.remote_start_connector
        <ocpp_core.session_reservation.ReservationGate.remote_start_connector>`. Reservations
        whose expiry has come end first, even if their timer has not run yet."""
        self.cp.reservations.expire(now)
        return self.reserved.remote_start_connector(connector_id, id_tag)

    def grant_remote(self, connector_id: int, id_tag: str, now: datetime) -> None:
        """RemoteStartTransaction accepted on ``connector_id``."""
        self.identification.grant_remote(connector_id, id_tag, now)

    def connector_of_transaction(self, transaction_id: int) -> int | None:
        """The connector where the transaction ``transaction_id`` runs, if it does."""
        for n, session in self.sessions.items():
            if session.tx is not None and session.tx.transaction_id == transaction_id:
                return n
        return None

    def unlock_requested(self, connector_id: int, now: datetime) -> Deferred:
        """UnlockConnector.req: energy paused, cable unlocked; after the .conf the transaction stops.

        OCPP 1.6 §5.18: a transaction on the connector is finished (reason UnlockCommand) -- also
        when the unlock fails -- except when the connector has no lock to release (NotSupported:
        a fixed cable, TC_018_2), unless StopTransactionIfUnlockNotSupported.
        """
        session = self.sessions[connector_id]
        if session.tx is not None:
            self.cp.emit(PauseCharging(connector_id=connector_id))
        ref = self._ref("unlock")
        self.cp.emit(Unlock(connector_id=connector_id, ref=ref))

        def complete(result: Any, when: datetime) -> tuple[UnlockConnectorResponse, Callable[[datetime], None]]:
            try:
                status = UnlockStatus(result)
            except ValueError:
                status = UnlockStatus.UNLOCK_FAILED
            keep = status is UnlockStatus.NOT_SUPPORTED and not self.cp.config.get_bool(
                "StopTransactionIfUnlockNotSupported"
            )

            def after(later: datetime) -> None:
                if session.tx is not None and keep:
                    self.cp.emit(ResumeCharging(connector_id=connector_id))
                elif session.tx is not None:
                    self.stop_transaction(connector_id, Reason.UNLOCK_COMMAND, later, unlock=False)
                if status is not UnlockStatus.UNLOCK_FAILED:
                    self.cable_released(connector_id, later)
                self.flush_status(later)

            return UnlockConnectorResponse(status=status), after

        return Deferred(ref=ref, complete=complete)

    def change_availability(self, connector_id: int, operative: bool, now: datetime) -> str:
        """ChangeAvailability: "Accepted", "Scheduled" or "Rejected" (see ``session_availability``)."""
        return self.availability.change(connector_id, operative, now)

    def begin_reset(self, kind: str, now: datetime) -> None:
        """Reset accepted (after its .conf): stop every transaction, then reset the hardware."""
        self.availability.begin_reset(kind, now)

    def on_authorize_result(self, message: QueuedMessage, info: IdTagInfo | None, now: datetime) -> None:
        """Authorize.conf (``info``) or its failure (None)."""
        self.identification.on_result(message, info, now)

"""Charging sessions: what the station does between plug-in and unplug.

Theory of operation
-------------------
One :class:`Session` per connector (1..N) holds the physical facts (cable plugged, EV suspended),
the authorization granted for the next transaction, and the running :class:`Transaction`. The
:class:`SessionManager` turns hardware events and central-system requests into connector status
changes (``ocpp_core.connectors``), OCPP messages and hardware commands:

* **Start.** A transaction starts when a connector has both a cable and an accepted
  identification, in either order (plug-first or identification-first). The identification is
  checked locally first (local list, cache) when LocalPreAuthorize (online) or
  LocalAuthorizeOffline (offline) allow it, otherwise with Authorize.req; offline, an unknown id
  is accepted only with AllowOfflineTxForUnknownId. Before energy flows the cable is locked (the
  adapter answers; a failure raises ConnectorLockFailure and nothing starts). ConnectionTimeOut
  cancels an identification that waits for a cable (back to Available) and a cable that waits
  for an identification (Finishing, erratum 3.20).
* **During.** Sampled meter values every MeterValueSampleInterval from the start, clock-aligned
  ones on ClockAlignedDataInterval boundaries, all journaled and queued as transaction messages.
  StartTransaction.conf not Accepted pauses energy (SuspendedEVSE) and, with
  StopTransactionOnInvalidId, stops with reason DeAuthorized, the cable staying locked until the
  same identifier is presented again.
* **Stop.** By the same idTag, or an idTag with the same parentIdTag (Authorize.req only when
  needed), by RemoteStopTransaction, UnlockConnector, Reset, an EV-side disconnect (per
  StopTransactionOnEVSideDisconnect / UnlockConnectorOnEVSideDisconnect) or a power loss found at
  the next start. The StopTransaction carries transactionData filtered by StopTxnSampledData /
  StopTxnAlignedData and trimmed to MaxMessageSize.
* **Availability.** ChangeAvailability applies at once to idle connectors and is Scheduled for busy
  ones (a transaction, or Preparing), applying when the session ends; it is journaled, so
  Unavailable survives restarts.

The remaining central-system requests of this area (RemoteStart/Stop, UnlockConnector, Reset,
ChangeAvailability, ClearCache, TriggerMessage for StatusNotification/MeterValues) are answered
by the handlers in ``ocpp_core/profiles/core.py``, which call the methods here.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from ocpp_core import metering
from ocpp_core.authorization import Authorizer
from ocpp_core.commands import LockConnector, PauseCharging, ResetStation, ResumeCharging, Unlock
from ocpp_core.connectors import Connector, ConnectorInput, StatusReporter
from ocpp_core.datatypes import IdTagInfo
from ocpp_core.enums import AuthorizationStatus, ChargePointStatus, ReadingContext, Reason, UnlockStatus
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
from ocpp_core.messages.core import AuthorizeRequest, MeterValuesRequest, UnlockConnectorResponse
from ocpp_core.replies import Deferred
from ocpp_core.storage import AvailabilitySet, QueuedMessage, Snapshot, StorageOp, TransactionRecord
from ocpp_core.transactions import Transaction, restore_meter_values, stop_request, stopped_at

if TYPE_CHECKING:
    from ocpp_core.chargepoint import ChargePoint

__all__ = ["Grant", "Session", "SessionManager"]

_ACCEPTED = (AuthorizationStatus.ACCEPTED, AuthorizationStatus.CONCURRENT_TX)


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
    lock_ref: str | None = None

    @property
    def busy(self) -> bool:
        """A transaction runs, or the connector is being prepared for one."""
        return self.tx is not None or self.grant is not None or self.lock_ref is not None


@dataclass(frozen=True, slots=True)
class _AuthorizeContext:
    connector_id: int
    id_tag: str
    purpose: str  # "start" | "stop"


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
        self._ops: list[StorageOp] = []
        self._refs = itertools.count(1)
        self._authorize: dict[int, _AuthorizeContext] = {}
        self._unlock_after: dict[str, tuple[int, str]] = {}
        self._next_aligned: datetime | None = None
        self._reset: tuple[str, datetime] | None = None
        self._started = False
        self._restored = snapshot
        #: stopped transactions waiting for StopTransaction.conf, by tx_key
        self._pending_stops: dict[str, Transaction] = {}
        for connector_id, (operative, scheduled) in snapshot.availability.items():
            if connector_id in self.connectors and not operative:
                self.connectors[connector_id].apply(ConnectorInput.MAKE_UNAVAILABLE)
            if connector_id in self.sessions:
                self.sessions[connector_id].scheduled = scheduled

    # ------------------------------------------------------------------------------------------
    # plumbing
    def take_ops(self) -> list[StorageOp]:
        ops = [*self._ops, *self.authorizer.take_ops()]
        self._ops = []
        return ops

    def _ref(self, kind: str) -> str:
        return f"{kind}-{next(self._refs)}"

    def _apply(self, connector_id: int, event: ConnectorInput, now: datetime, info: str | None = None) -> None:
        connector = self.connectors[connector_id]
        if connector.apply(event, info=info):
            self.reporter.observe(connector, now)

    def _measurands(self, key: str) -> tuple[metering.MeasurandSpec, ...]:
        return metering.parse_measurand_list(",".join(self.cp.config.get_list(key) or ()))

    def start(self, now: datetime) -> None:
        """First input after construction: close transactions a power loss interrupted."""
        if self._started:
            return
        self._started = True
        for record in self._restored.transactions:
            tx = Transaction(
                record=record, meter_values=restore_meter_values(self._restored.meter_values.get(record.tx_key, ()))
            )
            if tx.stopped:
                self._pending_stops[record.tx_key] = tx
                continue
            meter = record.meter_last
            self._ops.append(stopped_at(tx, record.meter_last_time, meter, Reason.POWER_LOSS, None))
            self._send_stop(tx, now)
        self._restored = Snapshot()
        self._schedule_aligned(now)

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

    # ------------------------------------------------------------------------------------------
    # timers
    def next_deadline(self) -> datetime | None:
        candidates = [self.reporter.next_deadline(), self._next_aligned]
        for session in self.sessions.values():
            candidates += [session.timeout_at, session.next_sample]
        if self._reset is not None:
            candidates.append(self._reset[1])
        return min((c for c in candidates if c is not None), default=None)

    def tick(self, now: datetime) -> None:
        for session in self.sessions.values():
            if session.timeout_at is not None and now >= session.timeout_at:
                session.timeout_at = None
                self._connection_timeout(session, now)
            if session.next_sample is not None and now >= session.next_sample and session.tx is not None:
                self._send_sampled(session, now)
        if self._next_aligned is not None and now >= self._next_aligned:
            self._send_aligned(self._next_aligned, now)
            self._schedule_aligned(now)
        if self._reset is not None and now >= self._reset[1]:
            self._finish_reset()
        self.flush_status(now)

    def flush_status(self, now: datetime) -> None:
        """Send the StatusNotifications that are due (after MinimumStatusDuration)."""
        for request in self.reporter.due(now):
            self.cp.send(request, now)

    def status_burst(self, now: datetime, *, triggered: bool = False, connector_id: int | None = None) -> None:
        """StatusNotification for connector 0 and every connector (or just ``connector_id``)."""
        connectors = [self.connectors[connector_id]] if connector_id is not None else list(self.connectors.values())
        for request in self.reporter.all_current(connectors, now):
            self.cp.send(request, now, triggered=triggered)

    def settings_changed(self, key: str, now: datetime) -> None:
        """React to a configuration change (timers, debounce)."""
        if key == "MinimumStatusDuration":
            self.reporter.set_minimum_duration(self.cp.config.get_int("MinimumStatusDuration") or 0)
        elif key == "ClockAlignedDataInterval":
            self._schedule_aligned(now)
        elif key == "MeterValueSampleInterval":
            for session in self.sessions.values():
                if session.tx is not None:
                    session.next_sample = self._next_sample(session.tx, now)

    # ------------------------------------------------------------------------------------------
    # hardware events
    def handle_input(self, event: HardwareInput, now: datetime) -> None:
        if isinstance(event, MeterSample):
            self._on_sample(event, now)
            return
        connector_id = event.connector_id
        if connector_id not in self.connectors:
            return
        if isinstance(event, FaultRaised):
            if self.connectors[connector_id].raise_error(event):
                self.reporter.observe(self.connectors[connector_id], now)
        elif isinstance(event, FaultCleared):
            if self.connectors[connector_id].clear_error(event.fault_id):
                self.reporter.observe(self.connectors[connector_id], now)
        elif isinstance(event, TokenPresented):
            self._on_token(self._token_connector(connector_id), event.id_tag, now)
        elif connector_id in self.sessions:
            session = self.sessions[connector_id]
            if isinstance(event, PlugIn):
                self._on_plug(session, now)
            elif isinstance(event, Unplug):
                self._on_unplug(session, now)
            elif isinstance(event, EvSuspended):
                session.ev_suspended = True
                if session.tx is not None and not session.tx.invalidated:
                    self._apply(connector_id, ConnectorInput.EV_SUSPENDED, now)
            elif isinstance(event, EvResumed):
                session.ev_suspended = False
                if session.tx is not None and not session.tx.invalidated and session.plugged:
                    self._apply(connector_id, ConnectorInput.START_CHARGING, now)
        self.flush_status(now)

    def _token_connector(self, connector_id: int) -> int:
        """A token presented at the station (connector 0) goes to the one connector that can use it."""
        if connector_id != 0:
            return connector_id
        if self.count == 1:
            return 1
        for session in self.sessions.values():
            if session.plugged and session.tx is None:
                return session.connector_id
        return 0

    def _on_sample(self, sample: MeterSample, now: datetime) -> None:
        session = self.sessions.get(sample.connector_id)
        if session is not None:
            session.last_sample = sample

    def _usable(self, connector_id: int) -> bool:
        status = self.connectors[connector_id].status
        return status not in (ChargePointStatus.UNAVAILABLE, ChargePointStatus.FAULTED) and self._reset is None

    def _on_plug(self, session: Session, now: datetime) -> None:
        session.plugged = True
        n = session.connector_id
        if session.tx is not None:
            # EV side re-plugged during a transaction kept running (StopTransactionOnEVSideDisconnect=false)
            if not session.tx.invalidated:
                self._apply(
                    n, ConnectorInput.EV_SUSPENDED if session.ev_suspended else ConnectorInput.START_CHARGING, now
                )
            return
        if not self._usable(n):
            return
        self._apply(n, ConnectorInput.USAGE_INITIATED, now, info="EVConnected")
        if session.grant is not None:
            self._begin_transaction(session, now)
        else:
            self._arm_timeout(session, now)

    def _on_unplug(self, session: Session, now: datetime) -> None:
        session.plugged = False
        session.ev_suspended = False
        n = session.connector_id
        cfg = self.cp.config
        if session.tx is not None:
            if cfg.get_bool("StopTransactionOnEVSideDisconnect") is False:
                self._apply(n, ConnectorInput.EV_SUSPENDED, now, info="EV side disconnected")
                return
            self.stop_transaction(
                n, Reason.EV_DISCONNECTED, now, unlock=bool(cfg.get_bool("UnlockConnectorOnEVSideDisconnect"))
            )
            return
        if self.connectors[n].state is ChargePointStatus.FINISHING and session.locked_for is not None:
            return  # cable still locked at the station side until the same id returns
        session.grant = None
        session.timeout_at = None
        self._end_session(session, now)

    def _end_session(self, session: Session, now: datetime) -> None:
        """The user left: Available (or the availability change scheduled meanwhile)."""
        n = session.connector_id
        session.locked_for = None
        if session.scheduled is not None:
            self._set_availability(n, session.scheduled, now)
            session.scheduled = None
            if self.connectors[n].status != ChargePointStatus.UNAVAILABLE:
                self._apply(n, ConnectorInput.SESSION_ENDED, now)
            return
        self._apply(n, ConnectorInput.SESSION_ENDED, now)

    def _arm_timeout(self, session: Session, now: datetime) -> None:
        timeout = self.cp.config.get_int("ConnectionTimeOut") or 0
        session.timeout_at = now + timedelta(seconds=timeout) if timeout > 0 else None

    def _connection_timeout(self, session: Session, now: datetime) -> None:
        if session.tx is not None or session.lock_ref is not None:
            return
        session.grant = None
        if session.plugged:
            self._apply(session.connector_id, ConnectorInput.TX_STOPPED_USER_ACTION, now, info="ConnectionTimeout")
        else:
            self._end_session(session, now)

    # ------------------------------------------------------------------------------------------
    # identification
    def _on_token(self, connector_id: int, id_tag: str, now: datetime) -> None:
        session = self.sessions.get(connector_id)
        if session is None:
            return
        if session.tx is not None:
            self._token_for_stop(session, id_tag, now)
            return
        if session.locked_for is not None:
            if session.locked_for == id_tag:
                self._unlock(session.connector_id, now)
            return
        if not self._usable(connector_id) or session.grant is not None:
            return
        self.authorize(connector_id, id_tag, now)

    def authorize(self, connector_id: int, id_tag: str, now: datetime, *, purpose: str = "start") -> None:
        """Check ``id_tag`` locally, then with the central system if needed."""
        online = self.cp.accepted
        decision = self.authorizer.lookup(id_tag, online=online, now=now)
        if decision.info is not None and not decision.must_ask_central_system:
            self._authorized(connector_id, id_tag, decision.info, purpose, now)
            return
        if online:
            message = self.cp.send(AuthorizeRequest(id_tag=id_tag), now)
            if message is not None:
                self._authorize[message.seq] = _AuthorizeContext(connector_id, id_tag, purpose)
                return
        self._authorize_offline(connector_id, id_tag, purpose, now)

    def _authorize_offline(self, connector_id: int, id_tag: str, purpose: str, now: datetime) -> None:
        decision = self.authorizer.lookup(id_tag, online=False, now=now)
        if decision.info is not None:
            self._authorized(connector_id, id_tag, decision.info, purpose, now)
        elif self.authorizer.offline_unknown_allowed(id_tag, now):
            self._authorized(connector_id, id_tag, IdTagInfo(status=AuthorizationStatus.ACCEPTED), purpose, now)
        else:
            self._authorized(connector_id, id_tag, IdTagInfo(status=AuthorizationStatus.INVALID), purpose, now)

    def on_authorize_result(self, message: QueuedMessage, info: IdTagInfo | None, now: datetime) -> None:
        context = self._authorize.pop(message.seq, None)
        if context is None:
            return
        if info is None:
            self._authorize_offline(context.connector_id, context.id_tag, context.purpose, now)
            return
        if self.authorizer.remember(context.id_tag, info, now):
            self._local_list_conflict(now)
        self._authorized(context.connector_id, context.id_tag, info, context.purpose, now)
        self.flush_status(now)

    def _local_list_conflict(self, now: datetime) -> None:
        connector = self.connectors[0]
        conflict = FaultRaised(
            connector_id=0, error_code="LocalListConflict", fault_id="local-list-conflict", is_fault=False
        )
        connector.clear_error("local-list-conflict")
        if connector.raise_error(conflict):
            self.reporter.observe(connector, now)

    def _authorized(self, connector_id: int, id_tag: str, info: IdTagInfo, purpose: str, now: datetime) -> None:
        session = self.sessions[connector_id]
        accepted = info.status in _ACCEPTED
        if purpose == "stop":
            tx = session.tx
            if accepted and tx is not None and info.parent_id_tag and info.parent_id_tag == tx.record.parent_id_tag:
                self.stop_transaction(connector_id, Reason.LOCAL, now, id_tag_end=id_tag)
            return
        if not accepted or session.tx is not None or not self._usable(connector_id):
            self.cp.emit_authorization_refused(connector_id, id_tag, info.status.value)
            return
        session.grant = Grant(id_tag=id_tag, parent_id_tag=info.parent_id_tag)
        if session.plugged:
            self._begin_transaction(session, now)
        else:
            self._apply(connector_id, ConnectorInput.USAGE_INITIATED, now, info="Authorized")
            self._arm_timeout(session, now)
        self.flush_status(now)

    def grant_remote(self, connector_id: int, id_tag: str, now: datetime) -> None:
        """RemoteStartTransaction accepted: authorize (or not, per AuthorizeRemoteTxRequests)."""
        if self.cp.config.get_bool("AuthorizeRemoteTxRequests"):
            self.authorize(connector_id, id_tag, now)
        else:
            self._authorized(connector_id, id_tag, IdTagInfo(status=AuthorizationStatus.ACCEPTED), "start", now)

    def _token_for_stop(self, session: Session, id_tag: str, now: datetime) -> None:
        tx = session.tx
        assert tx is not None
        if id_tag == tx.record.id_tag:
            self.stop_transaction(session.connector_id, Reason.LOCAL, now, id_tag_end=id_tag)
            return
        parent = tx.record.parent_id_tag
        if parent is None:
            return
        local_parent = self.authorizer.parent_of(id_tag, now)
        if local_parent is not None and local_parent == parent:
            self.stop_transaction(session.connector_id, Reason.LOCAL, now, id_tag_end=id_tag)
            return
        self.authorize(session.connector_id, id_tag, now, purpose="stop")

    # ------------------------------------------------------------------------------------------
    # starting
    def _begin_transaction(self, session: Session, now: datetime) -> None:
        session.timeout_at = None
        ref = self._ref("lock")
        session.lock_ref = ref
        self.cp.emit(LockConnector(connector_id=session.connector_id, ref=ref))

    def on_lock_result(self, ref: str, ok: bool, now: datetime) -> bool:
        """The adapter locked (or failed to lock) a cable; True if ``ref`` was a lock of ours."""
        for session in self.sessions.values():
            if session.lock_ref == ref:
                session.lock_ref = None
                grant = session.grant
                if not ok:
                    session.grant = None
                    failure = FaultRaised(
                        connector_id=session.connector_id,
                        error_code="ConnectorLockFailure",
                        fault_id=f"lock-{ref}",
                        is_fault=False,
                        info="cable lock failed",
                    )
                    if self.connectors[session.connector_id].raise_error(failure):
                        self.reporter.observe(self.connectors[session.connector_id], now)
                elif grant is not None and session.plugged and self._usable(session.connector_id):
                    self._start_transaction(session, grant, now)
                self.flush_status(now)
                return True
        return False

    def _start_transaction(self, session: Session, grant: Grant, now: datetime) -> None:
        n = session.connector_id
        sample = session.last_sample
        meter = metering.energy_register_wh(sample) if sample is not None else None
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
        self._ops.append(tx.update())
        if sample is not None:
            begin = metering.build_meter_value(
                sample, self._measurands("MeterValuesSampledData"), ReadingContext.TRANSACTION_BEGIN, connector_id=n
            )
            if begin is not None:
                self._ops.append(tx.add_meter_value(begin))
        self.cp.send(tx.start_request(), now, tx_key=tx.tx_key)
        self.cp.emit(ResumeCharging(connector_id=n))
        self._apply(n, ConnectorInput.EV_SUSPENDED if session.ev_suspended else ConnectorInput.START_CHARGING, now)
        session.next_sample = self._next_sample(tx, now)

    def _next_sample(self, tx: Transaction, now: datetime) -> datetime | None:
        interval = self.cp.config.get_int("MeterValueSampleInterval") or 0
        return metering.next_sample_time(tx.record.start_time, now, interval)

    def on_start_result(
        self, message: QueuedMessage, transaction_id: int | None, info: IdTagInfo | None, now: datetime
    ) -> None:
        tx = self._find_tx(message.tx_key)
        if tx is None:
            return
        if transaction_id is None:  # never delivered: later messages carry -1
            self.cp.outbox.patch_transaction_id(tx.tx_key, -1)
            return
        self._ops.append(tx.update(transaction_id=transaction_id, start_status=info.status.value if info else None))
        self.cp.outbox.patch_transaction_id(tx.tx_key, transaction_id)
        if info is None:
            return
        if info.parent_id_tag and not tx.record.parent_id_tag:
            self._ops.append(tx.update(parent_id_tag=info.parent_id_tag))
        if self.authorizer.remember(tx.record.id_tag, info, now):
            self._local_list_conflict(now)
        if info.status in _ACCEPTED or tx.stopped:
            return
        tx.invalidated = True
        n = tx.connector_id
        self.cp.emit(PauseCharging(connector_id=n))
        self._apply(n, ConnectorInput.EVSE_SUSPENDED, now)
        if self.cp.config.get_bool("StopTransactionOnInvalidId"):
            self.stop_transaction(n, Reason.DE_AUTHORIZED, now)
            self.sessions[n].locked_for = tx.record.id_tag
        self.flush_status(now)

    def _find_tx(self, tx_key: str | None) -> Transaction | None:
        if tx_key is None:
            return None
        for session in self.sessions.values():
            if session.tx is not None and session.tx.tx_key == tx_key:
                return session.tx
        return self._pending_stops.get(tx_key)

    # ------------------------------------------------------------------------------------------
    # metering
    def _send_sampled(self, session: Session, now: datetime) -> None:
        tx = session.tx
        assert tx is not None
        session.next_sample = self._next_sample(tx, now)
        sample = session.last_sample
        if sample is None:
            return
        value = metering.build_meter_value(
            sample,
            self._measurands("MeterValuesSampledData"),
            ReadingContext.SAMPLE_PERIODIC,
            connector_id=session.connector_id,
        )
        if value is None:
            return
        self._ops.append(tx.add_meter_value(value))
        meter = metering.energy_register_wh(sample)
        if meter is not None:
            self._ops.append(tx.update(meter_last=meter, meter_last_time=sample.timestamp))
        self._send_meter_values(session.connector_id, value, now, tx=tx)

    def _send_meter_values(
        self, connector_id: int, value: Any, now: datetime, *, tx: Transaction | None, triggered: bool = False
    ) -> None:
        request = MeterValuesRequest(
            connector_id=connector_id,
            transaction_id=tx.transaction_id if tx is not None else None,
            meter_value=(value,),
        )
        self.cp.send(request, now, tx_key=tx.tx_key if tx is not None else None, triggered=triggered)

    def _schedule_aligned(self, now: datetime) -> None:
        interval = self.cp.config.get_int("ClockAlignedDataInterval") or 0
        self._next_aligned = metering.next_clock_aligned(now, interval)

    def _send_aligned(self, boundary: datetime, now: datetime) -> None:
        measurands = self._measurands("MeterValuesAlignedData")
        for session in self.sessions.values():
            sample = session.last_sample
            if sample is None:
                continue
            value = metering.build_meter_value(
                replace(sample, timestamp=boundary),
                measurands,
                ReadingContext.SAMPLE_CLOCK,
                connector_id=session.connector_id,
            )
            if value is None:
                continue
            if session.tx is not None:
                self._ops.append(session.tx.add_meter_value(value))
            self._send_meter_values(session.connector_id, value, now, tx=session.tx)

    def trigger_meter_values(self, connector_id: int | None) -> Callable[[datetime], None] | None:
        """TriggerMessage(MeterValues): the action to run after the .conf, or None (Rejected)."""
        targets = [connector_id] if connector_id is not None else list(self.sessions)
        samples = [(n, self.sessions[n].last_sample) for n in targets if n in self.sessions]
        available = [(n, s) for n, s in samples if s is not None]
        if not available:
            return None

        def send(now: datetime) -> None:
            measurands = self._measurands("MeterValuesSampledData")
            for n, sample in available:
                assert sample is not None
                value = metering.build_meter_value(sample, measurands, ReadingContext.TRIGGER, connector_id=n)
                if value is not None:
                    self._send_meter_values(n, value, now, tx=self.sessions[n].tx, triggered=True)

        return send

    def trigger_status(self, connector_id: int | None) -> Callable[[datetime], None] | None:
        """TriggerMessage(StatusNotification) for one connector, or connector 0 and all of them."""

        def send(now: datetime) -> None:
            self.status_burst(now, triggered=True, connector_id=connector_id)

        return send

    # ------------------------------------------------------------------------------------------
    # stopping
    def stop_transaction(
        self,
        connector_id: int,
        reason: Reason,
        now: datetime,
        *,
        id_tag_end: str | None = None,
        unlock: bool | None = None,
    ) -> bool:
        """Stop the transaction on ``connector_id``; False if none runs there."""
        session = self.sessions.get(connector_id)
        if session is None or session.tx is None:
            return False
        tx = session.tx
        sample = session.last_sample
        meter = metering.energy_register_wh(sample) if sample is not None else None
        meter_stop = meter if meter is not None else tx.record.meter_last
        if sample is not None:
            end = metering.build_meter_value(
                sample,
                self._measurands("MeterValuesSampledData"),
                ReadingContext.TRANSACTION_END,
                connector_id=connector_id,
            )
            if end is not None:
                self._ops.append(tx.add_meter_value(end))
        self._ops.append(stopped_at(tx, now, meter_stop, reason, id_tag_end))
        self._send_stop(tx, now)
        session.tx = None
        session.grant = None
        session.next_sample = None
        self.cp.emit(PauseCharging(connector_id=connector_id))
        self.cp.on_transaction_stopped(connector_id, tx, now)
        if unlock is None:
            unlock = reason not in (Reason.DE_AUTHORIZED, Reason.EV_DISCONNECTED)
        if session.plugged or reason == Reason.EV_DISCONNECTED:
            self._apply(connector_id, ConnectorInput.TX_STOPPED_USER_ACTION, now)
        if unlock and reason != Reason.UNLOCK_COMMAND:
            self._unlock(connector_id, now)
        elif not session.plugged and reason != Reason.EV_DISCONNECTED:
            self._end_session(session, now)
        self.flush_status(now)
        return True

    def _send_stop(self, tx: Transaction, now: datetime) -> None:
        cfg = self.cp.config
        payload = stop_request(
            tx,
            sampled=self._measurands("StopTxnSampledData"),
            aligned=self._measurands("StopTxnAlignedData"),
            max_values=cfg.get_int("StopTransactionMaxMeterValues"),
            max_bytes=cfg.get_int("MaxMessageSize"),
        )
        self._pending_stops[tx.tx_key] = tx
        self.cp.send_payload("StopTransaction", payload, now, tx_key=tx.tx_key)

    def on_stop_result(self, message: QueuedMessage, info: IdTagInfo | None, now: datetime) -> None:
        """StopTransaction answered (or given up when ``message`` failed for good)."""
        tx = self._pending_stops.pop(message.tx_key or "", None)
        if tx is None:
            return
        self._ops.append(tx.update(acknowledged=True))
        if info is not None and tx.record.id_tag_end and self.authorizer.remember(tx.record.id_tag_end, info, now):
            self._local_list_conflict(now)
        self._maybe_finish_reset()

    def _unlock(self, connector_id: int, now: datetime) -> None:
        ref = self._ref("unlock")
        self._unlock_after[ref] = (connector_id, "session")
        self.cp.emit(Unlock(connector_id=connector_id, ref=ref))

    def on_unlock_result(self, ref: str, status: str, now: datetime) -> bool:
        """An automatic unlock finished; True if ``ref`` was one of ours."""
        entry = self._unlock_after.pop(ref, None)
        if entry is None:
            return False
        connector_id, _ = entry
        session = self.sessions[connector_id]
        if status == "Unlocked" and session.tx is None and not session.plugged:
            self._end_session(session, now)
        elif status == "Unlocked" and session.tx is None:
            session.locked_for = None
        self.flush_status(now)
        return True

    def cable_released(self, connector_id: int, now: datetime) -> None:
        """UnlockConnector succeeded on an idle connector: the session, if any, is over."""
        session = self.sessions[connector_id]
        if session.tx is None and self.connectors[connector_id].state is ChargePointStatus.FINISHING:
            session.locked_for = None
            if not session.plugged:
                self._end_session(session, now)
        self.flush_status(now)

    # ------------------------------------------------------------------------------------------
    # central-system requests
    def connector_for_remote_start(self, connector_id: int | None) -> int | None:
        """The connector a RemoteStartTransaction will use, or None (Rejected)."""
        if connector_id is not None:
            return connector_id if connector_id in self.sessions and self._idle(connector_id) else None
        idle = [n for n in self.sessions if self._idle(n)]
        plugged = [n for n in idle if self.sessions[n].plugged]
        candidates = plugged or idle
        return candidates[0] if candidates else None

    def _idle(self, connector_id: int) -> bool:
        session = self.sessions[connector_id]
        state = self.connectors[connector_id].state
        return (
            self._usable(connector_id)
            and not session.busy
            and session.locked_for is None
            and state is not ChargePointStatus.FINISHING
        )

    def connector_of_transaction(self, transaction_id: int) -> int | None:
        """The connector where the transaction ``transaction_id`` runs, if it does."""
        for n, session in self.sessions.items():
            if session.tx is not None and session.tx.transaction_id == transaction_id:
                return n
        return None

    def unlock_requested(self, connector_id: int, now: datetime) -> Any:
        """UnlockConnector.req: unlock (energy paused first); stop the transaction once unlocked."""
        session = self.sessions[connector_id]
        had_tx = session.tx is not None
        if had_tx:
            self.cp.emit(PauseCharging(connector_id=connector_id))
        ref = self._ref("unlock")
        self.cp.emit(Unlock(connector_id=connector_id, ref=ref))

        def complete(result: Any, when: datetime) -> Any:
            try:
                status = UnlockStatus(result)
            except ValueError:
                status = UnlockStatus.UNLOCK_FAILED
            response = UnlockConnectorResponse(status=status)
            stop_anyway = status is UnlockStatus.NOT_SUPPORTED and bool(
                self.cp.config.get_bool("StopTransactionIfUnlockNotSupported")
            )

            def after(later: datetime) -> None:
                if session.tx is not None and (status is UnlockStatus.UNLOCKED or stop_anyway):
                    self.stop_transaction(connector_id, Reason.UNLOCK_COMMAND, later, unlock=False)
                    if status is UnlockStatus.UNLOCKED and not session.plugged:
                        self._end_session(session, later)
                elif session.tx is not None:
                    self.cp.emit(ResumeCharging(connector_id=connector_id))
                elif status is UnlockStatus.UNLOCKED:
                    self.cable_released(connector_id, later)
                self.flush_status(later)

            return response, after

        return Deferred(ref=ref, complete=complete)

    # ------------------------------------------------------------------------------------------
    # availability and reset
    def change_availability(self, connector_id: int, operative: bool, now: datetime) -> str:
        """Apply or schedule; returns "Accepted", "Scheduled" or "Rejected"."""
        if connector_id not in self.connectors:
            return "Rejected"
        targets = list(self.connectors) if connector_id == 0 else [connector_id]
        scheduled = False
        for n in targets:
            session = self.sessions.get(n)
            if session is not None and session.busy:
                session.scheduled = operative
                self._ops.append(AvailabilitySet(connector_id=n, operative=self._operative(n), scheduled=operative))
                scheduled = True
            else:
                self._set_availability(n, operative, now)
        self.flush_status(now)
        return "Scheduled" if scheduled else "Accepted"

    def _operative(self, connector_id: int) -> bool:
        return self.connectors[connector_id].state is not ChargePointStatus.UNAVAILABLE

    def _set_availability(self, connector_id: int, operative: bool, now: datetime) -> None:
        self._ops.append(AvailabilitySet(connector_id=connector_id, operative=operative, scheduled=None))
        self._apply(connector_id, ConnectorInput.MAKE_AVAILABLE if operative else ConnectorInput.MAKE_UNAVAILABLE, now)
        self.cp.emit_availability(connector_id, operative)

    def begin_reset(self, kind: str, now: datetime) -> None:
        """Reset accepted: stop every transaction, then ask the hardware to reset."""
        reason = Reason.SOFT_RESET if kind == "Soft" else Reason.HARD_RESET
        wait = self.cp.config.get_int("WaitForStopTransactionsOnResetTimeout")
        self._reset = (kind, now + timedelta(seconds=wait if wait is not None else 60))
        for n, session in self.sessions.items():
            session.grant = None
            session.timeout_at = None
            if session.tx is not None:
                self.stop_transaction(n, reason, now)
        self._maybe_finish_reset()

    def _maybe_finish_reset(self) -> None:
        if self._reset is not None and not self._pending_stops:
            self._finish_reset()

    def _finish_reset(self) -> None:
        if self._reset is None:
            return
        kind, _ = self._reset
        self._reset = None
        self.cp.emit(ResetStation(kind=kind))

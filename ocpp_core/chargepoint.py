"""The sans-I/O OCPP 1.6J charge point engine.

Theory of operation
-------------------
:class:`ChargePoint` owns the protocol state of one charge point: registration
(:mod:`ocpp_core.registration`), the outgoing queue (:mod:`ocpp_core.queue`), the configuration
(:mod:`ocpp_core.config`), the one CALL we may have in flight, and the timers (boot retry,
heartbeat, CALL timeout, queue retries). It never does I/O and never reads the clock: every input
carries ``now``; the driver asks :meth:`next_deadline` when to call :meth:`tick`.

After every input the driver drains, in this order, :meth:`storage_ops` (apply them durably
*before* sending), :meth:`data_to_send` (frames for the websocket) and :meth:`events` (for the
application, including hardware commands).

Inbound CALLs are validated against our schemas; an invalid one is answered with the CALLERROR its
failure maps to (see :mod:`ocpp_core.validation`), an unknown action with ``NotImplemented``, an
action of a disabled feature profile (or not handled by this station) with ``NotSupported``, and a
handler failure with ``InternalError`` -- the session never dies of a bad frame. Handlers live in
``ocpp_core/profiles/<profile>.py``, each with an explicit ``HANDLERS`` dict. A handler returns the
typed response, optionally with a callable to run once the response is queued (e.g. send the
message a TriggerMessage asked for, which must follow its .conf).

At most one of our CALLs is in flight. Its answer (or CALLERROR, or timeout) is routed to the
result handler registered for its action in :mod:`ocpp_core.results`.

The feature profiles that keep state of their own (smart charging, reservations, firmware) are
:class:`~ocpp_core.features.Feature` components with hooks the engine calls.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ocpp_core import rpc, validation
from ocpp_core.authorization import Authorizer
from ocpp_core.commands import DisableConnector, EnableConnector
from ocpp_core.config import ChangeResult, ConfigRegistry
from ocpp_core.enums import FeatureProfile, RegistrationStatus, RemoteStartStopStatus
from ocpp_core.errors import (
    ActionNotImplemented,
    ActionNotSupported,
    CallErrorException,
    InternalError,
    LocalProtocolError,
    SecurityError,
)
from ocpp_core.events import (
    AuthorizationRefused,
    CallIgnored,
    ClockSync,
    ConfigurationChanged,
    ConnectionStateChanged,
    Event,
    MessageDropped,
    PeerProtocolViolation,
    ReconnectRequested,
    RegistrationChanged,
    ResponseReceived,
)
from ocpp_core.features import Feature
from ocpp_core.firmware import FirmwareManager
from ocpp_core.inputs import HardwareInput
from ocpp_core.messages import ACTIONS, Sender
from ocpp_core.messages.core import (
    BootNotificationRequest,
    BootNotificationResponse,
    HeartbeatRequest,
    RemoteStartTransactionResponse,
    RemoteStopTransactionResponse,
)
from ocpp_core.queue import Outbox
from ocpp_core.registration import RegInput, Registration, RegState
from ocpp_core.replies import Deferred, Reply
from ocpp_core.reservations import Reservations
from ocpp_core.results import FAILURE_HANDLERS, RESULT_HANDLERS
from ocpp_core.sessions import SessionManager
from ocpp_core.smart_charging import SmartCharging
from ocpp_core.storage import ConfigSet, QueuedMessage, Snapshot, StorageOp
from ocpp_core.timeutil import earliest

__all__ = ["BOOT_RETRY_SECONDS", "DEFAULT_MESSAGE_TIMEOUT", "ChargePoint", "Deferred", "Reply"]

#: Wait before a BootNotification is sent again after a timeout or a CALLERROR, or when the
#: central system answered interval 0 (OCPP 1.6 §4.2: choose a non-flooding back-off).
BOOT_RETRY_SECONDS = 60
#: Seconds to wait for the answer to a CALL when the optional MessageTimeout key is absent.
DEFAULT_MESSAGE_TIMEOUT = 30

Handler = Callable[["ChargePoint", Any, rpc.Call, datetime], Reply]
#: A vendor's DataTransfer handler: (messageId, data) -> (status value, data).
DataTransferHandler = Callable[[str | None, str | None], tuple[str, str | None]]
TriggerHandler = Callable[[int | None], Callable[[datetime], None] | None]


#: Answered Rejected while registration is Pending (no charging before acceptance).
_REMOTE_START_STOP: dict[str, type[RemoteStartTransactionResponse] | type[RemoteStopTransactionResponse]] = {
    "RemoteStartTransaction": RemoteStartTransactionResponse,
    "RemoteStopTransaction": RemoteStopTransactionResponse,
}


#: Actions of a disabled profile answered by their handler rather than CALLERROR NotSupported:
#: the local list has wire answers for "not supported" (listVersion -1, status NotSupported; OCTT
#: TC_042_1/TC_043_1 expect them; libocpp answers the same way).
_ANSWERED_WHEN_UNSUPPORTED = frozenset({"GetLocalListVersion", "SendLocalList"})

#: Keys whose change forces a new connection with the new credentials (Security Whitepaper A01/A05),
#: with the seconds to wait before closing (the central system reads our answer meanwhile).
_RECONNECT_KEYS = {"AuthorizationKey": 1.0, "SecurityProfile": 2.0}

#: How long a reply waiting for the hardware (UnlockConnector) may wait; then it completes with
#: :data:`DEFERRED_TIMEOUT_RESULT` (an unlock that did not happen is an UnlockFailed).
DEFERRED_REPLY_TIMEOUT = timedelta(seconds=10)
DEFERRED_TIMEOUT_RESULT = "UnlockFailed"


@dataclass(frozen=True, slots=True)
class _DeferredReply:
    call: rpc.Call
    complete: Callable[[Any, datetime], Any]
    deadline: datetime


@dataclass(slots=True)
class _InFlight:
    message: QueuedMessage
    deadline: datetime


def _default_ids() -> str:
    return str(uuid.uuid4())


class ChargePoint:
    """One OCPP 1.6J charge point, sans-I/O."""

    def __init__(
        self,
        config: ConfigRegistry,
        snapshot: Snapshot | None = None,
        *,
        id_factory: Callable[[], str] = _default_ids,
        handlers: dict[str, Handler] | None = None,
    ) -> None:
        snapshot = snapshot or Snapshot()
        self.config = config
        self.registration = Registration()
        self.outbox = Outbox(snapshot.queue, id_factory)
        self._id_factory = id_factory
        self._handlers: dict[str, Handler] = dict(handlers) if handlers is not None else _default_handlers()
        self._out: list[str] = []
        self._events: list[Event] = []
        self._ops: list[StorageOp] = []
        self._in_flight: _InFlight | None = None
        self._boot_due: datetime | None = None
        self._heartbeat_due: datetime | None = None
        #: Vendor DataTransfer handlers by (vendorId, messageId); messageId None = every message.
        self.data_transfer_handlers: dict[tuple[str, str | None], DataTransferHandler] = {}
        #: TriggerMessage handlers by MessageTrigger value: connector -> action to run after the
        #: .conf, or None when the trigger cannot be served (Rejected).
        self.trigger_handlers: dict[str, TriggerHandler] = {}
        #: Why the station (re)started: PowerUp, RemoteReset ... (security event StartupOfTheDevice/ResetOrReboot).
        self.boot_reason = "PowerUp"
        self._deferred: dict[str, _DeferredReply] = {}
        self._tx_keys = itertools.count(1)
        self._tx_prefix = id_factory()[:8]
        self.sessions = SessionManager(self, snapshot)
        self.smart_charging = SmartCharging(self, snapshot)
        self.reservations = Reservations(self, snapshot)
        self.firmware = FirmwareManager(self, snapshot)
        #: The feature components, in the order their hooks run (see :mod:`ocpp_core.features`).
        self.features: tuple[Feature, ...] = (self.smart_charging, self.reservations, self.firmware)
        self.trigger_handlers["StatusNotification"] = self.sessions.trigger_status
        self.trigger_handlers["MeterValues"] = self.sessions.trigger_meter_values

    # ------------------------------------------------------------------------------------------
    # Outputs
    def data_to_send(self) -> list[str]:
        """Frames to write to the websocket, in order."""
        out, self._out = self._out, []
        return out

    def storage_ops(self) -> list[StorageOp]:
        """Storage operations to apply durably before sending :meth:`data_to_send`."""
        ops = [*self._ops, *self.sessions.take_ops()]
        for feature in self.features:
            ops += feature.take_ops()
        ops += self.outbox.take_ops()
        self._ops = []
        return ops

    def events(self) -> list[Event]:
        """Events for the application since the last call."""
        events, self._events = self._events, []
        return events

    def emit(self, event: Event) -> None:
        """Queue an event for the application (used by the profile handlers)."""
        self._events.append(event)

    def persist_config(self, section: str, key: str, value: Any) -> None:
        """Record a configuration change to be persisted with this step's operations."""
        self._ops.append(ConfigSet(section=section, key=key, value=value))

    # ------------------------------------------------------------------------------------------
    # State
    @property
    def connected(self) -> bool:
        return self.registration.permissions.connected

    @property
    def accepted(self) -> bool:
        return self.registration.state is RegState.ACCEPTED

    def next_deadline(self) -> datetime | None:
        """The earliest time :meth:`tick` has something to do."""
        in_flight = self._in_flight
        connection = None
        if self.connected:
            wakeup = self.outbox.next_wakeup() if in_flight is None and self.accepted else None
            connection = earliest(self._boot_due, self._heartbeat_due, wakeup)
        return earliest(
            None if in_flight is None else in_flight.deadline,
            connection,
            self.sessions.next_deadline(),
            *(d.deadline for d in self._deferred.values()),
            *(f.next_deadline() for f in self.features),
        )

    def message_timeout(self) -> timedelta:
        value = self.config.get_int("MessageTimeout")
        seconds = value if value is not None and value > 0 else DEFAULT_MESSAGE_TIMEOUT
        return timedelta(seconds=seconds)

    # ------------------------------------------------------------------------------------------
    # Inputs
    def connection_made(self, now: datetime) -> None:
        """The websocket to the central system is open."""
        self.sessions.start(now)
        state = self.registration.apply(RegInput.CONNECT)
        self._events.append(ConnectionStateChanged(connected=True))
        for feature in self.features:
            feature.on_connection_changed(True, now)
        if state is RegState.CONNECTED:
            self._boot_due = None
            self.send_boot_notification(now)
        else:
            # A reconnect after acceptance: no new BootNotification (OCPP-J 1.6 §5.4).
            self._heartbeat_due = now + timedelta(seconds=self._heartbeat_interval())
            self.on_registered(now, reconnect=True)
        self._pump(now)

    def connection_lost(self, now: datetime) -> None:
        """The websocket closed."""
        if not self.connected:
            return
        lost: list[QueuedMessage] = []
        if self._in_flight is not None:
            message = self._in_flight.message
            self.outbox.interrupted(message)
            self._in_flight = None
            if not message.transactional:
                lost.append(message)
        lost += self.outbox.drop_normal()
        state = self.registration.apply(RegInput.DISCONNECT)
        for message in lost:
            self._events.append(
                MessageDropped(action=message.action, unique_id=message.unique_id, reason="connection lost")
            )
            failure = FAILURE_HANDLERS.get(message.action)
            if failure is not None:
                failure(self, message, "connection lost", now)
        self._boot_due = None
        self._heartbeat_due = None
        self._events.append(ConnectionStateChanged(connected=False))
        for feature in self.features:
            feature.on_connection_changed(False, now)
        self._events.append(RegistrationChanged(state=state.value, status=self.registration.status))

    def tick(self, now: datetime) -> None:
        """Run the timers that are due at ``now``."""
        self.sessions.start(now)
        for ref, deferred in list(self._deferred.items()):
            if now >= deferred.deadline:
                # The hardware did not answer in time: report the failure its own way.
                del self._deferred[ref]
                self._complete_deferred(deferred, DEFERRED_TIMEOUT_RESULT, now)
        self.sessions.tick(now)
        for feature in self.features:
            feature.tick(now)
        if self._in_flight is not None and now >= self._in_flight.deadline:
            message = self._in_flight.message
            self._in_flight = None
            self._fail(message, "no answer within the message timeout", now)
        if self.connected:
            if self._boot_due is not None and now >= self._boot_due:
                self._boot_due = None
                self.send_boot_notification(now)
            if self.accepted and self._heartbeat_due is not None and now >= self._heartbeat_due:
                self._heartbeat_due = None
                if not any(m.action == "Heartbeat" for m in self.outbox.pending()):
                    self.send(HeartbeatRequest(), now)
        self._pump(now)

    def receive_text(self, text: str | bytes, now: datetime) -> None:
        """One frame from the central system."""
        try:
            frame = rpc.parse(text)
        except CallErrorException as exc:
            shown = text if isinstance(text, str) else repr(text)
            self._events.append(PeerProtocolViolation(description=str(exc), frame=shown[:1000]))
            self._write(rpc.CallError.from_exception(exc))
            self._pump(now)
            return
        if isinstance(frame, rpc.Call):
            self._on_call(frame, now)
        else:
            self._on_response(frame, now)
        self._pump(now)

    # ------------------------------------------------------------------------------------------
    # Sending
    def send(
        self,
        request: Any,
        now: datetime,
        *,
        triggered: bool = False,
        tx_key: str | None = None,
    ) -> QueuedMessage | None:
        """Queue a CALL built from a typed request. Returns None if it was discarded.

        The payload is validated now: an invalid one raises :class:`LocalProtocolError`.
        """
        action = type(request).__name__.removesuffix("Request")
        self._check_sendable(action)
        payload = validation.dump(request)  # validated on the way (LocalProtocolError)
        return self._queue(action, payload, now, triggered=triggered, tx_key=tx_key)

    def send_payload(
        self,
        action: str,
        payload: dict[str, Any],
        now: datetime,
        *,
        triggered: bool = False,
        tx_key: str | None = None,
    ) -> QueuedMessage | None:
        """Queue a CALL whose wire payload is already built; it is validated here."""
        self._check_sendable(action)
        try:
            validation.validate(action, "request", payload)
        except CallErrorException as exc:
            raise LocalProtocolError(f"refusing to send an invalid {action}: {exc}") from None
        return self._queue(action, payload, now, triggered=triggered, tx_key=tx_key)

    @staticmethod
    def _check_sendable(action: str) -> None:
        spec = ACTIONS.get(action)
        if spec is None or spec.sender is Sender.CENTRAL_SYSTEM:
            raise LocalProtocolError(f"{action} is not a message a charge point sends")

    def _queue(
        self, action: str, payload: dict[str, Any], now: datetime, *, triggered: bool, tx_key: str | None
    ) -> QueuedMessage | None:
        """Queue the CALL of a validated ``payload`` and send it if nothing is in flight."""
        message = self.outbox.push(
            action,
            payload,
            now,
            can_send_normal=self.accepted,
            triggered=triggered,
            tx_key=tx_key,
        )
        if message is None:
            reason = "not connected" if not self.connected else f"registration is {self.registration.state.value}"
            self._events.append(MessageDropped(action=action, unique_id="", reason=reason))
        else:
            self._pump(now)
        return message

    def send_boot_notification(self, now: datetime, *, triggered: bool = False) -> None:
        """Queue a BootNotification with the identity from the Internal configuration."""
        cfg = self.config
        request = BootNotificationRequest(
            charge_point_vendor=cfg.get_str("ChargePointVendor") or "",
            charge_point_model=cfg.get_str("ChargePointModel") or "",
            charge_point_serial_number=cfg.get_str("ChargePointSerialNumber"),
            charge_box_serial_number=cfg.get_str("ChargeBoxSerialNumber"),
            firmware_version=cfg.get_str("FirmwareVersion"),
            iccid=cfg.get_str("ICCID"),
            imsi=cfg.get_str("IMSI"),
            meter_type=cfg.get_str("MeterType"),
            meter_serial_number=cfg.get_str("MeterSerialNumber"),
        )
        self.send(request, now, triggered=triggered)

    def _pump(self, now: datetime) -> None:
        """Send the next queued CALL if none is in flight."""
        if self._in_flight is not None or not self.connected or self._deferred:
            return
        message = self.outbox.next_message(now, registered=self.accepted)
        if message is None:
            return
        if self.registration.state is RegState.REJECTED and message.action != "BootNotification":
            return
        self._in_flight = _InFlight(message=message, deadline=now + self.message_timeout())
        self._write(rpc.Call(unique_id=message.unique_id, action=message.action, payload=message.payload))
        beat = self._heartbeat_interval()
        if self.accepted and beat > 0:
            # Any CALL counts as traffic: the heartbeat waits a full interval from now.
            self._heartbeat_due = now + timedelta(seconds=beat)

    def _write(self, frame: rpc.Frame) -> None:
        self._out.append(rpc.serialize(frame))

    # ------------------------------------------------------------------------------------------
    # Receiving CALLs
    def _on_call(self, call: rpc.Call, now: datetime) -> None:
        permissions = self.registration.permissions
        if self.registration.state is RegState.REJECTED:
            self._events.append(
                CallIgnored(action=call.action, unique_id=call.unique_id, reason="registration Rejected")
            )
            return
        if permissions.answer_with_security_error:
            self._reply_error(
                call, SecurityError("the charge point is not registered yet (no BootNotification answer)")
            )
            return
        try:
            request = self._validate_call(call)
            if permissions.reject_remote_start_stop and call.action in _REMOTE_START_STOP:
                reply: Reply = _REMOTE_START_STOP[call.action](status=RemoteStartStopStatus.REJECTED)
            else:
                handler = self._handlers.get(call.action)
                if handler is None:
                    raise ActionNotSupported(f"{call.action} is not supported by this charge point")
                reply = handler(self, request, call, now)
        except CallErrorException as exc:
            self._reply_error(call, exc)
            return
        except Exception as exc:  # a handler bug must not kill the session
            self._reply_error(call, InternalError(f"{call.action} failed: {type(exc).__name__}: {exc}"))
            return
        if isinstance(reply, Deferred):
            self._deferred[reply.ref] = _DeferredReply(call, reply.complete, now + DEFERRED_REPLY_TIMEOUT)
            return
        after: Callable[[datetime], None] | None = None
        if isinstance(reply, tuple):
            reply, after = reply
        try:
            payload = validation.dump(reply)
        except LocalProtocolError as exc:
            self._reply_error(call, InternalError(f"{call.action} produced an invalid response: {exc}"))
            return
        self._write(call.result(payload))
        if after is not None:
            after(now)

    def _validate_call(self, call: rpc.Call) -> Any:
        spec = ACTIONS.get(call.action)
        if spec is None:
            raise ActionNotImplemented(f"{call.action} is not an OCPP 1.6 action")
        if spec.sender is Sender.CHARGE_POINT:
            raise ActionNotSupported(f"{call.action} is sent by a charge point, not to it")
        if not self.profile_enabled(spec.profile) and call.action not in _ANSWERED_WHEN_UNSUPPORTED:
            raise ActionNotSupported(f"feature profile {spec.profile.value} is not supported")
        return validation.load(call.action, "request", call.payload)

    def register_data_transfer(self, vendor_id: str, message_id: str | None, handler: DataTransferHandler) -> None:
        """Answer DataTransfer CALLs of ``vendor_id`` (and ``message_id``, or all when None)."""
        self.data_transfer_handlers[(vendor_id, message_id)] = handler

    def profile_enabled(self, profile: FeatureProfile) -> bool:
        """Whether ``profile`` is enabled (Security whitepaper messages are always enabled)."""
        return profile is FeatureProfile.SECURITY or profile.value in self.config.supported_profiles()

    def _reply_error(self, call: rpc.Call, exc: CallErrorException) -> None:
        self._write(call.error(exc.code, exc.description[:255], exc.details))

    # ------------------------------------------------------------------------------------------
    # Receiving answers
    def _on_response(self, frame: rpc.CallResult | rpc.CallError, now: datetime) -> None:
        flight = self._in_flight
        if flight is None or flight.message.unique_id != frame.unique_id:
            self._events.append(
                PeerProtocolViolation(
                    description=f"answer to unknown unique id {frame.unique_id!r} ignored",
                    frame=rpc.serialize(frame)[:1000],
                )
            )
            return
        self._in_flight = None
        message = flight.message
        if isinstance(frame, rpc.CallError):
            code = frame.raw_code or frame.error_code.value
            self._fail(message, f"CALLERROR {code}: {frame.description}", now)
            return
        try:
            response = validation.load(message.action, "response", frame.payload)
        except CallErrorException as exc:
            self._events.append(
                PeerProtocolViolation(
                    description=f"invalid {message.action} response: {exc}", frame=rpc.serialize(frame)[:1000]
                )
            )
            self._fail(message, f"invalid response ({exc.code.value}): {exc}", now)
            return
        self.outbox.answered(message)
        self._events.append(ResponseReceived(action=message.action, unique_id=message.unique_id, response=response))
        handler = RESULT_HANDLERS.get(message.action)
        if handler is not None:
            handler(self, message, response, now)

    def _fail(self, message: QueuedMessage, reason: str, now: datetime) -> None:
        retried = self.outbox.failed(
            message,
            now,
            attempts=self.config.get_int("TransactionMessageAttempts") or 1,
            retry_interval=self.config.get_int("TransactionMessageRetryInterval") or 0,
        )
        if not retried:
            self._events.append(MessageDropped(action=message.action, unique_id=message.unique_id, reason=reason))
        self._events.append(
            ResponseReceived(action=message.action, unique_id=message.unique_id, response=None, error=reason)
        )
        failure = FAILURE_HANDLERS.get(message.action)
        if failure is not None:
            failure(self, message, reason, now)

    # ------------------------------------------------------------------------------------------
    # Registration
    # ------------------------------------------------------------------------------------------
    # Sessions and hardware
    def handle_input(self, event: HardwareInput, now: datetime) -> None:
        """An event reported by the hardware (plug, token, meter sample, fault ...)."""
        self.sessions.start(now)
        self.sessions.handle_input(event, now)
        self._pump(now)

    def hardware_result(self, ref: str, result: Any, now: datetime) -> None:
        """The result of a hardware command that carried ``ref`` (an unlock, a lock)."""
        deferred = self._deferred.pop(ref, None)
        if deferred is not None:
            self._complete_deferred(deferred, result, now)
        elif ref.startswith("lock-"):
            self.sessions.on_lock_result(ref, result is not False, now)
        else:
            self.sessions.on_unlock_result(ref, str(result), now)
        self._pump(now)

    def _complete_deferred(self, deferred: _DeferredReply, result: Any, now: datetime) -> None:
        after: Callable[[datetime], None] | None = None
        try:
            reply = deferred.complete(result, now)
            if isinstance(reply, tuple):
                reply, after = reply
            payload = validation.dump(reply)
        except Exception as exc:
            self._reply_error(deferred.call, InternalError(f"{deferred.call.action} failed: {exc}"))
            return
        self._write(deferred.call.result(payload))
        if after is not None:
            after(now)

    @property
    def authorizer(self) -> Authorizer:
        """The authorization cache and local list."""
        return self.sessions.authorizer

    def connector_views(self) -> list[dict[str, Any]]:
        """Status, error code and transaction of connector 0..N."""
        return self.sessions.views()

    def new_tx_key(self) -> str:
        """A key for a new transaction, unique across restarts."""
        return f"{self._tx_prefix}-{next(self._tx_keys)}"

    def emit_authorization_refused(self, connector_id: int, id_tag: str, status: str) -> None:
        self._events.append(AuthorizationRefused(connector_id=connector_id, id_tag=id_tag, status=status))
        for feature in self.features:
            feature.on_identification_refused(connector_id, id_tag)

    def emit_availability(self, connector_id: int, operative: bool) -> None:
        command = EnableConnector if operative else DisableConnector
        self._events.append(command(connector_id=connector_id))

    def on_started(self, now: datetime) -> None:
        """Hook from the session manager: the engine's first input (restore the features)."""
        for feature in self.features:
            feature.on_started(now)

    def on_transaction_started(self, connector_id: int, tx: Any, now: datetime) -> None:
        """Hook from the session manager: a transaction started on ``connector_id``."""
        for feature in self.features:
            feature.on_transaction_started(connector_id, tx, now)

    def on_transaction_id(self, connector_id: int, tx: Any, now: datetime) -> None:
        """Hook from the session manager: StartTransaction.conf gave ``tx`` its transactionId."""
        for feature in self.features:
            feature.on_transaction_id(connector_id, tx, now)

    def on_transaction_stopped(self, connector_id: int, tx: Any, now: datetime) -> None:
        """Hook from the session manager: a transaction stopped (TxProfiles are cleared)."""
        for feature in self.features:
            feature.on_transaction_stopped(connector_id, tx, now)

    def _heartbeat_interval(self) -> int:
        return self.config.get_int("HeartbeatInterval") or 0

    def on_boot_response(self, response: BootNotificationResponse, now: datetime) -> None:
        status = RegistrationStatus(response.status)
        interval = int(response.interval)
        event = {
            RegistrationStatus.ACCEPTED: RegInput.RECV_BOOT_ACCEPTED,
            RegistrationStatus.PENDING: RegInput.RECV_BOOT_PENDING,
            RegistrationStatus.REJECTED: RegInput.RECV_BOOT_REJECTED,
        }[status]
        state = self.registration.apply(event)
        self._events.append(RegistrationChanged(state=state.value, status=status.value, interval=interval))
        self._events.append(ClockSync(current_time=response.current_time))
        if state is RegState.ACCEPTED:
            self._boot_due = None
            if interval > 0:
                persist = self.config.set_value("HeartbeatInterval", interval)
                self.persist_config(self.config.section_of("HeartbeatInterval"), "HeartbeatInterval", persist)
            beat = self._heartbeat_interval()
            self._heartbeat_due = now + timedelta(seconds=beat) if beat > 0 else None
            self.on_registered(now, reconnect=False)
        else:
            self._heartbeat_due = None
            self._boot_due = now + timedelta(seconds=interval if interval > 0 else BOOT_RETRY_SECONDS)

    def on_registered(self, now: datetime, *, reconnect: bool) -> None:
        """Hook run after BootNotification Accepted and after every reconnect once accepted.

        Sends StatusNotification for connector 0 and every connector (errata 3.22).
        """
        self.sessions.status_burst(now)
        for feature in self.features:
            feature.on_registered(now, reconnect=reconnect)

    def change_configuration(self, key: str, value: str, now: datetime, *, source: str = "Local") -> ChangeResult:
        """Change a configuration key locally (an operator, the integrator) exactly as a
        ChangeConfiguration from the central system would: same checks, persistence, event and
        side effects. Returns the registry's result (status and, when refused, the rule)."""
        result, after = self.prepare_configuration_change(key, value, source=source)
        if after is not None:
            after(now)
        return result

    def prepare_configuration_change(
        self, key: str, value: str, *, source: str
    ) -> tuple[ChangeResult, Callable[[datetime], None] | None]:
        """Apply and persist a change; the returned callable runs its side effects (timers,
        reconnect) -- after the ChangeConfiguration.conf when the central system asked."""
        result = self.config.change_configuration(key, value)
        if result.status not in ("Accepted", "RebootRequired") or result.key is None or result.section is None:
            return result, None
        changed, section = result.key, result.section
        self.persist_config(section, changed, result.persist_value)
        shown = "***" if changed == "AuthorizationKey" else result.new_value
        self._events.append(ConfigurationChanged(key=changed, value=shown, source=source))

        def after(when: datetime) -> None:
            if changed == "HeartbeatInterval":
                self.heartbeat_interval_changed(when)
            self.sessions.settings_changed(changed, when)
            for feature in self.features:
                feature.on_configuration_changed(changed, when)
            reconnect_delay = _RECONNECT_KEYS.get(changed)
            if reconnect_delay is not None and (
                changed == "SecurityProfile" or self.config.get_int("SecurityProfile") in (1, 2)
            ):
                self._events.append(ReconnectRequested(delay=reconnect_delay, reason=f"{changed} changed"))

        return result, after

    def boot_failed(self, now: datetime) -> None:
        """The BootNotification failed (CALLERROR, timeout): try again after the back-off."""
        if not self.accepted:
            self._boot_due = now + timedelta(seconds=BOOT_RETRY_SECONDS)

    def heartbeat_interval_changed(self, now: datetime) -> None:
        """Restart the heartbeat timer after HeartbeatInterval changed."""
        beat = self._heartbeat_interval()
        self._heartbeat_due = now + timedelta(seconds=beat) if self.accepted and beat > 0 else None


def _default_handlers() -> dict[str, Handler]:
    from ocpp_core.profiles import all_handlers

    return all_handlers()

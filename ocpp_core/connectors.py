"""Connector status: the per-connector state machine and StatusNotification reporting.

Theory of operation
-------------------
Every connector (0..N) has an *underlying state* (:attr:`Connector.state`) and a set of *active
errors*. What the central system sees (:attr:`Connector.status`) is ``Faulted`` while at least one
active error is a fault, otherwise the underlying state.

**The table.** The underlying state of a connector > 0 moves only through :data:`TRANSITIONS`,
keyed by ``(state, input)``. The inputs (:class:`ConnectorInput`) are the spec's triggering events
(OCPP 1.6 §4.9 / errata 3.19–3.22); each entry is commented with the spec's cell id (A2 = from
Available to Preparing, ...). A pair that is not in the table is ignored: ``apply`` returns False and
nothing changes. This deliberately departs from the "missing entry raises" rule of the other tables:
hardware and central-system events arrive whatever the state (an unplug on an Available connector,
a second EV_SUSPENDED), the spec defines no transition for them, and libocpp ignores them too.
Every entry is a transition of the spec's allowed-transition table, transcribed independently
in :data:`ALLOWED` (53 pairs; the tests check one against the other).

**What the caller decides.** The table does not know about authorisation, reservations or
configuration; the engine chooses the input:

* ``EV_SUSPENDED`` means "the EVSE offers energy but the EV does not take it" (E4 is "EVSE
  restriction lifted, EV does not charge"). When both sides suspend, SuspendedEVSE has precedence;
  :func:`energy_input` maps the two facts to the right input.
* ChangeAvailability(Inoperative) during a session is *Scheduled*: the engine keeps it and, when the
  session ends, applies ``MAKE_UNAVAILABLE`` instead of ``SESSION_ENDED`` (C8/D8/E8), or after the
  user left (F8). Preparing has no direct way to Unavailable: apply ``SESSION_ENDED`` then
  ``MAKE_UNAVAILABLE``. Reserved→Unavailable (G8) is direct; the engine cancels the reservation.
* ``USAGE_INITIATED`` on Reserved (G2) only for the reserved idTag; the engine checks it.
* EV unplugged during a transaction with StopTransactionOnEVSideDisconnect=false: apply
  ``EV_SUSPENDED`` with ``info="EV side disconnected"``; with =true: ``TX_STOPPED_USER_ACTION``
  with the same info. The info goes out with that status (errorCode NoError).

**Unavailable with a waiting user (H2–H5).** While Unavailable, session inputs are ignored (the
connector stays Unavailable when a cable is plugged in). When the connector becomes operative and
the user already interacted, the engine applies ``MAKE_AVAILABLE`` (H1) and then, *before calling
StatusReporter.observe*, the input that the session facts imply (``USAGE_INITIATED`` for a plugged
cable, ``START_CHARGING``/``EV_SUSPENDED``/``EVSE_SUSPENDED`` for a resumed transaction). The
reporter only sees the net change, Unavailable→Preparing/Charging/SuspendedEV/SuspendedEVSE; the
intermediate Available is never reported. :meth:`Connector.make_available` does both steps.

**Connector 0** (the charge point as a whole) only knows Available, Unavailable and Faulted
(:data:`TRANSITIONS_CONNECTOR_ZERO`); its status is independent of the other connectors. Making the
whole charge point unavailable is the engine's job (it applies ``MAKE_UNAVAILABLE`` to each).

**Faults and warnings** (:class:`~ocpp_core.inputs.FaultRaised`, each with a ``fault_id``). An
error with ``is_fault`` makes the status Faulted (A9–H9); a warning keeps the status and only sets
the errorCode. While faulted the underlying state keeps evolving silently (the session may end,
ChangeAvailability may make it Unavailable); when the last fault clears the status returns to the
underlying state as it is then (I1–I8). A duplicate ``fault_id`` is ignored. The reported error is
the latest active fault while faulted, else the latest active warning; info/vendorId/
vendorErrorCode come from it (truncated to 50/255/50 characters), otherwise ``info`` carries the
reason given with the last transition.

**Reporting** (:class:`StatusReporter`, one per charge point). The engine calls ``observe`` after
any change and drains ``due(now)``. A status change becomes *pending* and is sent when it has lasted
``MinimumStatusDuration`` seconds (0 = at once): a newer change replaces the pending one and
restarts the timer, a change back to the last reported content cancels it, so short-lived states
are never sent. Error changes (raised or cleared) are due at once; one that changes nothing
visible (a warning raised while faulted) goes out with the status once the faults clear. The timestamp of a notification
is the time its content was entered, not the send time (libocpp sends the send time). After
BootNotification Accepted, on reconnect and for TriggerMessage, ``all_current`` returns the current
content of the given connectors with no debounce. While offline, do not drain ``due``: the burst
after reconnecting carries the current status and errors, never the history (§4.9 / erratum 3.22).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import Enum

from ocpp_core.enums import ChargePointErrorCode, ChargePointStatus
from ocpp_core.errors import LocalProtocolError
from ocpp_core.inputs import FaultRaised
from ocpp_core.messages.core import StatusNotificationRequest
from ocpp_core.timeutil import earliest, to_utc

__all__ = [
    "ALLOWED",
    "SESSION_INPUTS",
    "TRANSITIONS",
    "TRANSITIONS_CONNECTOR_ZERO",
    "ActiveError",
    "Connector",
    "ConnectorInput",
    "StatusReporter",
    "energy_input",
]

INFO_MAX = 50
VENDOR_ID_MAX = 255
VENDOR_ERROR_CODE_MAX = 50


class ConnectorInput(Enum):
    """An event that moves a connector; the comments name the spec cells it causes."""

    USAGE_INITIATED = "usage initiated"  # plug-in, idTag, start button, RemoteStart: A2 F2 G2 (H2)
    START_CHARGING = "start charging"  # energy flows: A3 B3 D3 E3 (H3)
    EV_SUSPENDED = "EV suspended"  # EVSE offers, EV does not take: A4 B4 C4 E4 (H4)
    EVSE_SUSPENDED = "EVSE suspended"  # EVSE does not offer: A5 B5 C5 D5 (H5)
    TX_STOPPED_USER_ACTION = "transaction stopped, user action required"  # B6 C6 D6 E6
    SESSION_ENDED = "session ended"  # usage ends, user actions done: B1 C1 D1 E1 F1
    RESERVE = "reserve"  # ReserveNow: A7
    RESERVATION_ENDED = "reservation ended"  # expired or cancelled: G1
    MAKE_UNAVAILABLE = "make unavailable"  # ChangeAvailability / scheduled / internal: A8 C8 D8 E8 F8 G8
    MAKE_AVAILABLE = "make available"  # ChangeAvailability Operative: H1


_S, _I = ChargePointStatus, ConnectorInput

#: The inputs that describe what the user and the EV do (applied after MAKE_AVAILABLE for H2–H5).
SESSION_INPUTS: frozenset[ConnectorInput] = frozenset(
    {_I.USAGE_INITIATED, _I.START_CHARGING, _I.EV_SUSPENDED, _I.EVSE_SUSPENDED}
)

# The spec's allowed-transition table (OCPP 1.6 §4.9), row by row: from → the columns with an event.
_ALLOWED_ROWS: dict[ChargePointStatus, tuple[ChargePointStatus, ...]] = {
    _S.AVAILABLE: (
        _S.PREPARING,
        _S.CHARGING,
        _S.SUSPENDED_EV,
        _S.SUSPENDED_EVSE,
        _S.RESERVED,
        _S.UNAVAILABLE,
        _S.FAULTED,
    ),
    _S.PREPARING: (_S.AVAILABLE, _S.CHARGING, _S.SUSPENDED_EV, _S.SUSPENDED_EVSE, _S.FINISHING, _S.FAULTED),
    _S.CHARGING: (_S.AVAILABLE, _S.SUSPENDED_EV, _S.SUSPENDED_EVSE, _S.FINISHING, _S.UNAVAILABLE, _S.FAULTED),
    _S.SUSPENDED_EV: (_S.AVAILABLE, _S.CHARGING, _S.SUSPENDED_EVSE, _S.FINISHING, _S.UNAVAILABLE, _S.FAULTED),
    _S.SUSPENDED_EVSE: (_S.AVAILABLE, _S.CHARGING, _S.SUSPENDED_EV, _S.FINISHING, _S.UNAVAILABLE, _S.FAULTED),
    _S.FINISHING: (_S.AVAILABLE, _S.PREPARING, _S.UNAVAILABLE, _S.FAULTED),
    _S.RESERVED: (_S.AVAILABLE, _S.PREPARING, _S.UNAVAILABLE, _S.FAULTED),
    _S.UNAVAILABLE: (_S.AVAILABLE, _S.PREPARING, _S.CHARGING, _S.SUSPENDED_EV, _S.SUSPENDED_EVSE, _S.FAULTED),
    _S.FAULTED: (
        _S.AVAILABLE,
        _S.PREPARING,
        _S.CHARGING,
        _S.SUSPENDED_EV,
        _S.SUSPENDED_EVSE,
        _S.FINISHING,
        _S.RESERVED,
        _S.UNAVAILABLE,
    ),
}

#: The 53 (from, to) status pairs the spec allows for a connector > 0.
ALLOWED: frozenset[tuple[ChargePointStatus, ChargePointStatus]] = frozenset(
    (source, target) for source, targets in _ALLOWED_ROWS.items() for target in targets
)

#: Underlying-state transitions of a connector > 0. Faulted (x9, I1–I8) is derived from the errors
#: and H2–H5 are MAKE_AVAILABLE followed by a session input (see the module docstring).
TRANSITIONS: dict[tuple[ChargePointStatus, ConnectorInput], ChargePointStatus] = {
    (_S.AVAILABLE, _I.USAGE_INITIATED): _S.PREPARING,  # A2
    (_S.AVAILABLE, _I.START_CHARGING): _S.CHARGING,  # A3
    (_S.AVAILABLE, _I.EV_SUSPENDED): _S.SUSPENDED_EV,  # A4
    (_S.AVAILABLE, _I.EVSE_SUSPENDED): _S.SUSPENDED_EVSE,  # A5
    (_S.AVAILABLE, _I.RESERVE): _S.RESERVED,  # A7
    (_S.AVAILABLE, _I.MAKE_UNAVAILABLE): _S.UNAVAILABLE,  # A8
    (_S.PREPARING, _I.SESSION_ENDED): _S.AVAILABLE,  # B1 (unplug, second idTag, ConnectionTimeOut)
    (_S.PREPARING, _I.START_CHARGING): _S.CHARGING,  # B3
    (_S.PREPARING, _I.EV_SUSPENDED): _S.SUSPENDED_EV,  # B4
    (_S.PREPARING, _I.EVSE_SUSPENDED): _S.SUSPENDED_EVSE,  # B5
    (_S.PREPARING, _I.TX_STOPPED_USER_ACTION): _S.FINISHING,  # B6 (ConnectionTimeOut, cable still in)
    (_S.CHARGING, _I.SESSION_ENDED): _S.AVAILABLE,  # C1
    (_S.CHARGING, _I.EV_SUSPENDED): _S.SUSPENDED_EV,  # C4
    (_S.CHARGING, _I.EVSE_SUSPENDED): _S.SUSPENDED_EVSE,  # C5
    (_S.CHARGING, _I.TX_STOPPED_USER_ACTION): _S.FINISHING,  # C6
    (_S.CHARGING, _I.MAKE_UNAVAILABLE): _S.UNAVAILABLE,  # C8
    (_S.SUSPENDED_EV, _I.SESSION_ENDED): _S.AVAILABLE,  # D1
    (_S.SUSPENDED_EV, _I.START_CHARGING): _S.CHARGING,  # D3
    (_S.SUSPENDED_EV, _I.EVSE_SUSPENDED): _S.SUSPENDED_EVSE,  # D5
    (_S.SUSPENDED_EV, _I.TX_STOPPED_USER_ACTION): _S.FINISHING,  # D6
    (_S.SUSPENDED_EV, _I.MAKE_UNAVAILABLE): _S.UNAVAILABLE,  # D8
    (_S.SUSPENDED_EVSE, _I.SESSION_ENDED): _S.AVAILABLE,  # E1
    (_S.SUSPENDED_EVSE, _I.START_CHARGING): _S.CHARGING,  # E3
    (_S.SUSPENDED_EVSE, _I.EV_SUSPENDED): _S.SUSPENDED_EV,  # E4
    (_S.SUSPENDED_EVSE, _I.TX_STOPPED_USER_ACTION): _S.FINISHING,  # E6
    (_S.SUSPENDED_EVSE, _I.MAKE_UNAVAILABLE): _S.UNAVAILABLE,  # E8
    (_S.FINISHING, _I.SESSION_ENDED): _S.AVAILABLE,  # F1
    (_S.FINISHING, _I.USAGE_INITIATED): _S.PREPARING,  # F2
    (_S.FINISHING, _I.MAKE_UNAVAILABLE): _S.UNAVAILABLE,  # F8
    (_S.RESERVED, _I.RESERVATION_ENDED): _S.AVAILABLE,  # G1
    (_S.RESERVED, _I.USAGE_INITIATED): _S.PREPARING,  # G2
    (_S.RESERVED, _I.MAKE_UNAVAILABLE): _S.UNAVAILABLE,  # G8
    (_S.UNAVAILABLE, _I.MAKE_AVAILABLE): _S.AVAILABLE,  # H1
}

#: Underlying-state transitions of connector 0 (Faulted is derived from the errors).
TRANSITIONS_CONNECTOR_ZERO: dict[tuple[ChargePointStatus, ConnectorInput], ChargePointStatus] = {
    (_S.AVAILABLE, _I.MAKE_UNAVAILABLE): _S.UNAVAILABLE,  # A8
    (_S.UNAVAILABLE, _I.MAKE_AVAILABLE): _S.AVAILABLE,  # H1
}


_CONNECTOR_ZERO_STATES = frozenset({_S.AVAILABLE, _S.UNAVAILABLE})


def energy_input(*, evse_offering: bool, ev_drawing: bool) -> ConnectorInput:
    """The input for the current energy facts of a session; SuspendedEVSE has precedence (§4.9)."""
    if not evse_offering:
        return ConnectorInput.EVSE_SUSPENDED
    return ConnectorInput.START_CHARGING if ev_drawing else ConnectorInput.EV_SUSPENDED


def _cut(text: str | None, limit: int) -> str | None:
    return None if text is None else text[:limit]


@dataclass(frozen=True, slots=True, kw_only=True)
class ActiveError:
    """An error a connector reports until it is cleared; strings already truncated to their limits."""

    fault_id: str
    error_code: ChargePointErrorCode
    is_fault: bool
    info: str | None = None
    vendor_id: str | None = None
    vendor_error_code: str | None = None

    @classmethod
    def from_input(cls, raised: FaultRaised) -> ActiveError:
        """Validate and truncate a hardware :class:`~ocpp_core.inputs.FaultRaised`."""
        try:
            code = ChargePointErrorCode(raised.error_code)
        except ValueError:
            raise LocalProtocolError(
                f"fault {raised.fault_id!r}: {raised.error_code!r} is not a ChargePointErrorCode"
            ) from None
        if raised.is_fault and code is ChargePointErrorCode.NO_ERROR:
            raise LocalProtocolError(f"fault {raised.fault_id!r}: a fault needs an errorCode other than NoError")
        return cls(
            fault_id=raised.fault_id,
            error_code=code,
            is_fault=raised.is_fault,
            info=_cut(raised.info, INFO_MAX),
            vendor_id=_cut(raised.vendor_id, VENDOR_ID_MAX),
            vendor_error_code=_cut(raised.vendor_error_code, VENDOR_ERROR_CODE_MAX),
        )


class Connector:
    """One connector's status (connector 0 = the charge point as a whole); sans-I/O, no clock.

    ``state`` is the underlying state (never Faulted); ``status`` is what is reported.
    """

    def __init__(self, connector_id: int, state: ChargePointStatus = ChargePointStatus.AVAILABLE) -> None:
        if connector_id < 0:
            raise LocalProtocolError(f"connector id {connector_id} is negative")
        self._table = TRANSITIONS_CONNECTOR_ZERO if connector_id == 0 else TRANSITIONS
        # The underlying state is never Faulted (that is derived from the errors); connector 0 only
        # knows Available and Unavailable underneath.
        if state is ChargePointStatus.FAULTED or (connector_id == 0 and state not in _CONNECTOR_ZERO_STATES):
            raise LocalProtocolError(f"connector {connector_id} cannot start in state {state}")
        self.connector_id = connector_id
        self._state: ChargePointStatus = state
        self._reason: str | None = None
        self._errors: dict[str, ActiveError] = {}

    def __repr__(self) -> str:
        return f"<Connector {self.connector_id} {self.status} (state {self._state}, {len(self._errors)} errors)>"

    # -- state -----------------------------------------------------------------------------------

    @property
    def state(self) -> ChargePointStatus:
        """The underlying state; it keeps following the table while the connector is faulted."""
        return self._state

    @property
    def status(self) -> ChargePointStatus:
        """The effective status: Faulted while any active error is a fault, else :attr:`state`."""
        return ChargePointStatus.FAULTED if self.faulted else self._state

    @property
    def faulted(self) -> bool:
        """True while at least one active error is a fault."""
        return any(error.is_fault for error in self._errors.values())

    def apply(self, event: ConnectorInput, *, info: str | None = None) -> bool:
        """Feed ``event``; True if the underlying state changed, False for a pair with no transition.

        ``info`` (truncated to 50 characters) is the reason reported with the new state while no
        error is active, e.g. "EV side disconnected"; it is forgotten at the next transition.
        """
        target = self._table.get((self._state, event))
        if target is None:
            return False
        self._state = target
        self._reason = _cut(info, INFO_MAX)
        return True

    def make_available(self, session: ConnectorInput | None = None, *, info: str | None = None) -> bool:
        """ChangeAvailability(Operative): H1, or H2–H5 when ``session`` says what the user already did.

        Applies ``MAKE_AVAILABLE`` and, if that moved the connector and ``session`` is given, the
        session input right after, so an observer sees only Unavailable → the session's state.
        """
        if session is not None and session not in SESSION_INPUTS:
            raise LocalProtocolError(
                f"{session} is not a session input (use one of {sorted(i.name for i in SESSION_INPUTS)})"
            )
        if not self.apply(ConnectorInput.MAKE_AVAILABLE, info=info):
            return False
        if session is not None:
            self.apply(session, info=info)
        return True

    # -- errors ----------------------------------------------------------------------------------

    @property
    def errors(self) -> tuple[ActiveError, ...]:
        """The active errors, oldest first."""
        return tuple(self._errors.values())

    def raise_error(self, raised: FaultRaised) -> bool:
        """Add an error; False if ``raised.fault_id`` is already active (the duplicate is ignored).

        ``LocalProtocolError`` if it belongs to another connector or its code is not a
        ChargePointErrorCode (or is NoError for a fault).
        """
        if raised.connector_id != self.connector_id:
            raise LocalProtocolError(
                f"fault {raised.fault_id!r} of connector {raised.connector_id} given to connector {self.connector_id}"
            )
        error = ActiveError.from_input(raised)
        if error.fault_id in self._errors:
            return False
        self._errors[error.fault_id] = error
        return True

    def clear_error(self, fault_id: str | None = None) -> bool:
        """Clear the error ``fault_id`` (every error when None); False if nothing was active."""
        if fault_id is None:
            cleared = bool(self._errors)
            self._errors.clear()
            return cleared
        return self._errors.pop(fault_id, None) is not None

    @property
    def reported_error(self) -> ActiveError | None:
        """The error that StatusNotification carries: the latest fault while faulted, else the latest warning."""
        errors = list(self._errors.values())
        faults = [error for error in errors if error.is_fault]
        if faults:
            return faults[-1]
        return errors[-1] if errors else None

    @property
    def error_code(self) -> ChargePointErrorCode:
        """The code of :attr:`reported_error`, or NoError."""
        error = self.reported_error
        return ChargePointErrorCode.NO_ERROR if error is None else error.error_code

    @property
    def info(self) -> str | None:
        """The reported error's info, or the reason given with the last transition when no error is active."""
        error = self.reported_error
        return self._reason if error is None else error.info

    @property
    def vendor_id(self) -> str | None:
        """The reported error's vendorId."""
        error = self.reported_error
        return None if error is None else error.vendor_id

    @property
    def vendor_error_code(self) -> str | None:
        """The reported error's vendorErrorCode."""
        error = self.reported_error
        return None if error is None else error.vendor_error_code

    def notification(self, timestamp: datetime | None = None) -> StatusNotificationRequest:
        """The StatusNotification.req describing the connector now."""
        return StatusNotificationRequest(
            connector_id=self.connector_id,
            error_code=self.error_code,
            info=self.info,
            status=self.status,
            timestamp=timestamp,
            vendor_id=self.vendor_id,
            vendor_error_code=self.vendor_error_code,
        )


@dataclass(slots=True)
class _Track:
    """What the reporter knows about one connector. Contents are notifications without timestamp."""

    reported: StatusNotificationRequest | None = None  # last content handed out
    observed: StatusNotificationRequest | None = None  # latest content seen by observe()
    since: datetime | None = None  # when ``observed`` was entered
    errors: tuple[ActiveError, ...] = ()  # the errors at the last observe()
    deadline: datetime | None = None  # when ``observed`` is due; None = nothing pending
    urgent: bool = False  # the pending content carries an error change: due at once


class StatusReporter:
    """Decides which StatusNotification.req go out and when (one reporter per charge point).

    Connectors are told apart by ``connector_id``. ``minimum_duration`` is MinimumStatusDuration in
    seconds (0 = every change at once).
    """

    def __init__(self, minimum_duration: float = 0) -> None:
        self._minimum = timedelta(0)
        self._tracks: dict[int, _Track] = {}
        self.set_minimum_duration(minimum_duration)

    @property
    def minimum_duration(self) -> timedelta:
        """The current MinimumStatusDuration."""
        return self._minimum

    def set_minimum_duration(self, seconds: float) -> None:
        """Change MinimumStatusDuration; pending changes get their deadline recomputed."""
        if seconds < 0:
            raise LocalProtocolError(f"MinimumStatusDuration {seconds} is negative")
        self._minimum = timedelta(seconds=seconds)
        for track in self._tracks.values():
            if track.deadline is not None and not track.urgent and track.since is not None:
                track.deadline = track.since + self._minimum

    def last_reported(self, connector_id: int) -> StatusNotificationRequest | None:
        """The content last handed out for ``connector_id`` (timestamp None), None if never."""
        track = self._tracks.get(connector_id)
        return None if track is None else track.reported

    def observe(self, connector: Connector, now: datetime) -> None:
        """Take note of ``connector`` after an input; call it after every change (no-ops are fine)."""
        now = to_utc(now)
        track = self._tracks.setdefault(connector.connector_id, _Track())
        content = connector.notification()
        error_changed = connector.errors != track.errors
        track.errors = connector.errors
        if content == track.observed:
            # Nothing visible changed, e.g. the underlying state moved while faulted, or a warning
            # was raised while faulted (the notification keeps carrying the fault).
            return
        track.observed, track.since = content, now
        if content == track.reported:
            # Back to what the central system already knows: the short-lived change is dropped.
            track.deadline, track.urgent = None, False
            return
        # An error change already pending stays urgent when a status change replaces it, so an
        # error is never held back by the debounce.
        track.urgent = error_changed or (track.deadline is not None and track.urgent)
        track.deadline = now if track.urgent else now + self._minimum

    def next_deadline(self) -> datetime | None:
        """When :meth:`due` will next have something to return; None if nothing is pending."""
        return earliest(*(track.deadline for track in self._tracks.values()))

    def due(self, now: datetime) -> list[StatusNotificationRequest]:
        """The notifications to send now, in the order their contents were entered."""
        now = to_utc(now)
        out: list[StatusNotificationRequest] = []
        for track in self._tracks.values():
            if track.deadline is None or track.deadline > now or track.observed is None:
                continue
            out.append(replace(track.observed, timestamp=track.since))
            track.reported = track.observed
            track.deadline, track.urgent = None, False
        out.sort(key=lambda request: (request.timestamp or now, request.connector_id))
        return out

    def all_current(self, connectors: Iterable[Connector], now: datetime) -> list[StatusNotificationRequest]:
        """The current notification of each connector, by id, with no debounce; pending changes are dropped.

        For BootNotification Accepted and reconnect pass connector 0 and every connector; for
        TriggerMessage the requested one(s). The timestamp is when the content was entered if the
        reporter saw it happen, else ``now``.
        """
        now = to_utc(now)
        out: list[StatusNotificationRequest] = []
        for connector in sorted(connectors, key=lambda item: item.connector_id):
            track = self._tracks.setdefault(connector.connector_id, _Track())
            content = connector.notification()
            if content != track.observed or track.since is None:
                track.observed, track.since = content, now
            track.errors = connector.errors
            track.reported = content
            track.deadline, track.urgent = None, False
            out.append(replace(content, timestamp=track.since))
        return out

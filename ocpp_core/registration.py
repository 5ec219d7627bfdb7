"""Connection and registration state.

Theory of operation
-------------------
The charge point is in one of six states:

============  ==========================================================================
DISCONNECTED  no websocket, never Accepted in this run
CONNECTED     websocket open, BootNotification sent or about to be, no answer yet
PENDING       BootNotification answered Pending
REJECTED      BootNotification answered Rejected
ACCEPTED      BootNotification answered Accepted (and connected)
OFFLINE       no websocket, but Accepted earlier in this run (a reconnect needs no new boot)
============  ==========================================================================

Transitions are the table :data:`TRANSITIONS`, keyed by ``(state, input)``; a pair that is not in
the table is a bug and raises :class:`~ocpp_core.errors.LocalProtocolError`.

What each state allows (:class:`Permissions`):

* sending: BootNotification and messages sent in reply to a TriggerMessage go in every connected
  state; everything else only in ACCEPTED (transaction messages wait, others are discarded);
* answering central-system CALLs: ACCEPTED answers everything; PENDING answers everything except
  RemoteStartTransaction/RemoteStopTransaction, which are Rejected (OCPP 1.6 §4.2: the central
  system may configure a pending station but not start charging); CONNECTED answers CALLs with a
  CALLERROR SecurityError (not registered yet) rather than dropping them; REJECTED must not respond
  at all (OCPP 1.6 §4.2), so CALLs are ignored and reported as an event.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from ocpp_core.errors import LocalProtocolError

__all__ = ["TRANSITIONS", "Permissions", "RegInput", "RegState", "Registration"]


class RegState(Enum):
    DISCONNECTED = "Disconnected"
    CONNECTED = "Connected"
    PENDING = "Pending"
    REJECTED = "Rejected"
    ACCEPTED = "Accepted"
    OFFLINE = "Offline"


class RegInput(Enum):
    CONNECT = "connect"
    DISCONNECT = "disconnect"
    RECV_BOOT_ACCEPTED = "recv BootNotification.conf Accepted"
    RECV_BOOT_PENDING = "recv BootNotification.conf Pending"
    RECV_BOOT_REJECTED = "recv BootNotification.conf Rejected"


_S, _I = RegState, RegInput
_ANSWERS = {
    _I.RECV_BOOT_ACCEPTED: _S.ACCEPTED,
    _I.RECV_BOOT_PENDING: _S.PENDING,
    _I.RECV_BOOT_REJECTED: _S.REJECTED,
}

TRANSITIONS: dict[tuple[RegState, RegInput], RegState] = {
    (_S.DISCONNECTED, _I.CONNECT): _S.CONNECTED,
    (_S.OFFLINE, _I.CONNECT): _S.ACCEPTED,
    (_S.CONNECTED, _I.DISCONNECT): _S.DISCONNECTED,
    (_S.PENDING, _I.DISCONNECT): _S.DISCONNECTED,
    (_S.REJECTED, _I.DISCONNECT): _S.DISCONNECTED,
    (_S.ACCEPTED, _I.DISCONNECT): _S.OFFLINE,
    **{
        (state, answer): target
        for state in (_S.CONNECTED, _S.PENDING, _S.REJECTED, _S.ACCEPTED)
        for answer, target in _ANSWERS.items()
    },
}


@dataclass(frozen=True, slots=True)
class Permissions:
    """What may be done in a state."""

    connected: bool
    send_all: bool
    answer_calls: bool
    answer_with_security_error: bool
    reject_remote_start_stop: bool


_PERMISSIONS: dict[RegState, Permissions] = {
    _S.DISCONNECTED: Permissions(False, False, False, False, False),
    _S.OFFLINE: Permissions(False, False, False, False, False),
    _S.CONNECTED: Permissions(True, False, False, True, False),
    _S.PENDING: Permissions(True, False, True, False, True),
    _S.REJECTED: Permissions(True, False, False, False, False),
    _S.ACCEPTED: Permissions(True, True, True, False, False),
}


class Registration:
    """The registration state machine of one charge point."""

    def __init__(self) -> None:
        self.state = RegState.DISCONNECTED

    def apply(self, event: RegInput) -> RegState:
        """Apply ``event``; returns the new state."""
        try:
            self.state = TRANSITIONS[(self.state, event)]
        except KeyError:
            raise LocalProtocolError(f"{event.value!r} is not possible in state {self.state.value}") from None
        return self.state

    @property
    def permissions(self) -> Permissions:
        return _PERMISSIONS[self.state]

    @property
    def status(self) -> str | None:
        """The last RegistrationStatus answered by the central system, as the control API reports it."""
        if self.state in (RegState.ACCEPTED, RegState.OFFLINE):
            return "Accepted"
        if self.state is RegState.PENDING:
            return "Pending"
        if self.state is RegState.REJECTED:
            return "Rejected"
        return None

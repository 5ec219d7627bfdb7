"""Identification in the charging sessions: tokens presented, Authorize, remote grants.

Theory of operation
-------------------
An identification is checked for a *purpose*: to start a transaction on a connector, or to stop the
transaction running there.

* **Locally first.** :meth:`Authorizer.lookup <ocpp_core.authorization.Authorizer.lookup>` answers
  from the local list or the cache when LocalPreAuthorize (online) or LocalAuthorizeOffline
  (offline) allow it. Otherwise, online, an Authorize.req goes out; offline (or when the
  Authorize.req fails or is dropped with the connection) the offline rules decide: the local
  answer, else Accepted only with AllowOfflineTxForUnknownId, else Invalid.
* **One question per connector.** While the Authorize.req for a start is outstanding the
  connector is busy: another token there is refused and a RemoteStartTransaction for it is
  Rejected. The engine does not tell this module when a connection loss discards a queued
  Authorize.req, so each question is checked again after the message timeout: a question whose
  message has left the queue unanswered is settled by the offline rules.
* **Starting.** An accepted identification becomes the connector's :class:`Grant`; the transaction
  starts once the cable is also there (:meth:`SessionManager.begin_transaction
  <ocpp_core.sessions.SessionManager.begin_transaction>`). A refused one, or one for a connector
  that cannot start now (unavailable, faulted, finishing, resetting, busy), is reported with an
  ``AuthorizationRefused`` event carrying the AuthorizationStatus, the connector's status, or
  ``NoConnector``. Presenting the same identifier again while it waits for the cable
  cancels the incipient session (erratum 3.21, B1).
* **Stopping.** The idTag that started the transaction stops it without asking anybody; another
  one stops it when its parentIdTag equals the transaction's (from the local list or cache when
  they know it, else from Authorize.conf; OCTT TC_068/TC_069); any other is refused
  (``NotOwner``).
* **Remote start.** With AuthorizeRemoteTxRequests the idTag is checked like a local one, without
  it the central system's request is the authorization.
* **Reservations** (:mod:`ocpp_core.session_reservation`). Before a start is authorized, a
  connector held by a reservation refuses an idTag the reservation does not admit (status
  ``Reserved``, no Authorize.req); an idTag whose parentIdTag decides is accepted from the local
  list or cache, else authorized with the central system -- also for a remote start without
  AuthorizeRemoteTxRequests, since only Authorize.conf tells its parentIdTag. Once accepted the
  reservation is checked again, and the grant names the reservation its transaction consumes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from ocpp_core.datatypes import IdTagInfo
from ocpp_core.enums import AuthorizationStatus, Reason
from ocpp_core.inputs import FaultRaised
from ocpp_core.messages.core import AuthorizeRequest
from ocpp_core.session_reservation import Verdict
from ocpp_core.storage import QueuedMessage
from ocpp_core.timeutil import earliest

if TYPE_CHECKING:
    from ocpp_core.sessions import Session, SessionManager

__all__ = ["ACCEPTED", "Identification"]

#: The statuses that let an identification start or stop a transaction.
ACCEPTED = (AuthorizationStatus.ACCEPTED, AuthorizationStatus.CONCURRENT_TX)

_START, _STOP = "start", "stop"
#: AuthorizationRefused status of a valid identifier that may not stop someone else's transaction
_NOT_OWNER = "NotOwner"
_LOCAL_LIST_CONFLICT = "local-list-conflict"


@dataclass(slots=True)
class _Question:
    """An Authorize.req waiting for its answer."""

    connector_id: int
    id_tag: str
    purpose: str
    check_at: datetime


class Identification:
    """Tokens and remote grants of one :class:`~ocpp_core.sessions.SessionManager`."""

    def __init__(self, manager: SessionManager) -> None:
        self.manager = manager
        #: outstanding Authorize.req by the queue seq of their message
        self._questions: dict[int, _Question] = {}

    def asking(self, connector_id: int) -> bool:
        """An Authorize.req for a start on ``connector_id`` is outstanding."""
        return any(q.connector_id == connector_id and q.purpose == _START for q in self._questions.values())

    # ------------------------------------------------------------------------------------------
    # tokens
    def token_connector(self, connector_id: int, id_tag: str) -> int:
        """The connector a token is meant for; one presented at the station (0) goes to the one
        connector that can use it: where it runs a transaction or holds the cable, the only
        connector, or the one whose cable waits for an identification (else 0: refused)."""
        if connector_id != 0:
            return connector_id
        sessions = self.manager.sessions
        for session in sessions.values():
            tx = session.tx
            if (tx is not None and tx.record.id_tag == id_tag) or session.locked_for == id_tag:
                return session.connector_id
        if len(sessions) == 1:
            return next(iter(sessions))
        reserved = self.manager.reserved.reserved_for(id_tag)
        if reserved is not None:
            return reserved
        for session in sessions.values():
            if session.plugged and self.manager.startable(session.connector_id):
                return session.connector_id
        return 0

    def token(self, connector_id: int, id_tag: str, now: datetime) -> None:
        """A token was presented at ``connector_id`` (after :meth:`token_connector`)."""
        manager = self.manager
        session = manager.sessions.get(connector_id)
        if session is None:
            manager.cp.emit_authorization_refused(connector_id, id_tag, "NoConnector")
            return
        if session.tx is not None:
            self._token_for_stop(session, id_tag, now)
        elif session.locked_for is not None:
            # After a DeAuthorized stop the cable is released only for the same identifier.
            if session.locked_for == id_tag:
                manager.unlock(connector_id)
            else:
                manager.cp.emit_authorization_refused(connector_id, id_tag, AuthorizationStatus.INVALID.value)
        elif session.grant is not None and session.grant.id_tag == id_tag and session.lock_ref is None:
            manager.cancel_incipient(session, now)  # second presentation: B1
        elif not manager.startable(connector_id):
            manager.cp.emit_authorization_refused(connector_id, id_tag, manager.connectors[connector_id].status.value)
        else:
            self._start(connector_id, id_tag, now, ask=True)

    def _token_for_stop(self, session: Session, id_tag: str, now: datetime) -> None:
        tx = session.tx
        assert tx is not None
        parent = tx.record.parent_id_tag
        same_group = parent is not None and self.manager.authorizer.parent_of(id_tag, now) == parent
        if id_tag == tx.record.id_tag or same_group:
            self.manager.stop_transaction(session.connector_id, Reason.LOCAL, now, id_tag_end=id_tag)
        elif parent is not None:
            self.authorize(session.connector_id, id_tag, now, purpose=_STOP)
        else:
            self.manager.cp.emit_authorization_refused(session.connector_id, id_tag, _NOT_OWNER)

    def grant_remote(self, connector_id: int, id_tag: str, now: datetime) -> None:
        """RemoteStartTransaction accepted: authorize (or not, per AuthorizeRemoteTxRequests)."""
        self._start(connector_id, id_tag, now, ask=bool(self.manager.cp.config.get_bool("AuthorizeRemoteTxRequests")))

    def _start(self, connector_id: int, id_tag: str, now: datetime, *, ask: bool) -> None:
        """Identification for a start: the reservations first, then authorize if ``ask`` (or if
        only the central system can tell the parentIdTag a reservation needs)."""
        check = self.manager.reserved.precheck(connector_id, id_tag, now)
        if check.verdict is Verdict.REFUSED:
            status = self.manager.connectors[connector_id].status.value
            self.manager.cp.emit_authorization_refused(connector_id, id_tag, status)
        elif check.verdict is Verdict.SAME_GROUP:
            info = IdTagInfo(status=AuthorizationStatus.ACCEPTED, parent_id_tag=check.parent_id_tag)
            self._decided(connector_id, id_tag, info, _START, now)
        elif ask or check.verdict is Verdict.ASK_PARENT:
            self.authorize(connector_id, id_tag, now, purpose=_START)
        else:
            self._decided(connector_id, id_tag, IdTagInfo(status=AuthorizationStatus.ACCEPTED), _START, now)

    # ------------------------------------------------------------------------------------------
    # authorizing
    def authorize(self, connector_id: int, id_tag: str, now: datetime, *, purpose: str) -> None:
        """Check ``id_tag`` locally, then with the central system if needed."""
        cp = self.manager.cp
        online = cp.accepted
        decision = self.manager.authorizer.lookup(id_tag, online=online, now=now)
        if decision.info is not None and not decision.must_ask_central_system:
            self._decided(connector_id, id_tag, decision.info, purpose, now)
            return
        message = cp.send(AuthorizeRequest(id_tag=id_tag), now) if online else None
        if message is None:
            self._decide_offline(connector_id, id_tag, purpose, now)
            return
        self._questions[message.seq] = _Question(connector_id, id_tag, purpose, now + cp.message_timeout())

    def _decide_offline(self, connector_id: int, id_tag: str, purpose: str, now: datetime) -> None:
        authorizer = self.manager.authorizer
        info = authorizer.lookup(id_tag, online=False, now=now).info
        if info is None:
            allowed = authorizer.offline_unknown_allowed(id_tag, now)
            info = IdTagInfo(status=AuthorizationStatus.ACCEPTED if allowed else AuthorizationStatus.INVALID)
        self._decided(connector_id, id_tag, info, purpose, now)

    def on_result(self, message: QueuedMessage, info: IdTagInfo | None, now: datetime) -> None:
        """Authorize.conf (``info``), or the Authorize.req failed (None)."""
        question = self._questions.pop(message.seq, None)
        if question is None:
            return
        if info is None:
            self._decide_offline(question.connector_id, question.id_tag, question.purpose, now)
            return
        if self.manager.authorizer.remember(question.id_tag, info, now):
            self.local_list_conflict(now)
        self._decided(question.connector_id, question.id_tag, info, question.purpose, now)

    def next_deadline(self) -> datetime | None:
        return earliest(*(q.check_at for q in self._questions.values()))

    def sweep(self, now: datetime) -> None:
        """Settle the questions whose Authorize.req left the queue unanswered (connection lost)."""
        if not self._questions:
            return
        queued = {m.seq for m in self.manager.cp.outbox.pending()}
        for seq, question in list(self._questions.items()):
            if seq not in queued:
                del self._questions[seq]
                self._decide_offline(question.connector_id, question.id_tag, question.purpose, now)
            elif now >= question.check_at:
                question.check_at = now + self.manager.cp.message_timeout()

    def _decided(self, connector_id: int, id_tag: str, info: IdTagInfo, purpose: str, now: datetime) -> None:
        manager = self.manager
        session = manager.sessions[connector_id]
        accepted = info.status in ACCEPTED
        if purpose == _STOP:
            tx = session.tx
            if tx is None:
                return  # stopped meanwhile
            if accepted and info.parent_id_tag is not None and info.parent_id_tag == tx.record.parent_id_tag:
                manager.stop_transaction(connector_id, Reason.LOCAL, now, id_tag_end=id_tag)
            else:
                manager.cp.emit_authorization_refused(
                    connector_id, id_tag, info.status.value if not accepted else _NOT_OWNER
                )
        elif not accepted:
            manager.cp.emit_authorization_refused(connector_id, id_tag, info.status.value)
        elif not manager.startable(connector_id):
            manager.cp.emit_authorization_refused(connector_id, id_tag, manager.connectors[connector_id].status.value)
        else:
            parent = info.parent_id_tag or manager.authorizer.parent_of(id_tag, now)
            admitted, reservation_id = manager.reserved.admit(connector_id, id_tag, parent)
            if admitted:
                manager.grant(session, id_tag, info.parent_id_tag, now, reservation_id)
            else:
                manager.cp.emit_authorization_refused(
                    connector_id, id_tag, manager.connectors[connector_id].status.value
                )
        manager.flush_status(now)

    def local_list_conflict(self, now: datetime) -> None:
        """The central system's answer differs from the local list: LocalListConflict on connector 0.

        A warning (the status does not change), reported once while it is active.
        """
        connector = self.manager.connectors[0]
        conflict = FaultRaised(
            connector_id=0, error_code="LocalListConflict", fault_id=_LOCAL_LIST_CONFLICT, is_fault=False
        )
        if connector.raise_error(conflict):
            self.manager.reporter.observe(connector, now)

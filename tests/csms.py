"""An independent OCPP 1.6J test central system, built on the PyPI ``ocpp`` package and ``websockets``.

This central system is deliberately *not* ours: it is mobilityhouse ``ocpp`` 2.1.0
(``ocpp.v16.ChargePoint`` with ``@on`` handlers, ``../shared/reference/peers.md`` §1.1) served by
``websockets.asyncio.server.serve`` on ``127.0.0.1``, port 0. A test drives it through
:class:`TestCentralSystem`::

    async with TestCentralSystem() as csms:
        ...  # connect a charge point to csms.url
        conn = await csms.wait_connected("CP1")
        boot = await csms.wait_for("BootNotification")
        result = await csms.call("CP1", call.GetConfiguration(key=["HeartbeatInterval"]))

What it does:

* **Handshake.** Requires the ``ocpp1.6`` subprotocol (websockets >= 14 answers HTTP 400 to a
  client that offers none of ``subprotocols``); ``on_no_common_subprotocol="accept"`` instead
  completes the handshake without a subprotocol and then closes, as OCPP-J §3.1.2 describes;
  ``force_subprotocol`` answers with a subprotocol the client did not offer. Optionally checks
  HTTP Basic auth (user name = last path segment, password bytes) and answers 401, and answers
  404 to identities not in ``known_ids``. TLS and mutual TLS come from ``ssl_context``
  (:func:`server_ssl_context`).
* **Recording.** Every handshake attempt is a :class:`ConnectionRecord` (path, headers, HTTP
  status, subprotocol, peer certificate subject, TLS version and cipher); every frame received
  or sent is a :class:`Frame`, in order, in :attr:`TestCentralSystem.frames`.
* **Answers.** BootNotification answers come from :attr:`TestCentralSystem.boot_answers` (one per
  call, oldest first) and then :attr:`TestCentralSystem.default_boot_answer`; Authorize and
  Start/StopTransaction use :attr:`TestCentralSystem.id_tag_status`; every action the charge
  point may send has a sensible default, and :attr:`TestCentralSystem.overrides` replaces any
  handler (it may raise an ``ocpp.exceptions.OCPPError`` to answer with a CALLERROR). Frames of
  an action in :attr:`TestCentralSystem.ignore_actions` are recorded and never answered.
* **Driving.** :meth:`~TestCentralSystem.call` sends a CALL and returns the result (a CALLERROR
  raises the ``ocpp`` exception); :meth:`~TestCentralSystem.send_raw` sends any text;
  :meth:`~TestCentralSystem.drop` closes (or aborts) a connection from the server side.
* **Waiting.** :meth:`~TestCentralSystem.wait_for`, :meth:`~TestCentralSystem.wait_connected` and
  :meth:`~TestCentralSystem.wait_disconnected` wake on the event itself, never by polling; each
  ``wait_for``/``wait_connected`` result is handed out once, so an event that happened before the
  wait began is not missed and not returned twice. Timeouts are upper bounds only; every wait has
  one by default (:data:`TIMEOUT`), which is why these coroutines take ``timeout=`` despite ruff's
  ASYNC109.

Fixtures: ``csms`` (a started plain ``ws://`` central system), ``pki`` and ``rsa_pki``
(session-wide :class:`tests.certs.TestPki` sets with EC and RSA keys). A test module binds the
ones it uses to module names (``from tests import csms as _csms`` then ``pki = _csms.pki``):
importing a fixture by name trips ruff's F811 where a test takes it as a parameter, and
``pytest_plugins`` belongs in the root ``tests/conftest.py``.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import dataclasses
import datetime as dt
import inspect
import itertools
import json
import os
import ssl
import urllib.parse
from collections import deque
from collections.abc import AsyncIterator, Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar, cast

import pytest
import pytest_asyncio
from ocpp.routing import on
from ocpp.v16 import ChargePoint as OcppChargePoint
from ocpp.v16 import call_result
from ocpp.v16.enums import Action
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.typing import Subprotocol

from tests.certs import PemFiles, TestPki, make_test_pki

__all__ = [
    "OCPP16",
    "TIMEOUT",
    "BootAnswer",
    "ConnectionRecord",
    "Frame",
    "TestCentralSystem",
    "csms",
    "pki",
    "rsa_pki",
    "server_ssl_context",
]

OCPP16 = "ocpp1.6"

TIMEOUT = 5.0 * float(os.environ.get("OCPP_TEST_TIMEOUT_SCALE", "1"))
"""Default upper bound (seconds) of every wait; scale it with ``OCPP_TEST_TIMEOUT_SCALE`` on slow machines."""

Direction = Literal["received", "sent"]
Override = Callable[..., Any]
"""``fn(cp_id, **snake_case_payload)`` returning an ``ocpp.v16.call_result`` object (or an awaitable of one)."""


@dataclass(frozen=True, slots=True)
class BootAnswer:
    """One BootNotification answer: ``status`` is ``Accepted``, ``Pending`` or ``Rejected``."""

    status: str = "Accepted"
    interval: int = 300


@dataclass(frozen=True, slots=True)
class Frame:
    """One websocket message received from or sent to a charge point.

    ``message`` is the decoded JSON (``None`` if the text is not JSON). ``action`` is the action of
    a CALL, or of the CALL a CALLRESULT/CALLERROR answers (when that CALL was seen).
    """

    seq: int
    cp_id: str
    direction: Direction
    text: str
    message: Any
    action: str | None

    @property
    def message_type(self) -> int | None:
        """2 (CALL), 3 (CALLRESULT), 4 (CALLERROR) or ``None`` for anything else."""
        if isinstance(self.message, list) and self.message and self.message[0] in (2, 3, 4):
            return int(self.message[0])
        return None

    @property
    def unique_id(self) -> str | None:
        """The frame's unique id, if it has one."""
        if self.message_type is not None and len(self.message) > 1 and isinstance(self.message[1], str):
            return str(self.message[1])
        return None

    @property
    def payload(self) -> Any:
        """The payload of a CALL or CALLRESULT, the error details of a CALLERROR, else ``None``."""
        index = {2: 3, 3: 2, 4: 4}.get(self.message_type or 0)
        if index is None or len(self.message) <= index:
            return None
        return self.message[index]

    @property
    def error_code(self) -> str | None:
        """The error code of a CALLERROR."""
        if self.message_type == 4 and len(self.message) > 2:
            return str(self.message[2])
        return None


@dataclass(slots=True)
class ConnectionRecord:
    """One websocket handshake attempt and, if it was accepted, the connection that followed.

    Mutable: ``status``, ``subprotocol``, ``closed`` and ``close_code`` are filled in as the
    connection progresses.
    """

    seq: int
    cp_id: str
    path: str
    headers: list[tuple[str, str]]
    peer_cert_subject: dict[str, str] | None
    tls_version: str | None
    cipher: str | None
    status: int | None = None
    subprotocol: str | None = None
    closed: bool = False
    close_code: int | None = None

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (case-insensitive), or ``None``."""
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    @property
    def accepted(self) -> bool:
        """Whether the handshake succeeded (HTTP 101)."""
        return self.status == 101


def server_ssl_context(
    server: PemFiles,
    *,
    client_ca: Path | None = None,
    maximum_version: ssl.TLSVersion | None = None,
    ciphers: str | None = None,
) -> ssl.SSLContext:
    """A TLS server context presenting ``server``'s certificate.

    With ``client_ca`` a client certificate issued by it is required (security profile 3).
    ``maximum_version`` and ``ciphers`` (OpenSSL syntax, TLS <= 1.2 only) restrict the handshake,
    e.g. ``maximum_version=TLSv1_2, ciphers="AES128-GCM-SHA256:AES256-GCM-SHA384"`` for a central
    system that only offers the static-RSA suites.
    """
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(server.cert, server.key)
    if client_ca is not None:
        ctx.load_verify_locations(client_ca)
        ctx.verify_mode = ssl.CERT_REQUIRED
    if maximum_version is not None:
        ctx.maximum_version = maximum_version
    if ciphers is not None:
        ctx.set_ciphers(ciphers)
    return ctx


_Handler = TypeVar("_Handler", bound=Callable[..., Any])


def _on(action: Action) -> Callable[[_Handler], _Handler]:
    """``ocpp.routing.on`` with a type (the ``ocpp`` package ships no annotations)."""
    return cast(Callable[[_Handler], _Handler], on(action))


def _subject(peercert: Any) -> dict[str, str] | None:
    # getpeercert() format: {"subject": ((("commonName", "CP-1"),), (("organizationName", "X"),))}
    if not isinstance(peercert, dict) or "subject" not in peercert:
        return None
    return {name: value for rdn in peercert["subject"] for name, value in rdn}


def _cp_id_from_path(path: str) -> str:
    return urllib.parse.unquote(path.split("?", 1)[0].rstrip("/").rpartition("/")[2])


def _now_text() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class _RecordingConnection:
    """The ``connection`` given to ``ocpp.ChargePoint``: records frames, holds back ignored ones."""

    def __init__(self, csms: TestCentralSystem, cp_id: str, ws: ServerConnection) -> None:
        self._csms = csms
        self._cp_id = cp_id
        self.ws = ws

    async def recv(self) -> str:
        while True:
            data = await self.ws.recv()
            text = data if isinstance(data, str) else data.decode("utf-8", "replace")
            frame = self._csms._record(self._cp_id, "received", text)
            if not (frame.message_type == 2 and frame.action in self._csms.ignore_actions):
                return text

    async def send(self, text: str) -> None:
        # Recorded before it is written, so the record keeps cause before effect.
        self._csms._record(self._cp_id, "sent", text)
        await self.ws.send(text)


class _CentralSystemPeer(OcppChargePoint):  # type: ignore[misc]
    """One charge point's connection, as seen by the central system (``ocpp`` calls it ChargePoint)."""

    def __init__(self, cp_id: str, connection: _RecordingConnection, csms: TestCentralSystem) -> None:
        super().__init__(cp_id, connection, response_timeout=csms.response_timeout)
        self._csms = csms

    async def _answer(self, action: Action, default: Callable[[], Any], kwargs: dict[str, Any]) -> Any:
        override = self._csms.overrides.get(str(action))
        if override is None:
            return default()
        result = override(self.id, **kwargs)
        if inspect.isawaitable(result):
            result = await result
        return result

    def _id_tag_info(self, id_tag: str) -> dict[str, str]:
        return {"status": self._csms.id_tag_status.get(id_tag, self._csms.default_id_tag_status)}

    @_on(Action.boot_notification)
    async def on_boot_notification(self, **kwargs: Any) -> Any:
        def default() -> Any:
            answers = self._csms.boot_answers
            answer = answers.popleft() if answers else self._csms.default_boot_answer
            return call_result.BootNotification(
                current_time=self._csms.clock(), interval=answer.interval, status=answer.status
            )

        return await self._answer(Action.boot_notification, default, kwargs)

    @_on(Action.heartbeat)
    async def on_heartbeat(self, **kwargs: Any) -> Any:
        return await self._answer(
            Action.heartbeat, lambda: call_result.Heartbeat(current_time=self._csms.clock()), kwargs
        )

    @_on(Action.status_notification)
    async def on_status_notification(self, **kwargs: Any) -> Any:
        return await self._answer(Action.status_notification, call_result.StatusNotification, kwargs)

    @_on(Action.authorize)
    async def on_authorize(self, **kwargs: Any) -> Any:
        return await self._answer(
            Action.authorize,
            lambda: call_result.Authorize(id_tag_info=self._id_tag_info(kwargs["id_tag"])),
            kwargs,
        )

    @_on(Action.start_transaction)
    async def on_start_transaction(self, **kwargs: Any) -> Any:
        def default() -> Any:
            return call_result.StartTransaction(
                transaction_id=next(self._csms._transaction_ids),
                id_tag_info=self._id_tag_info(kwargs["id_tag"]),
            )

        return await self._answer(Action.start_transaction, default, kwargs)

    @_on(Action.stop_transaction)
    async def on_stop_transaction(self, **kwargs: Any) -> Any:
        def default() -> Any:
            id_tag = kwargs.get("id_tag")
            return call_result.StopTransaction(id_tag_info=self._id_tag_info(id_tag) if id_tag else None)

        return await self._answer(Action.stop_transaction, default, kwargs)

    @_on(Action.meter_values)
    async def on_meter_values(self, **kwargs: Any) -> Any:
        return await self._answer(Action.meter_values, call_result.MeterValues, kwargs)

    @_on(Action.data_transfer)
    async def on_data_transfer(self, **kwargs: Any) -> Any:
        return await self._answer(
            Action.data_transfer, lambda: call_result.DataTransfer(status=self._csms.data_transfer_status), kwargs
        )

    @_on(Action.diagnostics_status_notification)
    async def on_diagnostics_status_notification(self, **kwargs: Any) -> Any:
        return await self._answer(
            Action.diagnostics_status_notification, call_result.DiagnosticsStatusNotification, kwargs
        )

    @_on(Action.firmware_status_notification)
    async def on_firmware_status_notification(self, **kwargs: Any) -> Any:
        return await self._answer(Action.firmware_status_notification, call_result.FirmwareStatusNotification, kwargs)

    @_on(Action.security_event_notification)
    async def on_security_event_notification(self, **kwargs: Any) -> Any:
        return await self._answer(Action.security_event_notification, call_result.SecurityEventNotification, kwargs)

    @_on(Action.sign_certificate)
    async def on_sign_certificate(self, **kwargs: Any) -> Any:
        return await self._answer(
            Action.sign_certificate, lambda: call_result.SignCertificate(status="Accepted"), kwargs
        )

    @_on(Action.log_status_notification)
    async def on_log_status_notification(self, **kwargs: Any) -> Any:
        return await self._answer(Action.log_status_notification, call_result.LogStatusNotification, kwargs)

    @_on(Action.signed_firmware_status_notification)
    async def on_signed_firmware_status_notification(self, **kwargs: Any) -> Any:
        return await self._answer(
            Action.signed_firmware_status_notification, call_result.SignedFirmwareStatusNotification, kwargs
        )


@dataclass(slots=True)
class _Session:
    record: ConnectionRecord
    ws: ServerConnection
    peer: _CentralSystemPeer


@dataclass(slots=True)
class _Waiters:
    """Records handed out by wait_for / wait_connected, so each is returned at most once."""

    frames: set[int] = field(default_factory=set)
    connections: set[int] = field(default_factory=set)
    handshakes: set[int] = field(default_factory=set)


class TestCentralSystem:
    """A central system on ``127.0.0.1`` (port chosen by the OS) for tests; see the module docstring.

    ``basic_auth`` maps a charge point id to its password bytes (or gives one password for every
    id); ``known_ids`` limits the identities that get past the handshake (others get 404).
    """

    __test__ = False  # not a pytest test class despite its name

    def __init__(
        self,
        *,
        ssl_context: ssl.SSLContext | None = None,
        basic_auth: Mapping[str, bytes] | bytes | None = None,
        known_ids: Collection[str] | None = None,
        subprotocols: Sequence[str] = (OCPP16,),
        on_no_common_subprotocol: Literal["reject", "accept"] = "reject",
        force_subprotocol: str | None = None,
        response_timeout: float = TIMEOUT,
        path: str = "/ocpp",
    ) -> None:
        self.ssl_context = ssl_context
        self.basic_auth = basic_auth
        self.known_ids = None if known_ids is None else frozenset(known_ids)
        self.subprotocols = tuple(subprotocols)
        self.on_no_common_subprotocol = on_no_common_subprotocol
        self.force_subprotocol = force_subprotocol
        self.response_timeout = response_timeout
        self.path = path.rstrip("/")

        # Behaviour a test may change at any time.
        self.boot_answers: deque[BootAnswer] = deque()
        self.default_boot_answer = BootAnswer()
        self.id_tag_status: dict[str, str] = {}
        self.default_id_tag_status = "Accepted"
        self.data_transfer_status = "Accepted"
        self.overrides: dict[str, Override] = {}
        self.ignore_actions: set[str] = set()
        self.clock: Callable[[], str] = _now_text

        # What happened.
        self.frames: list[Frame] = []
        self.connections: list[ConnectionRecord] = []

        self._transaction_ids: Iterator[int] = itertools.count(1)
        self._server: Server | None = None
        self._sessions: dict[str, _Session] = {}
        self._changed = asyncio.Event()  # replaced by a fresh one after every change
        self._handed_out = _Waiters()
        self._seq = itertools.count()
        self._pending_calls: dict[tuple[str, Direction, str], str] = {}

    # ---------------------------------------------------------------- lifecycle

    async def start(self) -> TestCentralSystem:
        """Start listening on ``127.0.0.1``, port 0."""
        select = (
            self._select_subprotocol if (self.force_subprotocol or self.on_no_common_subprotocol == "accept") else None
        )
        self._server = await serve(
            self._handler,
            "127.0.0.1",
            0,
            ssl=self.ssl_context,
            subprotocols=[Subprotocol(s) for s in self.subprotocols],
            select_subprotocol=select,
            process_request=self._process_request,
            process_response=self._process_response,
        )
        return self

    async def stop(self) -> None:
        """Close every connection and stop listening."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def __aenter__(self) -> TestCentralSystem:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        """The TCP port the server listens on."""
        if self._server is None:
            raise RuntimeError("the test central system is not started")
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def url(self) -> str:
        """The endpoint without the charge point id, e.g. ``ws://127.0.0.1:PORT/ocpp``."""
        scheme = "wss" if self.ssl_context is not None else "ws"
        return f"{scheme}://127.0.0.1:{self.port}{self.path}"

    def url_for(self, cp_id: str) -> str:
        """The full URL for ``cp_id`` (percent-encoded)."""
        return f"{self.url}/{urllib.parse.quote(cp_id, safe='')}"

    # ---------------------------------------------------------------- handshake

    def _select_subprotocol(self, connection: ServerConnection, offered: Sequence[Subprotocol]) -> Subprotocol | None:
        if self.force_subprotocol is not None:
            return Subprotocol(self.force_subprotocol)
        return next((Subprotocol(s) for s in self.subprotocols if s in offered), None)

    def _check_basic_auth(self, cp_id: str, header: str | None) -> bool:
        if self.basic_auth is None:
            return True
        if header is None or not header.startswith("Basic "):
            return False
        try:
            decoded = base64.b64decode(header[len("Basic ") :], validate=True)
        except binascii.Error:
            return False
        user, sep, password = decoded.partition(b":")
        if not sep or user.decode("utf-8", "replace") != cp_id:
            return False
        expected = self.basic_auth if isinstance(self.basic_auth, bytes) else self.basic_auth.get(cp_id)
        return expected is not None and password == expected

    async def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        cp_id = _cp_id_from_path(request.path)
        ssl_object = connection.transport.get_extra_info("ssl_object")
        cipher = connection.transport.get_extra_info("cipher")
        record = ConnectionRecord(
            seq=next(self._seq),
            cp_id=cp_id,
            path=request.path,
            headers=list(request.headers.raw_items()),
            peer_cert_subject=_subject(connection.transport.get_extra_info("peercert")),
            tls_version=ssl_object.version() if ssl_object is not None else None,
            cipher=cipher[0] if cipher else None,
        )
        connection.ocpp_record = record  # type: ignore[attr-defined]
        self.connections.append(record)
        self._notify()
        if self.known_ids is not None and cp_id not in self.known_ids:
            return connection.respond(404, f"Unknown charge point {cp_id!r}.\n")
        if not self._check_basic_auth(cp_id, request.headers.get("Authorization")):
            response = connection.respond(401, "Invalid credentials.\n")
            response.headers["WWW-Authenticate"] = 'Basic realm="ocpp", charset="UTF-8"'
            return response
        return None

    async def _process_response(self, connection: ServerConnection, request: Request, response: Response) -> None:
        record: ConnectionRecord = connection.ocpp_record  # type: ignore[attr-defined]
        record.status = response.status_code
        record.subprotocol = Headers(response.headers).get("Sec-WebSocket-Protocol")
        record.closed = response.status_code != 101
        self._notify()

    # ---------------------------------------------------------------- connection

    async def _handler(self, ws: ServerConnection) -> None:
        record: ConnectionRecord = ws.ocpp_record  # type: ignore[attr-defined]
        try:
            if ws.subprotocol != OCPP16:
                # No agreement on ocpp1.6: the handshake completed, now close (OCPP-J §3.1.2).
                await ws.close(1002, "subprotocol ocpp1.6 not agreed")
                return
            peer = _CentralSystemPeer(record.cp_id, _RecordingConnection(self, record.cp_id, ws), self)
            self._sessions[record.cp_id] = _Session(record, ws, peer)
            self._notify()
            with contextlib.suppress(ConnectionClosed):
                await peer.start()
        finally:
            session = self._sessions.get(record.cp_id)
            if session is not None and session.ws is ws:
                del self._sessions[record.cp_id]
            record.closed = True
            record.close_code = ws.close_code
            self._notify()

    def _record(self, cp_id: str, direction: Direction, text: str) -> Frame:
        try:
            message = json.loads(text)
        except ValueError:
            message = None
        frame = Frame(seq=next(self._seq), cp_id=cp_id, direction=direction, text=text, message=message, action=None)
        uid = frame.unique_id
        if uid is not None:
            if frame.message_type == 2 and len(message) > 2 and isinstance(message[2], str):
                self._pending_calls[(cp_id, direction, uid)] = message[2]
                frame = dataclasses.replace(frame, action=message[2])
            elif frame.message_type in (3, 4):
                other: Direction = "sent" if direction == "received" else "received"
                frame = dataclasses.replace(frame, action=self._pending_calls.pop((cp_id, other, uid), None))
        self.frames.append(frame)
        self._notify()
        return frame

    def _notify(self) -> None:
        # Wake every waiter; they re-check their condition and wait on the new event if unmet.
        self._changed.set()
        self._changed = asyncio.Event()

    def _session(self, cp_id: str) -> _Session:
        try:
            return self._sessions[cp_id]
        except KeyError:
            raise LookupError(f"charge point {cp_id!r} is not connected") from None

    # ---------------------------------------------------------------- driving

    async def call(self, cp_id: str, payload: Any, *, skip_schema_validation: bool = False) -> Any:
        """Send a CALL (an ``ocpp.v16.call`` object) to ``cp_id`` and return its ``call_result``.

        A CALLERROR raises the matching ``ocpp.exceptions.OCPPError``; no answer within
        ``response_timeout`` raises :class:`TimeoutError`.
        """
        peer = self._session(cp_id).peer
        return await peer.call(payload, suppress=False, skip_schema_validation=skip_schema_validation)

    async def send_raw(self, cp_id: str, text: str) -> None:
        """Send ``text`` as one text frame to ``cp_id``, as it is (it is recorded like any frame)."""
        connection: _RecordingConnection = self._session(cp_id).peer._connection
        await connection.send(text)

    async def drop(self, cp_id: str, *, abrupt: bool = False, code: int = 1001, timeout: float = TIMEOUT) -> None:  # noqa: ASYNC109
        """Close ``cp_id``'s connection from the server side and wait until it is gone.

        ``abrupt=True`` aborts the TCP connection without a closing handshake (a network loss).
        """
        session = self._session(cp_id)
        if abrupt:
            session.ws.transport.abort()
        else:
            await session.ws.close(code, "dropped by the test central system")
        await self.wait_disconnected(session.record, timeout=timeout)

    # ---------------------------------------------------------------- waiting

    async def _wait(self, find: Callable[[], Any], timeout: float, what: str) -> Any:  # noqa: ASYNC109
        """Wait until ``find()`` returns something other than ``None`` and return it."""
        try:
            async with asyncio.timeout(timeout):
                while (found := find()) is None:
                    await self._changed.wait()
        except TimeoutError:
            raise TimeoutError(f"test central system: no {what} within {timeout} s") from None
        return found

    async def wait_for(
        self,
        action: str,
        *,
        cp_id: str | None = None,
        message_type: int | None = None,
        timeout: float = TIMEOUT,  # noqa: ASYNC109
    ) -> Frame:
        """The oldest received frame of ``action`` not yet returned by ``wait_for``; waits for one.

        Matches a CALL of that action from the charge point, or its answer to our CALL of that
        action; ``message_type`` (2, 3, 4) narrows it down.
        """

        def find() -> Frame | None:
            for frame in self.frames:
                if (
                    frame.direction == "received"
                    and frame.action == action
                    and frame.seq not in self._handed_out.frames
                    and (cp_id is None or frame.cp_id == cp_id)
                    and (message_type is None or frame.message_type == message_type)
                ):
                    self._handed_out.frames.add(frame.seq)
                    return frame
            return None

        frame: Frame = await self._wait(find, timeout, f"{action} frame")
        return frame

    async def wait_frame(self, predicate: Callable[[Frame], bool], *, timeout: float = TIMEOUT) -> Frame:  # noqa: ASYNC109
        """The oldest received frame matching ``predicate`` not yet handed out; waits for one."""

        def find() -> Frame | None:
            for frame in self.frames:
                if frame.direction == "received" and frame.seq not in self._handed_out.frames and predicate(frame):
                    self._handed_out.frames.add(frame.seq)
                    return frame
            return None

        frame: Frame = await self._wait(find, timeout, "matching frame")
        return frame

    async def wait_connected(self, cp_id: str | None = None, *, timeout: float = TIMEOUT) -> ConnectionRecord:  # noqa: ASYNC109
        """The oldest accepted OCPP connection not yet returned by ``wait_connected``; waits for one."""

        def find() -> ConnectionRecord | None:
            for record in self.connections:
                if (
                    record.accepted
                    and record.subprotocol == OCPP16
                    and record.seq not in self._handed_out.connections
                    and (cp_id is None or record.cp_id == cp_id)
                    and (record.closed or self._is_current(record))
                ):
                    self._handed_out.connections.add(record.seq)
                    return record
            return None

        record: ConnectionRecord = await self._wait(find, timeout, f"connection of {cp_id or 'any charge point'}")
        return record

    async def wait_disconnected(self, which: str | ConnectionRecord, *, timeout: float = TIMEOUT) -> ConnectionRecord:  # noqa: ASYNC109
        """Wait until a connection is closed: a record, or the current connection of a charge point id."""
        record = which if isinstance(which, ConnectionRecord) else self._session(which).record
        await self._wait(lambda: record if record.closed else None, timeout, f"disconnect of {record.cp_id}")
        return record

    def _is_current(self, record: ConnectionRecord) -> bool:
        session = self._sessions.get(record.cp_id)
        return session is not None and session.record is record

    async def wait_handshake(self, *, timeout: float = TIMEOUT) -> ConnectionRecord:  # noqa: ASYNC109
        """The oldest handshake attempt (accepted or not) whose HTTP status is known, not yet returned."""

        def find() -> ConnectionRecord | None:
            for record in self.connections:
                if record.status is not None and record.seq not in self._handed_out.handshakes:
                    self._handed_out.handshakes.add(record.seq)
                    return record
            return None

        record: ConnectionRecord = await self._wait(find, timeout, "handshake")
        return record

    def received(self, action: str | None = None, *, cp_id: str | None = None) -> list[Frame]:
        """Frames received so far, optionally only those of ``action`` and/or ``cp_id``."""
        return [
            f
            for f in self.frames
            if f.direction == "received"
            and (action is None or f.action == action)
            and (cp_id is None or f.cp_id == cp_id)
        ]


# -------------------------------------------------------------------- fixtures


@pytest_asyncio.fixture
async def csms() -> AsyncIterator[TestCentralSystem]:
    """A started plain ``ws://`` test central system (no auth); stopped after the test."""
    async with TestCentralSystem() as central_system:
        yield central_system


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPki:
    """EC (P-256) CA, server, client (CN = ``CP-SERIAL-0001``) and unrelated CA, as PEM files."""
    return make_test_pki(tmp_path_factory.mktemp("pki-ec"), key_type="ec")


@pytest.fixture(scope="session")
def rsa_pki(tmp_path_factory: pytest.TempPathFactory) -> TestPki:
    """The same set with RSA-2048 keys (for the static-RSA cipher suites)."""
    return make_test_pki(tmp_path_factory.mktemp("pki-rsa"), key_type="rsa")

"""The asyncio driver: runs a :class:`~ocpp_core.chargepoint.ChargePoint` over ``websockets``.

Theory of operation
-------------------
This is the only module of ``ocpp_core`` that does I/O. :class:`Driver` owns the websocket, the
reconnect loop and every timer; the engine owns all protocol decisions. Every input to the engine
goes through :meth:`Driver.step` under one lock, and after each input the driver:

1. applies the engine's storage operations (``await store.apply(ops)``) -- if that fails, nothing
   of this step is sent and the driver stops with the error (the next start resumes from storage);
2. sends the engine's frames, in order, recording each in the trace;
3. hands the engine's events to the application (and acts on ``ReconnectRequested`` itself).

While connected three tasks run: the reader (frames in), the timer (wakes at the engine's next
deadline) and the pinger (WebSocketPingInterval, closing the connection when no pong comes back
within WebsocketPongTimeout). When the connection ends the driver waits a back-off delay from
:func:`ocpp_core.transport.backoff_delays` and connects again; a successful connection restarts the
back-off sequence.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import ssl
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from ocpp_core import transport
from ocpp_core.chargepoint import ChargePoint
from ocpp_core.events import Event, ReconnectRequested
from ocpp_core.redaction import redact_frame
from ocpp_core.storage import Store

__all__ = ["Driver", "EventSink", "FailureSink", "TlsFiles", "TraceSink"]

log = logging.getLogger(__name__)

T = TypeVar("T")
#: Receives (direction "in"/"out", frame text, time) for every frame on the wire, secrets masked.
TraceSink = Callable[[Literal["in", "out"], str, datetime], Awaitable[None] | None]
EventSink = Callable[[list[Event]], Awaitable[None] | None]
#: Told about every failed connection attempt (for security events and the dashboard).
FailureSink = Callable[[transport.FailureKind, BaseException], Awaitable[None] | None]


@dataclass(frozen=True, slots=True, kw_only=True)
class TlsFiles:
    """Certificate files for security profiles 2 and 3 (PEM)."""

    csms_root: str | None = None
    client_cert: str | None = None
    client_key: str | None = None


def utc_now() -> datetime:
    return datetime.now(UTC)


class Driver:
    """Connects a charge point engine to its central system and keeps it connected."""

    def __init__(
        self,
        cp: ChargePoint,
        store: Store,
        *,
        on_events: EventSink | None = None,
        trace: TraceSink | None = None,
        on_failure: FailureSink | None = None,
        tls: TlsFiles | None = None,
        clock: Callable[[], datetime] = utc_now,
        rng: random.Random | None = None,
        open_timeout: float = 10.0,
    ) -> None:
        self.cp = cp
        self.store = store
        self._on_events = on_events
        self._trace = trace
        self._on_failure = on_failure
        self._tls = tls or TlsFiles()
        self._clock = clock
        self._rng = rng or random.Random()
        self._open_timeout = open_timeout
        self._lock = asyncio.Lock()
        self._ws: ClientConnection | None = None
        self._wakeup = asyncio.Event()
        #: The deadline the timer task sleeps until (None: until woken).
        self._armed: datetime | None = None
        self._reconnect_after: float | None = None
        self._background: set[asyncio.Task[None]] = set()
        self._stopping = False
        #: Set once a connection is established; cleared when it ends (for tests and readiness).
        self.connected = asyncio.Event()
        self.last_failure: transport.FailureKind | None = None

    # ------------------------------------------------------------------------------------------
    async def step(self, fn: Callable[[datetime], T]) -> T:
        """Run ``fn(now)`` against the engine, then persist, send and dispatch its output."""
        async with self._lock:
            result = fn(self._clock())
            await self._flush()
        # Wake the timer task only when it must wake earlier than it planned: a later or
        # vanished deadline is found when it wakes (one check), not by a wake-up per step.
        deadline = self.cp.next_deadline()
        if deadline is not None and (self._armed is None or deadline < self._armed):
            self._wakeup.set()
        return result

    async def _flush(self) -> None:
        ops = self.cp.storage_ops()
        if ops:
            await self.store.apply(ops)
        frames = self.cp.data_to_send()
        for frame in frames:
            await self._record("out", frame)
            if self._ws is not None:
                with contextlib.suppress(ConnectionClosed):
                    await self._ws.send(frame)
        events = self.cp.events()
        for event in events:
            if isinstance(event, ReconnectRequested):
                self._request_reconnect(event.delay)
        if events and self._on_events is not None:
            outcome = self._on_events(events)
            if outcome is not None:
                await outcome

    async def _record(self, direction: Literal["in", "out"], frame: str) -> None:
        if self._trace is not None:
            outcome = self._trace(direction, redact_frame(frame), self._clock())
            if outcome is not None:
                await outcome

    def _request_reconnect(self, delay: float) -> None:
        """Close the connection after ``delay`` seconds (the central system reads our last answer
        meanwhile, e.g. the ChangeConfiguration.conf of a new AuthorizationKey), then reconnect."""
        self._reconnect_after = 0.0
        ws = self._ws
        if ws is not None:
            # Keep a reference: the event loop holds tasks weakly, an unreferenced one may vanish.
            task = asyncio.get_running_loop().create_task(self._close_later(ws, delay))
            self._background.add(task)
            task.add_done_callback(self._background.discard)

    @staticmethod
    async def _close_later(ws: ClientConnection, delay: float) -> None:
        await asyncio.sleep(delay)
        await ws.close(code=1000, reason="reconnecting")

    # ------------------------------------------------------------------------------------------
    def _url_and_options(self) -> tuple[str, dict[str, Any]]:
        cfg = self.cp.config
        profile = cfg.get_int("SecurityProfile") or 0
        charge_point_id = str(cfg.get("ChargePointId"))
        url = transport.build_url(str(cfg.get("CentralSystemURI")), charge_point_id, profile)
        password = cfg.basic_auth_password() if profile in (1, 2) else None
        headers = transport.handshake_headers(
            security_profile=profile, charge_point_id=charge_point_id, password=password
        )
        host_name = cfg.get("HostName")
        if host_name:
            headers["User-Host"] = str(host_name)
        options: dict[str, Any] = {"additional_headers": headers}
        if profile >= 2:
            options["ssl"] = self._ssl_context(profile)
        return url, options

    def _ssl_context(self, profile: int) -> ssl.SSLContext:
        cfg = self.cp.config
        return transport.client_ssl_context(
            security_profile=profile,
            ca_file=self._tls.csms_root,
            client_cert_file=self._tls.client_cert if profile == 3 else None,
            client_key_file=self._tls.client_key if profile == 3 else None,
            verify_hostname=cfg.get_bool("VerifyCsmsCommonName") is not False,
            ciphers12=cfg.get_list("SupportedCiphers12"),
            ciphers13=cfg.get_list("SupportedCiphers13"),
        )

    def _backoff(self) -> Iterator[float]:
        cfg = self.cp.config

        def setting(name: str, default: int) -> int:
            value = cfg.get_int(name)
            return default if value is None else value

        return transport.backoff_delays(
            wait_minimum=float(setting("RetryBackoffWaitMinimum", 3)),
            random_range=float(setting("RetryBackoffRandomRange", 10)),
            repeat_times=setting("RetryBackoffRepeatTimes", 3),
            rng=self._rng,
        )

    async def run(self) -> None:
        """Connect, serve, and reconnect with back-off until cancelled or :meth:`stop` is called.

        The engine's timers run for the whole time, connected or not.
        """
        timers = asyncio.ensure_future(self._timers())
        try:
            await self._connect_loop()
        finally:
            timers.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await timers

    async def _connect_loop(self) -> None:
        delays = self._backoff()
        while not self.stop_requested():
            try:
                url, options = self._url_and_options()
                ws = await connect(
                    url,
                    subprotocols=[Subprotocol(transport.OCPP16_SUBPROTOCOL)],
                    open_timeout=self._open_timeout,
                    ping_interval=None,
                    max_size=2**22,
                    **options,
                )
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                kind = transport.classify_connect_failure(exc)
                self.last_failure = kind
                log.warning("connection to the central system failed (%s): %s", kind.value, exc)
                await self._on_connect_failure(kind, exc)
                await self._sleep(next(delays))
                continue
            try:
                transport.check_subprotocol(ws.subprotocol)
            except transport.SubprotocolNotAgreed as exc:
                self.last_failure = transport.FailureKind.BAD_SUBPROTOCOL
                log.warning("%s; closing", exc)
                await ws.close(code=1002, reason="subprotocol ocpp1.6 required")
                await self._sleep(next(delays))
                continue
            delays = self._backoff()
            self.last_failure = None
            await self._serve(ws)
            if self.stop_requested():
                break
            if self._reconnect_after is not None:
                delay, self._reconnect_after = self._reconnect_after, None
                await self._sleep(delay)
            else:
                await self._sleep(next(delays))

    async def _on_connect_failure(self, kind: transport.FailureKind, exc: Exception) -> None:
        if self._on_failure is not None:
            outcome = self._on_failure(kind, exc)
            if outcome is not None:
                await outcome

    async def _sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))

    async def _serve(self, ws: ClientConnection) -> None:
        self._ws = ws
        self.connected.set()
        log.info("connected to %s", ws.request.path if ws.request is not None else "?")
        try:
            await self.step(self.cp.connection_made)
            async with asyncio.TaskGroup() as group:
                reader = group.create_task(self._read(ws))
                pinger = group.create_task(self._ping(ws))
                await reader
                pinger.cancel()
        finally:
            self._ws = None
            self.connected.clear()
            await self.step(self.cp.connection_lost)

    async def _read(self, ws: ClientConnection) -> None:
        try:
            async for message in ws:
                await self._record("in", message if isinstance(message, str) else repr(message))

                def receive(now: datetime, text: str | bytes = message) -> None:
                    self.cp.receive_text(text, now)

                await self.step(receive)
        except ConnectionClosed:
            pass

    async def _timers(self) -> None:
        """Wake at the engine's next deadline, connected or not (sampling goes on offline)."""
        while True:
            self._wakeup.clear()
            deadline = self._armed = self.cp.next_deadline()
            delay = None if deadline is None else max(0.0, (deadline - self._clock()).total_seconds())
            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation that
            # races with the inner wait finishing, and then this task would never end.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await self._wakeup.wait()
            deadline = self.cp.next_deadline()
            if deadline is not None and deadline <= self._clock():
                await self.step(self.cp.tick)

    async def _ping(self, ws: ClientConnection) -> None:
        cfg = self.cp.config
        while True:
            interval = cfg.get_int("WebSocketPingInterval") or 0
            if interval <= 0:
                # Re-read the key from time to time: ChangeConfiguration applies live.
                await asyncio.sleep(1.0)
                continue
            await asyncio.sleep(interval)
            pong_timeout = cfg.get_int("WebsocketPongTimeout") or 5
            try:
                waiter = await ws.ping(str(cfg.get("WebsocketPingPayload") or "").encode()[:125])
                await asyncio.wait_for(waiter, pong_timeout)
            except (TimeoutError, ConnectionClosed):
                log.warning("no pong within %s s; closing the connection", pong_timeout)
                await ws.close(code=1011, reason="pong timeout")
                return

    def stop_requested(self) -> bool:
        """Whether :meth:`stop` was called."""
        return self._stopping

    async def stop(self) -> None:
        """Close the connection cleanly and end :meth:`run`."""
        self._stopping = True
        ws = self._ws
        if ws is not None:
            await ws.close(code=1000, reason="station stopping")

"""The control API in the split deployment: the web process forwards to the OCPP worker over Redis.

In the split deployment (DESIGN.md "Processes", CONTROL_API.md §1) daphne serves HTTP while
``manage.py ocpp_worker`` runs the station; both use the Redis channel layer
(``STATION_CHANNEL_LAYER=redis``) and the same database. The web process has no
:class:`~station.station.Station`, so ``station/asgi.py`` registers a :class:`RemoteController`
instead, and the worker serves it with a :class:`ControlServer` (started by
:func:`station.runtime.run_station` through :func:`control_listener`).

Actions (plug, present-token, faults ...)
    :class:`RemoteController` sends ``{"type": "station.control", "action", "args", "reply_to",
    "expires"}`` to the named channel :attr:`DeploymentNames.control` and waits on its own reply
    channel (``layer.new_channel()``) for ``{"ok": true}`` or ``{"ok": false, "error": KIND,
    "message"}``. KIND maps back to the exception the Station raised, so the API answers as in one
    process: ``unknown_connector`` → 404, ``conflict`` → 409, ``invalid`` → 400, ``not_running`` →
    503. No reply within :data:`FORWARD_TIMEOUT` seconds (worker down or busy restarting), a full
    channel or an unreachable Redis → :class:`~station.runtime.StationNotRunning` (503, "the OCPP
    worker does not answer"). The worker serves requests one at a time, in arrival order, and
    drops a request whose ``expires`` has passed: the web process has already answered 503, so
    the action must not happen later by surprise.

    Neither side cancels a pending ``layer.receive()``: with channels_redis a cancelled blocking
    Redis read can swallow the cancellation and keep reading, or lose the message it was
    receiving (redis/redis-py#2028, django/channels_redis#366). So the web process ends its wait
    with a timeout message it sends to its own reply channel, and the worker ends its serve loop
    with a stop message to its control channel.

Station status (``GET /api/v1/station``)
    ``station_status()`` is synchronous and must not wait for the worker, so the worker
    *publishes* it: a JSON document ``{"status", "published_at", "pid"}`` stored in Redis under
    :attr:`DeploymentNames.status_key` with a time-to-live of :data:`STATUS_TTL` seconds. The
    worker writes it when it changes (checked every :data:`STATUS_POLL` seconds, and at once after
    each forwarded action, before the reply, so a client reading after its own action sees its
    effect), and at least every :data:`STATUS_REFRESH` seconds; it deletes it when it stops. The
    web process reads the key: missing (worker stopped, crashed or restarting for longer than the
    TTL) → 503. The TTL makes the status double as the worker's liveness signal.

Transactions (``GET /api/v1/transactions``)
    Read by the web process itself from the shared database: no worker needed.

Names
    A Redis server may serve several deployments (or test runs). The channel and the key carry a
    short hash of the database settings (engine, host, port, name), which both processes share
    and which identify one deployment; see :func:`deployment_names`.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import os
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings

from station import runtime

__all__ = [
    "FORWARD_TIMEOUT",
    "ControlServer",
    "DeploymentNames",
    "RemoteController",
    "StatusBoard",
    "control_listener",
    "deployment_names",
    "install_web_controller",
    "uses_redis_layer",
]

log = logging.getLogger(__name__)

#: Seconds the web process waits for the worker's reply to an action.
FORWARD_TIMEOUT = 5.0
#: Seconds the published status lives in Redis unless refreshed.
STATUS_TTL = 6
#: The worker republishes an unchanged status this often (seconds).
STATUS_REFRESH = 2.0
#: The worker checks the station's status for changes this often (seconds).
STATUS_POLL = 0.2
#: Seconds between attempts when the worker cannot reach Redis.
RETRY_DELAY = 1.0

#: Extra seconds before the web process stops waiting even without its own timeout message.
BACKSTOP = 5.0
#: How the worker's serve loop is stopped: wait this long for it, this many times.
STOP_WAIT = 1.0
STOP_ATTEMPTS = 5

NOT_ANSWERING = "the OCPP worker does not answer"
#: Message types on the control channel and the reply channels.
REQUEST = "station.control"
REPLY = "station.control.reply"
TIMED_OUT = "station.control.timeout"
STOP = "station.control.stop"
REDIS_BACKEND = "channels_redis.core.RedisChannelLayer"

#: The actions a web process may ask for: the StationController methods besides the reads.
ACTIONS = frozenset(
    {
        "plug",
        "unplug",
        "present_token",
        "ev_suspend",
        "ev_resume",
        "raise_fault",
        "clear_faults",
        "simulator_knobs",
        "dashboard",
    }
)

#: Error kinds in replies and the exceptions they stand for.
_ERRORS: tuple[tuple[type[Exception], str], ...] = (
    (runtime.UnknownConnector, "unknown_connector"),
    (runtime.ActionConflict, "conflict"),
    (runtime.StationNotRunning, "not_running"),
    (ValueError, "invalid"),
)
_EXCEPTIONS: dict[str, type[Exception]] = {kind: cls for cls, kind in _ERRORS}


# --- configuration ---------------------------------------------------------------------------------


def uses_redis_layer() -> bool:
    """Whether the default channel layer is Redis (``STATION_CHANNEL_LAYER=redis``)."""
    return bool(settings.CHANNEL_LAYERS.get("default", {}).get("BACKEND") == REDIS_BACKEND)


def redis_url() -> str:
    """The Redis server of the default channel layer (the first host)."""
    hosts = settings.CHANNEL_LAYERS["default"].get("CONFIG", {}).get("hosts") or ["redis://127.0.0.1:6379/0"]
    host = hosts[0]
    if isinstance(host, str):
        return host
    if isinstance(host, dict) and isinstance(host.get("address"), str):
        return str(host["address"])
    if isinstance(host, list | tuple) and len(host) == 2:
        return f"redis://{host[0]}:{host[1]}/0"
    raise ValueError(f"CHANNEL_LAYERS: cannot read a Redis address from {host!r}")


@dataclass(frozen=True, slots=True)
class DeploymentNames:
    """The Redis names one deployment (one worker and its web processes) uses."""

    control: str
    status_key: str


def deployment_names(tag: str | None = None) -> DeploymentNames:
    """Names derived from ``tag`` (default: the database settings both processes share)."""
    if tag is None:
        db = settings.DATABASES["default"]
        tag = "|".join(str(db.get(field, "")) for field in ("ENGINE", "HOST", "PORT", "NAME"))
    digest = hashlib.sha256(tag.encode()).hexdigest()[:12]
    return DeploymentNames(control=f"station.control.{digest}", status_key=f"station:status:{digest}")


def _default_layer() -> Any:
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    if layer is None:
        raise runtime.StationNotRunning("no channel layer is configured")
    return layer


class StatusBoard:
    """The published station status in Redis (synchronous client, thread-safe connection pool)."""

    def __init__(self, url: str, key: str) -> None:
        import redis  # here, not at module level: the embedded station never loads it (5.6 MB)

        self.key = key
        self._client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)

    def publish(self, status: dict[str, Any]) -> None:
        document = {"status": status, "published_at": datetime.now(UTC).isoformat(), "pid": os.getpid()}
        self._client.set(self.key, json.dumps(document), ex=STATUS_TTL)

    def read(self) -> dict[str, Any] | None:
        raw = self._client.get(self.key)
        if raw is None:
            return None
        document = json.loads(raw)
        status = document.get("status") if isinstance(document, dict) else None
        return status if isinstance(status, dict) else None

    def withdraw(self) -> None:
        self._client.delete(self.key)

    def close(self) -> None:
        self._client.close()


# --- the web process ------------------------------------------------------------------------------


class RemoteController:
    """The :class:`~station.runtime.StationController` of a web process without the OCPP client."""

    def __init__(
        self,
        *,
        layer: Any = None,
        names: DeploymentNames | None = None,
        url: str | None = None,
        timeout: float = FORWARD_TIMEOUT,
    ) -> None:
        self._layer = layer
        self.names = names or deployment_names()
        self.timeout = timeout
        self.board = StatusBoard(url or redis_url(), self.names.status_key)
        self._posting: set[asyncio.Task[None]] = set()

    @property
    def layer(self) -> Any:
        if self._layer is None:
            self._layer = _default_layer()
        return self._layer

    # reads
    def station_status(self) -> dict[str, Any]:
        """The status the worker published last (a short blocking Redis read; see :meth:`astation_status`)."""
        import redis

        try:
            status = self.board.read()
        except (redis.RedisError, ValueError) as exc:
            raise runtime.StationNotRunning(f"the station's status cannot be read from Redis: {exc}") from None
        if status is None:
            raise runtime.StationNotRunning(f"{NOT_ANSWERING}: it has published no status")
        return status

    async def astation_status(self) -> dict[str, Any]:
        """:meth:`station_status` without blocking the event loop (the control API uses this)."""
        status: dict[str, Any] = await sync_to_async(self.station_status, thread_sensitive=False)()
        return status

    async def transactions(self) -> list[dict[str, Any]]:
        from station import models

        return await sync_to_async(models.Transaction.api_list)()

    # actions
    async def plug(self, n: int) -> None:
        await self._forward("plug", n=n)

    async def unplug(self, n: int) -> None:
        await self._forward("unplug", n=n)

    async def present_token(self, n: int, id_tag: str) -> None:
        await self._forward("present_token", n=n, id_tag=id_tag)

    async def ev_suspend(self, n: int) -> None:
        await self._forward("ev_suspend", n=n)

    async def ev_resume(self, n: int) -> None:
        await self._forward("ev_resume", n=n)

    async def raise_fault(self, n: int, error_code: str, info: str) -> None:
        await self._forward("raise_fault", n=n, error_code=error_code, info=info)

    async def clear_faults(self, n: int) -> None:
        await self._forward("clear_faults", n=n)

    async def simulator_knobs(self, n: int, **knobs: Any) -> None:
        await self._forward("simulator_knobs", n=n, **knobs)

    async def dashboard(self, name: str, args: str) -> str:
        """A dashboard query (``station/dashboard/station_queries.py``), answered by the worker."""
        answer = await self._forward("dashboard", name=name, args=args)
        if not isinstance(answer, str):
            raise runtime.StationNotRunning(f"{NOT_ANSWERING} (a dashboard query came back without its answer)")
        return answer

    def _post_soon(self, layer: Any, reply_to: str) -> None:
        """Post our own timeout message (keeping the task referenced: the loop holds tasks weakly)."""
        task = asyncio.ensure_future(_post(layer, reply_to, TIMED_OUT))
        self._posting.add(task)
        task.add_done_callback(self._posting.discard)

    async def _forward(self, action: str, **args: Any) -> Any:
        import redis
        from channels.exceptions import ChannelFull

        layer = self.layer
        loop = asyncio.get_running_loop()
        timer: asyncio.TimerHandle | None = None
        try:
            reply_to = await layer.new_channel("station.reply")
            request = {"action": action, "args": args, "reply_to": reply_to, "expires": time.time() + self.timeout}
            await layer.send(self.names.control, {"type": REQUEST, **request})
            # The wait ends with the worker's reply or with our own timeout message, never by
            # cancelling the receive: a cancelled blocking Redis read can swallow the
            # cancellation (redis/redis-py#2028) and lose a message. asyncio.timeout stays as
            # a backstop for a Redis server that stops answering altogether.
            timer = loop.call_later(self.timeout, self._post_soon, layer, reply_to)
            async with asyncio.timeout(self.timeout + BACKSTOP):
                reply = await layer.receive(reply_to)
        except TimeoutError:
            reply = {"type": TIMED_OUT}
        except ChannelFull:
            raise runtime.StationNotRunning(f"{NOT_ANSWERING} (its control channel is full)") from None
        except (redis.RedisError, OSError) as exc:
            raise runtime.StationNotRunning(f"{NOT_ANSWERING} (the channel layer is not reachable: {exc})") from None
        finally:
            if timer is not None:
                timer.cancel()
        if reply.get("type") == TIMED_OUT:
            raise runtime.StationNotRunning(f"{NOT_ANSWERING} (no reply within {self.timeout:g} s)")
        if reply.get("ok"):
            return reply.get("result")
        kind, message = str(reply.get("error", "")), str(reply.get("message", ""))
        raise _EXCEPTIONS.get(kind, RuntimeError)(message or f"the OCPP worker failed: {kind}")


async def _post(layer: Any, channel: str, message_type: str, **fields: Any) -> None:
    """Send a control message, ignoring failures (the receiver has its own fallback)."""
    try:
        await layer.send(channel, {"type": message_type, **fields})
    except Exception as exc:
        log.debug("cannot send %s to %s: %s", message_type, channel, exc)


def install_web_controller() -> bool:
    """In a web process with the Redis channel layer, register the forwarding controller.

    Called by ``station/asgi.py``. A station running in the same process (``runstation``) still
    registers itself when it starts, replacing this one.
    """
    if not uses_redis_layer():
        return False
    runtime.set_controller(RemoteController())
    return True


# --- the worker -----------------------------------------------------------------------------------


class ControlServer:
    """Serves the forwarded actions and publishes the station's status (in the worker process).

    ``controller`` returns the running station (``runtime.get_controller``: after a Reset the
    station is rebuilt, so it is looked up for every request).
    """

    def __init__(
        self,
        *,
        layer: Any = None,
        names: DeploymentNames | None = None,
        url: str | None = None,
        controller: Callable[[], runtime.StationController] = runtime.get_controller,
    ) -> None:
        self._layer = layer
        self.names = names or deployment_names()
        self.board = StatusBoard(url or redis_url(), self.names.status_key)
        self._controller = controller
        self._publishing = asyncio.Lock()
        self._id = uuid.uuid4().hex
        self._stopping = asyncio.Event()
        self._published: str | None = None
        self._published_at = 0.0

    async def run(self) -> None:
        """Serve and publish until cancelled; the published status is withdrawn at the end."""
        layer = self._layer if self._layer is not None else _default_layer()
        serving = asyncio.ensure_future(self._serve(layer))
        publishing = asyncio.ensure_future(self._publish_loop())
        try:
            # Both loops handle their errors and run until stopped: this waits for cancellation.
            await asyncio.wait({serving, publishing}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            publishing.cancel()  # it never waits on a blocking Redis read: cancelling is safe
            await self._stop_serving(layer, serving)
            await asyncio.wait({publishing})
            with contextlib.suppress(Exception):
                await sync_to_async(self.board.withdraw, thread_sensitive=False)()
            self.board.close()
        for task in (serving, publishing):
            error = None if task.cancelled() else task.exception()
            if error is not None:
                raise error

    async def _stop_serving(self, layer: Any, serving: asyncio.Future[None]) -> None:
        """End the serve loop by a message to itself (see ``RemoteController._forward`` on why not cancel)."""
        self._stopping.set()
        if not serving.done():
            await _post(layer, self.names.control, STOP, server=self._id)
        for _ in range(STOP_ATTEMPTS):
            done, _ = await asyncio.wait({serving}, timeout=STOP_WAIT)
            if done:
                return
            serving.cancel()  # no answer to the stop message (Redis down?): cancel, again if swallowed
        log.warning("the control channel listener did not stop")

    def _station(self) -> runtime.StationController:
        """The running station; never a forwarding controller (``runstation`` with Redis, before its
        station is up, has only the one ``asgi.py`` registered: serving it would forward to ourselves)."""
        controller = self._controller()
        if isinstance(controller, RemoteController):
            raise runtime.StationNotRunning("the station is starting")
        return controller

    # -- actions -----------------------------------------------------------------------------------
    async def _serve(self, layer: Any) -> None:
        log.info("serving the control API's actions on %s", self.names.control)
        while not self._stopping.is_set():
            try:
                message = await layer.receive(self.names.control)
            except Exception as exc:  # Redis down, a message it cannot decode ...: keep serving
                log.warning("cannot receive from the channel layer: %s; retrying", exc)
                await asyncio.sleep(RETRY_DELAY)
                continue
            if not isinstance(message, dict) or message.get("type") == STOP:
                continue  # our own stop message (the loop ends) or an older worker's (ignored)
            if self._stopping.is_set():
                reply: dict[str, Any] | None = {
                    "ok": False,
                    "error": "not_running",
                    "message": "the worker is stopping",
                }
            else:
                reply = await self.handle(message)
                if reply is not None:
                    await self.publish_now()
            reply_to = message.get("reply_to")
            if reply is not None and isinstance(reply_to, str):
                await _post(layer, reply_to, REPLY, **reply)

    async def handle(self, message: dict[str, Any]) -> dict[str, Any] | None:
        """Run one forwarded action; the reply, or ``None`` for a request that must not be answered."""
        action, args, reply_to = message.get("action"), message.get("args"), message.get("reply_to")
        if not isinstance(reply_to, str):
            log.warning("dropping a control message without reply channel: %r", message)
            return None
        expires = message.get("expires")
        if isinstance(expires, int | float) and time.time() > expires:
            log.warning("dropping an expired %s request (the web process has answered 503)", action)
            return None
        if action not in ACTIONS or not isinstance(args, dict):
            return {"ok": False, "error": "invalid", "message": f"unknown control action {action!r}"}
        try:
            result = await getattr(self._station(), str(action))(**args)
        except Exception as exc:
            for cls, kind in _ERRORS:
                if isinstance(exc, cls):
                    return {"ok": False, "error": kind, "message": str(exc)}
            log.exception("control action %s failed", action)
            return {"ok": False, "error": "internal", "message": f"{type(exc).__name__}: {exc}"}
        return {"ok": True} if result is None else {"ok": True, "result": result}

    # -- status ------------------------------------------------------------------------------------
    async def publish_now(self) -> None:
        """Publish the current status if it changed (used after an action, before its reply)."""
        try:
            await self._publish(force=False)
        except Exception as exc:  # the action is done all the same; the publish loop will retry
            log.warning("cannot publish the station's status: %s", exc)

    async def _publish_loop(self) -> None:
        while True:
            try:
                await self._publish(force=time.monotonic() - self._published_at >= STATUS_REFRESH)
            except Exception as exc:  # Redis down ...: keep the worker running, try again
                log.warning("cannot publish the station's status: %s; retrying", exc)
                self._published = None
                await asyncio.sleep(RETRY_DELAY)
                continue
            # Polled: the Station offers no change notification (the dashboard's live hooks in
            # station.py would be one); reading its in-memory status is cheap.
            await asyncio.sleep(STATUS_POLL)

    async def _publish(self, *, force: bool) -> None:
        async with self._publishing:  # one write at a time, so an older status never lands last
            try:
                status = self._station().station_status()
            except runtime.StationNotRunning:
                return  # restarting after a Reset: the last status stays until it expires
            text = json.dumps(status, sort_keys=True)
            if force or text != self._published:
                await sync_to_async(self.board.publish, thread_sensitive=False)(status)
                self._published, self._published_at = text, time.monotonic()


@contextlib.asynccontextmanager
async def control_listener() -> AsyncIterator[None]:
    """Run a :class:`ControlServer` beside the station when the channel layer is Redis (else nothing).

    The OCPP link does not depend on it: Redis being down only makes the web process answer 503.
    """
    if not uses_redis_layer():
        yield
        return
    server = ControlServer()
    task = asyncio.ensure_future(server.run())

    def crashed(done: asyncio.Future[None]) -> None:
        if not done.cancelled() and done.exception() is not None:
            log.error("the control channel listener stopped", exc_info=done.exception())

    task.add_done_callback(crashed)
    try:
        yield
    finally:
        task.cancel()
        await asyncio.wait({task})  # never raises: a crash was logged by `crashed`

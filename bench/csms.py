"""The bench's central system: a lean, validating OCPP 1.6J central system in a process of its own.

Every benchmark that needs a central system runs this one, so the contenders of a benchmark all
talk to the same peer. It is neither ours nor the ``ocpp`` package's RPC layer (that layer costs
about 1.5 ms per round trip on this kind of machine, ``peers.md`` §1.5, and would hide the
difference between the charge points): it is ``websockets`` plus the ``ocpp`` package's shipped
OCPP 1.6 JSON schemas compiled with ``fastjsonschema``. It validates every CALL it receives and
every answer it receives against those schemas, and every payload it sends too -- the
"validation on both sides" of the issue -- and answers an invalid CALL with a CALLERROR (counted
in ``errors``; a run with errors is reported, not hidden).

It answers what a charge point sends (BootNotification Accepted with a 300 s interval, Heartbeat,
StatusNotification, MeterValues, Start/StopTransaction, ...), records what the benchmarks check
(when each charge point connected and booted, the order of MeterValues), and on command fires
CALLs at a connected charge point, one at a time.

The parent drives it over stdin/stdout, one JSON object per line (:class:`bench.procs.CsmsProcess`
is that parent side). It first prints ``{"port": N}``; then each command line gets one answer line:

``{"cmd": "wait_ready", "cp": ID, "quiet": s, "timeout": s}``
    wait until ``ID`` is connected, its BootNotification was answered and it then sent no CALL for
    ``quiet`` seconds (its StatusNotifications are done) -> ``{"ok": true}``
``{"cmd": "fire", "cp": ID, "action": "GetConfiguration" | "TriggerHeartbeat", "seconds": s | "count": n, "warmup": s}``
    one CALL at a time for ``seconds`` (or ``count`` CALLs) after ``warmup`` seconds not counted;
    ``TriggerHeartbeat`` is TriggerMessage(Heartbeat), its .conf, then the Heartbeat the charge point
    sends and its answer -> ``{"count": n, "warmup_count": n, "elapsed": s, "errors": n}``
``{"cmd": "gate", "open": bool}``
    while closed, every handshake is answered HTTP 503 (the station is offline) -> ``{"ok": true}``
``{"cmd": "backlog", "cp": ID, "expect": n, "timeout": s}``
    wait until ``n`` MeterValues were answered -> when the connection was accepted, when the last
    answer was written, the count, duplicates and whether the order was kept
``{"cmd": "boot_time", "cp": ID, "timeout": s}``
    ``time.monotonic()`` (system-wide on Linux) when ``ID``'s first BootNotification arrived
``{"cmd": "quit"}``

Times are ``time.monotonic()`` of this process, comparable with the parent's on Linux.
"""

from __future__ import annotations

import asyncio
import http
import json
import sys
import time
import urllib.parse
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import fastjsonschema
import ocpp
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.typing import Subprotocol

__all__ = ["CentralSystem", "Validators", "main"]

SCHEMA_DIR = Path(ocpp.__file__).parent / "v16" / "schemas"
OCPP16 = Subprotocol("ocpp1.6")
CALL_TIMEOUT = 30.0


class Validators:
    """The ``ocpp`` package's OCPP 1.6 schemas, compiled once each on first use."""

    def __init__(self) -> None:
        self._compiled: dict[str, Callable[[Any], Any]] = {}

    def check(self, action: str, kind: str, payload: Any) -> None:
        """Raise ``fastjsonschema.JsonSchemaException`` if ``payload`` breaks the schema."""
        name = action if kind == "request" else f"{action}Response"
        validator = self._compiled.get(name)
        if validator is None:
            schema = json.loads((SCHEMA_DIR / f"{name}.json").read_text())
            validator = self._compiled[name] = fastjsonschema.compile(schema)
        validator(payload)


def now_text() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@dataclass(slots=True)
class Peer:
    """One charge point's connection and what was recorded about it."""

    cp_id: str
    ws: ServerConnection
    connected_at: float
    booted_at: float | None = None
    first_boot_at: float | None = None
    last_call_at: float = 0.0
    errors: int = 0
    pending: dict[str, asyncio.Future[list[Any]]] = field(default_factory=dict)
    heartbeat_answered: asyncio.Future[None] | None = None


@dataclass(slots=True)
class MeterLog:
    """The MeterValues a charge point sent (the index each carries), over all its connections."""

    indices: list[int] = field(default_factory=list)
    #: when each answer was written
    answered_at: list[float] = field(default_factory=list)
    last_answer_at: float = 0.0


class CentralSystem:
    """The server and its records; :meth:`command` runs one parent command."""

    def __init__(self) -> None:
        self.validators = Validators()
        self.peers: dict[str, Peer] = {}
        self.first_boot: dict[str, float] = {}
        self.meters: dict[str, MeterLog] = {}
        self.gate_open = True
        self.changed = asyncio.Condition()
        self._transaction_ids = iter(range(1, 2**31))

    # -- serving -------------------------------------------------------------------------------
    def process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        if not self.gate_open:
            return connection.respond(http.HTTPStatus.SERVICE_UNAVAILABLE, "offline (bench gate closed)\n")
        return None

    async def handler(self, ws: ServerConnection) -> None:
        path = ws.request.path if ws.request is not None else "/"
        cp_id = urllib.parse.unquote(path.split("?", 1)[0].rstrip("/").rpartition("/")[2])
        peer = Peer(cp_id=cp_id, ws=ws, connected_at=time.monotonic())
        self.peers[cp_id] = peer
        await self._notify()
        try:
            async for text in ws:
                message = json.loads(text)
                if message[0] == 2:
                    await self._on_call(peer, message)
                else:
                    future = peer.pending.pop(message[1], None)
                    if future is not None and not future.done():
                        future.set_result(message)
        except ConnectionClosed:
            pass
        finally:
            for future in peer.pending.values():
                if not future.done():
                    future.set_exception(ConnectionError(f"{cp_id} disconnected"))
            if self.peers.get(cp_id) is peer:
                del self.peers[cp_id]
            await self._notify()

    async def _notify(self) -> None:
        async with self.changed:
            self.changed.notify_all()

    async def _on_call(self, peer: Peer, message: list[Any]) -> None:
        received = time.monotonic()
        _, unique_id, action, payload = message
        peer.last_call_at = received
        if action == "BootNotification":
            self.first_boot.setdefault(peer.cp_id, received)
        try:
            self.validators.check(action, "request", payload)
        except (fastjsonschema.JsonSchemaException, OSError) as exc:
            peer.errors += 1
            await peer.ws.send(json.dumps([4, unique_id, "FormationViolation", str(exc)[:200], {}]))
            return
        answer = self._answer(peer, action, payload)
        self.validators.check(action, "response", answer)
        await peer.ws.send(json.dumps([3, unique_id, answer]))
        answered = time.monotonic()
        if action == "BootNotification":
            peer.booted_at = answered
            await self._notify()
        elif action == "Heartbeat" and peer.heartbeat_answered is not None:
            if not peer.heartbeat_answered.done():
                peer.heartbeat_answered.set_result(None)
        elif action == "MeterValues":
            log = self.meters.setdefault(peer.cp_id, MeterLog())
            log.indices.append(int(payload["meterValue"][0]["sampledValue"][0]["value"]))
            log.answered_at.append(answered)
            log.last_answer_at = answered
            await self._notify()

    def _answer(self, peer: Peer, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        accepted = {"status": "Accepted"}
        if action == "BootNotification":
            return {"currentTime": now_text(), "interval": 300, "status": "Accepted"}
        if action == "Heartbeat":
            return {"currentTime": now_text()}
        if action == "StartTransaction":
            return {"transactionId": next(self._transaction_ids), "idTagInfo": accepted}
        if action in ("Authorize", "StopTransaction"):
            return {"idTagInfo": accepted}
        if action == "DataTransfer":
            return accepted
        return {}

    # -- firing --------------------------------------------------------------------------------
    async def _call(self, peer: Peer, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        self.validators.check(action, "request", payload)
        unique_id = str(uuid.uuid4())
        future: asyncio.Future[list[Any]] = asyncio.get_running_loop().create_future()
        peer.pending[unique_id] = future
        await peer.ws.send(json.dumps([2, unique_id, action, payload]))
        async with asyncio.timeout(CALL_TIMEOUT):
            message = await future
        if message[0] != 3:
            peer.errors += 1
            raise RuntimeError(f"{action}: CALLERROR {message[2:]}")
        result: dict[str, Any] = message[2]
        self.validators.check(action, "response", result)
        return result

    async def _one(self, peer: Peer, action: str) -> None:
        if action == "GetConfiguration":
            await self._call(peer, "GetConfiguration", {"key": ["HeartbeatInterval"]})
        elif action == "TriggerHeartbeat":
            peer.heartbeat_answered = asyncio.get_running_loop().create_future()
            result = await self._call(peer, "TriggerMessage", {"requestedMessage": "Heartbeat"})
            if result.get("status") != "Accepted":
                raise RuntimeError(f"TriggerMessage answered {result}")
            async with asyncio.timeout(CALL_TIMEOUT):
                await peer.heartbeat_answered
        else:
            raise ValueError(f"unknown action {action!r}")

    async def fire(
        self, cp_id: str, action: str, *, seconds: float | None, count: int | None, warmup: float
    ) -> dict[str, Any]:
        peer = self.peers[cp_id]
        errors_before = peer.errors
        end = time.perf_counter() + warmup
        warmup_count = 0
        while time.perf_counter() < end:
            await self._one(peer, action)
            warmup_count += 1
        done = 0
        start = time.perf_counter()
        if count is not None:
            for _ in range(count):
                await self._one(peer, action)
            done = count
        else:
            assert seconds is not None
            end = start + seconds
            while time.perf_counter() < end:
                await self._one(peer, action)
                done += 1
        elapsed = time.perf_counter() - start
        return {"count": done, "warmup_count": warmup_count, "elapsed": elapsed, "errors": peer.errors - errors_before}

    # -- waiting -------------------------------------------------------------------------------
    async def _wait(self, predicate: Callable[[], bool], limit: float) -> bool:
        try:
            async with asyncio.timeout(limit), self.changed:
                await self.changed.wait_for(predicate)
            return True
        except TimeoutError:
            return False

    async def wait_ready(self, cp_id: str, quiet: float, limit: float) -> dict[str, Any]:
        deadline = time.monotonic() + limit

        def booted() -> bool:
            peer = self.peers.get(cp_id)
            return peer is not None and peer.booted_at is not None

        if not await self._wait(booted, limit):
            return {"ok": False, "error": f"{cp_id} did not connect and boot within {limit} s"}
        peer = self.peers[cp_id]
        while time.monotonic() - peer.last_call_at < quiet:
            if time.monotonic() > deadline:
                return {"ok": False, "error": f"{cp_id} kept sending CALLs"}
            await asyncio.sleep(quiet / 5)
        return {"ok": True}

    async def backlog(self, cp_id: str, expect: int, limit: float) -> dict[str, Any]:
        log = self.meters.setdefault(cp_id, MeterLog())
        complete = await self._wait(lambda: len(log.indices) >= expect, limit)
        peer = self.peers.get(cp_id)
        indices = log.indices
        # messages/s over each tenth of the drain (does the rate hold up as tables grow?)
        tenth = max(1, len(log.answered_at) // 10)
        spans = [log.answered_at[i : i + tenth + 1] for i in range(0, len(log.answered_at) - 1, tenth)]
        rates = [
            round((len(span) - 1) / (span[-1] - span[0])) for span in spans if len(span) > 1 and span[-1] > span[0]
        ]
        return {
            "rates_by_tenth": rates,
            "complete": complete,
            "count": len(indices),
            "distinct": len(set(indices)),
            "in_order": all(a < b for a, b in zip(indices, indices[1:], strict=False)),
            "first": indices[0] if indices else None,
            "last": indices[-1] if indices else None,
            "connected_at": peer.connected_at if peer is not None else None,
            "last_answer_at": log.last_answer_at,
        }

    async def boot_time(self, cp_id: str, limit: float) -> dict[str, Any]:
        if not await self._wait(lambda: cp_id in self.first_boot, limit):
            return {"ok": False, "error": f"no BootNotification from {cp_id} within {limit} s"}
        return {"ok": True, "t": self.first_boot[cp_id]}

    async def command(self, cmd: dict[str, Any]) -> dict[str, Any]:
        name = cmd["cmd"]
        if name == "wait_ready":
            return await self.wait_ready(cmd["cp"], float(cmd.get("quiet", 0.5)), float(cmd.get("timeout", 30)))
        if name == "fire":
            return await self.fire(
                cmd["cp"],
                cmd["action"],
                seconds=cmd.get("seconds"),
                count=cmd.get("count"),
                warmup=float(cmd.get("warmup", 0.0)),
            )
        if name == "gate":
            self.gate_open = bool(cmd["open"])
            return {"ok": True}
        if name == "backlog":
            return await self.backlog(cmd["cp"], int(cmd["expect"]), float(cmd.get("timeout", 120)))
        if name == "boot_time":
            return await self.boot_time(cmd["cp"], float(cmd.get("timeout", 30)))
        raise ValueError(f"unknown command {name!r}")


async def serve_central_system(system: CentralSystem, host: str = "127.0.0.1", port: int = 0) -> Server:
    return await serve(
        system.handler,
        host,
        port,
        subprotocols=[OCPP16],
        process_request=system.process_request,
        ping_interval=None,
        max_size=2**22,
    )


def _emit(answer: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(answer) + "\n")
    sys.stdout.flush()


async def main() -> None:
    system = CentralSystem()
    server = await serve_central_system(system)
    port = next(iter(server.sockets)).getsockname()[1]
    _emit({"port": port})
    while True:
        line = await asyncio.to_thread(sys.stdin.readline)
        if not line or not line.strip():
            if not line:
                break
            continue
        cmd = json.loads(line)
        if cmd.get("cmd") == "quit":
            break
        try:
            answer = await system.command(cmd)
        except Exception as exc:
            answer = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        _emit(answer)
    server.close()
    await server.wait_closed()


if __name__ == "__main__":
    asyncio.run(main())

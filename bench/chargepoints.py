"""The charge points the benchmarks compare, each run in a process of its own.

``python -m bench.chargepoints rpc --kind KIND --url URL --cp ID --seconds S --warmup W``
    connects to the bench central system, sends a BootNotification, then Heartbeat CALLs one at
    a time (the next only once the answer is in): ``warmup`` seconds not counted, then
    ``seconds`` counted. Prints ``{"count": n, "elapsed": s, "cpu": s, "errors": n}`` (``cpu``: the
    process's CPU time, all threads, while counting). ``KIND`` is

    * ``ours`` -- an ``ocpp_core`` :class:`~ocpp_core.chargepoint.ChargePoint` run by its
      :class:`~ocpp_core.aio.Driver` (memory store, no trace): the application's way to send a
      CALL, ``driver.step(lambda now: cp.send(HeartbeatRequest(), now))``, and the answer
      awaited as the engine's ``ResponseReceived`` event. Validates every payload both ways.
    * ``ocpp`` -- the PyPI ``ocpp`` package's ``ChargePoint`` with its defaults
      (``await cp.call(call.Heartbeat())``; schema validation in a thread pool).
    * ``raw`` -- plain ``websockets`` sending the same frames: ``json.dumps`` of the CALL,
      ``json.loads`` of the answer and a check of its id, nothing else (no validation).

``python -m bench.chargepoints responder --url URL --cp ID``
    the ``ocpp`` package's ``ChargePoint`` (defaults) answering GetConfiguration and
    TriggerMessage(Heartbeat) -- the peer of ``runstation`` in the full-station benchmark. Prints
    ``{"ready": true}`` once booted and runs until killed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any

from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

__all__ = ["main"]

ROOT = Path(__file__).resolve().parent.parent
OCPP16 = Subprotocol("ocpp1.6")
READY_TIMEOUT = 30.0


async def measure(one: Callable[[], Awaitable[bool]], seconds: float, warmup: float) -> dict[str, Any]:
    """Run ``one()`` back to back: ``warmup`` seconds, then ``seconds`` counted; it returns ok."""
    end = time.perf_counter() + warmup
    while time.perf_counter() < end:
        await one()
    count = errors = 0
    cpu = time.process_time()
    start = time.perf_counter()
    end = start + seconds
    while time.perf_counter() < end:
        if await one():
            count += 1
        else:
            errors += 1
    elapsed = time.perf_counter() - start
    return {"count": count, "elapsed": elapsed, "cpu": time.process_time() - cpu, "errors": errors}


async def run_ours(url: str, cp_id: str, seconds: float, warmup: float) -> dict[str, Any]:
    from ocpp_core.aio import Driver
    from ocpp_core.chargepoint import ChargePoint
    from ocpp_core.config import ConfigRegistry
    from ocpp_core.events import Event, ResponseReceived
    from ocpp_core.messages.core import HeartbeatRequest
    from ocpp_core.storage import MemoryStore

    data = json.loads((ROOT / "fixtures" / "demo-config.json").read_text())
    data["Internal"].update(CentralSystemURI=url, ChargePointId=cp_id)
    cp = ChargePoint(ConfigRegistry.from_json(data))
    loop = asyncio.get_running_loop()
    waiter: asyncio.Future[ResponseReceived] = loop.create_future()
    ready = asyncio.Event()

    def on_events(events: list[Event]) -> None:
        # Registered and every CALL of the boot (StatusNotifications) answered.
        if cp.accepted and len(cp.outbox) == 0:
            ready.set()
        for event in events:
            if isinstance(event, ResponseReceived) and event.action == "Heartbeat" and not waiter.done():
                waiter.set_result(event)

    driver = Driver(cp, MemoryStore(), on_events=on_events)
    task = asyncio.ensure_future(driver.run())
    try:
        async with asyncio.timeout(READY_TIMEOUT):
            await ready.wait()

        async def one() -> bool:
            nonlocal waiter
            waiter = loop.create_future()
            await driver.step(lambda now: cp.send(HeartbeatRequest(), now))
            event = await waiter
            return event.error is None

        return await measure(one, seconds, warmup)
    finally:
        await driver.stop()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def run_ocpp(url: str, cp_id: str, seconds: float, warmup: float) -> dict[str, Any]:
    from ocpp.v16 import ChargePoint, call

    async with connect(url + cp_id, subprotocols=[OCPP16], ping_interval=None) as ws:
        cp = ChargePoint(cp_id, ws)
        reader = asyncio.ensure_future(cp.start())
        try:
            await cp.call(call.BootNotification(charge_point_model="Bench", charge_point_vendor="Bench"))

            async def one() -> bool:
                return await cp.call(call.Heartbeat()) is not None

            return await measure(one, seconds, warmup)
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader


async def run_raw(url: str, cp_id: str, seconds: float, warmup: float) -> dict[str, Any]:
    async with connect(url + cp_id, subprotocols=[OCPP16], ping_interval=None) as ws:

        async def exchange(action: str, payload: dict[str, Any]) -> bool:
            unique_id = str(uuid.uuid4())
            await ws.send(json.dumps([2, unique_id, action, payload]))
            answer = json.loads(await ws.recv())
            return bool(answer[0] == 3 and answer[1] == unique_id)

        await exchange("BootNotification", {"chargePointModel": "Bench", "chargePointVendor": "Bench"})

        async def one() -> bool:
            return await exchange("Heartbeat", {})

        return await measure(one, seconds, warmup)


async def run_responder(url: str, cp_id: str) -> None:
    from ocpp.routing import after, on
    from ocpp.v16 import ChargePoint, call, call_result
    from ocpp.v16.enums import Action

    class Responder(ChargePoint):  # type: ignore[misc]
        @on(Action.get_configuration)  # type: ignore[untyped-decorator]
        async def on_get_configuration(self, **kwargs: Any) -> Any:
            return call_result.GetConfiguration(
                configuration_key=[{"key": "HeartbeatInterval", "readonly": False, "value": "300"}]
            )

        @on(Action.trigger_message)  # type: ignore[untyped-decorator]
        async def on_trigger_message(self, requested_message: str, **kwargs: Any) -> Any:
            return call_result.TriggerMessage(status="Accepted")

        @after(Action.trigger_message)  # type: ignore[untyped-decorator]
        async def after_trigger_message(self, requested_message: str, **kwargs: Any) -> None:
            if requested_message == "Heartbeat":
                await self.call(call.Heartbeat())

    async with connect(url + cp_id, subprotocols=[OCPP16], ping_interval=None) as ws:
        cp = Responder(cp_id, ws)
        reader = asyncio.ensure_future(cp.start())
        await cp.call(call.BootNotification(charge_point_model="Bench", charge_point_vendor="Bench"))
        sys.stdout.write(json.dumps({"ready": True}) + "\n")
        sys.stdout.flush()
        await reader


RUNNERS: dict[str, Callable[[str, str, float, float], Coroutine[Any, Any, dict[str, Any]]]] = {
    "ours": run_ours,
    "ocpp": run_ocpp,
    "raw": run_raw,
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.chargepoints")
    parser.add_argument("role", choices=["rpc", "responder"])
    parser.add_argument("--kind", choices=sorted(RUNNERS), default="ours")
    parser.add_argument("--url", required=True)
    parser.add_argument("--cp", required=True)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--warmup", type=float, default=0.5)
    args = parser.parse_args(argv)
    if args.role == "responder":
        asyncio.run(run_responder(args.url, args.cp))
        return
    result = asyncio.run(RUNNERS[args.kind](args.url, args.cp, args.seconds, args.warmup))
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()

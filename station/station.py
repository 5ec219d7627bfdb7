"""One running station: the OCPP engine, its driver, the database store and the hardware adapter.

:class:`Station` wires the pieces together and is the :class:`~station.runtime.StationController`
the control API calls. Data flows as ``docs/architecture.md`` describes:

* hardware event → ``ChargePoint.handle_input`` (through ``Driver.step``, so storage operations are
  committed before any frame goes out) → frames, storage, events;
* engine events → hardware commands executed on the adapter (results fed back with
  ``ChargePoint.hardware_result``), a Reset ending :meth:`Station.run`, live updates for the dashboard;
* every frame → the message trace (secrets already masked by the driver).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from asgiref.sync import sync_to_async
from django.conf import settings

from hardware.base import Adapter, HardwareError
from hardware.base import UnknownConnector as HardwareUnknownConnector
from hardware.simulator import SimulatorAdapter, SimulatorStateError
from ocpp_core.aio import Driver, TlsFiles
from ocpp_core.chargepoint import ChargePoint
from ocpp_core.commands import HardwareCommand, LockConnector, ResetStation, Unlock
from ocpp_core.config import ConfigRegistry
from ocpp_core.events import Event
from ocpp_core.inputs import HardwareInput
from station import models
from station.dashboard import live
from station.runtime import UNCONFIGURED_URI, ActionConflict, UnknownConnector
from station.store import DjangoStore, TraceRecord

__all__ = ["Station"]

log = logging.getLogger(__name__)

_COMMAND_TYPES = (LockConnector, Unlock)


class _TraceActions:
    """Remembers which action each unique id belongs to, so answers are traced with their action."""

    def __init__(self, limit: int = 1000) -> None:
        self._actions: OrderedDict[str, str] = OrderedDict()
        self._limit = limit

    def action_for(self, record: TraceRecord) -> TraceRecord:
        if record.message_type == models.TraceEntry.MessageType.CALL:
            self._actions[record.unique_id] = record.action
            if len(self._actions) > self._limit:
                self._actions.popitem(last=False)
            return record
        action = self._actions.pop(record.unique_id, "")
        if not action or record.action:
            return record
        return replace(record, action=action)


class Station:
    """The engine, driver, store and adapter of one charge point, and the control API's handlers."""

    def __init__(self, cp: ChargePoint, store: DjangoStore, adapter: Adapter) -> None:
        self.cp = cp
        self.store = store
        self.adapter = adapter
        self._trace_actions = _TraceActions()
        self.driver = Driver(
            cp,
            store,
            on_events=self._on_events,
            trace=self._on_frame,
            tls=_tls_files(Path(settings.STATION_DATA_DIR)),
        )
        self._reset: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._tasks: set[asyncio.Task[Any]] = set()

    @classmethod
    async def create(cls, data: dict[str, Any], *, boot_reason: str = "PowerUp") -> Station:
        """Build a station from the config file's data and what the database holds."""
        store = DjangoStore()
        snapshot = await store.load()
        config = ConfigRegistry.from_json(data, snapshot.config_overlay)
        for warning in config.warnings:
            log.warning("configuration: %s", warning)
        cp = ChargePoint(config, snapshot)
        cp.boot_reason = boot_reason
        connectors = config.get_int("NumberOfConnectors") or 1
        adapter = SimulatorAdapter(connectors, sample_interval=float(settings.STATION_SIMULATOR_SAMPLE_SECONDS))
        station = cls(cp, store, adapter)
        adapter.subscribe(station._on_hardware)
        return station

    # ------------------------------------------------------------------------------------------
    async def run(self) -> str | None:
        """Serve until cancelled (returns None) or until a Reset asks for a restart (returns its kind)."""
        await self.adapter.start()
        if self.cp.config.get_str("CentralSystemURI") == UNCONFIGURED_URI:
            log.warning("no CentralSystemURI configured (--csms-url or the config file): not connecting")
            driver_task: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        else:
            driver_task = asyncio.ensure_future(self.driver.run())
        try:
            waiting: set[asyncio.Future[Any]] = {driver_task, self._reset}
            done, _ = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
            if driver_task in done:
                driver_task.result()  # re-raise a crash
                return None
            return self._reset.result()
        finally:
            await self.driver.stop()
            driver_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await driver_task
            for task in list(self._tasks):
                task.cancel()

    async def close(self) -> None:
        await self.adapter.stop()
        await self.store.close()

    # ------------------------------------------------------------------------------------------
    async def _on_hardware(self, event: HardwareInput) -> None:
        await self.driver.step(lambda now: self.cp.handle_input(event, now))
        live.station_changed(self)

    async def _on_events(self, events: list[Event]) -> None:
        for event in events:
            if isinstance(event, ResetStation):
                if not self._reset.done():
                    self._reset.set_result(event.kind)
            elif isinstance(event, HardwareCommand):
                self._spawn(self._execute(event))
        live.station_changed(self, events)

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _execute(self, command: Any) -> None:
        """Run a hardware command; hand results (and lock failures) back to the engine."""
        try:
            result = await self.adapter.execute(command)
            if isinstance(command, LockConnector):
                result = True  # no exception: the cable is locked
        except HardwareError as exc:
            log.warning("hardware command %s failed: %s", command, exc)
            result = False if isinstance(command, LockConnector) else "UnlockFailed"
        if isinstance(command, _COMMAND_TYPES):
            ref = command.ref
            await self.driver.step(lambda now: self.cp.hardware_result(ref, result, now))

    async def _on_frame(self, direction: Literal["in", "out"], text: str, time: datetime) -> None:
        record = self._trace_actions.action_for(TraceRecord.from_frame(direction, text, time))
        await self.store.append_trace([record])
        live.frame_traced(self, record)
        if settings.STATION_TRACE_CONSOLE:
            log.info("%s %s", "→" if direction == "out" else "←", text)

    # ------------------------------------------------------------------------------------------
    # StationController
    def station_status(self) -> dict[str, Any]:
        return {
            "charge_point_id": self.cp.config.get_str("ChargePointId"),
            "connected": self.cp.connected,
            "registration_status": self.cp.registration.status,
            "connectors": [
                {**view, "plugged": self._plugged(view["connector_id"])} for view in self.cp.connector_views()
            ],
        }

    def _plugged(self, connector_id: int) -> bool:
        if connector_id == 0 or not isinstance(self.adapter, SimulatorAdapter):
            return False
        return bool(self.adapter.snapshot(connector_id).get("plugged"))

    async def transactions(self) -> list[dict[str, Any]]:
        return await sync_to_async(models.Transaction.api_list)()

    def _simulator(self) -> SimulatorAdapter:
        if not isinstance(self.adapter, SimulatorAdapter):
            raise ActionConflict("this action needs the simulator adapter")
        return self.adapter

    async def _simulate(self, action: str, n: int, *args: Any, **kwargs: Any) -> Any:
        simulator = self._simulator()
        try:
            return await getattr(simulator, action)(n, *args, **kwargs)
        except HardwareUnknownConnector:
            raise UnknownConnector(f"connector {n} does not exist") from None
        except SimulatorStateError as exc:
            raise ActionConflict(str(exc)) from None

    async def plug(self, n: int) -> None:
        await self._simulate("plug", n)

    async def unplug(self, n: int) -> None:
        await self._simulate("unplug", n)

    async def present_token(self, n: int, id_tag: str) -> None:
        await self._simulate("present_token", n, id_tag)

    async def ev_suspend(self, n: int) -> None:
        await self._simulate("ev_suspend", n)

    async def ev_resume(self, n: int) -> None:
        await self._simulate("ev_resume", n)

    async def raise_fault(self, n: int, error_code: str, info: str) -> None:
        await self._simulate("raise_fault", n, error_code, info or None)

    async def clear_faults(self, n: int) -> None:
        await self._simulate("clear_faults", n)

    async def simulator_knobs(self, n: int, **knobs: Any) -> None:
        await self._simulate("set_knobs", n, **knobs)


def _tls_files(data_dir: Path) -> TlsFiles:
    certs = data_dir / "certs"

    def existing(name: str) -> str | None:
        path = certs / name
        return str(path) if path.is_file() else None

    return TlsFiles(
        csms_root=existing("csms-root.pem"),
        client_cert=existing("charge-point.pem"),
        client_key=existing("charge-point.key"),
    )

"""One running station: the OCPP engine, its driver, the database store and the hardware adapter.

:class:`Station` wires the pieces together and is the :class:`~station.runtime.StationController`
the control API calls. Data flows as ``docs/architecture.md`` describes:

* hardware event → ``ChargePoint.handle_input`` (through ``Driver.step``, so storage operations are
  committed before any frame goes out) → frames, storage, events;
* engine events → hardware commands executed on the adapter (results fed back with
  ``ChargePoint.hardware_result``), a Reset ending :meth:`Station.run`, live updates for the dashboard;
* every frame → the message trace (secrets already masked by the driver);
* Firmware Management: each ``DownloadFirmware`` / ``UploadDiagnostics`` event is one transfer
  attempt (:mod:`station.transfers`; the diagnostics file is built by :mod:`station.diagnostics`)
  and each ``InstallFirmware`` command goes to the adapter; the outcome goes back to the engine
  (``cp.firmware.download_finished`` / ``upload_finished`` / ``install_finished``) inside a driver
  step. Firmware images live in ``<data>/firmware/`` until installed, bundles in
  ``<data>/diagnostics/`` until uploaded. The engine persists the installed FirmwareVersion, which
  the next BootNotification reports; SupportedFileTransferProtocols is set to what
  :mod:`station.transfers` can do.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import shutil
import ssl
from collections import OrderedDict
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

from asgiref.sync import sync_to_async
from django import db
from django.conf import settings

from hardware.base import Adapter, HardwareError
from hardware.base import UnknownConnector as HardwareUnknownConnector
from hardware.simulator import SimulatorAdapter, SimulatorStateError
from ocpp_core.aio import Driver, TlsFiles
from ocpp_core.chargepoint import ChargePoint
from ocpp_core.commands import HardwareCommand, InstallFirmware, LockConnector, ResetStation, Unlock
from ocpp_core.config import ConfigRegistry
from ocpp_core.events import DownloadFirmware, Event, UploadDiagnostics
from ocpp_core.firmware import Phase
from ocpp_core.inputs import HardwareInput
from station import diagnostics, models, transfers
from station.dashboard import live
from station.runtime import UNCONFIGURED_URI, ActionConflict, UnknownConnector
from station.store import DjangoStore, TraceRecord
from station.trace_writer import TraceWriter

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
        self._trace = TraceWriter(store.append_trace, lambda records: live.frames_traced(self, records))
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
        # A fact about this station, not a setting: what station/transfers.py can do.
        config.set_value("SupportedFileTransferProtocols", ",".join(transfers.SUPPORTED_PROTOCOLS))
        cp = ChargePoint(config, snapshot)
        cp.boot_reason = boot_reason
        connectors = config.get_int("NumberOfConnectors") or 1
        adapter = SimulatorAdapter(
            connectors,
            sample_interval=float(settings.STATION_SIMULATOR_SAMPLE_SECONDS),
            firmware_version=config.get_str("FirmwareVersion"),
        )
        station = cls(cp, store, adapter)
        adapter.subscribe(station._on_hardware)
        await asyncio.to_thread(station._clear_transfer_files)
        return station

    def _clear_transfer_files(self) -> None:
        """At start no transfer runs: remove diagnostics bundles, and firmware images no job needs."""
        job = self.cp.firmware.firmware
        keep = ""  # the folder of an image still to be installed
        if job is not None and job.path is not None and job.phase in (Phase.DOWNLOADED, Phase.INSTALLING):
            keep = Path(job.path).parent.name
        for kind in ("firmware", "diagnostics"):
            folder = self.data_dir / kind
            if folder.is_dir():
                for entry in folder.iterdir():
                    if kind == "diagnostics" or entry.name != keep:
                        shutil.rmtree(entry, ignore_errors=True)

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

    async def flush_trace(self) -> None:
        """Wait until every frame so far is in the trace table (it is written in batches)."""
        await self._trace.flush()

    async def close(self) -> None:
        await self._trace.close()  # the frames still buffered
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
            elif isinstance(event, InstallFirmware):
                self._spawn(self._install(event))
            elif isinstance(event, HardwareCommand):
                self._spawn(self._execute(event))
            elif isinstance(event, DownloadFirmware):
                self._spawn(self._download(event))
            elif isinstance(event, UploadDiagnostics):
                self._spawn(self._upload(event))
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

    # ------------------------------------------------------------------------------------------
    # Firmware Management
    @property
    def data_dir(self) -> Path:
        return Path(settings.STATION_DATA_DIR)

    def transfer_options(self) -> transfers.TransferOptions:
        """TLS trust for HTTPS/FTPS: the system's, plus the central system's root if installed."""
        context = ssl.create_default_context()
        root = _tls_files(self.data_dir).csms_root
        if root is not None:
            context.load_verify_locations(cafile=root)
        return transfers.TransferOptions(ssl_context=context)

    async def _download(self, event: DownloadFirmware) -> None:
        """One download attempt into ``<data>/firmware/<ref>/``; older images are removed first."""
        folder = self.data_dir / "firmware"
        if folder.is_dir():
            for old in folder.iterdir():
                if old.name != event.ref:
                    await asyncio.to_thread(shutil.rmtree, old, ignore_errors=True)
        dest = folder / event.ref / _image_name(event.location)
        shown = transfers.redact(event.location)
        path: str | None = None
        error: str | None = None
        try:
            size = await transfers.download(event.location, dest, self.transfer_options())
            log.info("firmware downloaded from %s (attempt %d, %d bytes)", shown, event.attempt, size)
            path = str(dest)
        except Exception as exc:  # whatever happened, the engine hears of it (and retries)
            log.warning("firmware download from %s failed (attempt %d): %s", shown, event.attempt, exc)
            error = str(exc) or type(exc).__name__
        await self.driver.step(lambda now: self.cp.firmware.download_finished(event.ref, now, path=path, error=error))

    async def _install(self, command: InstallFirmware) -> None:
        """Hand the image to the adapter; the engine asks for the reboot when it succeeded."""
        version: str | None = None
        error: str | None = None
        try:
            result = await self.adapter.execute(command)
            version = result if isinstance(result, str) else None
            log.info("firmware installed: version %s", version or "unknown")
        except Exception as exc:  # HardwareError, or an adapter's bug: the installation failed
            log.warning("firmware installation failed: %s", exc)
            error = str(exc) or type(exc).__name__
        await self.driver.step(
            lambda now: self.cp.firmware.install_finished(command.ref, now, version=version, error=error)
        )
        folder = Path(command.path).parent
        if folder.parent == self.data_dir / "firmware":  # the outcome is stored: the image is done with
            await asyncio.to_thread(shutil.rmtree, folder, ignore_errors=True)

    async def _upload(self, event: UploadDiagnostics) -> None:
        """Build the diagnostics bundle and upload it, once; the bundle is removed afterwards."""
        bundle = self.data_dir / "diagnostics" / event.ref / event.file_name
        shown = transfers.redact(event.location)
        error: str | None = None
        try:
            await self._trace.flush()  # the frames up to now belong in the bundle
            hardware = await self.adapter.collect_logs()
            # Off the ORM's shared thread: a big trace must not hold up the engine's journal.
            manifest = await sync_to_async(_build_bundle, thread_sensitive=False)(
                bundle,
                start=event.start_time,
                stop=event.stop_time,
                created=datetime.now(UTC),
                identity={
                    "charge_point_id": self.cp.config.get_str("ChargePointId"),
                    "firmware_version": self.cp.config.get_str("FirmwareVersion"),
                },
                configuration=self.cp.config.masked_json(),
                hardware=hardware,
                log_file=settings.STATION_LOG_FILE,
            )
            target = await transfers.upload(event.location, bundle, event.file_name, self.transfer_options())
            log.info("diagnostics uploaded to %s (attempt %d): %s", target, event.attempt, manifest["members"])
        except Exception as exc:  # whatever happened, the engine hears of it (and retries)
            log.warning("diagnostics upload to %s failed (attempt %d): %s", shown, event.attempt, exc)
            error = str(exc) or type(exc).__name__
        finally:
            await asyncio.to_thread(shutil.rmtree, bundle.parent, ignore_errors=True)
        await self.driver.step(lambda now: self.cp.firmware.upload_finished(event.ref, now, error=error))

    async def _on_frame(self, direction: Literal["in", "out"], text: str, time: datetime) -> None:
        self._trace.add(self._trace_actions.action_for(TraceRecord.from_frame(direction, text, time)))
        if settings.STATION_TRACE_CONSOLE:  # a firmware/diagnostics location may carry a password
            log.info("%s %s", "→" if direction == "out" else "←", transfers.redact(text))

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

    async def dashboard(self, name: str, args: str) -> str:
        """A dashboard query (its arguments and answer encoded): what the worker runs when the
        web process of the split deployment asks (``station/dashboard/station_queries.py``)."""
        from station.dashboard import station_queries

        return await station_queries.run(self, name, args)


def _build_bundle(path: Path, **options: Any) -> dict[str, Any]:
    """:func:`station.diagnostics.build_bundle` in a worker thread, closing that thread's connection."""
    try:
        return diagnostics.build_bundle(path, **options)
    finally:
        db.connections.close_all()


def _image_name(location: str) -> str:
    """A safe local file name for the image at ``location`` (its last path segment)."""
    name = urlsplit(location).path.rstrip("/").rsplit("/", 1)[-1]
    name = re.sub(r"[^A-Za-z0-9._-]", "_", unquote(name)).lstrip(".")
    return name[:100] or "firmware.bin"


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

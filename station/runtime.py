"""The running station as the web side sees it.

``run_station(options)`` is what ``runstation`` (on daphne's loop) and ``ocpp_worker`` (under
``asyncio.run``) run until cancelled: it builds a :class:`station.station.Station` (engine,
driver, store, hardware adapter) and registers it as the :class:`StationController` the control
API reaches through :func:`get_controller`. A Reset from the central system ends one
``Station.run()`` and the loop here starts a fresh one from storage -- the in-process equivalent
of a reboot, keeping the HTTP server (and its address) up.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

__all__ = [
    "ActionConflict",
    "RuntimeOptions",
    "StationController",
    "StationNotRunning",
    "UNCONFIGURED_URI",
    "UnknownConnector",
    "effective_config",
    "get_controller",
    "mark_starting",
    "running_controller",
    "run_station",
    "set_controller",
]


class UnknownConnector(LookupError):
    """No connector with that number (the API answers 404)."""


class ActionConflict(RuntimeError):
    """The action is impossible in the current state (the API answers 409)."""


class StationNotRunning(RuntimeError):
    """No station runs in this process (the API answers 503)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RuntimeOptions:
    """How ``runstation`` / ``ocpp_worker`` were started.

    ``csms_url`` and ``charge_point_id`` override the config file's ``Internal.CentralSystemURI``
    and ``Internal.ChargePointId``. ``demo_csms`` is the URL of the demo central system started
    beside the station when neither ``csms_url`` nor the file names one
    (``--demo-csms-if-unconfigured``); the station then connects there. ``http_host`` /
    ``http_port`` are the web server's address (``None`` in ``ocpp_worker``).
    """

    config_path: Path
    csms_url: str | None = None
    charge_point_id: str | None = None
    http_host: str | None = None
    http_port: int | None = None
    demo_csms: str | None = None


class StationController(Protocol):
    """The station's event handlers, as the control API calls them (CONTROL_API.md §3).

    Methods raise :class:`UnknownConnector`, :class:`ActionConflict` or ``ValueError``.
    """

    def station_status(self) -> dict[str, Any]: ...
    async def transactions(self) -> list[dict[str, Any]]: ...
    async def plug(self, n: int) -> None: ...
    async def unplug(self, n: int) -> None: ...
    async def present_token(self, n: int, id_tag: str) -> None: ...
    async def ev_suspend(self, n: int) -> None: ...
    async def ev_resume(self, n: int) -> None: ...
    async def raise_fault(self, n: int, error_code: str, info: str) -> None: ...
    async def clear_faults(self, n: int) -> None: ...
    async def simulator_knobs(self, n: int, **knobs: Any) -> None: ...
    async def dashboard(self, name: str, args: str) -> str: ...


log = logging.getLogger(__name__)

_controller: StationController | None = None


#: Set while ``run_station`` is building its station: the API waits for it instead of a 503.
_starting = False
_waiters: list[asyncio.Future[None]] = []
#: How long a control API request waits for a station that is still starting.
STARTUP_WAIT_SECONDS = 15.0


def get_controller() -> StationController:
    if _controller is None:
        raise StationNotRunning("the station is not running in this process")
    return _controller


async def running_controller(timeout: float = STARTUP_WAIT_SECONDS) -> StationController:  # noqa: ASYNC109
    """The controller; while the station is still starting, wait for it (bounded) rather than 503."""
    if _controller is None and _starting:
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        _waiters.append(waiter)
        try:
            async with asyncio.timeout(timeout):
                await waiter
        except TimeoutError:
            pass
        finally:
            if waiter in _waiters:
                _waiters.remove(waiter)
    return get_controller()


def set_controller(controller: StationController | None) -> None:
    global _controller
    _controller = controller
    if controller is not None:
        for waiter in _waiters:
            if not waiter.done():
                waiter.get_loop().call_soon_threadsafe(_wake, waiter)


def mark_starting(starting: bool = True) -> None:
    """Say that a station is (or is no longer) being started in this process."""
    global _starting
    _starting = starting


def _wake(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


#: Stands for "no central system configured": the station runs locally without connecting.
UNCONFIGURED_URI = "ws://unconfigured.invalid/"


def effective_config(options: RuntimeOptions, data: dict[str, Any]) -> dict[str, Any]:
    """The config file's data with the command-line overrides applied."""
    data = {section: dict(keys) for section, keys in data.items()}
    internal = data.setdefault("Internal", {})
    internal["CentralSystemURI"] = (
        options.csms_url or internal.get("CentralSystemURI") or options.demo_csms or UNCONFIGURED_URI
    )
    if options.charge_point_id:
        internal["ChargePointId"] = options.charge_point_id
    return data


async def run_station(options: RuntimeOptions) -> None:
    """Run the station until cancelled (a Reset restarts it in place, on the same HTTP address)."""
    from station.remote import control_listener
    from station.station import Station  # imports Django models: only once Django is set up

    data = json.loads(options.config_path.read_text(encoding="utf-8"))
    boot_reason = "PowerUp"
    mark_starting()
    try:
        # Split deployment hook: with the Redis channel layer, serve the control API's actions that
        # the web process forwards (station/remote.py); a no-op with the in-memory layer.
        async with control_listener():
            while True:
                station = await Station.create(effective_config(options, data), boot_reason=boot_reason)
                set_controller(station)
                try:
                    reset = await station.run()
                finally:
                    set_controller(None)
                    await station.close()
                if reset is None:
                    return
                log.info("restarting after a %s reset", reset)
                boot_reason = "RemoteReset"
    finally:
        mark_starting(False)

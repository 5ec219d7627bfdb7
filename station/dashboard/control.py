"""The dashboard's access to the running station: its status, configuration changes, the cache.

Reads and actions go through :func:`station.runtime.get_controller`, as the control API's do. The
actions the control API has (plug, token, faults, knobs ...) are called on the controller as is;
the two it has not -- a configuration change and clearing the authorization cache -- need the
engine itself, so they work only where the station runs in this process (``runstation``), and
each is one :meth:`~ocpp_core.aio.Driver.step`: its storage operations are committed and its
events dispatched like those of any other input.

Call these from async code on the station's loop (the async views and the consumer): the engine
is not thread-safe.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ocpp_core import validation
from ocpp_core.config import ChangeStatus
from ocpp_core.errors import CallErrorException
from station import runtime
from station.dashboard import live

if TYPE_CHECKING:
    from station.station import Station

__all__ = ["ConfigOutcome", "StationUnavailable", "change_configuration", "clear_cache", "current_status", "station"]


class StationUnavailable(RuntimeError):
    """This needs the station running in this process; the message says what is the matter."""


def station() -> Station:
    """The station running in this process; :class:`StationUnavailable` if there is none."""
    from station.station import Station

    try:
        controller = runtime.get_controller()
    except runtime.StationNotRunning:
        raise StationUnavailable("The station is not running (it may be restarting after a reset).") from None
    if not isinstance(controller, Station):
        raise StationUnavailable(
            "The station runs in another process (split deployment): this page needs `manage.py runstation`."
        )
    return controller


async def current_status() -> dict[str, Any] | None:
    """The live status (:mod:`.live`), or ``None`` when no station answers."""
    from station.station import Station

    try:
        controller = runtime.get_controller()
        if isinstance(controller, Station):
            return live.state.status(live.station_view(controller))
        read_async = getattr(controller, "astation_status", None)
        raw = await read_async() if read_async is not None else controller.station_status()
    except runtime.StationNotRunning:
        return None
    return live.basic_status(raw)


@dataclass(frozen=True, slots=True)
class ConfigOutcome:
    """What became of a configuration change: the ChangeConfiguration status and, if refused, why."""

    status: ChangeStatus
    key: str
    section: str
    reason: str = ""

    @property
    def applied(self) -> bool:
        return self.status in (ChangeStatus.ACCEPTED, ChangeStatus.REBOOT_REQUIRED)


async def change_configuration(target: Station, key: str, value: str) -> ConfigOutcome:
    """Change ``key`` exactly as a ChangeConfiguration from the central system would.

    The payload is checked against the ChangeConfiguration schema (key at most 50 characters,
    value at most 500), then :meth:`ocpp_core.chargepoint.ChargePoint.change_configuration` applies
    it: the registry's checks, persistence, the ConfigurationChanged event (source "Dashboard")
    and the side effects (heartbeat timer, metering, reconnect after a credential change).
    """
    config = target.cp.config
    try:
        definition = config.definition(key)
        canonical, section = definition.name, definition.section
    except KeyError:
        canonical, section = key, ""
    try:
        validation.validate("ChangeConfiguration", "request", {"key": key, "value": value})
    except CallErrorException as exc:
        return ConfigOutcome(ChangeStatus.REJECTED, canonical, section, f"{canonical}: {exc.description}")
    result = await target.driver.step(lambda now: target.cp.change_configuration(key, value, now, source="Dashboard"))
    status = ChangeStatus(result.status)
    reason = "" if status in (ChangeStatus.ACCEPTED, ChangeStatus.REBOOT_REQUIRED) else result.reason
    return ConfigOutcome(status, canonical, section, reason)


async def clear_cache(target: Station) -> bool:
    """ClearCache, as the central system's: ``False`` when the station has no cache (Rejected)."""
    return await target.driver.step(lambda now: target.cp.authorizer.clear_cache())

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
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ocpp_core import rpc, validation
from ocpp_core.config import ChangeStatus
from ocpp_core.errors import CallErrorException
from ocpp_core.messages.core import ChangeConfigurationRequest
from ocpp_core.profiles import core as core_profile
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
    value at most 500), then the engine's own ChangeConfiguration handler runs: the registry's
    checks, persistence, the ConfigurationChanged event and the side effects (heartbeat timer,
    metering, reconnect after a credential change). The handler answers only a status; for a
    refused change the registry is asked once more for the rule that was broken (a refused change
    alters nothing, so asking again is harmless).

    Adapter: ``ocpp_core`` has no public "change a key locally" entry point yet; with a
    ``ChargePoint.change_configuration(key, value, now, source=...)`` returning the registry's
    ``ChangeResult`` this function would be one call.
    """
    config = target.cp.config
    try:
        definition = config.definition(key)
        canonical, section = definition.name, definition.section
    except KeyError:
        canonical, section = key, ""
    try:
        request = validation.load("ChangeConfiguration", "request", {"key": key, "value": value})
    except CallErrorException as exc:
        return ConfigOutcome(ChangeStatus.REJECTED, canonical, section, f"{canonical}: {exc.description}")
    assert isinstance(request, ChangeConfigurationRequest)
    call = rpc.Call(unique_id="dashboard", action="ChangeConfiguration", payload={"key": key, "value": value})

    def apply(now: datetime) -> tuple[ChangeStatus, str]:
        reply = core_profile.change_configuration(target.cp, request, call, now)
        after = None
        if isinstance(reply, tuple):
            reply, after = reply
        if after is not None:
            after(now)
        status = ChangeStatus(reply.status.value)
        if status in (ChangeStatus.ACCEPTED, ChangeStatus.REBOOT_REQUIRED):
            return status, ""
        return status, config.change_configuration(key, value).reason  # refused again, changing nothing

    status, reason = await target.driver.step(apply)
    return ConfigOutcome(status, canonical, section, reason)


async def clear_cache(target: Station) -> bool:
    """ClearCache, as the central system's: ``False`` when the station has no cache (Rejected)."""
    return await target.driver.step(lambda now: target.cp.authorizer.clear_cache())

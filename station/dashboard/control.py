"""The dashboard's access to the running station: its status, configuration changes, the cache, the list.

Reads and actions go through :func:`station.runtime.get_controller`, as the control API's do. The
actions the control API has (plug, token, faults, knobs ...) are called on the controller as is;
those it has not -- a configuration change, clearing the authorization cache, editing the local
authorization list -- need the engine itself, so they work only where the station runs in this
process (``runstation``), and each is one :meth:`~ocpp_core.aio.Driver.step`: its storage
operations are committed and its events dispatched like those of any other input.

Call these from async code on the station's loop (the async views and the consumer): the engine
is not thread-safe.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from ocpp_core import validation
from ocpp_core.authorization import LocalListEditRefused
from ocpp_core.config import ChangeStatus
from ocpp_core.errors import CallErrorException
from station import runtime
from station.dashboard import live

if TYPE_CHECKING:
    from ocpp_core.storage import IdTagRecord
    from station.station import Station

__all__ = [
    "ConfigOutcome",
    "ListEdit",
    "ListOutcome",
    "StationUnavailable",
    "change_configuration",
    "clear_cache",
    "current_status",
    "edit_local_list",
    "station",
]


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


#: What a local-list edit does to its one entry.
ListEdit = Literal["add", "change", "remove"]


@dataclass(frozen=True, slots=True)
class ListOutcome:
    """What became of a local-list edit: applied, or refused with the rule broken; the list version."""

    applied: bool
    version: int
    reason: str = ""


async def edit_local_list(
    target: Station, mode: ListEdit, id_tag: str, record: IdTagRecord | None = None
) -> ListOutcome:
    """Add, change or remove one entry of the local list, keeping its version (one engine step).

    ``add`` refuses an idTag the list holds, ``change`` and ``remove`` one it does not; the
    :meth:`~ocpp_core.authorization.Authorizer.edit_local_list` checks the rest (the list in use,
    ``LocalAuthListMaxLength``, the idTag lengths). The check and the change run in the same step,
    so nothing else changes the list between them.
    """
    authorizer = target.cp.authorizer

    def apply(now: object) -> None:
        present = any(entry.id_tag == id_tag for entry in authorizer.local_list_entries())
        if mode == "add" and present:
            raise LocalListEditRefused(f"{id_tag} is already in the local list (change its entry instead)")
        if mode != "add" and not present:
            raise LocalListEditRefused(f"not in the local list: {id_tag}")
        if mode == "remove":
            authorizer.edit_local_list((), (id_tag,))
        else:
            assert record is not None and record.id_tag == id_tag
            authorizer.edit_local_list((record,), ())

    try:
        await target.driver.step(apply)
    except LocalListEditRefused as exc:
        return ListOutcome(False, authorizer.local_list_version, str(exc))
    return ListOutcome(True, authorizer.local_list_version)

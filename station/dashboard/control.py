"""The dashboard's access to the running station: its status, and what only the engine can answer.

Reads of the status go through :func:`station.runtime.get_controller`, as the control API's do;
the actions the control API has (plug, token, faults, knobs ...) are called on the controller as
is. What only the engine holds -- configuration keys and their changes, the local list's rules and
edits, the authorization cache, charging profiles, firmware jobs -- is asked with :func:`ask`,
which runs a query of :mod:`.station_queries` where the station runs: on this process's loop
under ``runstation``, in the OCPP worker in the split deployment (forwarded over the channel
layer). Either way the answer is the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from asgiref.sync import async_to_sync

from ocpp_core.config import ChangeStatus
from station import runtime
from station.dashboard import live, station_queries

__all__ = [
    "ConfigOutcome",
    "ListEdit",
    "ListOutcome",
    "StationUnavailable",
    "ask",
    "ask_sync",
    "current_status",
]


class StationUnavailable(RuntimeError):
    """No station answers (not running, restarting, or its worker is down); the message says which."""


NOT_RUNNING = "The station is not running (it may be restarting after a reset)."


async def ask(name: str, **args: Any) -> Any:
    """The answer of the dashboard query ``name`` (:mod:`.station_queries`) where the station runs.

    Call it on the station's loop (async views and the consumer under ``runstation``; any loop in
    the web process of the split deployment). :class:`StationUnavailable` when no station answers.
    """
    from station.station import Station

    try:
        controller = runtime.get_controller()
    except runtime.StationNotRunning:
        raise StationUnavailable(NOT_RUNNING) from None
    encoded = station_queries.encode(args)
    try:
        if isinstance(controller, Station):
            answer = await station_queries.run(controller, name, encoded)
        else:
            answer = await controller.dashboard(name, encoded)
    except runtime.StationNotRunning as exc:
        raise StationUnavailable(f"The station does not answer: {exc}.") from None
    return station_queries.decode(answer)


def ask_sync(name: str, **args: Any) -> Any:
    """:func:`ask` from a sync view (it runs on the loop the view was called from: the station's)."""
    return async_to_sync(ask)(name, **args)


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


#: What a local-list edit does to its one entry.
ListEdit = Literal["add", "change", "remove"]


@dataclass(frozen=True, slots=True)
class ListOutcome:
    """What became of a local-list edit: applied, or refused with the rule broken; the list version."""

    applied: bool
    version: int
    reason: str = ""

"""What the dashboard asks of the engine, answered where the station runs.

Theory of operation
-------------------
Some pages show or change what only the engine holds: the configuration keys (a ChangeConfiguration
with all its checks and side effects), the local list's rules, the authorization cache, the
charging profiles and their composite schedules, the firmware and diagnostics jobs. Each of those
is one *query* here: an async function of the running :class:`~station.station.Station` and
plain arguments, run on the station's loop. Pages call :func:`station.dashboard.control.ask`:

* with the station in this process (``runstation``), the query runs here, on its loop;
* in the split deployment (daphne + ``manage.py ocpp_worker``), the web process forwards it to
  the worker as the control action ``dashboard`` (``station/remote.py``), and the worker runs the
  very same function on its station.

Either way the answer goes through :func:`encode` / :func:`decode` (JSON, with datetimes and
decimals tagged so they come back as they were), so a page sees the same data in both deployments
and the tests of one process also cover what the split deployment sends. Arguments are plain
JSON values too (they travel through the Redis channel layer).

A query that changes something is one :meth:`~ocpp_core.aio.Driver.step`: its storage operations
are committed and its events dispatched like those of any other input.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ocpp_core import validation
from ocpp_core.authorization import LocalListEditRefused
from ocpp_core.config import ChangeStatus, ConfigRegistry
from ocpp_core.config.keys_model import Access, Exposure, ValueType
from ocpp_core.errors import CallErrorException
from ocpp_core.storage import IdTagRecord
from ocpp_core.wire import to_wire

if TYPE_CHECKING:
    from station.station import Station

__all__ = ["QUERIES", "KeyRow", "UnknownQuery", "config_rows", "decode", "encode", "run"]

Query = Callable[..., Awaitable[Any]]

#: name -> query; what the worker runs for the control action ``dashboard``.
QUERIES: dict[str, Query] = {}


class UnknownQuery(ValueError):
    """No query of that name (a ``ValueError``: the control API's "invalid")."""


def _query(fn: Query) -> Query:
    QUERIES[fn.__name__] = fn
    return fn


async def run(station: Station, name: str, args: str) -> str:
    """Run query ``name`` on ``station`` with the arguments ``args`` (encoded); its answer, encoded."""
    query = QUERIES.get(name)
    if query is None:
        raise UnknownQuery(f"unknown dashboard query {name!r}")
    decoded = decode(args)
    if not isinstance(decoded, dict):
        raise ValueError(f"the arguments of the dashboard query {name!r} are not an object")
    return encode(await query(station, **decoded))


# --- the encoding ----------------------------------------------------------------------------------


def _tag(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"__datetime__": value.isoformat()}
    if isinstance(value, Decimal):
        return {"__decimal__": str(value)}
    raise TypeError(f"a dashboard query answered a value of type {type(value).__name__}, which JSON cannot carry")


def _untag(obj: dict[str, Any]) -> Any:
    if len(obj) == 1:
        if "__datetime__" in obj:
            return datetime.fromisoformat(obj["__datetime__"])
        if "__decimal__" in obj:
            return Decimal(obj["__decimal__"])
    return obj


def encode(value: Any) -> str:
    """``value`` as JSON text; datetimes and decimals tagged (tuples become lists)."""
    return json.dumps(value, default=_tag, separators=(",", ":"))


def decode(text: str) -> Any:
    """What :func:`encode` was given (tuples as lists)."""
    return json.loads(text, object_hook=_untag)


# --- configuration ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KeyRow:
    """One configuration key as its row shows it."""

    key: str
    section: str
    type: str
    readonly: bool
    write_only: bool
    value: str | None
    is_set: bool
    active: bool
    editable: bool
    reboot_required: bool
    description: str
    input: str  # "boolean" (a select), "number", "text" or "password" (the write-only key)
    #: whether the key's feature profile (section) is in use at all
    section_active: bool = True
    #: a secret (AuthorizationKey): its value is never shown nor logged
    secret: bool = False

    @property
    def anchor(self) -> str:
        return f"key-{self.key}"


def _input_kind(value_type: ValueType, write_only: bool) -> str:
    if write_only:
        return "password"
    return {ValueType.BOOLEAN: "boolean", ValueType.INTEGER: "number"}.get(value_type, "text")


def config_rows(config: ConfigRegistry) -> list[KeyRow]:
    """Every key of the registry, secrets masked (``all_entries``), in definition order.

    A section is in use when any of its keys is reported (GetConfiguration); in a section in use,
    a key that is not reported is an optional key this station's file leaves out.
    """
    rows = []
    for entry in config.all_entries():
        definition = config.definition(entry.key)
        write_only = entry.access is Access.WRITE_ONLY
        rows.append(
            KeyRow(
                key=entry.key,
                section=entry.section,
                type=entry.type.value,
                readonly=entry.readonly,
                write_only=write_only,
                value=None if write_only else entry.value,
                is_set=entry.is_set,
                active=entry.visible,
                editable=entry.visible and not entry.readonly and definition.exposure is Exposure.PLAIN,
                reboot_required=entry.reboot_required,
                description=entry.description,
                input=_input_kind(entry.type, write_only),
                secret=definition.secret,
            )
        )
    active_sections = {row.section for row in rows if row.active}
    return [replace(row, section_active=row.section in active_sections) for row in rows]


def _row_of(config: ConfigRegistry, key: str) -> dict[str, Any] | None:
    try:
        canonical = config.definition(key).name
    except KeyError:
        return None
    return next((asdict(row) for row in config_rows(config) if row.key == canonical), None)


@_query
async def configuration(station: Station) -> list[dict[str, Any]]:
    """Every key's row (:class:`KeyRow` as a dict)."""
    return [asdict(row) for row in config_rows(station.cp.config)]


@_query
async def configuration_key(station: Station, key: str) -> dict[str, Any] | None:
    """The row of ``key`` (any case), or None when the station has no such key."""
    return _row_of(station.cp.config, key)


@_query
async def change_configuration(station: Station, key: str, value: str) -> dict[str, Any]:
    """Change ``key`` exactly as a ChangeConfiguration from the central system would.

    The payload is checked against the ChangeConfiguration schema (key at most 50 characters,
    value at most 500), then :meth:`ocpp_core.chargepoint.ChargePoint.change_configuration` applies
    it: the registry's checks, persistence, the ConfigurationChanged event (source "Dashboard")
    and the side effects (heartbeat timer, metering, reconnect after a credential change).
    Answers ``status``, ``key`` and ``section`` (canonical), ``reason`` (why it was refused) and
    ``row``: the key's row afterwards (None for an unknown key).
    """
    cp = station.cp
    try:
        definition = cp.config.definition(key)
        canonical, section = definition.name, definition.section
    except KeyError:
        canonical, section = key, ""
    outcome = {"key": canonical, "section": section}
    try:
        validation.validate("ChangeConfiguration", "request", {"key": key, "value": value})
    except CallErrorException as exc:
        status, reason = ChangeStatus.REJECTED, f"{canonical}: {exc.description}"
    else:
        result = await station.driver.step(lambda now: cp.change_configuration(key, value, now, source="Dashboard"))
        status = ChangeStatus(result.status)
        reason = "" if status in (ChangeStatus.ACCEPTED, ChangeStatus.REBOOT_REQUIRED) else result.reason
    return {**outcome, "status": status.value, "reason": reason, "row": _row_of(cp.config, key)}


# --- authorization ---------------------------------------------------------------------------------


@_query
async def local_list_state(station: Station) -> dict[str, Any]:
    """Whether the local list can be edited (it is in use), and its length limit."""
    authorizer = station.cp.authorizer
    return {
        "editable": authorizer.local_list_active,
        "unavailable": "",
        "active": authorizer.local_list_active,
        "max_length": station.cp.config.get_int("LocalAuthListMaxLength"),
    }


@_query
async def edit_local_list(
    station: Station, mode: str, id_tag: str, record: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Add, change or remove one entry of the local list, keeping its version (one engine step).

    ``mode`` is ``add`` (refuses an idTag the list holds), ``change`` or ``remove`` (refuse one it
    does not hold); ``record`` (``id_tag``, ``status``, ``expiry_date``, ``parent_id_tag``) is the
    new entry of ``add`` and ``change``. :meth:`~ocpp_core.authorization.Authorizer.edit_local_list`
    checks the rest (the list in use, ``LocalAuthListMaxLength``, the idTag lengths). The check and
    the change run in the same step, so nothing else changes the list between them. Answers
    ``applied``, ``version`` and ``reason``.
    """
    if mode not in ("add", "change", "remove"):
        raise ValueError(f"unknown local list edit {mode!r}")
    entry = None
    if mode != "remove":
        if record is None or record.get("id_tag") != id_tag:
            raise ValueError("a local list entry to add or change needs its record, of the same idTag")
        entry = IdTagRecord(
            id_tag=id_tag,
            status=str(record["status"]),
            expiry_date=record.get("expiry_date"),  # a datetime: the encoding carries it as one
            parent_id_tag=record.get("parent_id_tag") or None,
        )
    authorizer = station.cp.authorizer

    def apply(now: object) -> None:
        present = any(existing.id_tag == id_tag for existing in authorizer.local_list_entries())
        if mode == "add" and present:
            raise LocalListEditRefused(f"{id_tag} is already in the local list (change its entry instead)")
        if mode != "add" and not present:
            raise LocalListEditRefused(f"not in the local list: {id_tag}")
        if entry is None:
            authorizer.edit_local_list((), (id_tag,))
        else:
            authorizer.edit_local_list((entry,), ())

    try:
        await station.driver.step(apply)
    except LocalListEditRefused as exc:
        return {"applied": False, "version": authorizer.local_list_version, "reason": str(exc)}
    return {"applied": True, "version": authorizer.local_list_version, "reason": ""}


@_query
async def clear_cache(station: Station) -> bool:
    """ClearCache, as the central system's: ``False`` when the station has no cache (Rejected)."""
    return await station.driver.step(lambda now: station.cp.authorizer.clear_cache())


# --- smart charging, firmware ----------------------------------------------------------------------


@_query
async def smart_charging(station: Station, start: datetime, duration: int) -> dict[str, Any]:
    """The installed profiles (wire form) and each connector's composite schedule from ``start``
    for ``duration`` seconds (wire form; None with the error when it cannot be computed)."""
    cp = station.cp
    smart = cp.smart_charging
    connector_ids = sorted({int(view["connector_id"]) for view in cp.connector_views()} | {0})
    composites: list[dict[str, Any]] = []
    for n in [*[i for i in connector_ids if i != 0], 0]:
        try:
            schedule = smart.composite(n, start, duration)
        except Exception as exc:  # shown on the page, never a crash of the page
            composites.append({"connector_id": n, "schedule": None, "error": f"{type(exc).__name__}: {exc}"})
        else:
            wire = to_wire(schedule) if schedule is not None else None
            composites.append({"connector_id": n, "schedule": wire, "error": ""})
    return {
        "installed": [{"connector_id": v.connector_id, "profile": to_wire(v.profile)} for v in smart.installed()],
        "composites": composites,
        "supported": "SmartCharging" in cp.config.supported_profiles(),
    }


@_query
async def firmware(station: Station) -> dict[str, Any]:
    """The installed firmware version and the firmware feature's ``status_view()``."""
    return {
        "firmware_version": station.cp.config.get_str("FirmwareVersion"),
        "view": station.cp.firmware.status_view(),
    }

"""The station's live state for the dashboard, published to the channel-layer group :data:`GROUP`.

The station calls two functions (three lines in ``station/station.py``)::

    from station.dashboard import live

    # Station._on_events(self, events), at the end:
    live.station_changed(self, events)
    # Station._on_hardware(self, event), after `await self.driver.step(...)` (meter samples change
    # power and energy without any engine event):
    live.station_changed(self)
    # Station._on_frame(...) -> TraceWriter, after each batch of frames is stored:
    live.frames_traced(self, records)

Both are synchronous, cheap (no database, no I/O) and never raise. They only take note of what
happened (connection and connector status changes, events and frames worth a line in the event
log) and mark the state for publication; the full status (with the simulator's meters) is built
and sent by a background task, so a slow or unreachable channel layer (Redis in the split
deployment) never holds up the engine. Publications are coalesced: at most one per
:data:`MIN_INTERVAL` (the first after a quiet spell goes at once), always with the newest state,
so a station answering thousands of CALLs a second builds and sends ten statuses a second, not
one per frame (``bench/README.md``).

Group message (JSON-ready, as the Redis layer needs)::

    {"type": "dashboard.update", "status": <status>, "trace": <bool: new trace rows>}

``status`` is what :meth:`LiveState.status` returns: identity, connection, registration, one entry
per connector (status, error, plugged, power, session energy, start, idTag, transaction id, its
reservation), the reservations in force, the recent events and the times the dashboard shows
("not connected since 12:03", "last heartbeat").
Times are RFC 3339 strings; :func:`present` turns a status into what the templates use.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ocpp_core.events import (
    AuthorizationRefused,
    CallIgnored,
    ConfigurationChanged,
    ConnectionStateChanged,
    MessageDropped,
    PeerProtocolViolation,
    ReconnectRequested,
    RegistrationChanged,
    ResponseReceived,
)

if TYPE_CHECKING:
    from ocpp_core.storage import ReservationRecord
    from station.station import Station
    from station.store import TraceRecord

__all__ = [
    "GROUP",
    "LiveState",
    "basic_status",
    "frames_traced",
    "hms",
    "present",
    "state",
    "station_changed",
    "station_view",
]

log = logging.getLogger(__name__)

#: The channel-layer group every dashboard websocket joins.
GROUP = "station-dashboard"
#: Entries kept in the "recent events" log.
EVENT_LOG_SIZE = 15
#: Seconds a group_send may take before it is given up (the next publication carries the state).
SEND_TIMEOUT = 2.0
#: Seconds between two publications at the most (a human reads ten updates a second at best).
MIN_INTERVAL = 0.1
UNCONFIGURED_URI = "ws://unconfigured.invalid/"  # station.runtime.UNCONFIGURED_URI (no Django import here)

#: Actions of frames worth a line in the event log (besides CALLERRORs and the central system's CALLs).
_LOGGED_OUT_CALLS = {"BootNotification", "StartTransaction", "StopTransaction"}


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat()


def _now() -> datetime:
    return datetime.now(UTC)


# --- reading the station ------------------------------------------------------------------------


def reservation_view(record: ReservationRecord) -> dict[str, Any]:
    """A reservation, JSON-ready."""
    return {
        "reservation_id": record.reservation_id,
        "connector_id": record.connector_id,
        "id_tag": record.id_tag,
        "parent_id_tag": record.parent_id_tag,
        "expiry_date": _iso(record.expiry_date),
    }


def station_view(station: Station) -> dict[str, Any]:
    """What the engine and the hardware adapter hold now, JSON-ready (no database, no I/O)."""
    from hardware.simulator import SimulatorAdapter

    cp = station.cp
    reservations = sorted(
        (reservation_view(r) for r in cp.reservations.active()),
        key=lambda r: (r["connector_id"], r["reservation_id"]),
    )
    reserved = {r["connector_id"]: r for r in reservations}
    config = cp.config
    simulator = station.adapter if isinstance(station.adapter, SimulatorAdapter) else None
    csms_url = config.get_str("CentralSystemURI")
    connectors = []
    for view in cp.connector_views():
        n = view["connector_id"]
        sim = simulator.snapshot(n) if simulator is not None else None
        tx = cp.sessions.transaction_on(n)
        record = tx.record if tx is not None and not tx.stopped else None
        entry: dict[str, Any] = {
            "connector_id": n,
            "status": view["status"],
            "error_code": view["error_code"],
            "transaction_id": view["transaction_id"],
            "plugged": bool(sim.get("plugged")) if sim is not None and n > 0 else None,
            "power_w": sim.get("power_w") if sim is not None and n > 0 else None,
            "session_wh": None,
            "started_at": None,
            "id_tag": None,
            "simulator": sim,
            "reservation": reserved.get(n),
        }
        if record is not None:
            register = sim.get("energy_wh") if sim is not None else None
            end = register if isinstance(register, int | float) else record.meter_last
            entry.update(
                session_wh=max(0.0, float(end) - record.meter_start),
                started_at=_iso(record.start_time),
                id_tag=record.id_tag,
            )
        connectors.append(entry)
    return {
        "running": True,
        "charge_point_id": config.get_str("ChargePointId") or "",
        "csms_url": None if csms_url in (None, UNCONFIGURED_URI) else csms_url,
        "security_profile": config.get_int("SecurityProfile"),
        "connected": cp.connected,
        "registration_status": cp.registration.status,
        "registration_state": cp.registration.state.value,
        "simulator": simulator is not None,
        "connectors": connectors,
        "reservations": reservations,
    }


def basic_status(status: dict[str, Any]) -> dict[str, Any]:
    """A status from ``StationController.station_status()`` alone (a controller in another process)."""
    connectors = [
        {
            "connector_id": c.get("connector_id"),
            "status": c.get("status"),
            "error_code": c.get("error_code"),
            "transaction_id": c.get("transaction_id"),
            "plugged": c.get("plugged"),
            "power_w": None,
            "session_wh": None,
            "started_at": None,
            "id_tag": None,
            "simulator": None,
            "reservation": None,
        }
        for c in status.get("connectors", ())
        if isinstance(c, dict)
    ]
    return {
        "running": True,
        "charge_point_id": status.get("charge_point_id") or "",
        "csms_url": None,
        "security_profile": None,
        "connected": bool(status.get("connected")),
        "registration_status": status.get("registration_status"),
        "registration_state": None,
        "simulator": False,
        "connectors": connectors,
        "reservations": None,  # unknown in another process
        "connection_since": None,
        "last_heartbeat": None,
        "last_frame": None,
        "events": [],
        "time": _iso(_now()),
    }


# --- what the dashboard remembers between publications ------------------------------------------


def describe_event(event: object) -> tuple[str, str] | None:
    """(level, text) of an engine event for the event log, or ``None`` for routine ones."""
    match event:
        case ConnectionStateChanged(connected=True):
            return "info", "Connected to the central system"
        case ConnectionStateChanged(connected=False):
            return "warning", "Connection to the central system lost"
        case RegistrationChanged(status=status, interval=interval) if status is not None:
            level = "info" if status == "Accepted" else "warning"
            every = f" (heartbeat every {interval} s)" if interval else ""
            return level, f"Registration {status}{every}"
        case ConfigurationChanged(key=key, value=value):
            return "info", f"Configuration {key} = {value}"
        case ReconnectRequested(reason=reason):
            return "info", f"Reconnecting: {reason}"
        case MessageDropped(action=action, reason=reason):
            return "warning", f"{action} dropped: {reason}"
        case ResponseReceived(action=action, error=error) if error:
            return "warning", f"{action} failed: {error}"
        case PeerProtocolViolation(description=description):
            return "error", f"Central system protocol error: {description}"
        case CallIgnored(action=action, reason=reason):
            return "warning", f"{action} from the central system ignored: {reason}"
        case AuthorizationRefused(connector_id=n, id_tag=id_tag, status=status):
            return "warning", f"idTag {id_tag} refused at connector {n}: {status}"
    return None


def describe_frame(record: TraceRecord) -> tuple[str, str] | None:
    """(level, text) of a traced frame for the event log, or ``None`` for routine traffic."""
    if record.message_type in ("CALLERROR", "invalid"):
        where = "from the central system" if record.direction == "in" else "to the central system"
        action = f" ({record.action})" if record.action else ""
        return "error", f"{record.message_type} {record.error_code or ''} {where}{action}".replace("  ", " ")
    if record.message_type != "CALL":
        return None
    if record.direction == "in":
        return "info", f"Central system sent {record.action}"
    if record.action in _LOGGED_OUT_CALLS:
        connector = f" on connector {record.connector_id}" if record.connector_id is not None else ""
        transaction = f" (transaction {record.transaction_id})" if record.transaction_id is not None else ""
        return "info", f"Sent {record.action}{connector}{transaction}"
    return None


class LiveState:
    """What the dashboard keeps in memory: connection times, status changes, the event log.

    One per process (:data:`state`); only the station's loop writes it (through
    :func:`station_changed` and :func:`frames_traced`).
    """

    def __init__(self) -> None:
        self.events: deque[dict[str, str]] = deque(maxlen=EVENT_LOG_SIZE)
        self.connected: bool | None = None
        self.connection_since: datetime | None = None
        self.last_heartbeat: datetime | None = None
        self.last_frame: datetime | None = None
        self._statuses: dict[int, tuple[str, str]] = {}

    def log(self, level: str, text: str, when: datetime) -> None:
        self.events.appendleft({"time": _iso(when) or "", "level": level, "text": text})

    def observe(self, view: dict[str, Any], events: Iterable[object], now: datetime) -> None:
        """Take in the station's new engine ``events`` and its ``view`` at that time.

        Only ``view["connected"]`` and each of ``view["connectors"]``' ``connector_id``, ``status``
        and ``error_code`` are read (what :func:`station_changed` takes from the engine).
        """
        if view["connected"] != self.connected:
            self.connected = view["connected"]
            self.connection_since = now
        for event in events:
            described = describe_event(event)
            if described is not None:
                self.log(*described, now)
        for connector in view["connectors"]:
            n, now_status = connector["connector_id"], (connector["status"], connector["error_code"])
            before = self._statuses.get(n)
            self._statuses[n] = now_status
            if before is not None and before != now_status:
                error = f" ({now_status[1]})" if now_status[1] not in ("NoError", None) else ""
                name = "Station" if n == 0 else f"Connector {n}"
                level = "error" if now_status[0] == "Faulted" else "info"
                self.log(level, f"{name}: {before[0]} → {now_status[0]}{error}", now)

    def observe_frame(self, record: TraceRecord) -> None:
        self.last_frame = record.time
        if record.direction == "in" and record.message_type == "CALLRESULT" and record.action == "Heartbeat":
            self.last_heartbeat = record.time
        described = describe_frame(record)
        if described is not None:
            self.log(*described, record.time)

    def status(self, view: dict[str, Any], now: datetime | None = None) -> dict[str, Any]:
        """``view`` with what this process remembers (does not change anything)."""
        connection_since = self.connection_since if self.connected == view["connected"] else None
        return {
            **view,
            "connection_since": _iso(connection_since),
            "last_heartbeat": _iso(self.last_heartbeat),
            "last_frame": _iso(self.last_frame),
            "events": list(self.events),
            "time": _iso(now or _now()),
        }


#: This process's live state.
state = LiveState()


# --- publishing --------------------------------------------------------------------------------


class _Publisher:
    """Sends group messages from a background task: at most one per :data:`MIN_INTERVAL`.

    :meth:`push` only records that something changed (and how to read the newest status); the
    task builds the status when it sends, so every change in between is carried by one message.
    """

    def __init__(self) -> None:
        self._make_status: Callable[[], dict[str, Any]] | None = None
        self._trace = False
        self._task: asyncio.Task[None] | None = None
        self._last_sent = float("-inf")  # loop time of the last publication

    def push(self, make_status: Callable[[], dict[str, Any]], *, trace: bool) -> None:
        """Publish the status ``make_status()`` returns when the next publication is due."""
        self._make_status = make_status
        self._trace = self._trace or trace
        loop = asyncio.get_running_loop()
        if self._task is None or self._task.done() or self._task.get_loop() is not loop:
            if self._task is not None and self._task.get_loop() is not loop:
                self._last_sent = float("-inf")  # another loop's clock (tests run one loop each)
            self._task = loop.create_task(self._drain(), name="dashboard-publish")

    async def _drain(self) -> None:
        from channels.layers import get_channel_layer

        layer = get_channel_layer()
        loop = asyncio.get_running_loop()
        while self._make_status is not None:
            wait = self._last_sent + MIN_INTERVAL - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)  # a throttle: later pushes merge into this publication
            make_status, self._make_status = self._make_status, None
            trace, self._trace = self._trace, False
            self._last_sent = loop.time()
            try:
                message = {"type": "dashboard.update", "status": make_status(), "trace": trace}
            except Exception:  # the dashboard must never disturb the station
                log.exception("dashboard: cannot build the station's status")
                continue
            if layer is None:
                continue
            try:
                async with asyncio.timeout(SEND_TIMEOUT):
                    await layer.group_send(GROUP, message)
            except Exception as exc:  # the dashboard must never disturb the station
                log.warning("dashboard update not published: %s: %s", type(exc).__name__, exc)


_publisher = _Publisher()


def _engine_view(station: Station) -> dict[str, Any]:
    """The part of :func:`station_view` that :meth:`LiveState.observe` reads, straight from the engine."""
    return {"connected": station.cp.connected, "connectors": station.cp.connector_views()}


def _status_of(station: Station) -> Callable[[], dict[str, Any]]:
    return lambda: state.status(station_view(station))


def station_changed(station: Station, events: Iterable[object] = ()) -> None:
    """The station's state may have changed (engine events, a hardware input): publish it."""
    try:
        state.observe(_engine_view(station), events, _now())
        _publisher.push(_status_of(station), trace=False)
    except Exception:
        log.exception("dashboard: cannot publish the station's state")


def frames_traced(station: Station, records: Iterable[TraceRecord]) -> None:
    """Frames were stored in the message trace: publish them (open trace pages refresh)."""
    try:
        for record in records:
            state.observe_frame(record)
        _publisher.push(_status_of(station), trace=True)
    except Exception:
        log.exception("dashboard: cannot publish a traced frame")


# --- for the templates ---------------------------------------------------------------------------


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def hms(seconds: float) -> str:
    """A duration as ``H:MM:SS`` (whole seconds; a negative one as ``0:00:00``)."""
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


def _power(watts: Any) -> str:
    if not isinstance(watts, int | float):
        return "—"
    return f"{watts / 1000:.2f} kW" if watts >= 1000 else f"{watts:.0f} W"


def _energy(wh: Any) -> str:
    if not isinstance(wh, int | float):
        return "—"
    return f"{wh / 1000:.3f} kWh"


@dataclass(frozen=True, slots=True)
class ConnectorCard:
    """One connector as its card shows it."""

    connector_id: int
    status: str
    error_code: str
    transaction_id: int | None
    plugged: bool | None
    power: str
    energy: str
    duration: str
    started_at: datetime | None
    id_tag: str | None
    simulator: dict[str, Any] | None
    #: the reservation on this connector (times as datetimes), or None
    reservation: dict[str, Any] | None = None

    @property
    def css_status(self) -> str:
        return (self.status or "unknown").lower()

    @property
    def has_error(self) -> bool:
        return self.error_code not in ("", "NoError")

    @property
    def charging(self) -> bool:
        return self.transaction_id is not None or self.started_at is not None


def _reservation(raw: Any) -> dict[str, Any] | None:
    if not isinstance(raw, dict):
        return None
    return {**raw, "expiry_date": _parse_time(raw.get("expiry_date"))}


def present(status: dict[str, Any] | None) -> dict[str, Any]:
    """The template context of a status (``None``: no station): times as datetimes, connectors as cards.

    ``reservations`` is the list of reservations in force, or ``None`` when they are not known here
    (no station, or one in another process).
    """
    if status is None:
        return {
            "station": {"running": False},
            "station_card": None,
            "connectors": [],
            "events": [],
            "reservations": None,
        }
    now = _parse_time(status.get("time")) or _now()
    cards = []
    for c in status.get("connectors", ()):
        started = _parse_time(c.get("started_at"))
        cards.append(
            ConnectorCard(
                connector_id=int(c.get("connector_id") or 0),
                status=str(c.get("status") or "Unknown"),
                error_code=str(c.get("error_code") or "NoError"),
                transaction_id=c.get("transaction_id"),
                plugged=c.get("plugged"),
                power=_power(c.get("power_w")),
                energy=_energy(c.get("session_wh")),
                duration=hms((now - started).total_seconds()) if started is not None else "—",
                started_at=started,
                id_tag=c.get("id_tag"),
                simulator=c.get("simulator"),
                reservation=_reservation(c.get("reservation")),
            )
        )
    events = [{**e, "time": _parse_time(e.get("time"))} for e in status.get("events", ())]
    return {
        "station": {
            **status,
            "connection_since": _parse_time(status.get("connection_since")),
            "last_heartbeat": _parse_time(status.get("last_heartbeat")),
            "last_frame": _parse_time(status.get("last_frame")),
            "time": now,
        },
        "station_card": next((card for card in cards if card.connector_id == 0), None),
        "connectors": [card for card in cards if card.connector_id != 0],
        "events": events,
        "reservations": (
            None
            if status.get("reservations") is None
            else [r for r in map(_reservation, status["reservations"]) if r is not None]
        ),
    }

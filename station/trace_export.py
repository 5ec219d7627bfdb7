"""Exporting the message trace (:class:`station.models.TraceEntry`) as JSONL or as one HTML file.

Both formats walk the selected frames oldest first and pair each answer (CALLRESULT/CALLERROR)
with the CALL it answers: same unique id, opposite direction, the newest such CALL stored before
the answer. The CALL is looked up among the exported frames first and, when the filters left it
out (another action, a time range starting after it ...), in the whole trace, one query per chunk.

JSONL: one JSON object per line and frame::

    {"id": 17, "time": "2026-03-01T12:00:00.123456Z", "direction": "out", "message_type": "CALL",
     "action": "Heartbeat", "unique_id": "42", "connector_id": null, "transaction_id": null,
     "error_code": null, "payload": [2, "42", "Heartbeat", {}], "response_to": null, "latency_ms": null}

``payload`` is the whole OCPP-J frame as parsed JSON, or its text when it is not JSON (an
``invalid`` frame). ``response_to`` is the ``id`` of the CALL an answer answers and
``latency_ms`` the time between the two; both are ``null`` for CALLs and for answers whose CALL
is no longer in the trace.

HTML: a single self-contained page (inline CSS, no script, a Content-Security-Policy that forbids
loading anything), one table row per frame, coloured by direction, CALLERRORs highlighted, JSON
pretty-printed and HTML-escaped (the message's payload; the whole text of an invalid frame), the
latency on each answer's row.

Secrets are masked before frames are stored (:mod:`ocpp_core.redaction`), so nothing here needs
to mask them again.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, Any

from django.db.models import QuerySet

from station.models import TraceEntry

__all__ = ["ExportedFrame", "TraceFilter", "exported_frames", "write_html", "write_jsonl"]

#: Frames fetched from the database at a time.
CHUNK_SIZE = 2000
#: Unique ids looked up in one query (well below every database's limit of query parameters).
_LOOKUP_BATCH = 500

_ANSWER_TYPES = (TraceEntry.MessageType.CALLRESULT, TraceEntry.MessageType.CALLERROR)


@dataclass(frozen=True, slots=True, kw_only=True)
class TraceFilter:
    """Which frames to export; ``None`` (or empty) means no restriction.

    ``since`` is inclusive and ``until`` exclusive; ``actions`` matches a CALL's action and the
    answers to it (the trace stores answers with the action of their CALL).
    """

    since: datetime | None = None
    until: datetime | None = None
    actions: tuple[str, ...] = ()
    direction: str | None = None
    connector_id: int | None = None
    transaction_id: int | None = None

    def __post_init__(self) -> None:
        if self.direction is not None and self.direction not in TraceEntry.Direction.values:
            raise ValueError(f"direction: {self.direction!r} is not one of {', '.join(TraceEntry.Direction.values)}")
        if self.since is not None and self.until is not None and self.until <= self.since:
            raise ValueError("until: must be later than since")

    def queryset(self) -> QuerySet[TraceEntry]:
        """The selected rows, oldest first (time, then insertion order)."""
        rows = TraceEntry.objects.all()
        if self.since is not None:
            rows = rows.filter(time__gte=self.since)
        if self.until is not None:
            rows = rows.filter(time__lt=self.until)
        if self.actions:
            rows = rows.filter(action__in=self.actions)
        if self.direction is not None:
            rows = rows.filter(direction=self.direction)
        if self.connector_id is not None:
            rows = rows.filter(connector_id=self.connector_id)
        if self.transaction_id is not None:
            rows = rows.filter(transaction_id=self.transaction_id)
        return rows.order_by("time", "id")

    def describe(self) -> str:
        """A one-line summary for the HTML page's header."""
        parts = []
        if self.since is not None:
            parts.append(f"since {format_time(self.since)}")
        if self.until is not None:
            parts.append(f"until {format_time(self.until)}")
        if self.actions:
            parts.append(f"action {', '.join(self.actions)}")
        if self.direction is not None:
            parts.append(f"direction {self.direction}")
        if self.connector_id is not None:
            parts.append(f"connector {self.connector_id}")
        if self.transaction_id is not None:
            parts.append(f"transaction {self.transaction_id}")
        return "; ".join(parts) or "all frames"


@dataclass(frozen=True, slots=True)
class ExportedFrame:
    """One trace row with its pairing: the CALL it answers (id and time) and the latency."""

    entry: TraceEntry
    response_to: int | None = None
    latency_ms: float | None = None

    @property
    def payload(self) -> Any:
        """The frame as parsed JSON, or its text when it is not (strict) JSON."""
        return parse_payload(self.entry.payload)

    def as_dict(self) -> dict[str, Any]:
        e = self.entry
        return {
            "id": e.id,
            "time": format_time(e.time),
            "direction": e.direction,
            "message_type": e.message_type,
            "action": e.action,
            "unique_id": e.unique_id,
            "connector_id": e.connector_id,
            "transaction_id": e.transaction_id,
            "error_code": e.error_code,
            "payload": self.payload,
            "response_to": self.response_to,
            "latency_ms": self.latency_ms,
        }


def format_time(value: datetime) -> str:
    """RFC 3339 in UTC with microseconds and ``Z`` (latencies need more than milliseconds)."""
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value.isoformat(timespec="microseconds").replace("+00:00", "Z")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_payload(text: str) -> Any:
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except ValueError:
        return text


def _other(direction: str) -> str:
    return TraceEntry.Direction.OUT if direction == TraceEntry.Direction.IN else TraceEntry.Direction.IN


def _latency_ms(call: tuple[int, datetime], answer: TraceEntry) -> float:
    return round((answer.time - call[1]).total_seconds() * 1000, 3)


def _chunks(rows: QuerySet[TraceEntry]) -> Iterator[list[TraceEntry]]:
    chunk: list[TraceEntry] = []
    for row in rows.iterator(chunk_size=CHUNK_SIZE):
        chunk.append(row)
        if len(chunk) >= CHUNK_SIZE:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _stored_calls(answers: list[TraceEntry]) -> dict[tuple[str, str], list[tuple[int, datetime]]]:
    """CALLs in the whole trace that may be answered by ``answers``: (direction, unique id) -> [(id, time)]."""
    unique_ids = sorted({answer.unique_id for answer in answers})
    newest = max(answer.id for answer in answers)
    found: dict[tuple[str, str], list[tuple[int, datetime]]] = {}
    for start in range(0, len(unique_ids), _LOOKUP_BATCH):  # bounded query parameters
        rows = TraceEntry.objects.filter(
            message_type=TraceEntry.MessageType.CALL,
            unique_id__in=unique_ids[start : start + _LOOKUP_BATCH],
            id__lt=newest,
        ).values_list("id", "direction", "unique_id", "time")
        for row_id, direction, unique_id, time in rows:
            found.setdefault((direction, unique_id), []).append((row_id, time))
    for calls in found.values():
        calls.sort()
    return found


def exported_frames(trace_filter: TraceFilter | None = None) -> Iterator[ExportedFrame]:
    """The selected frames, oldest first, each answer paired with its CALL (see the module docstring)."""
    trace_filter = trace_filter or TraceFilter()
    # (direction of the CALL, unique id) -> (id, time) of the newest such CALL seen in the export
    calls: dict[tuple[str, str], tuple[int, datetime]] = {}
    for chunk in _chunks(trace_filter.queryset()):
        unmatched = [
            e
            for e in chunk
            if e.message_type in _ANSWER_TYPES and e.unique_id and (_other(e.direction), e.unique_id) not in calls
        ]
        stored = _stored_calls(unmatched) if unmatched else {}
        for entry in chunk:
            if entry.message_type == TraceEntry.MessageType.CALL and entry.unique_id:
                calls[(entry.direction, entry.unique_id)] = (entry.id, entry.time)
                yield ExportedFrame(entry)
                continue
            if entry.message_type not in _ANSWER_TYPES or not entry.unique_id:
                yield ExportedFrame(entry)
                continue
            key = (_other(entry.direction), entry.unique_id)
            call = calls.get(key)
            if call is None or call[0] > entry.id:
                earlier = [c for c in stored.get(key, ()) if c[0] < entry.id]
                call = earlier[-1] if earlier else None
            if call is None:
                yield ExportedFrame(entry)
            else:
                calls.pop(key, None)  # one answer per CALL
                yield ExportedFrame(entry, response_to=call[0], latency_ms=_latency_ms(call, entry))


def write_jsonl(frames: Iterable[ExportedFrame], out: IO[str]) -> int:
    """Write one JSON object per line; returns the number of frames written."""
    count = 0
    for frame in frames:
        out.write(json.dumps(frame.as_dict(), ensure_ascii=False, separators=(",", ":")))
        out.write("\n")
        count += 1
    return count


# --- HTML ---------------------------------------------------------------------------------------

_CSS = """
:root { color-scheme: light; font-family: system-ui, sans-serif; font-size: 14px; }
body { margin: 1.5rem; background: #fafafa; color: #1d1d1f; }
h1 { font-size: 1.3rem; margin: 0 0 .3rem; }
p.meta { margin: 0 0 1rem; color: #555; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { border: 1px solid #d0d0d0; padding: .3rem .5rem; vertical-align: top; text-align: left; }
td:not(:last-child), th:not(:last-child) { white-space: nowrap; width: 1%; }
p.error { margin: 0 0 .3rem; }
th { background: #333; color: #fff; position: sticky; top: 0; }
td.time, td.num { white-space: nowrap; font-variant-numeric: tabular-nums; }
td.dir { white-space: nowrap; font-weight: 600; }
tr.out td { background: #e8f1fc; }
tr.in td { background: #eaf7e6; }
tr.CALLERROR td, tr.invalid td { background: #fde2e1; }
tr.CALLERROR td.type, tr.invalid td.type, .error { color: #a30d0d; font-weight: 700; }
pre { margin: 0; font: 12px/1.35 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
      white-space: pre-wrap; overflow-wrap: anywhere; }
.legend span { display: inline-block; padding: .1rem .5rem; margin-right: .5rem; border: 1px solid #ccc; }
.legend .out { background: #e8f1fc; } .legend .in { background: #eaf7e6; } .legend .err { background: #fde2e1; }
"""

_DIRECTIONS = {"out": "station → CS", "in": "CS → station"}
_COLUMNS = (
    "#",
    "time (UTC)",
    "direction",
    "type",
    "action",
    "unique id",
    "connector",
    "transaction",
    "answer",
    "payload",
)


def _cell(value: object, css: str = "") -> str:
    text = "" if value is None else html.escape(str(value))
    return f'<td class="{css}">{text}</td>' if css else f"<td>{text}</td>"


def _pretty(value: Any) -> str:
    if isinstance(value, str):
        return html.escape(value)
    return html.escape(json.dumps(value, indent=2, ensure_ascii=False))


def _payload_cell(frame: ExportedFrame) -> str:
    """The message's payload (the other frame fields have their columns); the raw text if not a frame."""
    message, kind = frame.payload, frame.entry.message_type
    index = {"CALL": 3, "CALLRESULT": 2}.get(kind)
    if isinstance(message, list) and index is not None and len(message) == index + 1:
        return f"<td><pre>{_pretty(message[index])}</pre></td>"
    if isinstance(message, list) and kind == "CALLERROR" and len(message) == 5:
        description = f"<p class=error>{html.escape(str(message[3]))}</p>" if message[3] else ""
        return f"<td>{description}<pre>{_pretty(message[4])}</pre></td>"
    return f"<td><pre>{_pretty(frame.entry.payload)}</pre></td>"


def _answer_cell(frame: ExportedFrame) -> str:
    if frame.response_to is None:
        return "<td></td>"
    return (
        f'<td class="num"><a href="#f{frame.response_to}">to #{frame.response_to}</a><br>{frame.latency_ms:.1f} ms</td>'
    )


def _row(frame: ExportedFrame) -> str:
    e = frame.entry
    css = f"{html.escape(e.direction)} {html.escape(e.message_type)}"
    error = f"<br><span class=error>{html.escape(e.error_code)}</span>" if e.error_code else ""
    return (
        f'<tr id="f{e.id}" class="{css}">'
        + _cell(e.id, "num")
        + _cell(format_time(e.time), "time")
        + _cell(_DIRECTIONS.get(e.direction, e.direction), "dir")
        + f'<td class="type">{html.escape(e.message_type)}{error}</td>'
        + _cell(e.action)
        + _cell(e.unique_id)
        + _cell(e.connector_id, "num")
        + _cell(e.transaction_id, "num")
        + _answer_cell(frame)
        + _payload_cell(frame)
        + "</tr>\n"
    )


def write_html(
    frames: Iterable[ExportedFrame],
    out: IO[str],
    *,
    title: str = "OCPP message trace",
    trace_filter: TraceFilter | None = None,
) -> int:
    """Write the self-contained HTML log; returns the number of frames written."""
    out.write(
        "<!doctype html>\n<html lang=en><head><meta charset=utf-8>\n"
        # Nothing may be fetched: no scripts, images, fonts or stylesheets besides the inline one.
        "<meta http-equiv=Content-Security-Policy content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
        f"<title>{html.escape(title)}</title>\n<style>{_CSS}</style>\n</head><body>\n"
        f"<h1>{html.escape(title)}</h1>\n"
        f"<p class=meta>{html.escape((trace_filter or TraceFilter()).describe())}; "
        f"exported {html.escape(format_time(datetime.now(UTC)))}</p>\n"
        '<p class="meta legend"><span class=out>station → central system</span>'
        "<span class=in>central system → station</span><span class=err>CALLERROR / invalid</span></p>\n"
        "<table>\n<thead><tr>" + "".join(f"<th>{html.escape(c)}</th>" for c in _COLUMNS) + "</tr></thead>\n<tbody>\n"
    )
    count = 0
    for frame in frames:
        out.write(_row(frame))
        count += 1
    out.write(f"</tbody>\n</table>\n<p class=meta>{count} frame{'s' if count != 1 else ''}</p>\n</body></html>\n")
    return count

"""The message trace as the dashboard shows it: the filter, keyset pages and request/answer pairs.

Paging is by keyset, newest first on ``(time, id)``: a page is "the 50 rows before (time, id)",
never an OFFSET and never a COUNT over the table, so the first page and the 4,000th cost the same.
Each filter that narrows a column walks that column's index in time order (``time``,
``(action, time)``, ``(direction, time)``, ``(connector_id, time)``; SQLite's indexes end with the
row id, so ``ORDER BY time DESC, id DESC`` needs no sort). The text filter and the transaction
filter have no index of their own: they walk the time index and stop as soon as a page is full.

Pairs: the rows of a page are matched with their partner through the ``unique_id`` index -- a CALL
with the first answer after it from the other side, an answer with the last CALL before it --
and the latency is the time between the two.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django import forms
from django.db.models import QuerySet

from ocpp_core.messages import ACTIONS
from station.dashboard.forms import DateTimeLocalInput, parse_cursor, query_without_cursor
from station.models import TraceEntry
from station.trace_export import TraceFilter, parse_payload

__all__ = ["PAGE_SIZE", "TraceFilterForm", "TracePage", "TraceRow", "page_of", "pair_rows"]

PAGE_SIZE = 50
TEXT_MAX_LENGTH = 200

MessageType = TraceEntry.MessageType


class TraceFilterForm(forms.Form):
    """The trace page's filter (GET); also what the live tail and the exports select."""

    direction = forms.ChoiceField(
        required=False, choices=[("", "both"), *TraceEntry.Direction.choices], label="Direction"
    )
    action = forms.ChoiceField(
        required=False, choices=[("", "any"), *((a, a) for a in sorted(ACTIONS))], label="Action"
    )
    message_type = forms.ChoiceField(required=False, choices=[("", "any"), *MessageType.choices], label="Message type")
    connector = forms.IntegerField(required=False, min_value=0, max_value=2**31 - 1, label="Connector")
    transaction = forms.IntegerField(required=False, min_value=-(2**31), max_value=2**31 - 1, label="Transaction id")
    text = forms.CharField(
        required=False,
        max_length=TEXT_MAX_LENGTH,
        strip=True,
        label="Text",
        help_text="Found anywhere in the frame: unique id, idTag, key, value ...",
    )
    since = forms.DateTimeField(required=False, label="From (UTC)", widget=DateTimeLocalInput())
    until = forms.DateTimeField(required=False, label="Until (UTC)", widget=DateTimeLocalInput())
    #: the keyset cursor: "<RFC 3339 time>|<id>" of the last row of the previous page
    before = forms.CharField(required=False, max_length=80, widget=forms.HiddenInput)

    def clean_before(self) -> tuple[datetime, int] | None:
        return parse_cursor(self.cleaned_data.get("before") or "", "trace")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since is not None and until is not None and until <= since:
            self.add_error("until", "must be later than From")
        return data

    def export_filter(self) -> DashboardTraceFilter:
        """The filter of the trace exports (``station.trace_export``) selecting the same frames."""
        data = self.cleaned_data
        return DashboardTraceFilter(
            since=data.get("since"),
            until=data.get("until"),
            actions=(data["action"],) if data.get("action") else (),
            direction=data.get("direction") or None,
            connector_id=data.get("connector"),
            transaction_id=data.get("transaction"),
            text=data.get("text") or "",
            message_type=data.get("message_type") or None,
        )

    def queryset(self) -> QuerySet[TraceEntry]:
        """The selected rows, newest first (the export filter's rows, in the other order)."""
        return self.export_filter().queryset().order_by("-time", "-id")

    def filter_query(self) -> str:
        """The filter as a query string (without the cursor), for links, exports and the live tail."""
        return query_without_cursor(self)


@dataclass(frozen=True, slots=True, kw_only=True)
class DashboardTraceFilter(TraceFilter):
    """:class:`~station.trace_export.TraceFilter` with the dashboard's text and message type filters."""

    text: str = ""
    message_type: str | None = None

    def queryset(self) -> QuerySet[TraceEntry]:
        rows = TraceFilter.queryset(self)  # slotted dataclass: no zero-argument super()
        if self.text:
            rows = rows.filter(payload__icontains=self.text)
        if self.message_type:
            rows = rows.filter(message_type=self.message_type)
        return rows

    def describe(self) -> str:
        base = TraceFilter.describe(self)
        parts = [base] if base != "all frames" else []
        if self.message_type:
            parts.append(f"type {self.message_type}")
        if self.text:
            parts.append(f"text {self.text!r}")
        return "; ".join(parts) or "all frames"


@dataclass(frozen=True, slots=True)
class Partner:
    """The other half of a request/answer pair."""

    id: int
    message_type: str
    latency_ms: float


@dataclass(frozen=True, slots=True)
class TraceRow:
    entry: TraceEntry
    partner: Partner | None

    @property
    def is_error(self) -> bool:
        return self.entry.message_type in (MessageType.CALLERROR, MessageType.INVALID)

    @property
    def summary(self) -> str:
        """The payload in one line, shortened."""
        payload = parse_payload(self.entry.payload)
        body = payload[3] if isinstance(payload, list) and len(payload) == 4 else payload
        if isinstance(payload, list) and len(payload) == 3 and self.entry.message_type == MessageType.CALLRESULT:
            body = payload[2]
        if isinstance(payload, list) and len(payload) == 5:  # CALLERROR: code, description, details
            body = payload[3] or payload[2]
        text = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False, separators=(", ", ": "))
        return text if len(text) <= 160 else text[:159] + "…"


@dataclass(frozen=True, slots=True)
class TracePage:
    rows: list[TraceRow]
    #: the cursor of the next (older) page, or None on the last page
    next_cursor: str | None


def cursor_of(entry: TraceEntry) -> str:
    return f"{entry.time.isoformat()}|{entry.id}"


def page_of(form: TraceFilterForm, size: int = PAGE_SIZE) -> TracePage:
    """One page of the selected rows (``form`` must be valid), with pairs."""
    rows = form.queryset()
    before = form.cleaned_data.get("before")
    if before is not None:
        time, row_id = before
        rows = rows.filter(time__lte=time).exclude(time=time, id__gte=row_id)
    entries = list(rows[: size + 1])
    more = len(entries) > size
    entries = entries[:size]
    return TracePage(pair_rows(entries), cursor_of(entries[-1]) if more and entries else None)


_ANSWERS = (MessageType.CALLRESULT, MessageType.CALLERROR)


def pair_rows(entries: list[TraceEntry]) -> list[TraceRow]:
    """``entries`` with their partners (one query over the unique-id index)."""
    unique_ids = {e.unique_id for e in entries if e.unique_id}
    candidates: dict[str, list[tuple[int, str, str, datetime]]] = {}
    if unique_ids:
        for row in (
            TraceEntry.objects.filter(unique_id__in=unique_ids)
            .order_by("id")
            .values_list("id", "direction", "message_type", "unique_id", "time")
        ):
            candidates.setdefault(row[3], []).append((row[0], row[1], row[2], row[4]))
    result = []
    for entry in entries:
        partner = None
        others = [c for c in candidates.get(entry.unique_id, ()) if c[1] != entry.direction]
        if entry.message_type == MessageType.CALL:
            found = next((c for c in others if c[0] > entry.id and c[2] in _ANSWERS), None)
        elif entry.message_type in _ANSWERS:
            earlier = [c for c in others if c[0] < entry.id and c[2] == MessageType.CALL]
            found = earlier[-1] if earlier else None
        else:
            found = None
        if found is not None:
            latency = abs((found[3] - entry.time).total_seconds()) * 1000
            partner = Partner(id=found[0], message_type=found[2], latency_ms=round(latency, 1))
        result.append(TraceRow(entry, partner))
    return result


def pretty(entry: TraceEntry) -> str:
    """The frame as indented JSON (or as stored, when it is not JSON)."""
    payload = parse_payload(entry.payload)
    return payload if isinstance(payload, str) else json.dumps(payload, indent=2, ensure_ascii=False)

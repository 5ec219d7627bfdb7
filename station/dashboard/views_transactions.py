"""Transactions: the filtered list (keyset pages), one transaction with its charts, CSV export."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from typing import IO, Any

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from station.dashboard.charts import line_chart
from station.dashboard.forms import TransactionFilterForm
from station.dashboard.views import HtmxHttpRequest, download, page_context, read_status
from station.models import ENERGY_REGISTER, QueuedMessage, TraceEntry, Transaction

PAGE_SIZE = 50
POWER = "Power.Active.Import"


def filtered(form: TransactionFilterForm) -> QuerySet[Transaction]:
    """The transactions ``form`` (valid) selects, newest first."""
    data = form.cleaned_data
    rows = Transaction.objects.all()
    if data.get("connector") is not None:
        rows = rows.filter(connector_id=data["connector"])
    if data.get("id_tag"):
        rows = rows.filter(id_tag=data["id_tag"])
    state = data.get("state")
    if state == "running":
        rows = rows.filter(stop_time__isnull=True)
    elif state == "stopped":
        rows = rows.filter(stop_time__isnull=False)
    elif state == "unacknowledged":
        rows = rows.filter(acknowledged=False)
    if data.get("since") is not None:
        rows = rows.filter(start_time__gte=data["since"])
    if data.get("until") is not None:
        rows = rows.filter(start_time__lt=data["until"])
    return rows.order_by("-start_time", "-id")


@login_required
@require_GET
def transactions(request: HtmxHttpRequest) -> HttpResponse:
    form = TransactionFilterForm(request.GET)
    rows: list[Transaction] = []
    next_cursor = None
    if form.is_valid():
        selected = filtered(form)
        before = form.cleaned_data.get("before")
        if before is not None:
            selected = selected.filter(start_time__lte=before[0]).exclude(start_time=before[0], id__gte=before[1])
        rows = list(selected[: PAGE_SIZE + 1])
        if len(rows) > PAGE_SIZE:
            rows = rows[:PAGE_SIZE]
            next_cursor = f"{rows[-1].start_time.isoformat()}|{rows[-1].id}"
    context = page_context(
        "transactions",
        read_status(),
        form=form,
        rows=rows,
        next_cursor=next_cursor,
        filter_query=form.filter_query() if form.is_valid() else "",
    )
    return render(request, "station/transactions.html", context, status=200 if form.is_valid() else 400)


def charts_of(tx: Transaction) -> dict[str, Any]:
    energy = [(when, value - tx.meter_start) for when, value in tx.series(ENERGY_REGISTER)]
    power = tx.series(POWER)
    return {
        "power_chart": line_chart(power, title="Power (kW)", unit="kW", css_class="power", scale=0.001),
        "energy_chart": line_chart(
            energy, title="Energy this session (kWh)", unit="kWh", css_class="energy", scale=0.001
        ),
        "readings": len(energy) or len(power),
    }


@login_required
@require_GET
def transaction_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    tx = get_object_or_404(Transaction, pk=pk)
    queued = list(QueuedMessage.objects.filter(tx_key=tx.tx_key).order_by("seq"))
    frames = (
        TraceEntry.objects.filter(transaction_id=tx.transaction_id).exists() if tx.transaction_id is not None else False
    )
    context = page_context("transactions", read_status(), tx=tx, queued=queued, has_frames=frames, **charts_of(tx))
    return render(request, "station/transaction_detail.html", context)


CSV_COLUMNS = (
    "transaction_id",
    "tx_key",
    "connector_id",
    "id_tag",
    "start_time",
    "stop_time",
    "meter_start_wh",
    "meter_stop_wh",
    "energy_wh",
    "stop_reason",
    "start_status",
    "acknowledged",
)


def _safe(value: object) -> object:
    """Defuse text a spreadsheet would run as a formula (an idTag is chosen by whoever holds the card)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def write_csv(rows: QuerySet[Transaction], out: IO[str]) -> None:
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for tx in rows.iterator(chunk_size=500):
        writer.writerow(
            [
                tx.transaction_id,
                tx.tx_key,
                tx.connector_id,
                _safe(tx.id_tag),
                tx.start_time.isoformat(),
                tx.stop_time.isoformat() if tx.stop_time else "",
                tx.meter_start,
                "" if tx.meter_stop is None else tx.meter_stop,
                tx.energy_wh,
                tx.stop_reason or "",
                tx.start_status or "",
                "yes" if tx.acknowledged else "no",
            ]
        )


@login_required
@require_GET
def transactions_csv(request: HtmxHttpRequest) -> HttpResponse | StreamingHttpResponse:
    form = TransactionFilterForm(request.GET)
    if not form.is_valid():
        problems = "; ".join(f"{field}: {' '.join(str(e) for e in errors)}" for field, errors in form.errors.items())
        return HttpResponse(f"Invalid filter: {problems}\n", status=400, content_type="text/plain; charset=utf-8")
    rows = filtered(form)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return download(lambda out: write_csv(rows, out), f"transactions-{stamp}.csv", "text/csv; charset=utf-8")

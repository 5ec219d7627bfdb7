"""The message trace: filtered keyset pages, a frame's detail, JSONL and HTML exports."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import IO

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from station.dashboard.traces import TraceFilterForm, page_of, pair_rows, pretty
from station.dashboard.views import HtmxHttpRequest, download, page_context, read_status
from station.models import TraceEntry
from station.trace_export import exported_frames, write_html, write_jsonl


@login_required
@require_GET
def trace(request: HtmxHttpRequest) -> HttpResponse:
    form = TraceFilterForm(request.GET)
    valid = form.is_valid()
    page = page_of(form) if valid else None
    # The first page follows new frames live; an older page stays put.
    live = valid and form.cleaned_data.get("before") is None
    query = form.filter_query() if valid else ""
    context = page_context(
        "trace",
        read_status(),
        ws_query=f"live=1&{query}" if live else "live=0",
        form=form,
        trace_page=page,
        live=live,
        filter_query=query,
        filtered=bool(query),
    )
    return render(request, "station/trace.html", context, status=200 if valid else 400)


@login_required
@require_GET
def trace_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(TraceEntry, pk=pk)
    row = pair_rows([entry])[0]
    partner = TraceEntry.objects.filter(id=row.partner.id).first() if row.partner is not None else None
    context = {"row": row, "pretty": pretty(entry), "partner": partner}
    if request.htmx:
        return render(request, "station/trace_detail.html", context)
    return render(request, "station/trace_frame.html", {**page_context("trace", read_status()), **context})


#: format -> content type
EXPORTS = {"jsonl": "application/x-ndjson; charset=utf-8", "html": "text/html; charset=utf-8"}


@login_required
@require_GET
def trace_export(request: HtmxHttpRequest, fmt: str) -> HttpResponse | StreamingHttpResponse:
    """The frames of the current filter, oldest first, as a download.

    Written to a temporary file first (memory stays flat whatever the size), then streamed.
    """
    form = TraceFilterForm(request.GET)
    if not form.is_valid():
        problems = "; ".join(f"{field}: {' '.join(str(e) for e in errors)}" for field, errors in form.errors.items())
        return HttpResponse(f"Invalid filter: {problems}\n", status=400, content_type="text/plain; charset=utf-8")
    content_type = EXPORTS[fmt]
    trace_filter = form.export_filter()

    def write(out: IO[str]) -> None:
        frames = exported_frames(trace_filter)
        if fmt == "html":
            write_html(frames, out, trace_filter=trace_filter)
        else:
            write_jsonl(frames, out)

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return download(write, f"trace-{stamp}.{fmt}", content_type)

"""The dashboard's websocket: pushes the fragments of the page it was opened from.

Thin, as consumers should be: it checks the session user, joins :data:`live.GROUP`, and on each
group message renders the fragments the page shows (``hx-swap-oob``, swapped by id by htmx's ws
extension) and sends them. The page says what it shows in the query string: ``view=overview``
(station header, identity, connector cards, reservations, event log), ``view=firmware`` (the
firmware and diagnostics state, asked of the engine wherever it runs), ``view=simulator`` (the connectors'
simulated state), ``view=trace&live=1&<filter>`` (also the first page of the trace rows of that
filter, refreshed when frames are stored), anything else (the station header only).

Nothing comes from the browser: messages it sends are ignored.
"""

from __future__ import annotations

import asyncio
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.http import QueryDict
from django.template.loader import render_to_string

from station.dashboard import control, live
from station.dashboard.traces import TraceFilterForm, page_of

#: Seconds a trace refresh waits for more frames of the same burst.
TRACE_REFRESH_DELAY = 0.3


def status_fragments(view: str, status: dict[str, Any] | None) -> str:
    """The out-of-band fragments of ``view`` for ``status``."""
    context = {**live.present(status), "oob": True}
    parts = [render_to_string("station/station_status.html", context)]
    cards = ([context["station_card"]] if context["station_card"] else []) + context["connectors"]
    if view == "overview":
        parts.append(render_to_string("station/station_identity.html", context))
        parts.extend(render_to_string("station/connector_card.html", {**context, "card": card}) for card in cards)
        parts.append(render_to_string("station/reservations.html", context))
        parts.append(render_to_string("station/event_log.html", context))
    elif view == "simulator":
        parts.extend(render_to_string("station/simulator_state.html", {**context, "card": card}) for card in cards)
    return "".join(parts)


async def firmware_fragment() -> str:
    """The firmware page's state, asked of the station wherever it runs ("" when none answers)."""
    from station.dashboard.views_features import firmware_page

    try:
        state = await control.ask("firmware")
    except control.StationUnavailable:
        return ""
    return render_to_string("station/firmware_state.html", {**firmware_page(state), "oob": True})


def trace_rows_fragment(params: QueryDict) -> str:
    """The first page of the trace rows selected by the filter in ``params`` ("" if invalid)."""
    form = TraceFilterForm(params)
    if not form.is_valid():
        return ""
    return render_to_string("station/trace_rows.html", {"trace_page": page_of(form), "oob": True})


class DashboardConsumer(AsyncWebsocketConsumer):  # type: ignore[misc]  # channels is untyped
    view = "overview"
    live_trace = False
    _trace_stale = False

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close()  # before accept: the handshake is refused (HTTP 403)
            return
        self.params = QueryDict(self.scope.get("query_string", b"").decode("latin-1"))
        self.view = self.params.get("view", "overview")
        self.live_trace = self.view == "trace" and self.params.get("live") == "1"
        self._refresh: asyncio.Task[None] | None = None
        await self.channel_layer.group_add(live.GROUP, self.channel_name)
        await self.accept()
        # What changed between the page's rendering and now.
        await self.send(text_data=await self._fragments(await control.current_status()))

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(live.GROUP, self.channel_name)
        refresh = getattr(self, "_refresh", None)
        if refresh is not None:
            refresh.cancel()

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """The page sends nothing the station acts on."""

    async def _fragments(self, status: dict[str, Any] | None) -> str:
        fragments = status_fragments(self.view, status)
        if self.view == "firmware":
            fragments += await firmware_fragment()  # the engine's: on this loop, or the worker's
        return fragments

    async def dashboard_update(self, event: dict[str, Any]) -> None:
        await self.send(text_data=await self._fragments(event.get("status")))
        if event.get("trace") and self.live_trace:
            self._trace_stale = True
            if self._refresh is None or self._refresh.done():
                self._refresh = asyncio.get_running_loop().create_task(self._refresh_trace())

    async def _refresh_trace(self) -> None:
        """Send the trace rows until no frame arrived during the last refresh."""
        while self._trace_stale:
            await asyncio.sleep(TRACE_REFRESH_DELAY)
            self._trace_stale = False
            fragment = await database_sync_to_async(trace_rows_fragment)(self.params)
            if fragment:
                await self.send(text_data=fragment)

"""Dashboard pages: overview, configuration, simulator panel; the shared helpers of every page.

Pages (GET) are sync views reading the database; what they show of the running engine is asked
of the station wherever it runs (:func:`.control.ask_sync`: on its own loop in this process, or
the OCPP worker of the split deployment), never read from the request's thread. Actions (POST)
are async views, calling the controller like the control API does. An action answers
an htmx request with the fragment it changed and a plain form post with a redirect (the message
shown on the next page), so every form works without JavaScript too.

The other pages have modules of their own: :mod:`.views_trace`, :mod:`.views_transactions`,
:mod:`.views_authorization` (local list, cache), :mod:`.views_features` (charging profiles,
firmware and diagnostics). Actions that change the station need an operator
(:mod:`.permissions`).
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import IO, Any, TypeVar
from urllib.parse import urlencode

from asgiref.sync import async_to_sync, sync_to_async
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_POST
from django_htmx.middleware import HtmxDetails

from ocpp_core.config import ChangeStatus
from ocpp_core.config.keys import SECTIONS
from station import models, runtime
from station.dashboard import control, live
from station.dashboard.forms import ConfigValueForm, FaultForm, KnobsForm, TokenForm
from station.dashboard.models import ConfigChangeLog
from station.dashboard.permissions import operator_required
from station.dashboard.station_queries import KeyRow
from station.dashboard.traces import pair_rows

T = TypeVar("T")

#: The browsers' websocket (station/dashboard/routing.py).
WS_PATH = "/ws/dashboard/"

#: (page name, URL name, label) of the main navigation, in order.
NAV = (
    ("overview", "dashboard:overview", "Overview"),
    ("trace", "dashboard:trace", "Message trace"),
    ("configuration", "dashboard:configuration", "Configuration"),
    ("authorization", "dashboard:authorization", "Authorization"),
    ("charging-profiles", "dashboard:charging-profiles", "Charging profiles"),
    ("transactions", "dashboard:transactions", "Transactions"),
    ("firmware", "dashboard:firmware", "Firmware"),
    ("simulator", "dashboard:simulator", "Simulator"),
)


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


# --- shared helpers ------------------------------------------------------------------------------


def read_status() -> dict[str, Any] | None:
    """The live status (None: no station), from a sync view."""
    return async_to_sync(control.current_status)()


def page_context(page: str, status: dict[str, Any] | None, *, ws_query: str = "", **extra: Any) -> dict[str, Any]:
    """What every page's layout needs: navigation, the station's status, the websocket URL."""
    context = live.present(status)
    query = urlencode({"view": page}) + (f"&{ws_query}" if ws_query else "")
    context.update(page=page, nav=NAV, ws_url=f"{WS_PATH}?{query}", **extra)
    return context


async def arender(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    """``render`` from an async view (templates may read the session user: a sync context)."""
    response: HttpResponse = await sync_to_async(render)(request, template, context, status=status)
    return response


#: Bytes read from a download's temporary file at a time.
DOWNLOAD_CHUNK = 64 * 1024


def download(write: Callable[[IO[str]], object], filename: str, content_type: str) -> StreamingHttpResponse:
    """An attachment of what ``write`` writes (UTF-8 text), through a temporary file.

    Memory stays flat whatever the size: ``write`` fills the file, then the body streams it as an
    async iterator (daphne reads a sync iterator into memory whole first); the file is closed, and
    so deleted, when the response ends.
    """
    spool = tempfile.TemporaryFile()  # noqa: SIM115  # outlives this function: the response closes it
    try:
        text = io.TextIOWrapper(spool, encoding="utf-8", newline="")
        write(text)
        text.flush()
        text.detach()
        spool.seek(0)
    except BaseException:
        spool.close()
        raise

    async def chunks() -> AsyncIterator[bytes]:
        try:
            while block := await sync_to_async(spool.read, thread_sensitive=False)(DOWNLOAD_CHUNK):
                yield block
        finally:
            spool.close()

    response = StreamingHttpResponse(chunks(), content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename) or "attachment"
    return response


def _done(request: HtmxHttpRequest, fallback: str, level: int, text: str) -> HttpResponse | None:
    """A plain form post: record the message and redirect (303) to ``fallback``; htmx: None."""
    if request.htmx:
        return None
    messages.add_message(request, level, text)
    return HttpResponseRedirect(fallback, status=303)


# --- overview -------------------------------------------------------------------------------------


@login_required
@require_GET
def overview(request: HtmxHttpRequest) -> HttpResponse:
    status = read_status()
    if status is not None and status.get("last_heartbeat") is None:
        # This process has not seen one since it started: the trace remembers.
        heartbeat = (
            models.TraceEntry.objects.filter(
                action="Heartbeat", direction="in", message_type=models.TraceEntry.MessageType.CALLRESULT
            )
            .order_by("-time", "-id")
            .values_list("time", flat=True)
            .first()
        )
        status = {**status, "last_heartbeat": heartbeat.isoformat() if heartbeat is not None else None}
    return render(request, "station/overview.html", page_context("overview", status))


# --- configuration -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Section:
    name: str
    active: bool
    rows: list[KeyRow]


def config_sections(rows: list[KeyRow]) -> list[Section]:
    """``rows`` by feature profile (config-file section), in the order of the sections."""
    by_section: dict[str, list[KeyRow]] = {}
    for row in rows:
        by_section.setdefault(row.section, []).append(row)
    order = {name: i for i, name in enumerate(SECTIONS)}
    return [
        Section(name, any(row.active for row in rows), rows)
        for name, rows in sorted(by_section.items(), key=lambda item: order.get(item[0], len(order)))
    ]


def _csms_changes() -> list[dict[str, Any]]:
    """The central system's latest ChangeConfiguration CALLs, with the status it was answered."""
    import json

    calls = list(
        models.TraceEntry.objects.filter(
            action="ChangeConfiguration", direction="in", message_type=models.TraceEntry.MessageType.CALL
        ).order_by("-time", "-id")[:10]
    )
    changes = []
    for row in pair_rows(calls):
        try:
            payload = json.loads(row.entry.payload)[3]
        except (ValueError, IndexError, KeyError, TypeError):
            payload = {}
        answer = (
            models.TraceEntry.objects.filter(id=row.partner.id).values_list("payload", flat=True).first()
            if row.partner is not None
            else None
        )
        try:
            outcome = json.loads(answer)[2].get("status") if answer else None
        except (ValueError, IndexError, AttributeError, TypeError):
            outcome = None
        changes.append(
            {
                "time": row.entry.time,
                "key": payload.get("key") if isinstance(payload, dict) else None,
                "value": payload.get("value") if isinstance(payload, dict) else None,
                "status": outcome or "no answer",
                "id": row.entry.id,
            }
        )
    return changes


@login_required
@require_GET
def configuration(request: HtmxHttpRequest) -> HttpResponse:
    status = read_status()
    try:
        rows = [KeyRow(**row) for row in control.ask_sync("configuration")]
    except control.StationUnavailable as exc:
        context = page_context("configuration", status, unavailable=str(exc))
        return render(request, "station/configuration.html", context, status=503)
    context = page_context(
        "configuration",
        status,
        sections=config_sections(rows),
        changes=list(ConfigChangeLog.objects.all()[:20]),
        csms_changes=_csms_changes(),
    )
    return render(request, "station/configuration.html", context)


@login_required
@require_POST
@operator_required
async def configuration_change(request: HtmxHttpRequest, key: str) -> HttpResponse:
    user = await request.auser()
    fallback = reverse("dashboard:configuration")
    try:
        found = await control.ask("configuration_key", key=key)
        if found is None:
            raise Http404(f"{key} is not a configuration key of this station")
        row = KeyRow(**found)
        form = ConfigValueForm(request.POST)
        if form.is_valid():
            value = form.cleaned_data["value"]
            answer = await control.ask("change_configuration", key=row.key, value=value)
            outcome = control.ConfigOutcome(
                ChangeStatus(answer["status"]), answer["key"], answer["section"], answer["reason"]
            )
            fresh = KeyRow(**answer["row"]) if answer["row"] is not None else row
        else:
            value = str(request.POST.get("value", ""))[:500]
            problems = "; ".join(str(e) for errors in form.errors.values() for e in errors)
            outcome = control.ConfigOutcome(ChangeStatus.REJECTED, row.key, row.section, f"{row.key}: {problems}")
            fresh = row
    except control.StationUnavailable as exc:
        if (redirect := _done(request, fallback, messages.ERROR, str(exc))) is not None:
            return redirect
        return await arender(request, "station/message.html", {"level": "error", "text": str(exc)}, status=503)
    await ConfigChangeLog.objects.acreate(
        user=user if user.is_authenticated else None,
        username=user.get_username(),
        key=outcome.key,
        section=outcome.section,
        value="***" if row.secret else value,
        status=outcome.status.value,
        reason=outcome.reason,
    )
    if outcome.applied:
        shown = "was set" if row.secret else f"= {value!r}"
        text = f"{outcome.key} {shown}" + (
            ": the station applies it after a reboot (RebootRequired)"
            if outcome.status is ChangeStatus.REBOOT_REQUIRED
            else "."
        )
        level = messages.WARNING if outcome.status is ChangeStatus.REBOOT_REQUIRED else messages.SUCCESS
    else:
        text = f"{outcome.status.value}: {outcome.reason}"
        level = messages.ERROR
    if (redirect := _done(request, f"{fallback}#{row.anchor}", level, text)) is not None:
        return redirect
    context = {"row": fresh, "outcome": outcome, "message": text, "level": messages.DEFAULT_TAGS[level]}
    return await arender(request, "station/config_key.html", context)


# --- simulator panel -----------------------------------------------------------------------------


def _simulator_forms(status: dict[str, Any] | None) -> dict[int, dict[str, Any]]:
    """Forms of each connector, the knobs filled in with the simulator's current values."""
    forms: dict[int, dict[str, Any]] = {}
    for connector in (status or {}).get("connectors", ()):
        n = connector["connector_id"]
        knobs = (connector.get("simulator") or {}).get("knobs") or {}
        forms[n] = {
            "token": TokenForm(prefix=f"c{n}"),
            "fault": FaultForm(prefix=f"c{n}"),
            "knobs": KnobsForm(initial=knobs, prefix=f"c{n}") if n > 0 else None,
        }
    return forms


def _panel_context(status: dict[str, Any] | None) -> dict[str, Any]:
    context = page_context("simulator", status)
    forms = _simulator_forms(status)
    cards = context["connectors"] + ([context["station_card"]] if context["station_card"] else [])
    context["panels"] = [{"card": card, **forms.get(card.connector_id, {})} for card in cards]
    return context


@login_required
@require_GET
def simulator(request: HtmxHttpRequest) -> HttpResponse:
    return render(request, "station/simulator.html", _panel_context(read_status()))


#: action in the URL -> (controller method, form class or None, past-tense description)
SIMULATOR_ACTIONS: dict[str, tuple[str, type[TokenForm | FaultForm | KnobsForm] | None, str]] = {
    "plug": ("plug", None, "EV plugged in"),
    "unplug": ("unplug", None, "EV unplugged"),
    "ev-suspend": ("ev_suspend", None, "EV suspended charging"),
    "ev-resume": ("ev_resume", None, "EV resumed charging"),
    "present-token": ("present_token", TokenForm, "idTag presented"),
    "raise-fault": ("raise_fault", FaultForm, "fault raised"),
    "clear-faults": ("clear_faults", None, "faults cleared"),
    "knobs": ("simulator_knobs", KnobsForm, "knobs set"),
}


@login_required
@require_POST
@operator_required
async def simulator_action(request: HtmxHttpRequest, n: int, action: str) -> HttpResponse:
    spec = SIMULATOR_ACTIONS.get(action)
    if spec is None:
        raise Http404(f"no simulator action {action!r}")
    method, form_class, done = spec
    form = form_class(request.POST, prefix=f"c{n}") if form_class is not None else None
    name = "Station" if n == 0 else f"Connector {n}"
    refused_form = False
    if form is not None and not form.is_valid():
        problems = "; ".join(
            f"{form.fields[field].label if field in form.fields else field}: {error}"
            for field, errors in form.errors.items()
            for error in errors
        )
        text, level, refused_form = f"{name}: {problems}", messages.ERROR, True
    else:
        data = form.cleaned_data if form is not None else {}
        try:
            controller = runtime.get_controller()
            if method == "simulator_knobs":
                await controller.simulator_knobs(n, **data)
            elif method == "present_token":
                await controller.present_token(n, data["id_tag"])
            elif method == "raise_fault":
                await controller.raise_fault(n, data["error_code"], data.get("info") or "")
            else:
                await getattr(controller, method)(n)
        except runtime.UnknownConnector as exc:
            raise Http404(str(exc)) from None
        except (runtime.ActionConflict, runtime.StationNotRunning, ValueError) as exc:
            text, level = f"{name}: {exc}", messages.ERROR
        else:
            extra = f" ({data['id_tag']})" if method == "present_token" else ""
            text, level = f"{name}: {done}{extra}.", messages.SUCCESS
    if (redirect := _done(request, f"{reverse('dashboard:simulator')}#sim-{n}", level, text)) is not None:
        return redirect
    context = _panel_context(await control.current_status())
    panel = next((p for p in context["panels"] if p["card"].connector_id == n), None)
    if panel is None:
        raise Http404(f"connector {n} does not exist")
    if form is not None and refused_form:
        panel = {**panel, form_class_key(form): form}  # show the refused values with their errors
    context = {**context, "panel": panel, "message": text, "level": messages.DEFAULT_TAGS[level]}
    # htmx swaps only 2xx answers: a refusal is still a 200 carrying the message (and role=alert).
    return await arender(request, "station/simulator_connector.html", context)


def form_class_key(form: TokenForm | FaultForm | KnobsForm) -> str:
    return {TokenForm: "token", FaultForm: "fault", KnobsForm: "knobs"}[type(form)]

"""Authorization: the local authorization list (shown, and edited by operators) and the cache.

The list shown is the stored one (the database); editing goes through the engine wherever the
station runs (the ``edit_local_list`` query of :mod:`.station_queries`, through
:func:`station.dashboard.control.ask`), checked like SendLocalList and keeping the list version. Every edit asked for -- applied or refused -- is logged with who and when
(:class:`~station.dashboard.models.LocalListChangeLog`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from asgiref.sync import sync_to_async
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from ocpp_core.storage import IdTagRecord
from station import models
from station.dashboard import control
from station.dashboard.forms import LocalListEntryForm, LocalListRemoveForm
from station.dashboard.models import LocalListChangeLog
from station.dashboard.permissions import operator_required
from station.dashboard.views import HtmxHttpRequest, _done, arender, page_context, read_status

ADD_PREFIX = "add"
EDIT_PREFIX = "edit"


def _unavailable(reason: str) -> dict[str, Any]:
    return {"editable": False, "unavailable": reason, "active": None, "max_length": None}


def list_state() -> dict[str, Any]:
    """Whether the list can be edited, and its limit (from a sync view)."""
    try:
        state: dict[str, Any] = control.ask_sync("local_list_state")
    except control.StationUnavailable as exc:
        return _unavailable(str(exc))
    return state


async def _state_async() -> dict[str, Any]:
    try:
        state: dict[str, Any] = await control.ask("local_list_state")
    except control.StationUnavailable as exc:
        return _unavailable(str(exc))
    return state


def _list_context(state: dict[str, Any]) -> dict[str, Any]:
    entries = list(models.LocalListEntry.objects.order_by("id"))
    return {
        "local_list": entries,
        "local_list_version": models.LocalListVersion.current(),
        "list_state": state,
        "list_changes": list(LocalListChangeLog.objects.all()[:20]),
        "now": datetime.now(UTC),
    }


def _cache_context() -> dict[str, Any]:
    return {"cache": list(models.AuthCacheEntry.objects.order_by("id"))}


@login_required
@require_GET
def authorization(request: HtmxHttpRequest) -> HttpResponse:
    context = page_context(
        "authorization",
        read_status(),
        add_form=LocalListEntryForm(prefix=ADD_PREFIX),
        **_list_context(list_state()),
        **_cache_context(),
    )
    return render(request, "station/authorization.html", context)


# --- the local list ------------------------------------------------------------------------------


def _problems(form: LocalListEntryForm | LocalListRemoveForm) -> str:
    return "; ".join(
        f"{form.fields[field].label if field in form.fields else field}: {error}"
        for field, errors in form.errors.items()
        for error in errors
    )


async def _apply(
    request: HtmxHttpRequest, mode: control.ListEdit, id_tag: str, record: IdTagRecord | None
) -> tuple[bool, str, int]:
    """Run the edit on the engine and log it: (applied, message, level)."""
    entry = None
    if record is not None:
        entry = {
            "id_tag": record.id_tag,
            "status": record.status,
            "expiry_date": record.expiry_date,
            "parent_id_tag": record.parent_id_tag,
        }
    try:
        answer = await control.ask("edit_local_list", mode=mode, id_tag=id_tag, record=entry)
    except control.StationUnavailable as exc:
        return False, str(exc), messages.ERROR
    outcome = control.ListOutcome(answer["applied"], answer["version"], answer["reason"])
    user = await request.auser()
    await LocalListChangeLog.objects.acreate(
        user=user if user.is_authenticated else None,
        username=user.get_username(),
        action=mode,
        id_tag=id_tag,
        status=record.status if record is not None else "",
        expiry_date=record.expiry_date if record is not None else None,
        parent_id_tag=(record.parent_id_tag or "") if record is not None else "",
        list_version=outcome.version,
        applied=outcome.applied,
        reason=outcome.reason,
    )
    if not outcome.applied:
        return False, f"Refused: {outcome.reason}.", messages.ERROR
    if record is None:
        return True, f"{id_tag} was removed from the local list (version {outcome.version} kept).", messages.SUCCESS
    verb = "added to" if mode == "add" else "changed in"
    expired = record.expiry_date is not None and record.expiry_date <= datetime.now(UTC)
    note = " Its expiry date is past: it is answered as Expired." if expired else ""
    return (
        True,
        f"{id_tag} ({record.status}) was {verb} the local list (version {outcome.version} kept).{note}",
        messages.SUCCESS,
    )


async def _list_fragment(
    request: HtmxHttpRequest, text: str, level: int, add_form: LocalListEntryForm | None = None
) -> HttpResponse:
    state = await _state_async()
    context = {
        **await sync_to_async(_list_context)(state),
        "add_form": add_form or LocalListEntryForm(prefix=ADD_PREFIX),
        "message": text,
        "level": messages.DEFAULT_TAGS[level],
    }
    # htmx swaps only 2xx answers: a refusal is a 200 carrying the message (role=alert).
    return await arender(request, "station/local_list.html", context)


def _record_of(form: LocalListEntryForm) -> IdTagRecord:
    data = form.cleaned_data
    return IdTagRecord(
        id_tag=data["id_tag"],
        status=data["status"],
        expiry_date=data.get("expiry_date"),
        parent_id_tag=data.get("parent_id_tag"),
    )


LIST_ANCHOR = "#local-list"


@login_required
@require_POST
@operator_required
async def local_list_add(request: HtmxHttpRequest) -> HttpResponse:
    form = LocalListEntryForm(request.POST, prefix=ADD_PREFIX)
    fallback = reverse("dashboard:authorization") + LIST_ANCHOR
    if not form.is_valid():
        text = f"Not added: {_problems(form)}"
        if (redirect := _done(request, fallback, messages.ERROR, text)) is not None:
            return redirect
        return await _list_fragment(request, text, messages.ERROR, form)
    record = _record_of(form)
    applied, text, level = await _apply(request, "add", record.id_tag, record)
    if (redirect := _done(request, fallback, level, text)) is not None:
        return redirect
    return await _list_fragment(request, text, level, None if applied else form)


@login_required
@require_POST
@operator_required
async def local_list_remove(request: HtmxHttpRequest) -> HttpResponse:
    form = LocalListRemoveForm(request.POST)
    fallback = reverse("dashboard:authorization") + LIST_ANCHOR
    if not form.is_valid():
        text, level = f"Not removed: {_problems(form)}", messages.ERROR
    else:
        _, text, level = await _apply(request, "remove", form.cleaned_data["id_tag"], None)
    if (redirect := _done(request, fallback, level, text)) is not None:
        return redirect
    return await _list_fragment(request, text, level)


def _edit_context(form: LocalListEntryForm, **extra: Any) -> dict[str, Any]:
    return page_context("authorization", read_status(), form=form, list_state=list_state(), **extra)


@login_required
@require_GET
@operator_required
def local_list_edit(request: HtmxHttpRequest) -> HttpResponse:
    """The form changing one entry (``?id_tag=``), filled with its stored values."""
    id_tag = request.GET.get("id_tag", "")
    entry = models.LocalListEntry.objects.filter(id_tag=id_tag).first()
    if entry is None:
        raise Http404(f"{id_tag!r} is not in the local list")
    form = LocalListEntryForm(
        prefix=EDIT_PREFIX,
        initial={
            "id_tag": entry.id_tag,
            "status": entry.status,
            "expiry_date": entry.expiry_date.astimezone(UTC).replace(tzinfo=None) if entry.expiry_date else None,
            "parent_id_tag": entry.parent_id_tag or "",
        },
    )
    form.fields["id_tag"].widget.attrs["readonly"] = True
    return render(request, "station/local_list_edit.html", _edit_context(form, id_tag=entry.id_tag))


@login_required
@require_POST
@operator_required
async def local_list_change(request: HtmxHttpRequest) -> HttpResponse:
    """Save the edit form: back to the list with a message, or the form again with what is wrong."""
    form = LocalListEntryForm(request.POST, prefix=EDIT_PREFIX)
    form.fields["id_tag"].widget.attrs["readonly"] = True
    if form.is_valid():
        record = _record_of(form)
        applied, text, level = await _apply(request, "change", record.id_tag, record)
        if applied:
            messages.add_message(request, level, text)
            return HttpResponseRedirect(reverse("dashboard:authorization") + LIST_ANCHOR, status=303)
        status = 409
    else:
        text, level, status = f"Not saved: {_problems(form)}", messages.ERROR, 400
    id_tag = str(request.POST.get(f"{EDIT_PREFIX}-id_tag", ""))[:20]
    context = await sync_to_async(_edit_context)(form, id_tag=id_tag, message=text, level=messages.DEFAULT_TAGS[level])
    return await arender(request, "station/local_list_edit.html", context, status=status)


# --- the cache -----------------------------------------------------------------------------------


@login_required
@require_POST
@operator_required
async def authorization_cache_clear(request: HtmxHttpRequest) -> HttpResponse:
    fallback = reverse("dashboard:authorization")
    try:
        cleared = await control.ask("clear_cache")
    except control.StationUnavailable as exc:
        cleared, text, level = False, str(exc), messages.ERROR
    else:
        text, level = (
            ("The authorization cache was cleared.", messages.SUCCESS)
            if cleared
            else ("Rejected: this station has no authorization cache (AuthorizationCacheEnabled).", messages.ERROR)
        )
    if (redirect := _done(request, fallback, level, text)) is not None:
        return redirect
    context = {**await sync_to_async(_cache_context)(), "message": text, "level": messages.DEFAULT_TAGS[level]}
    return await arender(request, "station/auth_cache.html", context)

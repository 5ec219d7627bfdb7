"""Who may do what in the dashboard: viewers look, operators act.

Two levels:

* **viewer** -- any logged-in, active user: every page, the trace and its exports;
* **operator** -- a superuser, a staff user, or a member of the group :data:`OPERATORS_GROUP`:
  may also change configuration keys and the local authorization list, clear the authorization
  cache, use the simulator panel and any charging control.

Pages hide the forms a viewer may not use (the ``can_operate`` template filter); the actions
behind them check again (:func:`operator_required`) and refuse a viewer with 403 and a message
saying what is needed. An htmx request gets the message as a fragment for the page's message area
(``#flash``, swapped by the ``HX-Retarget`` header; ``base.html`` tells htmx to swap 403s).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from inspect import iscoroutinefunction
from typing import Any, TypeVar, cast

from asgiref.sync import sync_to_async
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

__all__ = ["OPERATORS_GROUP", "forbidden", "is_operator", "operator_required", "role_of"]

#: Members of this group are operators (the migration creates it; ``manage.py dashboard_user`` fills it).
OPERATORS_GROUP = "operators"

F = TypeVar("F", bound=Callable[..., Any])

#: Cached on the user object for the rest of the request.
_CACHE_ATTRIBUTE = "_dashboard_is_operator"


def is_operator(user: AbstractBaseUser | AnonymousUser | Any) -> bool:
    """May ``user`` change the station (config, local list, cache, simulator, charging)?"""
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    cached = getattr(user, _CACHE_ATTRIBUTE, None)
    if cached is None:
        cached = bool(
            getattr(user, "is_superuser", False)
            or getattr(user, "is_staff", False)
            or user.groups.filter(name=OPERATORS_GROUP).exists()  # type: ignore[union-attr]
        )
        setattr(user, _CACHE_ATTRIBUTE, cached)
    return bool(cached)


def role_of(user: Any) -> str:
    """``"operator"`` or ``"viewer"`` (for the page header)."""
    return "operator" if is_operator(user) else "viewer"


def refusal_text(user: Any) -> str:
    name = user.get_username() if getattr(user, "is_authenticated", False) else "anonymous"
    return (
        f"Not allowed: your account ({name}) may view this station but not change it. "
        f"Changes need an operator: a staff user or a member of the “{OPERATORS_GROUP}” group "
        "(manage.py dashboard_user NAME --role operator)."
    )


def forbidden(request: HttpRequest, user: Any) -> HttpResponse:
    """The 403 answer to a viewer's action: a fragment for htmx, else a page with the message."""
    text = refusal_text(user)
    if getattr(request, "htmx", False):
        body = render_to_string("station/message.html", {"level": "error", "text": text})
        response = HttpResponse(body, status=403)
        response["HX-Retarget"] = "#flash"
        response["HX-Reswap"] = "innerHTML"
        return response
    from station.dashboard.views import page_context, read_status

    body = render_to_string(
        "station/forbidden.html", page_context("forbidden", read_status(), text=text), request=request
    )
    return HttpResponse(body, status=403)


def operator_required(view: F) -> F:
    """Refuse (403) the view to users who are not operators; put it under ``login_required``."""
    if iscoroutinefunction(view):

        @wraps(view)
        async def async_wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = await request.auser()
            if not await sync_to_async(is_operator)(user):
                refused: HttpResponse = await sync_to_async(forbidden)(request, user)
                return refused
            response: HttpResponse = await view(request, *args, **kwargs)
            return response

        return cast(F, async_wrapper)

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_operator(request.user):
            return forbidden(request, request.user)
        response: HttpResponse = view(request, *args, **kwargs)
        return response

    return cast(F, wrapper)

"""The control API (CONTROL_API.md §3): JSON over HTTP, bearer token, thin views over the controller.

Every view checks the token first (401), then the method (405), then the body (400, naming the
field), and only then calls the :class:`~station.runtime.StationController`, whose exceptions map to
404 (:class:`~station.runtime.UnknownConnector`), 409 (:class:`~station.runtime.ActionConflict`),
400 (``ValueError``) and 503 (:class:`~station.runtime.StationNotRunning`). In the split deployment
the controller is :class:`station.remote.RemoteController`, which forwards to the OCPP worker.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from ocpp_core.enums import ChargePointErrorCode
from station import runtime
from station.auth_token import request_has_token

#: ChargePointErrorCode values that are faults (everything but ``NoError``).
FAULT_CODES = tuple(code.value for code in ChargePointErrorCode if code is not ChargePointErrorCode.NO_ERROR)
ID_TAG_MAX_LENGTH = 20  # IdToken is CiString20Type
INFO_MAX_LENGTH = 50  # StatusNotification.info is CiString50Type
SIMULATOR_KNOBS = ("fixed_cable", "lock_fails", "unlock_fails", "power_w")

View = Callable[..., Coroutine[Any, Any, HttpResponse]]
ConnectorAction = Callable[[runtime.StationController, int], Awaitable[None]]


class BadRequest(ValueError):
    """The request body is malformed or holds an invalid value; the message names the field."""


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> JsonResponse:
    return JsonResponse({"error": message}, status=status, headers=headers)


def _accepted() -> JsonResponse:
    return JsonResponse({"status": "accepted"}, status=202)


def api_view(*methods: str) -> Callable[[View], View]:
    """Token check, then ``require_http_methods``, then the view with its exceptions mapped."""

    def decorate(view: View) -> View:
        inner = require_http_methods(list(methods))(view) if methods else view

        @functools.wraps(view)
        async def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request_has_token(request):
                return _error(401, "missing or wrong bearer token", {"WWW-Authenticate": 'Bearer realm="station"'})
            try:
                return await inner(request, *args, **kwargs)
            except runtime.UnknownConnector as exc:
                return _error(404, str(exc))
            except runtime.ActionConflict as exc:
                return _error(409, str(exc))
            except runtime.StationNotRunning as exc:
                return _error(503, str(exc))
            except ValueError as exc:
                return _error(400, str(exc))

        return csrf_exempt(wrapper)

    return decorate


def _reject_constant(name: str) -> Any:
    raise BadRequest(f"body: {name} is not valid JSON")


def read_body(request: HttpRequest, allowed: tuple[str, ...]) -> dict[str, Any]:
    """The JSON object in the body (an empty body is ``{}``), with only ``allowed`` fields."""
    if not request.body.strip():
        return {}
    try:
        body = json.loads(request.body, parse_constant=_reject_constant)
    except UnicodeDecodeError:
        raise BadRequest("body: not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise BadRequest(f"body: malformed JSON ({exc})") from None
    if not isinstance(body, dict):
        raise BadRequest("body: must be a JSON object")
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        expected = f"expected only {', '.join(allowed)}" if allowed else "this action takes no fields"
        raise BadRequest(f"unknown field(s) {', '.join(unknown)}: {expected}")
    return body


def _string_field(body: dict[str, Any], name: str, *, max_length: int, required: bool) -> str:
    if name not in body:
        if required:
            raise BadRequest(f"{name}: required")
        return ""
    value = body[name]
    if not isinstance(value, str):
        raise BadRequest(f"{name}: must be a string")
    if required and not value:
        raise BadRequest(f"{name}: must not be empty")
    if len(value) > max_length:
        raise BadRequest(f"{name}: at most {max_length} characters")
    return value


# --- views ------------------------------------------------------------------------------------


@api_view("GET")
async def station(request: HttpRequest) -> HttpResponse:
    controller = await runtime.running_controller()
    # A controller in another process (station.remote.RemoteController) reads its status without
    # blocking the event loop; the in-process Station answers at once.
    read_async = getattr(controller, "astation_status", None)
    status = await read_async() if read_async is not None else controller.station_status()
    return JsonResponse(status)


@api_view("GET")
async def transactions(request: HttpRequest) -> HttpResponse:
    return JsonResponse(await (await runtime.running_controller()).transactions(), safe=False)


def _connector_action(action: ConnectorAction) -> View:
    @api_view("POST")
    async def view(request: HttpRequest, n: int) -> HttpResponse:
        read_body(request, ())
        await action((await runtime.running_controller()), n)
        return _accepted()

    return view


plug = _connector_action(lambda controller, n: controller.plug(n))
unplug = _connector_action(lambda controller, n: controller.unplug(n))
ev_suspend = _connector_action(lambda controller, n: controller.ev_suspend(n))
ev_resume = _connector_action(lambda controller, n: controller.ev_resume(n))


@api_view("POST")
async def present_token(request: HttpRequest, n: int) -> HttpResponse:
    body = read_body(request, ("id_tag",))
    id_tag = _string_field(body, "id_tag", max_length=ID_TAG_MAX_LENGTH, required=True)
    await (await runtime.running_controller()).present_token(n, id_tag)
    return _accepted()


@api_view("POST", "DELETE")
async def faults(request: HttpRequest, n: int) -> HttpResponse:
    controller = await runtime.running_controller()
    if request.method == "DELETE":
        read_body(request, ())
        await controller.clear_faults(n)
        return _accepted()
    body = read_body(request, ("error_code", "info"))
    error_code = _string_field(body, "error_code", max_length=50, required=True)
    if error_code not in FAULT_CODES:
        hint = " (NoError is not a fault: DELETE clears faults)" if error_code == "NoError" else ""
        raise BadRequest(f"error_code: {error_code!r} is not a ChargePointErrorCode fault{hint}")
    info = _string_field(body, "info", max_length=INFO_MAX_LENGTH, required=False)
    await controller.raise_fault(n, error_code, info)
    return _accepted()


@api_view("PATCH")
async def simulator(request: HttpRequest, n: int) -> HttpResponse:
    knobs = read_body(request, SIMULATOR_KNOBS)
    if not knobs:
        raise BadRequest(f"body: give at least one of {', '.join(SIMULATOR_KNOBS)}")
    for name, value in knobs.items():
        if name == "power_w":
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                raise BadRequest("power_w: must be a number")
            if value < 0:
                raise BadRequest("power_w: must not be negative")
        elif not isinstance(value, bool):
            raise BadRequest(f"{name}: must be true or false")
    await (await runtime.running_controller()).simulator_knobs(n, **knobs)
    return _accepted()


@api_view()
async def not_found(request: HttpRequest) -> HttpResponse:
    return _error(404, f"no such route: {request.method} {request.path}")

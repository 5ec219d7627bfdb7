"""The control API (CONTROL_API.md §3) against a fake controller."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from station import runtime
from station.api import FAULT_CODES
from station.openapi import OPENAPI

TOKEN = "test-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}

STATUS = {
    "charge_point_id": "CP-T",
    "connected": True,
    "registration_status": "Accepted",
    "connectors": [
        {"connector_id": n, "status": "Available", "error_code": "NoError", "plugged": False, "transaction_id": None}
        for n in range(3)
    ],
}
TRANSACTION = {
    "transaction_id": 7,
    "connector_id": 1,
    "id_tag": "TAG",
    "meter_start": 0,
    "meter_stop": None,
    "start": "2026-03-01T12:00:00Z",
    "stop": None,
    "reason": None,
    "acknowledged": True,
}

#: Every route of CONTROL_API.md §3: (method, path, valid body, the controller call it makes).
ROUTES: list[tuple[str, str, dict[str, Any] | None, tuple[Any, ...] | None]] = [
    ("GET", "/api/v1/station", None, None),
    ("GET", "/api/v1/transactions", None, ("transactions",)),
    ("POST", "/api/v1/connectors/1/plug", None, ("plug", 1)),
    ("POST", "/api/v1/connectors/2/unplug", None, ("unplug", 2)),
    ("POST", "/api/v1/connectors/1/present-token", {"id_tag": "RFID-1"}, ("present_token", 1, "RFID-1")),
    ("POST", "/api/v1/connectors/1/ev-suspend", None, ("ev_suspend", 1)),
    ("POST", "/api/v1/connectors/1/ev-resume", None, ("ev_resume", 1)),
    (
        "POST",
        "/api/v1/connectors/0/faults",
        {"error_code": "GroundFailure", "info": "RCD tripped"},
        ("raise_fault", 0, "GroundFailure", "RCD tripped"),
    ),
    ("DELETE", "/api/v1/connectors/0/faults", None, ("clear_faults", 0)),
    ("PATCH", "/api/v1/connectors/2/simulator", {"power_w": 7400}, ("simulator_knobs", 2, {"power_w": 7400})),
    ("GET", "/api/v1/openapi.json", None, None),
]
ACTIONS = [route for route in ROUTES if route[0] != "GET"]


class FakeController:
    """Records every call; raises ``error`` instead when it is set."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.error: Exception | None = None

    async def _record(self, *call: Any) -> None:
        if self.error is not None:
            raise self.error
        self.calls.append(call)

    def station_status(self) -> dict[str, Any]:
        return STATUS

    async def transactions(self) -> list[dict[str, Any]]:
        await self._record("transactions")
        return [TRANSACTION]

    async def plug(self, n: int) -> None:
        await self._record("plug", n)

    async def unplug(self, n: int) -> None:
        await self._record("unplug", n)

    async def present_token(self, n: int, id_tag: str) -> None:
        await self._record("present_token", n, id_tag)

    async def ev_suspend(self, n: int) -> None:
        await self._record("ev_suspend", n)

    async def ev_resume(self, n: int) -> None:
        await self._record("ev_resume", n)

    async def raise_fault(self, n: int, error_code: str, info: str) -> None:
        await self._record("raise_fault", n, error_code, info)

    async def clear_faults(self, n: int) -> None:
        await self._record("clear_faults", n)

    async def simulator_knobs(self, n: int, **knobs: Any) -> None:
        await self._record("simulator_knobs", n, knobs)

    async def dashboard(self, name: str, args: str) -> str:  # the dashboard's, not the API's
        raise AssertionError(f"the control API asked the dashboard query {name}")


@pytest.fixture
def controller(settings):
    settings.STATION_API_TOKEN = TOKEN
    fake = FakeController()
    runtime.set_controller(fake)
    yield fake
    runtime.set_controller(None)


async def request(client, method: str, path: str, body: Any = None, *, raw: str | None = None, headers=AUTH):
    data = raw if raw is not None else ("" if body is None else json.dumps(body))
    return await client.generic(method, path, data, content_type="application/json", headers=headers)


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}, {"Authorization": "Bearer "}],
    ids=["none", "wrong", "basic", "empty"],
)
@pytest.mark.parametrize(("method", "path", "body", "call"), ROUTES, ids=[f"{r[0]} {r[1]}" for r in ROUTES])
async def test_it_requires_the_token(async_client, controller, headers, method, path, body, call):
    response = await request(async_client, method, path, body, headers=headers)
    assert response.status_code == 401
    assert response.json() == {"error": "missing or wrong bearer token"}
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert controller.calls == []


@pytest.mark.parametrize(("method", "path", "body", "call"), ROUTES, ids=[f"{r[0]} {r[1]}" for r in ROUTES])
async def test_it_answers_every_route(async_client, controller, method, path, body, call):
    response = await request(async_client, method, path, body)
    if method == "GET":
        assert response.status_code == 200
    else:
        assert (response.status_code, response.json()) == (202, {"status": "accepted"})
    assert controller.calls == ([call] if call else [])


async def test_it_accepts_a_lowercase_scheme(async_client, controller):
    response = await request(async_client, "GET", "/api/v1/station", headers={"Authorization": f"bearer {TOKEN}"})
    assert response.status_code == 200


async def test_it_returns_the_station_status(async_client, controller):
    response = await request(async_client, "GET", "/api/v1/station")
    assert response.json() == STATUS


async def test_it_lists_transactions(async_client, controller):
    response = await request(async_client, "GET", "/api/v1/transactions")
    assert response.json() == [TRANSACTION]


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (runtime.UnknownConnector("connector 9 does not exist"), 404),
        (runtime.ActionConflict("connector 1 is already plugged"), 409),
        (ValueError("id_tag: not known to the simulator"), 400),
    ],
)
@pytest.mark.parametrize(("method", "path", "body", "call"), ACTIONS, ids=[f"{r[0]} {r[1]}" for r in ACTIONS])
async def test_it_maps_controller_errors(async_client, controller, error, status, method, path, body, call):
    controller.error = error
    response = await request(async_client, method, path, body)
    assert (response.status_code, response.json()) == (status, {"error": str(error)})


async def test_it_answers_503_when_no_station_runs(async_client, settings):
    settings.STATION_API_TOKEN = TOKEN
    response = await request(async_client, "GET", "/api/v1/station")
    assert response.status_code == 503
    assert "not running" in response.json()["error"]


async def test_it_refuses_other_methods(async_client, controller):
    response = await request(async_client, "GET", "/api/v1/connectors/1/plug")
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"
    response = await request(async_client, "PUT", "/api/v1/connectors/1/faults", headers={})
    assert response.status_code == 401  # the token is checked first


async def test_it_answers_unknown_api_routes_with_json(async_client, controller):
    response = await request(async_client, "POST", "/api/v1/connectors/one/plug")
    assert response.status_code == 404
    assert response.json() == {"error": "no such route: POST /api/v1/connectors/one/plug"}
    assert (await request(async_client, "GET", "/api/v2/station", headers={})).status_code == 401


BAD_BODIES = [
    # (path, method, raw body, the error names ...)
    ("/api/v1/connectors/1/present-token", "POST", "{}", "id_tag: required"),
    ("/api/v1/connectors/1/present-token", "POST", '{"id_tag": ""}', "id_tag: must not be empty"),
    ("/api/v1/connectors/1/present-token", "POST", json.dumps({"id_tag": "X" * 21}), "id_tag: at most 20 characters"),
    ("/api/v1/connectors/1/present-token", "POST", '{"id_tag": 1234}', "id_tag: must be a string"),
    ("/api/v1/connectors/1/present-token", "POST", '{"id_tag": "A", "pin": 1}', "unknown field(s) pin"),
    ("/api/v1/connectors/1/present-token", "POST", '{"id_tag": "A"', "body: malformed JSON"),
    ("/api/v1/connectors/1/present-token", "POST", '["id_tag"]', "body: must be a JSON object"),
    ("/api/v1/connectors/1/present-token", "POST", '{"id_tag": NaN}', "body: NaN is not valid JSON"),
    ("/api/v1/connectors/1/faults", "POST", "{}", "error_code: required"),
    ("/api/v1/connectors/1/faults", "POST", '{"error_code": "NoError"}', "NoError is not a fault"),
    ("/api/v1/connectors/1/faults", "POST", '{"error_code": "Meltdown"}', "error_code: 'Meltdown' is not"),
    ("/api/v1/connectors/1/faults", "POST", '{"error_code": "OtherError", "info": 5}', "info: must be a string"),
    (
        "/api/v1/connectors/1/faults",
        "POST",
        json.dumps({"error_code": "OtherError", "info": "i" * 51}),
        "info: at most 50 characters",
    ),
    ("/api/v1/connectors/1/faults", "DELETE", '{"error_code": "OtherError"}', "unknown field(s) error_code"),
    ("/api/v1/connectors/1/simulator", "PATCH", "{}", "body: give at least one of"),
    ("/api/v1/connectors/1/simulator", "PATCH", '{"speed": 3, "colour": 1}', "unknown field(s) colour, speed"),
    ("/api/v1/connectors/1/simulator", "PATCH", '{"power_w": true}', "power_w: must be a number"),
    ("/api/v1/connectors/1/simulator", "PATCH", '{"power_w": "7400"}', "power_w: must be a number"),
    ("/api/v1/connectors/1/simulator", "PATCH", '{"power_w": 1e999}', "power_w: must be a number"),
    ("/api/v1/connectors/1/simulator", "PATCH", '{"power_w": -1}', "power_w: must not be negative"),
    ("/api/v1/connectors/1/simulator", "PATCH", '{"fixed_cable": "yes"}', "fixed_cable: must be true or false"),
    ("/api/v1/connectors/1/simulator", "PATCH", '{"lock_fails": 1}', "lock_fails: must be true or false"),
    ("/api/v1/connectors/1/plug", "POST", '{"force": true}', "unknown field(s) force: this action takes no fields"),
    ("/api/v1/connectors/1/plug", "POST", "plug!", "body: malformed JSON"),
]


@pytest.mark.parametrize(("path", "method", "raw", "message"), BAD_BODIES)
async def test_it_refuses_bad_bodies_naming_the_field(async_client, controller, path, method, raw, message):
    response = await request(async_client, method, path, raw=raw)
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert controller.calls == []


@pytest.mark.parametrize("error_code", FAULT_CODES)
async def test_it_accepts_every_fault_code(async_client, controller, error_code):
    response = await request(async_client, "POST", "/api/v1/connectors/1/faults", {"error_code": error_code})
    assert response.status_code == 202
    assert controller.calls == [("raise_fault", 1, error_code, "")]


def test_it_knows_the_fifteen_faults():
    assert len(FAULT_CODES) == 15 and "NoError" not in FAULT_CODES


async def test_it_passes_every_simulator_knob(async_client, controller):
    knobs = {"fixed_cable": True, "lock_fails": False, "unlock_fails": True, "power_w": 11000.5}
    response = await request(async_client, "PATCH", "/api/v1/connectors/1/simulator", knobs)
    assert response.status_code == 202
    assert controller.calls == [("simulator_knobs", 1, knobs)]


async def test_it_accepts_an_empty_object_for_actions_without_fields(async_client, controller):
    response = await request(async_client, "POST", "/api/v1/connectors/1/plug", raw="{}")
    assert response.status_code == 202


def _api_routes() -> set[tuple[str, str]]:
    return {(method, re.sub(r"/connectors/\d+/", "/connectors/{n}/", path)) for method, path, *_ in ROUTES}


def test_the_openapi_document_lists_every_route():
    from station.urls import urlpatterns

    documented = {(method.upper(), path) for path, ops in OPENAPI["paths"].items() for method in ops}
    assert documented == _api_routes()
    routed = {
        "/" + str(p.pattern).replace("<int:n>", "{n}") for p in urlpatterns if str(p.pattern).startswith("api/v1/")
    }
    assert routed == set(OPENAPI["paths"])


def test_the_openapi_document_resolves_every_reference():
    def walk(node: Any):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "$ref":
                    yield value
                else:
                    yield from walk(value)
        elif isinstance(node, list):
            for item in node:
                yield from walk(item)

    refs = set(walk(OPENAPI))
    assert refs
    for ref in refs:
        target: Any = OPENAPI
        for part in ref.removeprefix("#/").split("/"):
            target = target[part]
    assert OPENAPI["openapi"] == "3.1.0"
    assert OPENAPI["components"]["schemas"]["Fault"]["properties"]["error_code"]["enum"] == list(FAULT_CODES)


async def test_it_serves_the_openapi_document(async_client, controller):
    response = await request(async_client, "GET", "/api/v1/openapi.json")
    assert response.json() == json.loads(json.dumps(OPENAPI))


def test_it_sends_anonymous_visitors_of_the_dashboard_to_the_login_page(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")

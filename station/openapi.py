"""The control API's OpenAPI 3.1 document (written by hand), served at ``GET /api/v1/openapi.json``."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse

from station.api import FAULT_CODES, ID_TAG_MAX_LENGTH, INFO_MAX_LENGTH, api_view

__all__ = ["OPENAPI", "openapi_json"]


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error_response(description: str) -> dict[str, Any]:
    return _json(_ref("Error"), description)


_COMMON = {"401": {"$ref": "#/components/responses/Unauthorized"}}
_CONNECTOR = {
    "404": _error_response("no such connector"),
    "503": _error_response("the station is not running in this process"),
}
_N = {
    "name": "n",
    "in": "path",
    "required": True,
    "description": "connector number; 0 is the whole station",
    "schema": {"type": "integer", "minimum": 0},
}


def _action(
    summary: str, *, body: str | None = None, conflict: str = "impossible in the current state"
) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "summary": summary,
        "parameters": [_N],
        "responses": {
            "202": {"$ref": "#/components/responses/Accepted"},
            "400": _error_response("malformed body or invalid value (the message names the field)"),
            "409": _error_response(conflict),
            **_CONNECTOR,
            **_COMMON,
        },
    }
    if body is not None:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": _ref(body)}}}
    return operation


_nullable_int = {"type": ["integer", "null"]}
_nullable_time = {"type": ["string", "null"], "format": "date-time"}

OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "Station control API",
        "version": "1",
        "description": (
            "The station's event handlers reachable from outside the process. Actions are asynchronous: "
            "202 means the station accepted the event, not that the central system answered."
        ),
    },
    "security": [{"bearer": []}],
    "paths": {
        "/api/v1/station": {
            "get": {
                "summary": "Station state (also a readiness probe)",
                "responses": {"200": _json(_ref("Station"), "the station"), **_COMMON},
            }
        },
        "/api/v1/transactions": {
            "get": {
                "summary": "Transactions, newest first",
                "responses": {
                    "200": _json({"type": "array", "items": _ref("Transaction")}, "the transactions"),
                    **_COMMON,
                },
            }
        },
        "/api/v1/connectors/{n}/plug": {"post": _action("The EV's cable is plugged in")},
        "/api/v1/connectors/{n}/unplug": {"post": _action("The EV side disconnects")},
        "/api/v1/connectors/{n}/present-token": {
            "post": _action("An identification is presented at the connector", body="PresentToken")
        },
        "/api/v1/connectors/{n}/ev-suspend": {"post": _action("The EV stops drawing energy (SuspendedEV)")},
        "/api/v1/connectors/{n}/ev-resume": {"post": _action("The EV draws energy again")},
        "/api/v1/connectors/{n}/faults": {
            "post": _action("A fault is raised on the connector (0 = whole station)", body="Fault"),
            "delete": _action("All faults on the connector are cleared"),
        },
        "/api/v1/connectors/{n}/simulator": {
            "patch": _action(
                "Simulator knobs", body="SimulatorKnobs", conflict="the station does not run the simulator adapter"
            )
        },
        "/api/v1/openapi.json": {
            "get": {
                "summary": "This document",
                "responses": {"200": _json({"type": "object"}, "the OpenAPI document"), **_COMMON},
            }
        },
    },
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "responses": {
            "Accepted": _json(_ref("Accepted"), "the station accepted the event"),
            "Unauthorized": _error_response("missing or wrong bearer token"),
        },
        "schemas": {
            "Error": {
                "type": "object",
                "required": ["error"],
                "properties": {"error": {"type": "string"}},
            },
            "Accepted": {
                "type": "object",
                "required": ["status"],
                "properties": {"status": {"const": "accepted"}},
            },
            "Connector": {
                "type": "object",
                "required": ["connector_id", "status", "error_code", "plugged", "transaction_id"],
                "properties": {
                    "connector_id": {"type": "integer", "minimum": 0},
                    "status": {"type": "string", "description": "OCPP ChargePointStatus"},
                    "error_code": {"type": "string", "description": "OCPP ChargePointErrorCode"},
                    "plugged": {"type": "boolean"},
                    "transaction_id": _nullable_int,
                },
            },
            "Station": {
                "type": "object",
                "required": ["charge_point_id", "connected", "registration_status", "connectors"],
                "properties": {
                    "charge_point_id": {"type": "string"},
                    "connected": {"type": "boolean"},
                    "registration_status": {"enum": ["Accepted", "Pending", "Rejected", None]},
                    "connectors": {"type": "array", "items": _ref("Connector"), "description": "connector 0 first"},
                },
            },
            "Transaction": {
                "type": "object",
                "required": [
                    "transaction_id",
                    "connector_id",
                    "id_tag",
                    "meter_start",
                    "meter_stop",
                    "start",
                    "stop",
                    "reason",
                    "acknowledged",
                ],
                "properties": {
                    "transaction_id": {**_nullable_int, "description": "null until the central system assigned one"},
                    "connector_id": {"type": "integer", "minimum": 1},
                    "id_tag": {"type": "string"},
                    "meter_start": {"type": "integer", "description": "Wh"},
                    "meter_stop": {**_nullable_int, "description": "Wh"},
                    "start": {"type": "string", "format": "date-time"},
                    "stop": _nullable_time,
                    "reason": {"type": ["string", "null"], "description": "OCPP StopTransaction reason"},
                    "acknowledged": {"type": "boolean"},
                },
            },
            "PresentToken": {
                "type": "object",
                "required": ["id_tag"],
                "additionalProperties": False,
                "properties": {"id_tag": {"type": "string", "minLength": 1, "maxLength": ID_TAG_MAX_LENGTH}},
            },
            "Fault": {
                "type": "object",
                "required": ["error_code"],
                "additionalProperties": False,
                "properties": {
                    "error_code": {"enum": list(FAULT_CODES)},
                    "info": {"type": "string", "maxLength": INFO_MAX_LENGTH},
                },
            },
            "SimulatorKnobs": {
                "type": "object",
                "minProperties": 1,
                "additionalProperties": False,
                "properties": {
                    "fixed_cable": {"type": "boolean"},
                    "lock_fails": {"type": "boolean"},
                    "unlock_fails": {"type": "boolean"},
                    "power_w": {"type": "number", "minimum": 0},
                },
            },
        },
    },
}


@api_view("GET")
async def openapi_json(request: HttpRequest) -> HttpResponse:
    return JsonResponse(OPENAPI)

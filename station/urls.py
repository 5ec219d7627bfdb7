from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path, re_path

from station import api, openapi

urlpatterns: list[URLPattern | URLResolver] = [
    path("", include("station.dashboard.urls")),
    path("api/v1/station", api.station, name="api-station"),
    path("api/v1/transactions", api.transactions, name="api-transactions"),
    path("api/v1/connectors/<int:n>/plug", api.plug, name="api-plug"),
    path("api/v1/connectors/<int:n>/unplug", api.unplug, name="api-unplug"),
    path("api/v1/connectors/<int:n>/present-token", api.present_token, name="api-present-token"),
    path("api/v1/connectors/<int:n>/ev-suspend", api.ev_suspend, name="api-ev-suspend"),
    path("api/v1/connectors/<int:n>/ev-resume", api.ev_resume, name="api-ev-resume"),
    path("api/v1/connectors/<int:n>/faults", api.faults, name="api-faults"),
    path("api/v1/connectors/<int:n>/simulator", api.simulator, name="api-simulator"),
    path("api/v1/openapi.json", openapi.openapi_json, name="api-openapi"),
    re_path(r"^api/", api.not_found),
]

"""Charging profiles, reservations, firmware and diagnostics in the dashboard.

The pages run against a real station in this process; profiles and reservations get there the
way the central system puts them there: a SetChargingProfile / ReserveNow CALL fed to the
engine (after a BootNotification answered Accepted), answered and stored by the engine itself.
The chart renderer and the masking of credentials are also checked on hand-built input.
"""

from __future__ import annotations

import itertools
import json
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from ocpp_core.datatypes import ChargingSchedule, ChargingSchedulePeriod
from ocpp_core.enums import ChargingRateUnitType
from station import models
from station.dashboard import charts, live
from station.dashboard.redaction import describe, redact_url
from station.dashboard.views_features import firmware_context
from tests.station.test_dashboard_station import (
    client,
    operator,
    station,
    viewer,
    viewer_client,
)

#: Fixtures shared with test_dashboard_station.py (pytest finds them by these names).
FIXTURES = (client, operator, station, viewer, viewer_client)

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
_unique_ids = itertools.count(1)


# --- driving the engine as the central system does ----------------------------------------------


async def registered(station) -> None:
    """Connect the engine (no socket) and answer its BootNotification with Accepted."""
    await station.driver.step(lambda now: station.cp.connection_made(now))
    await station.flush_trace()
    boot = await models.TraceEntry.objects.filter(action="BootNotification", direction="out").alatest("id")
    answer = [3, boot.unique_id, {"status": "Accepted", "currentTime": "2026-03-01T12:00:00Z", "interval": 300}]
    await station.driver.step(lambda now: station.cp.receive_text(json.dumps(answer), now))


async def csms_call(station, action: str, payload: dict[str, Any]) -> Any:
    """A CALL from the central system; the payload of the station's answer."""
    unique_id = f"cs-{next(_unique_ids)}"
    await station.driver.step(lambda now: station.cp.receive_text(json.dumps([2, unique_id, action, payload]), now))
    await station.flush_trace()
    answer = await models.TraceEntry.objects.aget(unique_id=unique_id, direction="out")
    frame = json.loads(answer.payload)
    assert frame[0] == 3, frame
    return frame[2]


def profile_payload(
    profile_id: int, purpose: str, limit: float, *, stack_level: int = 1, **extra: Any
) -> dict[str, Any]:
    return {
        "chargingProfileId": profile_id,
        "stackLevel": stack_level,
        "chargingProfilePurpose": purpose,
        "chargingProfileKind": "Absolute",
        "chargingSchedule": {
            "chargingRateUnit": "A",
            "startSchedule": "2026-01-01T00:00:00Z",
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": limit}],
        },
        **extra,
    }


# --- the step chart --------------------------------------------------------------------------------


def schedule(*periods: tuple[int, float], start: datetime | None = T0, duration: int | None = None):
    return ChargingSchedule(
        duration=duration,
        start_schedule=start,
        charging_rate_unit=ChargingRateUnitType.A,
        charging_schedule_period=tuple(
            ChargingSchedulePeriod(start_period=offset, limit=Decimal(str(limit))) for offset, limit in periods
        ),
    )


def test_it_turns_a_schedule_into_steps_within_the_window():
    steps = charts.schedule_steps(
        schedule((0, 32), (3600, 16), (7200, 6), start=T0 - timedelta(minutes=30), duration=9000),
        start=T0,
        end=T0 + timedelta(hours=24),
    )
    assert [(s.start, s.end, s.limit) for s in steps] == [
        (T0, T0 + timedelta(minutes=30), 32.0),
        (T0 + timedelta(minutes=30), T0 + timedelta(minutes=90), 16.0),
        (T0 + timedelta(minutes=90), T0 + timedelta(minutes=120), 6.0),  # the duration ends it
    ]
    # without a start, periods count from the window's start; without a duration, to its end
    open_ended = charts.schedule_steps(schedule((0, 10), start=None), start=T0, end=T0 + timedelta(hours=1))
    assert [(s.start, s.end) for s in open_ended] == [(T0, T0 + timedelta(hours=1))]
    assert charts.schedule_steps(schedule((0, 10), duration=60), start=T0 + timedelta(hours=1), end=T0) == []


def test_it_draws_a_step_chart_with_words_for_screen_readers():
    steps = charts.schedule_steps(schedule((0, 32), (21600, 16)), start=T0, end=T0 + timedelta(hours=24))
    svg = str(charts.step_chart(steps, start=T0, end=T0 + timedelta(hours=24), title="Connector 1 <A>", unit="A"))
    assert svg.startswith('<svg class="chart step ') and svg.endswith("</svg>")
    assert 'role="img"' in svg and "<title" in svg and "Connector 1 &lt;A&gt;" in svg
    assert "32 A from 12:00 to 18:00; 16 A from 18:00 to 12:00 +1d. Highest 32 A." in svg
    assert svg.count('<rect class="area"') == 2
    assert re.search(r'<path class="line" d="M[\d.,]+H[\d.]+V[\d.]+H[\d.]+"', svg)  # one joined step line
    # ticks every 3 hours on the UTC clock, midnight showing the date
    labels = re.findall(r'<text class="axis" x="[\d.]+" y="\d+" text-anchor="\w+">([^<]+)</text>', svg)
    assert labels[-8:] == ["now", "15:00", "18:00", "21:00", "02 Mar", "03:00", "06:00", "09:00"]
    assert ">UTC<" in svg
    empty = str(charts.step_chart([], start=T0, end=T0, title="Nothing", unit="A"))
    assert empty == '<p class="chart-empty">Nothing: no limit in this period.</p>'


# --- masking credentials -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("ftp://user:s3cret@files.example/fw.bin", "ftp://user:***@files.example/fw.bin"),
        ("https://host/fw.bin?token=abc&x=1", "https://host/fw.bin?token=***&x=1"),
        (
            "upload to sftp://u:p@h/ and https://h/?Signature=zz",
            "upload to sftp://u:***@h/ and https://h/?Signature=***",
        ),
        ("https://host/plain.bin", "https://host/plain.bin"),
    ],
)
def test_it_masks_credentials_in_locations(text, shown):
    assert redact_url(text) == shown


def test_it_describes_a_job_without_its_secrets():
    job = {"location": "ftp://a:b@h/x", "retries": 2, "password": "hunter2", "retrieve_date": T0, "done": False}
    assert describe(job) == [
        ("Location", "ftp://a:***@h/x"),
        ("Retries", "2"),
        ("Password", "***"),
        ("Retrieve date", "2026-03-01 12:00:00 UTC"),
        ("Done", "no"),
    ]
    context = firmware_context(
        {
            "firmware": {"status": "Downloading", "job": job},
            "diagnostics": {"status": "Idle", "job": None},
            "history": [{"time": T0, "kind": "diagnostics", "status": "UploadFailed", "detail": "ftp://u:pw@h/"}],
        }
    )
    firmware, diagnostics = (state for _, _, state in context["jobs"])
    assert firmware["status"] == "Downloading" and ("Password", "***") in firmware["job"]
    assert diagnostics == {"status": "Idle", "job": [], "details": []}
    assert context["history"] == [
        {"time": T0, "kind": "diagnostics", "status": "UploadFailed", "detail": "ftp://u:***@h/"}
    ]


# --- charging profiles page --------------------------------------------------------------------------


pytestmark_db = pytest.mark.django_db(transaction=True)


@pytestmark_db
async def test_it_shows_the_charging_profiles_empty_state(client, station):
    response = await client.get(reverse("dashboard:charging-profiles"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "No charging profile is installed." in page
    for n in (0, 1, 2):
        assert f'id="composite-{n}"' in page
    assert "Composite schedules" in page and "UTC" in page


@pytestmark_db
async def test_it_shows_installed_profiles_and_the_composite_schedule(client, station):
    await registered(station)
    answer = await csms_call(
        station,
        "SetChargingProfile",
        {"connectorId": 0, "csChargingProfiles": profile_payload(11, "ChargePointMaxProfile", 40)},
    )
    assert answer == {"status": "Accepted"}
    answer = await csms_call(
        station,
        "SetChargingProfile",
        {"connectorId": 1, "csChargingProfiles": profile_payload(12, "TxDefaultProfile", 16, stack_level=2)},
    )
    assert answer == {"status": "Accepted"}

    page = (await client.get(reverse("dashboard:charging-profiles"))).content.decode()
    assert 'Installed profiles <span class="muted">(2)</span>' in page
    station_profiles = page.split('id="profiles-0-title"')[1].split("</section>")[0]
    assert "Station maximum (ChargePointMaxProfile)" in station_profiles and 'id="profile-0-11"' in station_profiles
    connector_profiles = page.split('id="profiles-1-title"')[1].split("</section>")[0]
    assert "Default for transactions (TxDefaultProfile)" in connector_profiles
    assert 'id="profile-1-12"' in connector_profiles and "16 A" in connector_profiles
    assert "Stack level</dt><dd>2" in connector_profiles
    composite = page.split('id="composite-1"')[1].split("</section>")[0]
    assert '<svg class="chart step schedule"' in composite
    assert "16 A from" in composite  # the lower of the TxDefault (16 A) and the station maximum (40 A)


@pytestmark_db
async def test_a_viewer_sees_the_charging_profiles_too(viewer_client, station):
    assert (await viewer_client.get(reverse("dashboard:charging-profiles"))).status_code == 200


# --- reservations --------------------------------------------------------------------------------


@pytestmark_db
async def test_it_says_when_there_are_no_reservations(client, station):
    page = (await client.get(reverse("dashboard:overview"))).content.decode()
    assert 'id="reservations"' in page and "No reservation is in force." in page
    assert "Reserved</dt>" not in page


@pytestmark_db
async def test_it_shows_a_reservation_on_its_card_and_in_the_list(client, station):
    await registered(station)
    answer = await csms_call(
        station,
        "ReserveNow",
        {
            "connectorId": 2,
            "expiryDate": "2099-01-01T10:00:00Z",
            "idTag": "RES-TAG",
            "reservationId": 77,
            "parentIdTag": "P-1",
        },
    )
    assert answer == {"status": "Accepted"}
    page = (await client.get(reverse("dashboard:overview"))).content.decode()
    card = page.split('id="connector-2"')[1].split("</article>")[0]
    assert "Reserved</dt>" in card and "<code>RES-TAG</code>" in card and "2099-01-01 10:00" in card
    assert "(#77)" in card
    listed = page.split('id="reservations"')[1].split("</section>")[0]
    assert "<code>RES-TAG</code>" in listed and "<code>P-1</code>" in listed and ">77<" in listed
    assert "Reserved</dt>" not in page.split('id="connector-1"')[1].split("</article>")[0]

    view = live.station_view(station)
    assert view["reservations"] == [
        {
            "reservation_id": 77,
            "connector_id": 2,
            "id_tag": "RES-TAG",
            "parent_id_tag": "P-1",
            "expiry_date": "2099-01-01T10:00:00+00:00",
        }
    ]


def test_it_presents_reservations_from_a_status():
    status = {
        "connectors": [
            {
                "connector_id": 1,
                "status": "Reserved",
                "reservation": {
                    "reservation_id": 5,
                    "connector_id": 1,
                    "id_tag": "T",
                    "expiry_date": "2026-03-01T13:00:00+00:00",
                },
            }
        ],
        "reservations": [
            {"reservation_id": 5, "connector_id": 1, "id_tag": "T", "expiry_date": "2026-03-01T13:00:00+00:00"}
        ],
        "time": T0.isoformat(),
    }
    context = live.present(status)
    assert context["connectors"][0].reservation["expiry_date"] == T0 + timedelta(hours=1)
    assert context["reservations"][0]["reservation_id"] == 5
    assert live.present({"connectors": []})["reservations"] is None  # not known: another process
    from django.template.loader import render_to_string

    unknown = render_to_string("station/reservations.html", {**live.present({"running": True}), "oob": True})
    assert 'hx-swap-oob="true"' in unknown and "manage.py runstation" in unknown


# --- firmware and diagnostics --------------------------------------------------------------------


@pytestmark_db
async def test_it_shows_firmware_and_diagnostics_when_idle(client, station):
    response = await client.get(reverse("dashboard:firmware"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Firmware and diagnostics" in page
    assert 'id="firmware-status"' in page and 'id="diagnostics-status"' in page
    assert 'data-status="Idle"' in page
    assert "Installed version</dt><dd>0.1.0" in page
    assert "No firmware update or diagnostics upload has run yet." in page
    assert 'aria-current="page"' in page.split('href="/firmware/"')[1][:30]


async def open_dashboard_socket(user, view: str):
    from channels.auth import AuthMiddlewareStack
    from channels.routing import URLRouter
    from channels.testing import WebsocketCommunicator
    from django.conf import settings
    from django.test import AsyncClient

    from station.dashboard.routing import websocket_urlpatterns

    browser = AsyncClient()
    await browser.aforce_login(user)
    cookie = f"{settings.SESSION_COOKIE_NAME}={browser.cookies[settings.SESSION_COOKIE_NAME].value}"
    app = AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
    communicator = WebsocketCommunicator(app, f"/ws/dashboard/?view={view}", headers=[(b"cookie", cookie.encode())])
    connected, _ = await communicator.connect()
    assert connected
    return communicator


@pytestmark_db
async def test_it_pushes_the_firmware_state_to_its_page(viewer, station, monkeypatch):
    monkeypatch.setattr(live, "state", live.LiveState())
    communicator = await open_dashboard_socket(viewer, "firmware")
    first = await communicator.receive_from(timeout=5)
    assert '<div id="firmware-state" class="firmware-state" hx-swap-oob="true">' in first
    assert 'data-status="Idle"' in first and "Installed version</dt><dd>0.1.0" in first
    live.station_changed(station)  # any change of the station refreshes it
    assert 'id="firmware-state"' in await communicator.receive_from(timeout=5)
    await communicator.disconnect()


@pytestmark_db
async def test_it_pushes_reservations_to_the_overview(viewer, station, monkeypatch):
    monkeypatch.setattr(live, "state", live.LiveState())
    communicator = await open_dashboard_socket(viewer, "overview")
    first = await communicator.receive_from(timeout=5)
    assert '<section id="reservations" class="card reservations"' in first and 'hx-swap-oob="true"' in first
    assert "No reservation is in force." in first and 'id="firmware-state"' not in first
    await registered(station)
    await csms_call(
        station,
        "ReserveNow",
        {"connectorId": 1, "expiryDate": "2099-01-01T10:00:00Z", "idTag": "LIVE-RES", "reservationId": 9},
    )
    live.station_changed(station)  # what station.py calls after engine events
    pushed = ""
    while "LIVE-RES" not in pushed:  # earlier pushes (boot, status) may come first
        pushed = await communicator.receive_from(timeout=5)
    card = pushed.split('id="connector-1"')[1].split("</article>")[0]
    assert 'data-status="Reserved"' in card and "<code>LIVE-RES</code>" in card
    await communicator.disconnect()


@pytestmark_db
async def test_it_shows_a_firmware_update_without_its_credentials(client, station):
    await registered(station)
    answer = await csms_call(
        station,
        "UpdateFirmware",
        {"location": "ftp://fw-user:s3cret@files.example/fw.bin", "retrieveDate": "2099-01-01T00:00:00Z"},
    )
    assert answer == {}
    page = (await client.get(reverse("dashboard:firmware"))).content.decode()
    assert "s3cret" not in page
    firmware_card = page.split('id="firmware-status"')[1].split("</section>")[0]
    assert "Nothing in progress." not in firmware_card  # the scheduled update, its password masked if shown

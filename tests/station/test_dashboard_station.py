"""The dashboard against a real :class:`~station.station.Station` in this process (not connected).

The station is built as ``runstation`` builds it (demo configuration, simulator, database store)
but never connects: pages and actions work on the engine and the simulator directly, on the
test's event loop, through Django's ``AsyncClient``. Runs with the dashboard installed (see
``test_dashboard_access.py``).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import AsyncClient
from django.urls import reverse

from station import models, runtime
from station.runtime import RuntimeOptions, effective_config

pytestmark = pytest.mark.django_db(transaction=True)

DEMO = json.loads((Path(settings.BASE_DIR) / "fixtures" / "demo-config.json").read_text())


async def start_station(settings, tmp_path, **sections):
    """A station as ``runstation`` builds it, with ``sections`` ({"Core": {...}}) merged into the demo config."""
    from station.station import Station

    settings.STATION_DATA_DIR = tmp_path
    config = effective_config(RuntimeOptions(config_path=tmp_path / "config.json"), DEMO)
    config["Core"]["AuthorizationCacheEnabled"] = True
    for section, values in sections.items():
        config.setdefault(section, {}).update(values)
    running = await Station.create(config)
    runtime.set_controller(running)
    return running


@pytest.fixture
async def station(transactional_db, settings, tmp_path):
    running = await start_station(settings, tmp_path)
    yield running
    runtime.set_controller(None)
    await running.adapter.stop()


def make_user(username: str, *, operator: bool):
    from django.contrib.auth.models import Group

    from station.dashboard.permissions import OPERATORS_GROUP

    user = get_user_model().objects.create_user(username, password="a-long-Passphrase-42")
    if operator:
        user.groups.add(Group.objects.get_or_create(name=OPERATORS_GROUP)[0])
    return user


@pytest.fixture
async def operator(transactional_db):
    """A member of the "operators" group: may change the station."""
    return await sync_to_async(make_user)("operator", operator=True)


@pytest.fixture
async def viewer(transactional_db):
    """Any other logged-in user: may look, not change."""
    return await sync_to_async(make_user)("viewer", operator=False)


@pytest.fixture
async def client(operator):
    client = AsyncClient()
    await client.aforce_login(operator)
    return client


@pytest.fixture
async def viewer_client(viewer):
    client = AsyncClient()
    await client.aforce_login(viewer)
    return client


HTMX = {"headers": {"HX-Request": "true"}}


# --- overview -------------------------------------------------------------------------------------


async def test_it_shows_the_station_and_its_connectors(client, station):
    await station.plug(1)
    await station.present_token(1, "TAG-0001")  # offline: LocalAuthorizeOffline decides
    page = (await client.get(reverse("dashboard:overview"))).content.decode()
    assert "CP-DEMO-1" in page
    assert "Central system</dt><dd>not configured" in page
    assert "Security profile</dt><dd>0" in page
    assert page.count('class="card connector') == 3
    assert 'id="connector-1"' in page and 'id="connector-2"' in page and 'id="connector-0"' in page
    card = page.split('id="connector-1"')[1].split("</article>")[0]
    assert "Plugged</dt><dd>yes" in card
    assert "Not connected to the central system" in page


# --- configuration -------------------------------------------------------------------------------


async def test_it_lists_every_key_by_profile(client, station):
    page = (await client.get(reverse("dashboard:configuration"))).content.decode()
    for section in ("Internal", "Core", "LocalAuthListManagement", "SmartCharging", "Security"):
        assert f'id="section-{section}"' in page
    heartbeat = page.split('id="key-HeartbeatInterval"')[1].split("</tr>")[0]
    assert 'name="value"' in heartbeat and "<code>60</code>" in heartbeat
    connectors = page.split('id="key-NumberOfConnectors"')[1].split("</tr>")[0]
    assert "read-only" in connectors and 'name="value"' not in connectors
    key = page.split('id="key-AuthorizationKey"')[1].split("</tr>")[0]
    assert 'type="password"' in key and "write-only" in key


async def test_it_changes_a_key_like_change_configuration(client, station):
    url = reverse("dashboard:configuration-change", args=["MeterValueSampleInterval"])
    response = await client.post(url, {"value": "30"}, **HTMX)
    assert response.status_code == 200
    text = response.content.decode()
    assert text.lstrip().startswith('<tr id="key-MeterValueSampleInterval"')
    assert "MeterValueSampleInterval = &#x27;30&#x27;." in text and "<code>30</code>" in text
    assert station.cp.config.get_int("MeterValueSampleInterval") == 30
    known, _ = station.cp.config.get_configuration(["MeterValueSampleInterval"])
    assert known[0]["value"] == "30"
    stored = await models.ConfigOverride.objects.aget(key="MeterValueSampleInterval")
    assert stored.value == 30  # persisted, as a ChangeConfiguration is
    from station.dashboard.models import ConfigChangeLog

    log = await ConfigChangeLog.objects.aget()
    assert (log.username, log.key, log.value, log.status) == ("operator", "MeterValueSampleInterval", "30", "Accepted")


@pytest.mark.parametrize(
    ("key", "value", "rule"),
    [
        ("MeterValueSampleInterval", "abc", "MeterValueSampleInterval: &#x27;abc&#x27; is not a non-negative integer"),
        ("HeartbeatInterval", "x" * 501, "value"),
    ],
)
async def test_it_refuses_a_bad_value_with_the_rule(client, station, key, value, rule):
    before = station.cp.config.get(key)
    response = await client.post(reverse("dashboard:configuration-change", args=[key]), {"value": value}, **HTMX)
    text = response.content.decode()
    assert "Rejected:" in text and rule in text and 'role="alert"' in text
    assert station.cp.config.get(key) == before
    from station.dashboard.models import ConfigChangeLog

    assert (await ConfigChangeLog.objects.aget()).status == "Rejected"


async def test_it_refuses_a_read_only_key(client, station):
    response = await client.post(
        reverse("dashboard:configuration-change", args=["NumberOfConnectors"]), {"value": "3"}, **HTMX
    )
    assert "NumberOfConnectors: is read-only" in response.content.decode()
    assert station.cp.config.get_int("NumberOfConnectors") == 2


async def test_it_sets_the_authorization_key_without_showing_it(client, station):
    secret = "0123456789abcdef0123"
    response = await client.post(
        reverse("dashboard:configuration-change", args=["AuthorizationKey"]), {"value": secret}, **HTMX
    )
    text = response.content.decode()
    assert "AuthorizationKey was set" in text and "set (never shown)" in text
    assert secret not in text
    assert station.cp.config.basic_auth_password() is not None
    from station.dashboard.models import ConfigChangeLog

    assert (await ConfigChangeLog.objects.aget()).value == "***"
    page = (await client.get(reverse("dashboard:configuration"))).content.decode()
    assert secret not in page


async def test_it_shows_reboot_required(client, station, monkeypatch):
    from station.dashboard import station_queries

    async def reboot_required(target, key, value):  # no writable key of ours needs a reboot
        return {"status": "RebootRequired", "key": key, "section": "Core", "reason": "", "row": None}

    monkeypatch.setitem(station_queries.QUERIES, "change_configuration", reboot_required)
    response = await client.post(
        reverse("dashboard:configuration-change", args=["HeartbeatInterval"]), {"value": "90"}, **HTMX
    )
    assert "after a reboot (RebootRequired)" in response.content.decode()
    plain = await client.post(reverse("dashboard:configuration-change", args=["HeartbeatInterval"]), {"value": "90"})
    assert plain.status_code == 303 and plain["Location"].endswith("#key-HeartbeatInterval")


async def test_it_answers_a_plain_form_post_with_a_redirect(client, station):
    response = await client.post(reverse("dashboard:configuration-change", args=["HeartbeatInterval"]), {"value": "-1"})
    assert response.status_code == 303
    page = (await client.get(response["Location"])).content.decode()
    assert "Rejected: HeartbeatInterval" in page


async def test_it_knows_no_unknown_key(client, station):
    response = await client.post(reverse("dashboard:configuration-change", args=["NoSuchKey"]), {"value": "1"})
    assert response.status_code == 404


# --- authorization cache ------------------------------------------------------------------------


async def test_it_clears_the_authorization_cache(client, station):
    from ocpp_core.datatypes import IdTagInfo
    from ocpp_core.enums import AuthorizationStatus

    info = IdTagInfo(status=AuthorizationStatus.ACCEPTED)
    await station.driver.step(lambda now: station.cp.authorizer.remember("CACHED-1", info, now))
    assert await models.AuthCacheEntry.objects.filter(id_tag="CACHED-1").aexists()
    response = await client.post(reverse("dashboard:authorization-cache-clear"), **HTMX)
    text = response.content.decode()
    assert "The authorization cache was cleared." in text and "The cache is empty." in text
    assert not await models.AuthCacheEntry.objects.aexists()
    assert station.cp.authorizer.cache_entries() == ()


# --- simulator panel -----------------------------------------------------------------------------


async def test_it_shows_the_simulator_panel(client, station):
    page = (await client.get(reverse("dashboard:simulator"))).content.decode()
    for n in (0, 1, 2):
        assert f'id="sim-{n}"' in page
    assert 'for="id_c1-id_tag"' in page and 'for="id_c1-power_w"' in page
    assert page.count("Plug in") == 2  # not on connector 0


async def test_it_plugs_and_presents_a_token(client, station):
    response = await client.post(reverse("dashboard:simulator-action", args=[1, "plug"]), **HTMX)
    text = response.content.decode()
    assert text.lstrip().startswith('<section id="sim-1"')
    assert "Connector 1: EV plugged in." in text
    assert station.adapter.snapshot(1)["plugged"] is True
    assert station.cp.connector_views()[1]["status"] == "Preparing"

    token = await client.post(
        reverse("dashboard:simulator-action", args=[1, "present-token"]), {"c1-id_tag": "T-1"}, **HTMX
    )
    assert "idTag presented (T-1)" in token.content.decode()


async def test_it_refuses_what_the_control_api_refuses(client, station):
    again = await client.post(reverse("dashboard:simulator-action", args=[2, "unplug"]), **HTMX)
    assert "Connector 2:" in again.content.decode() and 'role="alert"' in again.content.decode()

    long_tag = await client.post(
        reverse("dashboard:simulator-action", args=[1, "present-token"]), {"c1-id_tag": "X" * 21}, **HTMX
    )
    assert "at most 20 characters" in long_tag.content.decode()

    fault = await client.post(
        reverse("dashboard:simulator-action", args=[1, "raise-fault"]), {"c1-error_code": "NoError"}, **HTMX
    )
    assert "Select a valid choice" in fault.content.decode()

    knobs = await client.post(reverse("dashboard:simulator-action", args=[1, "knobs"]), {"c1-power_w": "-5"}, **HTMX)
    assert "greater than or equal to 0" in knobs.content.decode()

    assert (await client.post(reverse("dashboard:simulator-action", args=[9, "plug"]), **HTMX)).status_code == 404
    assert (await client.post(reverse("dashboard:simulator-action", args=[1, "explode"]), **HTMX)).status_code == 404


async def test_it_raises_and_clears_faults_and_sets_knobs(client, station):
    await client.post(
        reverse("dashboard:simulator-action", args=[1, "raise-fault"]),
        {"c1-error_code": "GroundFailure", "c1-info": "RCD"},
        **HTMX,
    )
    assert station.cp.connector_views()[1]["status"] == "Faulted"
    await client.post(reverse("dashboard:simulator-action", args=[1, "clear-faults"]), **HTMX)
    assert station.cp.connector_views()[1]["status"] == "Available"
    response = await client.post(
        reverse("dashboard:simulator-action", args=[2, "knobs"]),
        {"c2-power_w": "3700", "c2-fixed_cable": "on"},
        **HTMX,
    )
    assert "knobs set" in response.content.decode()
    knobs = station.adapter.snapshot(2)["knobs"]
    assert knobs["power_w"] == 3700 and knobs["fixed_cable"] is True and knobs["lock_fails"] is False


async def test_it_redirects_a_plain_simulator_form(client, station):
    response = await client.post(reverse("dashboard:simulator-action", args=[1, "plug"]))
    assert response.status_code == 303 and response["Location"].endswith("/simulator/#sim-1")


# --- live updates --------------------------------------------------------------------------------


async def test_it_pushes_fragments_to_the_browser(operator, station, monkeypatch):
    from channels.auth import AuthMiddlewareStack
    from channels.routing import URLRouter
    from channels.testing import WebsocketCommunicator

    from station.dashboard import live
    from station.dashboard.routing import websocket_urlpatterns

    monkeypatch.setattr(live, "state", live.LiveState())
    browser = AsyncClient()
    await browser.aforce_login(operator)
    cookie = f"{settings.SESSION_COOKIE_NAME}={browser.cookies[settings.SESSION_COOKIE_NAME].value}"
    app = AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
    communicator = WebsocketCommunicator(app, "/ws/dashboard/?view=overview", headers=[(b"cookie", cookie.encode())])
    connected, _ = await communicator.connect()
    assert connected
    first = await communicator.receive_from(timeout=5)
    assert 'id="station-status" class="station-status" hx-swap-oob="true"' in first
    assert 'id="connector-1"' in first and "Available" in first

    live.station_changed(station)  # what station.py calls on engine events and hardware inputs
    assert 'data-status="Available"' in await communicator.receive_from(timeout=5)
    await station.plug(1)
    live.station_changed(station)
    pushed = await communicator.receive_from(timeout=5)
    card = pushed.split('id="connector-1"')[1].split("</article>")[0]
    assert 'data-status="Preparing"' in card
    assert "Connector 1: Available → Preparing" in pushed
    await communicator.disconnect()
    await asyncio.sleep(0)

"""The engine's dashboard pages in the split deployment: the web side asks, the worker's station answers.

The views run with a :class:`~station.remote.RemoteController` as the process's controller (as
``station/asgi.py`` installs it in the web process of the split deployment); a
:class:`~station.remote.ControlServer` serves a real :class:`~station.station.Station` (as the
OCPP worker does), over a real Redis channel layer. Everything the configuration, authorization,
charging-profile and firmware pages show or change crosses Redis as the ``dashboard`` action.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from station import runtime
from station.dashboard import control, live
from station.dashboard.models import ConfigChangeLog
from tests.station.test_dashboard_features import csms_call, open_dashboard_socket, profile_payload, registered
from tests.station.test_dashboard_station import HTMX, client, operator, station, viewer  # noqa: F401  # fixtures
from tests.station.test_split_deployment import redis_pair

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]


@pytest.fixture
async def split(station):  # noqa: F811  # the fixture imported above
    """The web process's view of ``station``: reached only through Redis."""
    async with redis_pair(station) as remote:
        runtime.set_controller(remote)
        yield station


async def test_the_configuration_page_shows_the_worker_s_keys(client, split):  # noqa: F811
    response = await client.get(reverse("dashboard:configuration"))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="key-HeartbeatInterval"' in page and 'id="key-MeterValueSampleInterval"' in page
    assert "split deployment" not in page


async def test_a_configuration_change_is_applied_by_the_worker(client, split):  # noqa: F811
    url = reverse("dashboard:configuration-change", args=["heartbeatinterval"])
    response = await client.post(url, {"value": "123"}, **HTMX)
    assert "HeartbeatInterval = &#x27;123&#x27;." in response.content.decode()
    assert 'value="123"' in response.content.decode()  # the row as the worker has it now
    assert split.cp.config.get_int("HeartbeatInterval") == 123
    refused = await client.post(url, {"value": "-5"}, **HTMX)
    assert "Rejected: HeartbeatInterval" in refused.content.decode()
    assert split.cp.config.get_int("HeartbeatInterval") == 123
    log = [(c.key, c.value, c.status) async for c in ConfigChangeLog.objects.order_by("id")]
    assert log == [("HeartbeatInterval", "123", "Accepted"), ("HeartbeatInterval", "-5", "Rejected")]
    unknown = await client.post(reverse("dashboard:configuration-change", args=["NoSuchKey"]), {"value": "1"})
    assert unknown.status_code == 404


async def test_the_secret_key_is_set_through_the_worker_and_never_shown(client, split):  # noqa: F811
    secret = "0123456789abcdef0123456789abcdef01234567"
    url = reverse("dashboard:configuration-change", args=["AuthorizationKey"])
    response = await client.post(url, {"value": secret}, **HTMX)
    assert "AuthorizationKey was set" in response.content.decode()
    page = (await client.get(reverse("dashboard:configuration"))).content.decode()
    assert secret not in page and secret not in response.content.decode()
    assert [c.value async for c in ConfigChangeLog.objects.all()] == ["***"]


async def test_the_local_list_and_the_cache_are_changed_by_the_worker(client, split):  # noqa: F811
    add = reverse("dashboard:local-list-add")
    response = await client.post(
        add, {"add-id_tag": "SPLIT-TAG", "add-status": "Accepted", "add-expiry_date": "2099-01-01T10:00"}, **HTMX
    )
    assert "SPLIT-TAG (Accepted) was added to the local list" in response.content.decode()
    [entry] = split.cp.authorizer.local_list_entries()
    assert entry.id_tag == "SPLIT-TAG" and entry.expiry_date is not None and entry.expiry_date.year == 2099
    again = await client.post(add, {"add-id_tag": "SPLIT-TAG", "add-status": "Blocked"}, **HTMX)
    assert "Refused: SPLIT-TAG is already in the local list" in again.content.decode()
    cleared = await client.post(reverse("dashboard:authorization-cache-clear"), **HTMX)
    assert "The authorization cache was cleared." in cleared.content.decode()


async def test_the_charging_profiles_and_firmware_pages_read_the_worker_s_engine(client, split):  # noqa: F811
    await registered(split)
    payload = {"connectorId": 1, "csChargingProfiles": profile_payload(12, "TxDefaultProfile", 16, stack_level=2)}
    assert await csms_call(split, "SetChargingProfile", payload) == {"status": "Accepted"}
    page = (await client.get(reverse("dashboard:charging-profiles"))).content.decode()
    assert 'id="profile-1-12"' in page and "16 A" in page
    assert '<svg class="chart step schedule"' in page.split('id="composite-1"')[1]
    firmware = await client.get(reverse("dashboard:firmware"))
    assert firmware.status_code == 200 and "Installed version</dt><dd>0.1.0" in firmware.content.decode()


async def test_an_unknown_query_is_refused_by_the_worker(split):
    with pytest.raises(ValueError, match="unknown dashboard query 'nope'"):
        await control.ask("nope")


async def test_a_worker_that_does_not_answer_makes_the_pages_say_so(client, station):  # noqa: F811
    async with redis_pair(station, serve=False, forward_timeout=0.2) as remote:
        runtime.set_controller(remote)
        response = await client.get(reverse("dashboard:configuration"))
    assert response.status_code == 503
    assert "The station does not answer: the OCPP worker does not answer (no reply within 0.2 s)." in (
        response.content.decode()
    )


async def test_the_firmware_page_is_refreshed_live_from_the_worker(viewer, split, monkeypatch):  # noqa: F811
    monkeypatch.setattr(live, "state", live.LiveState())
    communicator = await open_dashboard_socket(viewer, "firmware")
    first = await communicator.receive_from(timeout=5)
    assert '<div id="firmware-state" class="firmware-state" hx-swap-oob="true">' in first
    assert "Installed version</dt><dd>0.1.0" in first
    live.station_changed(split)  # the worker's publication reaches the page; its state comes from the worker
    assert 'id="firmware-state"' in await communicator.receive_from(timeout=5)
    await communicator.disconnect()

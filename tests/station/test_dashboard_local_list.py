"""Editing the local authorization list from the dashboard, against a real station in this process.

The edits go through the engine (``Authorizer.edit_local_list``, one driver step): the tests
check the page, the engine's list, the stored rows and the change log, and that the list version
(the central system's) stays.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from ocpp_core.storage import IdTagRecord
from station import models, runtime
from station.dashboard import control
from station.dashboard.models import LocalListChangeLog
from tests.station.test_dashboard_station import (
    HTMX,
    client,
    operator,
    start_station,
    station,
    viewer,
    viewer_client,
)

#: Fixtures shared with test_dashboard_station.py (pytest finds them by these names).
FIXTURES = (client, operator, station, viewer, viewer_client)

pytestmark = pytest.mark.django_db(transaction=True)

ADD = reverse("dashboard:local-list-add")
CHANGE = reverse("dashboard:local-list-change")
REMOVE = reverse("dashboard:local-list-remove")


async def send_full_list(station, version: int, *tags: str) -> None:
    """What a SendLocalList Full from the central system does to the engine."""
    records = [IdTagRecord(id_tag=tag, status="Accepted") for tag in tags]
    await station.driver.step(lambda now: station.cp.authorizer.replace_local_list(version, records))


def engine_list(station) -> dict[str, IdTagRecord]:
    return {record.id_tag: record for record in station.cp.authorizer.local_list_entries()}


async def test_it_adds_an_entry_and_keeps_the_version(client, station):
    await send_full_list(station, 5, "CS-TAG")
    response = await client.post(
        ADD,
        {
            "add-id_tag": "NEW-TAG",
            "add-status": "Blocked",
            "add-expiry_date": "2099-01-02T03:04:05",
            "add-parent_id_tag": "GROUP-1",
        },
        **HTMX,
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert text.lstrip().startswith('<section id="local-list"')
    assert "NEW-TAG (Blocked) was added to the local list (version 5 kept)." in text
    assert 'role="status"' in text and "<code>NEW-TAG</code>" in text and "2099-01-02 03:04:05" in text

    entry = engine_list(station)["NEW-TAG"]
    assert entry == IdTagRecord(
        id_tag="NEW-TAG",
        status="Blocked",
        expiry_date=datetime(2099, 1, 2, 3, 4, 5, tzinfo=UTC),
        parent_id_tag="GROUP-1",
    )
    assert station.cp.authorizer.local_list_version == 5
    stored = await models.LocalListEntry.objects.aget(id_tag="NEW-TAG")
    assert (stored.status, stored.parent_id_tag) == ("Blocked", "GROUP-1")
    assert stored.expiry_date == datetime(2099, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert await models.LocalListEntry.objects.filter(id_tag="CS-TAG").aexists()  # the rest stays
    assert await models.LocalListVersion.objects.aget() is not None
    assert (await models.LocalListVersion.objects.aget()).version == 5

    log = await LocalListChangeLog.objects.aget()
    assert (log.username, log.action, log.id_tag, log.status, log.applied, log.list_version) == (
        "operator",
        "add",
        "NEW-TAG",
        "Blocked",
        True,
        5,
    )
    assert "operator" in text and "applied (version 5)" in text  # the log, in the fragment


async def test_it_refuses_an_idtag_the_list_holds(client, station):
    await send_full_list(station, 2, "TAG-1")
    response = await client.post(ADD, {"add-id_tag": "TAG-1", "add-status": "Invalid"}, **HTMX)
    text = response.content.decode()
    assert "Refused: TAG-1 is already in the local list (change its entry instead)." in text
    assert 'role="alert"' in text
    assert engine_list(station)["TAG-1"].status == "Accepted"
    log = await LocalListChangeLog.objects.aget()
    assert not log.applied and "already in the local list" in log.reason


@pytest.mark.parametrize(
    ("data", "complaint"),
    [
        ({"add-id_tag": "X" * 21, "add-status": "Accepted"}, "idTag: Ensure this value has at most 20 characters"),
        ({"add-id_tag": "", "add-status": "Accepted"}, "idTag: This field is required."),
        ({"add-id_tag": "   ", "add-status": "Accepted"}, "idTag: must not be empty"),
        ({"add-id_tag": " LEAD", "add-status": "Accepted"}, "idTag: must not start or end with a space"),
        ({"add-id_tag": "TAB\tTAG", "add-status": "Accepted"}, "idTag: must not contain control characters"),
        ({"add-id_tag": "T", "add-status": "Maybe"}, "Status: Select a valid choice"),
        ({"add-id_tag": "T", "add-status": "Accepted", "add-expiry_date": "soon"}, "Enter a valid date/time"),
        (
            {"add-id_tag": "T", "add-status": "Accepted", "add-parent_id_tag": "P" * 21},
            "Parent idTag (optional): Ensure",
        ),
    ],
)
async def test_it_explains_a_bad_entry_and_changes_nothing(client, station, data, complaint):
    response = await client.post(ADD, data, **HTMX)
    text = response.content.decode()
    assert response.status_code == 200
    assert complaint in text and 'role="alert"' in text
    assert 'aria-invalid="true"' in text  # the field is marked, next to its message
    assert engine_list(station) == {}
    assert not await models.LocalListEntry.objects.aexists()
    assert not await LocalListChangeLog.objects.aexists()


@pytest.fixture
async def small_list_station(transactional_db, settings, tmp_path):
    running = await start_station(settings, tmp_path, LocalAuthListManagement={"LocalAuthListMaxLength": 1})
    yield running
    runtime.set_controller(None)
    await running.adapter.stop()


async def test_it_keeps_to_local_auth_list_max_length(client, small_list_station):
    station = small_list_station
    await send_full_list(station, 1, "ONLY")
    response = await client.post(ADD, {"add-id_tag": "SECOND", "add-status": "Accepted"}, **HTMX)
    assert "Refused: the list would hold 2 entries; LocalAuthListMaxLength is 1." in response.content.decode()
    assert list(engine_list(station)) == ["ONLY"]


async def test_it_says_when_the_list_is_not_in_use(client, station):
    answer = await control.ask("change_configuration", key="LocalAuthListEnabled", value="false")
    assert answer["status"] == "Accepted"
    page = (await client.get(reverse("dashboard:authorization"))).content.decode()
    assert "The list is not in use: LocalAuthListEnabled is false" in page
    assert "Add an entry" not in page
    response = await client.post(ADD, {"add-id_tag": "TAG", "add-status": "Accepted"}, **HTMX)
    assert "Refused: the local authorization list is not in use" in response.content.decode()
    assert station.cp.authorizer.local_list_entries() == ()


async def test_it_changes_an_entry_in_its_own_form(client, station):
    await send_full_list(station, 9, "TAG-1", "TAG-2")
    page = (await client.get(reverse("dashboard:authorization"))).content.decode()
    assert 'href="/authorization/local-list/edit/?id_tag=TAG-1"' in page

    form = await client.get(reverse("dashboard:local-list-edit"), {"id_tag": "TAG-1"})
    text = form.content.decode()
    assert form.status_code == 200
    assert 'name="edit-id_tag"' in text and 'value="TAG-1"' in text and "readonly" in text
    assert '<option value="Accepted" selected>' in text
    assert 'for="id_edit-expiry_date"' in text and "Expires (UTC, optional)" in text

    response = await client.post(
        CHANGE, {"edit-id_tag": "TAG-1", "edit-status": "Expired", "edit-expiry_date": "2020-05-06T07:08:09"}
    )
    assert response.status_code == 303 and response["Location"].endswith("/authorization/#local-list")
    after = (await client.get(response["Location"])).content.decode()
    assert "TAG-1 (Expired) was changed in the local list (version 9 kept)." in after
    assert "Its expiry date is past: it is answered as Expired." in after
    assert engine_list(station)["TAG-1"].status == "Expired"
    assert engine_list(station)["TAG-1"].expiry_date == datetime(2020, 5, 6, 7, 8, 9, tzinfo=UTC)
    assert list(engine_list(station)) == ["TAG-1", "TAG-2"]  # the order stays
    assert station.cp.authorizer.local_list_version == 9
    log = await LocalListChangeLog.objects.aget()
    assert (log.action, log.applied) == ("change", True)


async def test_it_shows_the_edit_form_again_with_what_is_wrong(client, station):
    await send_full_list(station, 1, "TAG-1")
    response = await client.post(CHANGE, {"edit-id_tag": "TAG-1", "edit-status": "Sometimes"})
    assert response.status_code == 400
    assert "Not saved: Status: Select a valid choice" in response.content.decode()
    assert engine_list(station)["TAG-1"].status == "Accepted"

    gone = await client.post(CHANGE, {"edit-id_tag": "NOT-THERE", "edit-status": "Accepted"})
    assert gone.status_code == 409
    assert "Refused: not in the local list: NOT-THERE." in gone.content.decode()
    assert (await client.get(reverse("dashboard:local-list-edit"), {"id_tag": "NOT-THERE"})).status_code == 404


async def test_it_removes_an_entry(client, station):
    await send_full_list(station, 4, "KEEP", "DROP")
    response = await client.post(REMOVE, {"id_tag": "DROP"}, **HTMX)
    text = response.content.decode()
    assert "DROP was removed from the local list (version 4 kept)." in text
    assert "<code>DROP</code></th>" not in text and "<code>KEEP</code></th>" in text
    assert list(engine_list(station)) == ["KEEP"]
    assert not await models.LocalListEntry.objects.filter(id_tag="DROP").aexists()
    assert (await LocalListChangeLog.objects.aget()).action == "remove"

    again = await client.post(REMOVE, {"id_tag": "DROP"}, **HTMX)
    assert "Refused: not in the local list: DROP." in again.content.decode()


async def test_a_plain_form_post_redirects_with_the_message(client, station):
    response = await client.post(ADD, {"add-id_tag": "PLAIN", "add-status": "Accepted"})
    assert response.status_code == 303 and response["Location"].endswith("/authorization/#local-list")
    page = (await client.get(response["Location"])).content.decode()
    assert "PLAIN (Accepted) was added to the local list" in page

    bad = await client.post(ADD, {"add-id_tag": "", "add-status": "Accepted"})
    assert bad.status_code == 303
    assert "Not added: idTag: This field is required." in (await client.get(bad["Location"])).content.decode()


async def test_a_viewer_sees_the_list_without_forms(viewer_client, station):
    await send_full_list(station, 3, "SEEN")
    page = (await viewer_client.get(reverse("dashboard:authorization"))).content.decode()
    assert "<code>SEEN</code>" in page
    assert "Add an entry" not in page and "local-list/edit" not in page and "Remove SEEN" not in page
    assert "You may view the list; changing it needs an operator account." in page
    refused = await viewer_client.post(ADD, {"add-id_tag": "NOPE", "add-status": "Accepted"}, **HTMX)
    assert refused.status_code == 403
    assert "NOPE" not in engine_list(station)


async def test_an_operator_gets_labelled_fields_and_the_limit(client, station):
    await send_full_list(station, 1, "A")
    page = (await client.get(reverse("dashboard:authorization"))).content.decode()
    for field in ("id_tag", "status", "expiry_date", "parent_id_tag"):
        assert f'<label for="id_add-{field}">' in page
    assert 'aria-label="Remove A"' in page and 'hx-confirm="Remove A from the local list?"' in page
    assert "1 entry of at most 100 (LocalAuthListMaxLength)." in page
    assert page.count('name="csrfmiddlewaretoken"') >= 3  # add, remove, clear the cache

"""The dashboard's pages over the database: trace, transactions, authorization, and the error states.

No station runs in these tests (or a fake controller answers the status); the pages that act on a
running station are in ``test_dashboard_station.py``. Runs with the dashboard installed (see
``test_dashboard_access.py``).
"""

from __future__ import annotations

import json
import re
import time as clock
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import AsyncClient
from django.urls import reverse

from station import models, runtime

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def operator(db):
    from django.contrib.auth.models import Group

    from station.dashboard.permissions import OPERATORS_GROUP

    user = get_user_model().objects.create_user("operator", password="a-long-Passphrase-42")
    user.groups.add(Group.objects.get_or_create(name=OPERATORS_GROUP)[0])
    return user


@pytest.fixture
def logged_in(client, operator):
    client.force_login(operator)
    return client


@pytest.fixture
async def async_logged_in(transactional_db):
    from asgiref.sync import sync_to_async

    user = await sync_to_async(get_user_model().objects.create_user)("operator", password="a-long-Passphrase-42")
    client = AsyncClient()
    await client.aforce_login(user)
    return client


@pytest.fixture
def no_station():
    runtime.set_controller(None)
    yield
    runtime.set_controller(None)


class FakeController:
    """A controller in another process, as the web side of the split deployment sees it."""

    def station_status(self) -> dict[str, Any]:
        return {
            "charge_point_id": "CP-FAKE",
            "connected": False,
            "registration_status": None,
            "connectors": [
                {"connector_id": 0, "status": "Available", "error_code": "NoError", "transaction_id": None},
                {"connector_id": 1, "status": "Faulted", "error_code": "GroundFailure", "transaction_id": None},
            ],
        }

    async def dashboard(self, name: str, args: str) -> str:
        raise runtime.StationNotRunning("the OCPP worker does not answer (no reply within 5 s)")


@pytest.fixture
def fake_station():
    runtime.set_controller(FakeController())  # type: ignore[arg-type]
    yield
    runtime.set_controller(None)


def frame(
    direction: str,
    message_type: str,
    action: str,
    unique_id: str,
    body: Any,
    when: datetime,
    **fields: Any,
) -> models.TraceEntry:
    number = {"CALL": 2, "CALLRESULT": 3, "CALLERROR": 4}[message_type]
    if message_type == "CALL":
        payload = [number, unique_id, action, body]
    elif message_type == "CALLRESULT":
        payload = [number, unique_id, body]
    else:
        payload = [number, unique_id, body, "went wrong", {}]
    return models.TraceEntry.objects.create(
        time=when,
        direction=direction,
        message_type=message_type,
        action=action,
        unique_id=unique_id,
        payload=json.dumps(payload),
        error_code=body if message_type == "CALLERROR" else None,
        **fields,
    )


@pytest.fixture
def conversation(db) -> dict[str, models.TraceEntry]:
    """A boot, a status notification and a CALLERROR answer to a central system's CALL."""
    return {
        "boot": frame("out", "CALL", "BootNotification", "b1", {"chargePointVendor": "V"}, T0),
        "boot_conf": frame(
            "in", "CALLRESULT", "BootNotification", "b1", {"status": "Accepted"}, T0 + timedelta(milliseconds=42)
        ),
        "status": frame(
            "out",
            "CALL",
            "StatusNotification",
            "s1",
            {"connectorId": 1, "status": "Charging", "errorCode": "NoError"},
            T0 + timedelta(seconds=1),
            connector_id=1,
        ),
        "status_conf": frame("in", "CALLRESULT", "StatusNotification", "s1", {}, T0 + timedelta(seconds=1.01)),
        "reset": frame("in", "CALL", "Reset", "r1", {"type": "Bogus"}, T0 + timedelta(seconds=2)),
        "reset_error": frame(
            "out", "CALLERROR", "Reset", "r1", "PropertyConstraintViolation", T0 + timedelta(seconds=2)
        ),
        "meter": frame(
            "out",
            "CALL",
            "MeterValues",
            "m1",
            {"connectorId": 2, "transactionId": 77, "meterValue": []},
            T0 + timedelta(seconds=3),
            connector_id=2,
            transaction_id=77,
        ),
    }


# --- error and empty states ---------------------------------------------------------------------


@pytest.mark.django_db
def test_it_says_when_the_station_is_not_running(logged_in, no_station):
    page = logged_in.get(reverse("dashboard:overview")).content.decode()
    assert "Station not running" in page
    assert "not running in this process" in page

    config = logged_in.get(reverse("dashboard:configuration"))
    assert config.status_code == 503
    assert "The station is not running" in config.content.decode()

    simulator = logged_in.get(reverse("dashboard:simulator"))
    assert "nothing to simulate" in simulator.content.decode()


@pytest.mark.django_db
def test_it_shows_a_station_in_another_process(logged_in, fake_station):
    page = logged_in.get(reverse("dashboard:overview")).content.decode()
    assert "CP-FAKE" in page
    assert "Not connected to the central system" in page
    assert 'data-status="Faulted"' in page and "GroundFailure" in page

    # The engine's pages ask the worker (test_split_deployment.py has it answer); this one does not.
    config = logged_in.get(reverse("dashboard:configuration"))
    assert config.status_code == 503
    assert "The station does not answer: the OCPP worker does not answer (no reply within 5 s)." in (
        config.content.decode()
    )


@pytest.mark.django_db
def test_it_shows_the_last_heartbeat_from_the_trace(logged_in, fake_station):
    frame("out", "CALL", "Heartbeat", "h1", {}, T0)
    frame("in", "CALLRESULT", "Heartbeat", "h1", {"currentTime": "2026-03-01T12:00:00Z"}, T0 + timedelta(seconds=1))
    page = logged_in.get(reverse("dashboard:overview")).content.decode()
    # Written in UTC by the server; times.js rewrites it in local time when the user asks for it.
    assert (
        'Last heartbeat</dt><dd><time datetime="2026-03-01T12:00:01.000+00:00" data-fmt="Y-m-d H:i:s">'
        '2026-03-01 12:00:01</time> <span class="tz">UTC</span>'
    ) in page
    assert 'id="time-zone-toggle"' in page and "station/times.js" in page


@pytest.mark.django_db
def test_it_renders_every_page_with_the_layout(logged_in, no_station):
    for name in (
        "dashboard:overview",
        "dashboard:trace",
        "dashboard:authorization",
        "dashboard:charging-profiles",
        "dashboard:transactions",
        "dashboard:firmware",
        "dashboard:simulator",
    ):
        page = logged_in.get(reverse(name)).content.decode()
        assert '<meta name="viewport"' in page, name
        assert "htmx-2.min.js" in page and "hx-ws-2.min.js" in page, name
        assert "X-CSRFToken" in page, name
        assert 'ws-connect="/ws/dashboard/?view=' in page, name
        assert 'aria-current="page"' in page, name
        assert "https://" not in page, name  # nothing from elsewhere
        # every hx-get keeps an href
        for tag in re.findall(r"<a [^>]*hx-get=[^>]*>", page):
            assert "href=" in tag, tag


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["dashboard:charging-profiles", "dashboard:firmware"])
def test_it_says_when_the_feature_pages_get_no_answer(logged_in, fake_station, name):
    response = logged_in.get(reverse(name))
    assert response.status_code == 503
    page = response.content.decode()
    assert "the OCPP worker does not answer" in page and 'role="alert"' in page


# --- authorization -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_shows_the_local_list_and_the_cache(logged_in, no_station):
    models.LocalListVersion.set(7)
    models.LocalListEntry.objects.create(id_tag="LIST-TAG", status="Accepted")
    models.AuthCacheEntry.objects.create(id_tag="CACHED-TAG", status="Blocked")
    page = logged_in.get(reverse("dashboard:authorization")).content.decode()
    assert "version 7" in page
    assert "LIST-TAG" in page and "CACHED-TAG" in page and "Blocked" in page


@pytest.mark.django_db
def test_it_shows_empty_lists(logged_in, no_station):
    page = logged_in.get(reverse("dashboard:authorization")).content.decode()
    assert "The local list is empty." in page and "The cache is empty." in page


@pytest.mark.django_db
def test_it_cannot_clear_the_cache_without_a_station(logged_in, no_station):
    response = logged_in.post(reverse("dashboard:authorization-cache-clear"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "not running" in response.content.decode()
    assert 'role="alert"' in response.content.decode()


# --- message trace -------------------------------------------------------------------------------


def rows_of(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr id="f(\d+)"', page)]


@pytest.mark.django_db
def test_it_lists_frames_newest_first_with_pairs(logged_in, no_station, conversation):
    page = logged_in.get(reverse("dashboard:trace")).content.decode()
    assert rows_of(page) == sorted((e.id for e in conversation.values()), reverse=True)
    boot, conf = conversation["boot"], conversation["boot_conf"]
    assert f'<a href="#f{conf.id}"' in page and "answered 42.0 ms" in page
    assert f"to #{boot.id} 42.0 ms" in page
    error_row = re.search(rf'<tr id="f{conversation["reset_error"].id}" class="([^"]+)"', page)
    assert error_row is not None and "is-error" in error_row.group(1)
    assert "PropertyConstraintViolation" in page
    assert 'class="badge good">live' in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"direction": "in"}, ["boot_conf", "status_conf", "reset"]),
        ({"action": "Reset"}, ["reset", "reset_error"]),
        ({"message_type": "CALLERROR"}, ["reset_error"]),
        ({"connector": "1"}, ["status"]),
        ({"transaction": "77"}, ["meter"]),
        ({"text": "charging"}, ["status"]),
        ({"since": "2026-03-01T12:00:01", "until": "2026-03-01T12:00:02"}, ["status", "status_conf"]),
    ],
)
def test_it_filters_the_trace(logged_in, no_station, conversation, query, expected):
    response = logged_in.get(reverse("dashboard:trace"), query)
    assert response.status_code == 200
    assert sorted(rows_of(response.content.decode())) == sorted(conversation[name].id for name in expected)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "complaint"),
    [
        ({"direction": "sideways"}, "Select a valid choice"),
        ({"connector": "-1"}, "greater than or equal to 0"),
        ({"since": "yesterday"}, "Enter a valid date/time"),
        ({"since": "2026-03-01T12:00:02", "until": "2026-03-01T12:00:01"}, "must be later than From"),
        ({"before": "garbage"}, "start again from the first page"),
    ],
)
def test_it_explains_a_bad_filter(logged_in, no_station, conversation, query, complaint):
    response = logged_in.get(reverse("dashboard:trace"), query)
    assert response.status_code == 400
    assert complaint in response.content.decode()


@pytest.mark.django_db
def test_it_pages_with_a_keyset_cursor(logged_in, no_station):
    from station.dashboard.traces import PAGE_SIZE

    for i in range(PAGE_SIZE + 5):  # several frames share a time: the id breaks ties
        frame("out", "CALL", "Heartbeat", f"h{i}", {}, T0 + timedelta(seconds=i // 3))
    first = logged_in.get(reverse("dashboard:trace"), {"action": "Heartbeat"}).content.decode()
    first_rows = rows_of(first)
    assert len(first_rows) == PAGE_SIZE
    link = re.search(r'<a rel="next" href="\?([^"]+)"', first)
    assert link is not None
    second = logged_in.get(reverse("dashboard:trace") + "?" + link.group(1).replace("&amp;", "&")).content.decode()
    second_rows = rows_of(second)
    assert len(second_rows) == 5
    assert set(first_rows).isdisjoint(second_rows)
    assert first_rows + second_rows == sorted(first_rows + second_rows, reverse=True)
    assert "Older frames (not live)" in second and 'rel="next"' not in second
    assert "live=0" in second  # an older page is not refreshed live


@pytest.mark.django_db
def test_it_shows_a_frame_in_full(logged_in, no_station, conversation):
    boot, conf = conversation["boot"], conversation["boot_conf"]
    fragment = logged_in.get(reverse("dashboard:trace-detail", args=[boot.id]), HTTP_HX_REQUEST="true")
    text = fragment.content.decode()
    assert text.lstrip().startswith('<aside id="trace-detail"')
    assert "&quot;chargePointVendor&quot;: &quot;V&quot;" in text  # indented JSON, escaped
    assert f"#{conf.id} CALLRESULT</a> after 42.0 ms" in text
    page = logged_in.get(reverse("dashboard:trace-detail", args=[boot.id])).content.decode()
    assert "<!doctype html>" in page and "Frame " in page
    assert logged_in.get(reverse("dashboard:trace-detail", args=[999_999])).status_code == 404


@pytest.mark.django_db(transaction=True)
async def test_it_exports_the_filter_as_jsonl_and_html(async_logged_in, no_station):
    from asgiref.sync import sync_to_async

    entries = await sync_to_async(
        lambda: [
            frame("out", "CALL", "Heartbeat", "h1", {}, T0),
            frame("in", "CALLRESULT", "Heartbeat", "h1", {"currentTime": "x"}, T0 + timedelta(milliseconds=5)),
            frame("out", "CALL", "StatusNotification", "s1", {"connectorId": 1, "status": "<b>"}, T0, connector_id=1),
        ]
    )()
    response = await async_logged_in.get(reverse("dashboard:trace-export-jsonl"), {"action": "Heartbeat"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="trace-')
    lines = [json.loads(line) for line in b"".join([c async for c in response.streaming_content]).splitlines()]
    assert [line["id"] for line in lines] == [entries[0].id, entries[1].id]
    assert lines[1]["response_to"] == entries[0].id and lines[1]["latency_ms"] == 5.0

    html = await async_logged_in.get(reverse("dashboard:trace-export-html"), {"text": "<b>"})
    body = b"".join([c async for c in html.streaming_content]).decode()
    assert "text &#x27;&lt;b&gt;&#x27;" in body or "&lt;b&gt;" in body
    assert f'id="f{entries[2].id}"' in body and f'id="f{entries[0].id}"' not in body

    bad = await async_logged_in.get(reverse("dashboard:trace-export-jsonl"), {"direction": "up"})
    assert bad.status_code == 400


@pytest.mark.django_db
def test_it_renders_the_live_rows_of_a_filter(no_station, conversation):
    from django.http import QueryDict

    from station.dashboard.consumers import trace_rows_fragment

    fragment = trace_rows_fragment(QueryDict("view=trace&live=1&action=Reset"))
    assert fragment.startswith('<tbody id="trace-rows" hx-swap-oob="true">')
    assert sorted(rows_of(fragment)) == sorted([conversation["reset"].id, conversation["reset_error"].id])
    assert trace_rows_fragment(QueryDict("direction=up")) == ""


def _fill_trace(rows: int) -> None:
    """``rows`` frames in one statement (a recursive CTE): 4 actions, both directions, 4 connectors."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %s)
            INSERT INTO station_traceentry
                (time, direction, message_type, action, unique_id, connector_id, transaction_id, payload, error_code)
            SELECT
                datetime('2026-01-01', '+' || i || ' seconds'),
                CASE i % 2 WHEN 0 THEN 'out' ELSE 'in' END,
                CASE i % 2 WHEN 0 THEN 'CALL' ELSE 'CALLRESULT' END,
                CASE i % 4 WHEN 0 THEN 'Heartbeat' WHEN 1 THEN 'Heartbeat' WHEN 2 THEN 'MeterValues'
                    ELSE 'MeterValues' END,
                'u' || (i / 2),
                i % 4,
                i % 1000,
                '[2,"u' || (i / 2) || '","Heartbeat",{"n":' || i || '}]',
                NULL
            FROM n
            """,
            [rows],
        )


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "sqlite", reason="the plan check reads SQLite's EXPLAIN QUERY PLAN")
def test_it_stays_fast_with_200000_frames(no_station):
    from station.dashboard.traces import TraceFilterForm, page_of

    _fill_trace(200_000)
    newest = models.TraceEntry.objects.order_by("-time", "-id").first()
    assert newest is not None
    middle = models.TraceEntry.objects.get(id=100_000)
    cursor = f"{middle.time.isoformat()}|{middle.id}"
    filters: list[dict[str, str]] = [
        {},
        {"action": "MeterValues"},
        {"direction": "out"},
        {"connector": "3"},
        {"transaction": "999"},
        {"text": "u99999"},
        {"since": "2026-01-02T00:00", "until": "2026-01-02T01:00"},
        {"action": "Heartbeat", "direction": "in"},
    ]
    for query in filters:
        for before in ("", cursor):
            form = TraceFilterForm({**query, "before": before})
            assert form.is_valid(), form.errors
            rows = form.queryset()
            if before:
                time, row_id = form.cleaned_data["before"]
                rows = rows.filter(time__lte=time).exclude(time=time, id__gte=row_id)
            plan = rows[:51].explain()
            assert "TEMP B-TREE" not in plan, (query, plan)  # the index gives the order: no sort
            assert re.search(r"SCAN station_traceentry(?! USING)", plan) is None, (query, plan)
            started = clock.perf_counter()
            page = page_of(form)
            elapsed = clock.perf_counter() - started
            assert elapsed < 1.0, (query, before, elapsed)
            assert page.rows or query.get("text"), query


# --- transactions -------------------------------------------------------------------------------


def transaction(n: int, *, connector: int = 1, id_tag: str = "TAG", stopped: bool = True, **fields: Any):
    start = T0 + timedelta(hours=n)
    return models.Transaction.objects.create(
        tx_key=f"k-{n}",
        connector_id=connector,
        id_tag=id_tag,
        transaction_id=100 + n,
        start_time=start,
        meter_start=1000,
        meter_last=1500,
        meter_last_time=start + timedelta(minutes=30),
        stop_time=start + timedelta(minutes=30) if stopped else None,
        meter_stop=1500 if stopped else None,
        stop_reason="Local" if stopped else None,
        acknowledged=stopped,
        **fields,
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, [3, 2, 1]),
        ({"connector": "2"}, [2]),
        ({"id_tag": "OTHER"}, [3]),
        ({"state": "running"}, [1]),
        ({"state": "unacknowledged"}, [1]),
        ({"state": "stopped"}, [3, 2]),
        ({"since": "2026-03-01T14:00"}, [3, 2]),
    ],
)
def test_it_lists_and_filters_transactions(logged_in, no_station, query, expected):
    transaction(1, stopped=False)
    transaction(2, connector=2)
    transaction(3, id_tag="OTHER")
    page = logged_in.get(reverse("dashboard:transactions"), query).content.decode()
    shown = [int(n) - 100 for n in re.findall(r'/transactions/\d+/">(\d+)</a>', page)]
    assert shown == expected


@pytest.mark.django_db
def test_it_says_when_there_are_no_transactions(logged_in, no_station):
    page = logged_in.get(reverse("dashboard:transactions")).content.decode()
    assert "No transactions yet" in page
    bad = logged_in.get(reverse("dashboard:transactions"), {"connector": "x"})
    assert bad.status_code == 400 and "Enter a whole number" in bad.content.decode()


@pytest.mark.django_db
def test_it_shows_a_transaction_with_charts(logged_in, no_station):
    tx = transaction(1, stopped=False)
    for minute, (energy, power) in enumerate([(1000, 0), (1100, 7000), (1300, 7400)]):
        models.TransactionMeterValue.objects.create(
            transaction=tx,
            connector_id=1,
            timestamp=tx.start_time + timedelta(minutes=minute),
            meter_value={
                "timestamp": "x",
                "sampledValue": [
                    {"value": str(energy)},
                    {"value": str(power), "measurand": "Power.Active.Import", "unit": "W"},
                ],
            },
        )
    models.QueuedMessage.objects.create(
        seq=1,
        unique_id="q1",
        action="StopTransaction",
        payload={},
        transactional=True,
        attempts=2,
        created_at=T0,
        tx_key=tx.tx_key,
    )
    page = logged_in.get(reverse("dashboard:transaction-detail", args=[tx.pk])).content.decode()
    assert page.count('<svg class="chart') == 2
    assert "<title" in page and "3 readings" in page and "peak 7.4 kW" in page and "peak 0.3 kWh" in page
    assert "StopTransaction — attempt 2" in page
    assert "not yet" in page
    assert logged_in.get(reverse("dashboard:transaction-detail", args=[9999])).status_code == 404


@pytest.mark.django_db
def test_it_says_when_a_transaction_has_no_meter_values(logged_in, no_station):
    tx = transaction(1)
    page = logged_in.get(reverse("dashboard:transaction-detail", args=[tx.pk])).content.decode()
    assert "no readings" in page and "yes: the central system has the whole transaction" in page


@pytest.mark.django_db(transaction=True)
async def test_it_exports_transactions_as_csv(async_logged_in, no_station):
    from asgiref.sync import sync_to_async

    await sync_to_async(transaction)(1, id_tag="=HYPERLINK(1)")
    await sync_to_async(transaction)(2, connector=2)
    response = await async_logged_in.get(reverse("dashboard:transactions-csv"), {"connector": "1"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    lines = b"".join([c async for c in response.streaming_content]).decode().splitlines()
    assert lines[0].startswith("transaction_id,tx_key,connector_id,id_tag")
    assert len(lines) == 2
    assert lines[1].startswith("101,k-1,1,'=HYPERLINK(1)")  # a formula is defused

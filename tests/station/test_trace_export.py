"""Message trace export (station/trace_export.py, ``manage.py export_trace``) and trace retention by age."""

from __future__ import annotations

import html
import io
import json
import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any, Literal

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from ocpp.v16 import call

from station.models import TraceEntry
from station.store import DjangoStore, TraceRecord
from station.trace_export import TraceFilter, exported_frames, write_html, write_jsonl
from tests import csms as _csms
from tests.conftest import manage, station_env
from tests.csms import TestCentralSystem
from tests.station import octt
from tests.station.octt import CP_ID, boot_accepted, running_station

csms = _csms.csms
migrated_template = octt.migrated_template

T0 = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


def at(ms: int) -> datetime:
    return T0 + timedelta(milliseconds=ms)


#: A short session: the station's Heartbeat, a central-system Reset refused with a CALLERROR, a
#: StartTransaction, a MeterValues with markup in it, an invalid frame.
Frames = list[tuple[Literal["in", "out"], str, int, str]]

SESSION: Frames = [
    ("out", '[2,"1","Heartbeat",{}]', 0, ""),
    ("in", '[3,"1",{"currentTime":"2026-03-01T12:00:00Z"}]', 40, "Heartbeat"),
    ("in", '[2,"cs-1","Reset",{"type":"Hard"}]', 100, ""),
    ("out", '[4,"cs-1","NotSupported","no <reset> here",{}]', 112, "Reset"),
    (
        "out",
        '[2,"2","StartTransaction",{"connectorId":1,"idTag":"TAG-0001","meterStart":0,'
        '"timestamp":"2026-03-01T12:00:00.200Z"}]',
        200,
        "",
    ),
    ("in", '[3,"2",{"transactionId":7,"idTagInfo":{"status":"Accepted"}}]', 450, "StartTransaction"),
    (
        "out",
        '[2,"3","DataTransfer",{"vendorId":"x","data":"</pre><script>alert(1)</script>"}]',
        500,
        "",
    ),
    ("in", '[3,"3",{"status":"Accepted"}]', 510, "DataTransfer"),
    (
        "out",
        '[2,"4","MeterValues",{"connectorId":1,"transactionId":7,"meterValue":[{"timestamp":'
        '"2026-03-01T12:00:01Z","sampledValue":[{"value":"12.5"}]}]}]',
        1000,
        "",
    ),
    ("in", '[3,"4",{}]', 1020, "MeterValues"),
    ("in", "not json at all", 2000, ""),
]


async def store_session(store: DjangoStore | None = None) -> None:
    """The frames go in as the station stores them: TraceRecord.from_frame, DjangoStore.append_trace."""
    store = store or DjangoStore()
    await store.append_trace(
        [TraceRecord.from_frame(direction, text, at(ms), action=action) for direction, text, ms, action in SESSION]
    )


def export_jsonl(trace_filter: TraceFilter | None = None) -> list[dict[str, Any]]:
    out = io.StringIO()
    write_jsonl(exported_frames(trace_filter), out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def export_html(trace_filter: TraceFilter | None = None) -> str:
    out = io.StringIO()
    write_html(exported_frames(trace_filter), out, trace_filter=trace_filter)
    return out.getvalue()


class _Page(HTMLParser):
    """Collects what a browser would fetch and the rows of the table."""

    def __init__(self) -> None:
        super().__init__()
        self.fetches: list[tuple[str, str, str]] = []
        self.rows: list[dict[str, str]] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        for name, value in attrs:
            if name in ("src", "href", "srcset", "action", "poster", "data") and value and not value.startswith("#"):
                self.fetches.append((tag, name, value))
        if tag == "tr":
            self.rows.append({k: v or "" for k, v in attrs})


@pytest.mark.django_db(transaction=True)
class TestExport:
    async def test_jsonl_has_one_object_per_frame_with_pairing_and_latency(self):
        await store_session()
        records = await _sync(export_jsonl)
        assert len(records) == len(SESSION)
        assert [r["time"] for r in records] == sorted(r["time"] for r in records)
        first, answer = records[0], records[1]
        assert set(first) == {
            "id",
            "time",
            "direction",
            "message_type",
            "action",
            "unique_id",
            "connector_id",
            "transaction_id",
            "error_code",
            "payload",
            "response_to",
            "latency_ms",
        }
        assert first == {
            **first,
            "time": "2026-03-01T12:00:00.000000Z",
            "direction": "out",
            "message_type": "CALL",
            "action": "Heartbeat",
            "unique_id": "1",
            "payload": [2, "1", "Heartbeat", {}],
            "response_to": None,
            "latency_ms": None,
        }
        assert (answer["message_type"], answer["action"], answer["response_to"], answer["latency_ms"]) == (
            "CALLRESULT",
            "Heartbeat",
            first["id"],
            40.0,
        )
        error = records[3]
        assert (error["message_type"], error["error_code"], error["direction"]) == ("CALLERROR", "NotSupported", "out")
        assert (error["response_to"], error["latency_ms"]) == (records[2]["id"], 12.0)
        start_conf = records[5]
        assert (start_conf["transaction_id"], start_conf["latency_ms"]) == (7, 250.0)
        meter = records[8]
        assert (meter["connector_id"], meter["transaction_id"]) == (1, 7)
        assert meter["payload"][3]["meterValue"][0]["sampledValue"] == [{"value": "12.5"}]
        invalid = records[-1]
        assert (invalid["message_type"], invalid["payload"], invalid["response_to"]) == (
            "invalid",
            "not json at all",
            None,
        )

    async def test_filters_select_by_time_action_direction_connector_and_transaction(self):
        await store_session()

        def actions(**kwargs) -> list[tuple[str, str]]:
            return [(r["action"], r["message_type"]) for r in export_jsonl(TraceFilter(**kwargs))]

        result = await _sync(
            lambda: {
                "time": actions(since=at(100), until=at(500)),
                "action": actions(actions=("StartTransaction", "Reset")),
                "direction": actions(direction="in"),
                "connector": actions(connector_id=1),
                "transaction": actions(transaction_id=7),
            }
        )
        assert result["time"] == [
            ("Reset", "CALL"),
            ("Reset", "CALLERROR"),
            ("StartTransaction", "CALL"),
            ("StartTransaction", "CALLRESULT"),
        ]
        assert result["action"] == result["time"]
        assert result["direction"] == [
            ("Heartbeat", "CALLRESULT"),
            ("Reset", "CALL"),
            ("StartTransaction", "CALLRESULT"),
            ("DataTransfer", "CALLRESULT"),
            ("MeterValues", "CALLRESULT"),
            ("", "invalid"),
        ]
        assert result["connector"] == [("StartTransaction", "CALL"), ("MeterValues", "CALL")]
        assert result["transaction"] == [("StartTransaction", "CALLRESULT"), ("MeterValues", "CALL")]

    async def test_an_answer_is_paired_with_its_call_even_when_the_filter_leaves_the_call_out(self):
        await store_session()
        answers = await _sync(lambda: export_jsonl(TraceFilter(direction="in", actions=("StartTransaction",))))
        everything = await _sync(export_jsonl)
        start_call = next(r for r in everything if r["action"] == "StartTransaction" and r["message_type"] == "CALL")
        assert [(r["response_to"], r["latency_ms"]) for r in answers] == [(start_call["id"], 250.0)]

    async def test_an_answer_pairs_with_the_newest_earlier_call_of_its_unique_id(self):
        # Unique ids may repeat across restarts: the answer belongs to the CALL just before it.
        store = DjangoStore()
        frames: Frames = [
            ("out", '[2,"1","Heartbeat",{}]', 0, ""),
            ("in", '[3,"1",{"currentTime":"2026-03-01T12:00:00Z"}]', 5, "Heartbeat"),
            ("out", '[2,"1","Heartbeat",{}]', 1000, ""),
            ("in", '[3,"1",{"currentTime":"2026-03-01T12:00:01Z"}]', 1030, "Heartbeat"),
        ]
        await store.append_trace([TraceRecord.from_frame(d, t, at(ms), action=a) for d, t, ms, a in frames])
        records = await _sync(export_jsonl)
        assert [(r["response_to"], r["latency_ms"]) for r in records] == [
            (None, None),
            (records[0]["id"], 5.0),
            (None, None),
            (records[2]["id"], 30.0),
        ]
        late = await _sync(lambda: export_jsonl(TraceFilter(since=at(1001))))
        assert [(r["response_to"], r["latency_ms"]) for r in late] == [(records[2]["id"], 30.0)]

    async def test_html_is_self_contained_escaped_and_marks_errors_and_latency(self):
        await store_session()
        page = await _sync(export_html)
        parser = _Page()
        parser.feed(page)
        assert parser.fetches == []
        assert "script" not in parser.tags and "link" not in parser.tags and "img" not in parser.tags
        assert not re.search(r"https?://|url\(|@import", page)
        assert "default-src 'none'" in page
        body_rows = [row for row in parser.rows if row.get("id")]
        assert len(body_rows) == len(SESSION)
        classes = [row["class"].split() for row in body_rows]
        assert classes[0] == ["out", "CALL"] and classes[1] == ["in", "CALLRESULT"]
        assert classes[3] == ["out", "CALLERROR"]
        assert classes[-1] == ["in", "invalid"]
        # Markup inside frames is text, pretty-printed JSON included.
        assert "<script>alert(1)</script>" not in page
        assert html.escape('"data": "</pre><script>alert(1)</script>"') in page
        assert html.escape("no <reset> here") in page
        assert '"type": "Hard"' in html.unescape(page)
        assert "250.0 ms" in page and "12.0 ms" in page
        assert f'<a href="#{body_rows[0]["id"]}">to #{body_rows[0]["id"].removeprefix("f")}</a>' in page

    async def test_the_html_header_names_the_filter(self):
        await store_session()
        page = await _sync(lambda: export_html(TraceFilter(actions=("Reset",), direction="out")))
        assert "action Reset; direction out" in page
        assert page.count('<tr id="f') == 1

    def test_a_bad_filter_is_refused(self):
        with pytest.raises(ValueError, match="direction"):
            TraceFilter(direction="sideways")
        with pytest.raises(ValueError, match="until"):
            TraceFilter(since=at(10), until=at(5))

    async def test_the_command_writes_jsonl_and_html_files(self, tmp_path):
        await store_session()
        jsonl = tmp_path / "trace.jsonl"
        page = tmp_path / "trace.html"
        out = io.StringIO()
        await _sync(
            lambda: call_command(
                "export_trace",
                "--format=jsonl",
                "--since=2026-03-01T12:00:00.100Z",
                "--until=2026-03-01T13:00:00.150+01:00",  # 12:00:00.150 UTC
                "--action=Reset",
                "--action=Heartbeat",
                f"--output={jsonl}",
                stdout=out,
            )
        )
        assert out.getvalue().strip() == f"2 frames written to {jsonl}"
        assert [json.loads(line)["message_type"] for line in jsonl.read_text().splitlines()] == ["CALL", "CALLERROR"]
        await _sync(
            lambda: call_command(
                "export_trace",
                "--format=jsonl",
                "--since=2026-03-01T12:00:00.105",
                "--action=Reset",
                f"--output={jsonl}",
            )
        )  # a naive time is UTC
        [error] = [json.loads(line) for line in jsonl.read_text().splitlines()]
        assert error["message_type"] == "CALLERROR" and error["response_to"] is not None
        await _sync(lambda: call_command("export_trace", "--format=html", "--direction=in", f"--output={page}"))
        assert page.read_text().count('<tr id="f') == 6

    def test_the_command_refuses_bad_arguments(self, tmp_path):
        with pytest.raises(CommandError, match="not an ISO 8601 date-time"):
            call_command("export_trace", "--format=jsonl", "--since=yesterday", f"--output={tmp_path / 'x'}")
        with pytest.raises(CommandError, match="until: must be later than since"):
            call_command(
                "export_trace",
                "--format=html",
                "--since=2026-03-02",
                "--until=2026-03-01",
                f"--output={tmp_path / 'x'}",
            )
        with pytest.raises(CommandError, match="--output"):
            call_command("export_trace", "--format=html", f"--output={tmp_path / 'missing' / 'x.html'}")


async def _sync(fn):
    from asgiref.sync import sync_to_async

    return await sync_to_async(fn)()


# --- retention ------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
async def test_old_trace_rows_are_pruned_by_age_when_a_maximum_age_is_set(settings):
    store = DjangoStore(trace_delete_batch=2)
    now = timezone.now()
    old = [
        TraceRecord.from_frame("out", f'[2,"old{i}","Heartbeat",{{}}]', now - timedelta(days=3, minutes=i))
        for i in range(5)
    ]
    recent = TraceRecord.from_frame("out", '[2,"recent","Heartbeat",{}]', now - timedelta(days=1))

    settings.STATION_TRACE_MAX_AGE_DAYS = None
    await store.append_trace([*old, recent])
    assert await TraceEntry.objects.acount() == 6  # no age limit by default

    settings.STATION_TRACE_MAX_AGE_DAYS = 2
    await store.append_trace([TraceRecord.from_frame("out", '[2,"new","Heartbeat",{}]', now)])
    kept = {u async for u in TraceEntry.objects.values_list("unique_id", flat=True)}
    assert kept == {"recent", "new"}

    settings.STATION_TRACE_MAX_AGE_DAYS = 0.5  # fractions of a day work too
    await store.append_trace([TraceRecord.from_frame("out", '[2,"newer","Heartbeat",{}]', now)])
    assert {u async for u in TraceEntry.objects.values_list("unique_id", flat=True)} == {"new", "newer"}


@pytest.mark.django_db(transaction=True)
async def test_the_row_limit_still_applies_with_an_age_limit(settings):
    settings.STATION_TRACE_MAX_AGE_DAYS = 30
    store = DjangoStore(trace_max_rows=3)
    now = timezone.now()
    await store.append_trace([TraceRecord.from_frame("out", f'[2,"m{i}","Heartbeat",{{}}]', now) for i in range(5)])
    kept = [u async for u in TraceEntry.objects.order_by("id").values_list("unique_id", flat=True)]
    assert kept == ["m2", "m3", "m4"]


@pytest.mark.parametrize(("value", "expected"), [("", "None"), ("7", "7.0"), ("0.25", "0.25")])
def test_the_maximum_age_setting_is_read_from_the_environment(tmp_path, value, expected):
    code = "from django.conf import settings; print(settings.STATION_TRACE_MAX_AGE_DAYS)"
    result = manage("shell", "-v0", "-c", code, env=station_env(tmp_path / "data", STATION_TRACE_MAX_AGE_DAYS=value))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


@pytest.mark.parametrize("value", ["0", "-1", "a week"])
def test_a_bad_maximum_age_is_refused(tmp_path, value):
    code = "from django.conf import settings; print(settings.STATION_TRACE_MAX_AGE_DAYS)"
    result = manage("shell", "-v0", "-c", code, env=station_env(tmp_path / "data", STATION_TRACE_MAX_AGE_DAYS=value))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "STATION_TRACE_MAX_AGE_DAYS" in result.stderr


# --- secrets, end to end ----------------------------------------------------------------------------

SECRET = "0123456789ABCDEF0123456789abcdef"


@pytest.mark.xdist_group("station-processes")
async def test_an_authorization_key_from_the_central_system_is_stored_and_exported_masked(
    tmp_path, csms: TestCentralSystem, migrated_template
):
    async with running_station(tmp_path, csms, migrated_template) as station:
        await boot_accepted(csms)
        result = await csms.call(CP_ID, call.ChangeConfiguration(key="AuthorizationKey", value=SECRET))
        assert result.status in ("Accepted", "Rejected", "RebootRequired", "NotSupported")
        # The station answered, so the CALL was traced before: export from its data dir, live.
        env = station_env(station.data_dir)
        exports = {}
        for fmt in ("jsonl", "html"):
            path = tmp_path / f"trace.{fmt}"
            done = manage(
                "export_trace", f"--format={fmt}", "--action=ChangeConfiguration", f"--output={path}", env=env
            )
            assert done.returncode == 0, done.stderr
            exports[fmt] = path.read_text()
        count = "from station.models import TraceEntry as T; print(T.objects.filter(payload__contains={!r}).count())"
        stored = manage("shell", "-v0", "-c", count.format(SECRET), env=env)
        assert stored.returncode == 0, stored.stderr

    assert stored.stdout.strip() == "0"
    assert SECRET not in exports["jsonl"] and SECRET not in exports["html"]
    records = [json.loads(line) for line in exports["jsonl"].splitlines()]
    change = next(r for r in records if r["message_type"] == "CALL")
    assert change["direction"] == "in"
    assert change["payload"][3] == {"key": "AuthorizationKey", "value": "***"}
    answer = next(r for r in records if r["message_type"] == "CALLRESULT")
    assert answer["response_to"] == change["id"] and answer["latency_ms"] >= 0
    assert "AuthorizationKey" in exports["html"] and "&quot;***&quot;" in exports["html"]

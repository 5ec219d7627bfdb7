"""The dashboard's live state, its publisher and the server-drawn charts (no database, no app needed)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from ocpp_core.events import ConnectionStateChanged, MessageDropped, RegistrationChanged
from station.dashboard import charts, live
from station.store import TraceRecord

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def view(*, connected: bool = True, status: str = "Available", error: str = "NoError") -> dict[str, Any]:
    return {
        "running": True,
        "charge_point_id": "CP",
        "csms_url": "ws://cs/",
        "security_profile": 0,
        "connected": connected,
        "registration_status": "Accepted",
        "registration_state": "Accepted",
        "simulator": True,
        "connectors": [
            {
                "connector_id": 1,
                "status": status,
                "error_code": error,
                "transaction_id": None,
                "plugged": False,
                "power_w": 7400.0,
                "session_wh": 1234.0,
                "started_at": (T0 - timedelta(minutes=5, seconds=3)).isoformat(),
                "id_tag": "TAG",
                "simulator": None,
            }
        ],
    }


def test_it_remembers_since_when_the_station_is_disconnected():
    state = live.LiveState()
    state.observe(view(connected=True), [], T0)
    state.observe(view(connected=False), [ConnectionStateChanged(connected=False)], T0 + timedelta(minutes=3))
    status = state.status(view(connected=False))
    assert status["connection_since"] == (T0 + timedelta(minutes=3)).isoformat()
    assert status["events"][0]["text"] == "Connection to the central system lost"
    assert status["events"][0]["level"] == "warning"
    # a status read elsewhere with another connection state has no "since"
    assert state.status(view(connected=True))["connection_since"] is None


def test_it_logs_status_changes_and_events_newest_first():
    state = live.LiveState()
    state.observe(view(), [], T0)  # the baseline logs nothing
    assert not state.events
    state.observe(view(status="Faulted", error="GroundFailure"), [], T0 + timedelta(seconds=1))
    state.observe(
        view(status="Faulted", error="GroundFailure"),
        [
            RegistrationChanged(state="Accepted", status="Accepted", interval=60),
            MessageDropped(action="Heartbeat", unique_id="1", reason="connection lost"),
        ],
        T0 + timedelta(seconds=2),
    )
    texts = [e["text"] for e in state.events]
    assert texts == [
        "Heartbeat dropped: connection lost",
        "Registration Accepted (heartbeat every 60 s)",
        "Connector 1: Available → Faulted (GroundFailure)",
    ]
    assert state.events[-1]["level"] == "error"


def test_it_keeps_a_bounded_event_log():
    state = live.LiveState()
    for i in range(live.EVENT_LOG_SIZE + 5):
        state.log("info", f"event {i}", T0)
    assert len(state.events) == live.EVENT_LOG_SIZE
    assert state.events[0]["text"] == f"event {live.EVENT_LOG_SIZE + 4}"


def test_it_learns_from_traced_frames():
    state = live.LiveState()
    answer = TraceRecord(
        time=T0, direction="in", message_type="CALLRESULT", payload='[3,"1",{}]', action="Heartbeat", unique_id="1"
    )
    state.observe_frame(answer)
    assert state.last_heartbeat == T0 and state.last_frame == T0
    assert not state.events  # routine traffic is not an event
    error = TraceRecord(
        time=T0, direction="in", message_type="CALLERROR", payload="[]", action="Authorize", error_code="InternalError"
    )
    state.observe_frame(error)
    reset = TraceRecord(time=T0, direction="in", message_type="CALL", payload="[]", action="Reset")
    state.observe_frame(reset)
    assert [e["text"] for e in state.events] == [
        "Central system sent Reset",
        "CALLERROR InternalError from the central system (Authorize)",
    ]


def test_it_presents_a_status_for_the_templates():
    status = live.LiveState().status(view(), T0)
    context = live.present(status)
    card = context["connectors"][0]
    assert (card.power, card.energy, card.duration) == ("7.40 kW", "1.234 kWh", "0:05:03")
    assert card.css_status == "available" and not card.has_error
    assert context["station"]["time"] == T0
    assert live.present(None)["station"] == {"running": False}


def test_it_reads_a_status_from_another_process():
    status = live.basic_status(
        {
            "charge_point_id": "CP",
            "connected": True,
            "registration_status": "Accepted",
            "connectors": [{"connector_id": 1, "status": "Charging", "error_code": "NoError", "plugged": True}],
        }
    )
    card = live.present(status)["connectors"][0]
    assert card.status == "Charging" and card.plugged is True and card.power == "—"


class RecordingLayer:
    def __init__(self, *, fail: bool = False) -> None:
        self.sent: list[dict[str, Any]] = []
        self.fail = fail
        self.gate = asyncio.Event()

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        await self.gate.wait()
        if self.fail:
            raise ConnectionError("redis is down")
        self.sent.append(message)


async def test_it_merges_publications_that_wait(monkeypatch):
    layer = RecordingLayer()
    monkeypatch.setattr("channels.layers.get_channel_layer", lambda *args: layer)
    publisher = live._Publisher()
    built: list[int] = []

    def status(n: int) -> Any:
        def make() -> dict[str, Any]:
            built.append(n)
            return {"n": n}

        return make

    publisher.push(status(1), trace=False)
    await asyncio.sleep(0)  # the first is being sent
    publisher.push(status(2), trace=True)
    publisher.push(status(3), trace=False)
    layer.gate.set()
    assert publisher._task is not None
    await publisher._task
    assert layer.sent == [
        {"type": "dashboard.update", "status": {"n": 1}, "trace": False},
        {"type": "dashboard.update", "status": {"n": 3}, "trace": True},
    ]
    assert built == [1, 3], "a status superseded before its turn is never built"


async def test_it_publishes_at_most_once_per_interval(monkeypatch):
    layer = RecordingLayer()
    layer.gate.set()
    monkeypatch.setattr("channels.layers.get_channel_layer", lambda *args: layer)
    publisher = live._Publisher()
    loop = asyncio.get_running_loop()
    sent_at: list[float] = []

    def make(n: int) -> Any:
        def build() -> dict[str, Any]:
            sent_at.append(loop.time())
            return {"n": n}

        return build

    publisher.push(make(1), trace=False)
    assert publisher._task is not None
    await publisher._task  # the first after a quiet spell goes at once
    publisher.push(make(2), trace=False)
    publisher.push(make(3), trace=True)
    await publisher._task
    assert [m["status"] for m in layer.sent] == [{"n": 1}, {"n": 3}]
    assert sent_at[1] - sent_at[0] >= live.MIN_INTERVAL


async def test_it_survives_a_status_that_cannot_be_built(monkeypatch, caplog):
    layer = RecordingLayer()
    layer.gate.set()
    monkeypatch.setattr("channels.layers.get_channel_layer", lambda *args: layer)
    publisher = live._Publisher()

    def broken() -> dict[str, Any]:
        raise KeyError("connectors")

    publisher.push(broken, trace=False)
    assert publisher._task is not None
    await publisher._task
    assert layer.sent == [] and "cannot build the station's status" in caplog.text


async def test_it_never_lets_a_failing_layer_reach_the_station(monkeypatch, caplog):
    layer = RecordingLayer(fail=True)
    layer.gate.set()
    monkeypatch.setattr("channels.layers.get_channel_layer", lambda *args: layer)
    publisher = live._Publisher()
    publisher.push(lambda: {"n": 1}, trace=False)
    assert publisher._task is not None
    await publisher._task
    assert "dashboard update not published: ConnectionError" in caplog.text


def test_it_never_raises_from_the_station_hooks(caplog):
    live.station_changed(object())  # type: ignore[arg-type]
    assert "cannot publish the station's state" in caplog.text


# --- charts --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "ceiling"), [(0, 1), (0.7, 1), (7.4, 10), (11, 20), (2.1, 2.5), (300, 500)])
def test_it_rounds_axes_up(value, ceiling):
    assert charts.nice_ceiling(value) == ceiling


def test_it_draws_an_accessible_line_chart():
    points = [(T0 + timedelta(minutes=i), Decimal(1000 * i)) for i in range(4)]
    svg = str(charts.line_chart(points, title="Power <kW>", unit="kW", scale=0.001))
    assert svg.startswith('<svg class="chart " viewBox="0 0 640 220" role="img"')
    assert "<title" in svg and "Power &lt;kW&gt;" in svg and "<desc" in svg
    assert "peak 3 kW" in svg and "<polyline" in svg
    assert "http" not in svg.replace("http://www.w3.org", "")  # nothing fetched


def test_it_says_when_there_is_nothing_to_draw():
    assert "no readings" in str(charts.line_chart([], title="Energy", unit="kWh"))


# --- what the dashboard's engine queries answer, as it travels -----------------------------------


def test_a_query_answer_comes_back_as_it_was_sent():
    from station.dashboard.station_queries import decode, encode

    value = {
        "time": datetime(2026, 3, 1, 12, 0, 0, 250000, tzinfo=UTC),
        "limit": Decimal("16.5"),
        "items": [1, "x", None, True],
        "looks_tagged": {"__datetime__": "2026-03-01T12:00:00+00:00", "extra": 1},  # not a lone tag
    }
    assert decode(encode(value)) == value
    assert decode(encode((1, 2))) == [1, 2]
    with pytest.raises(TypeError, match="a dashboard query answered a value of type object, which JSON cannot carry"):
        encode(object())


# --- times -------------------------------------------------------------------------------------


def test_a_time_is_written_in_utc_for_the_browser_to_convert():
    from datetime import timezone

    from django.template import TemplateSyntaxError

    from station.dashboard.templatetags.dashboard_tags import at

    paris = timezone(timedelta(hours=1))
    written = at(datetime(2026, 3, 1, 13, 0, 5, 123456, tzinfo=paris), "Y-m-d H:i:s.v")
    assert written == (
        '<time datetime="2026-03-01T12:00:05.123+00:00" data-fmt="Y-m-d H:i:s.v">2026-03-01 12:00:05.123</time>'
    )
    assert at(T0, "H:i") == '<time datetime="2026-03-01T12:00:00.000+00:00" data-fmt="H:i">12:00</time>'
    assert at(None) == "" and at("2026-03-01") == ""
    with pytest.raises(TemplateSyntaxError, match="unknown time format 'D, d M'"):
        at(T0, "D, d M")

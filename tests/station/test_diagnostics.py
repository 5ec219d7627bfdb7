"""The diagnostics bundle (station/diagnostics.py): the message trace and the application log
within startTime/stopTime, the configuration with its secrets masked, the hardware's own logs."""

from __future__ import annotations

import json
import logging
import logging.handlers
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from station import diagnostics
from station.diagnostics import UtcFormatter, build_bundle, log_lines
from station.models import TraceEntry

T0 = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def stamp(minutes: float) -> str:
    return at(minutes).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def frame(minutes: float, unique_id: str, action: str = "Heartbeat") -> TraceEntry:
    return TraceEntry(
        time=at(minutes),
        direction="out",
        message_type="CALL",
        action=action,
        unique_id=unique_id,
        payload=json.dumps([2, unique_id, action, {}]),
    )


def write_log(path: Path, lines: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")


def bundle(tmp_path: Path, start: datetime | None, stop: datetime | None, **overrides: Any) -> zipfile.ZipFile:
    target = tmp_path / "out" / "diagnostics-CP1.zip"
    arguments: dict[str, Any] = {
        "start": start,
        "stop": stop,
        "created": at(100),
        "identity": {"charge_point_id": "CP1", "firmware_version": "1.0.0"},
        "configuration": {"Security": {"AuthorizationKey": "***"}},
        "hardware": {"simulator.json": b"{}"},
        "log_file": tmp_path / "logs" / "station.log",
        **overrides,
    }
    build_bundle(target, **arguments)
    assert [p.name for p in target.parent.iterdir()] == [target.name]  # no .part left
    return zipfile.ZipFile(target)


@pytest.mark.django_db
def test_it_bundles_the_trace_and_the_log_within_the_window(tmp_path):
    TraceEntry.objects.bulk_create(
        [frame(-10, "before"), frame(0, "start"), frame(5, "inside"), frame(10, "stop"), frame(11, "after")]
    )
    write_log(
        tmp_path / "logs" / "station.log",
        [
            f"{stamp(-1)} INFO station.station: too early",
            f"{stamp(1)} WARNING station.station: inside",
            "Traceback (most recent call last):",
            '  File "x.py", line 1, in <module>',
            f"{stamp(10)} INFO ocpp_core.aio: at the stop time",
            f"{stamp(10.5)} INFO station.station: too late",
            "a continuation of a line outside",
        ],
    )
    with bundle(tmp_path, at(0), at(10)) as zipped:
        assert sorted(zipped.namelist()) == [
            "configuration.json",
            "hardware/simulator.json",
            "manifest.json",
            "station.log",
            "trace.jsonl",
        ]
        trace = [json.loads(line) for line in zipped.read("trace.jsonl").decode().splitlines()]
        assert [f["unique_id"] for f in trace] == ["start", "inside", "stop"]
        assert trace[0]["payload"] == [2, "start", "Heartbeat", {}]
        log = zipped.read("station.log").decode().splitlines()
        assert log == [
            f"{stamp(1)} WARNING station.station: inside",
            "Traceback (most recent call last):",
            '  File "x.py", line 1, in <module>',
            f"{stamp(10)} INFO ocpp_core.aio: at the stop time",
        ]
        manifest = json.loads(zipped.read("manifest.json"))
        assert manifest["charge_point_id"] == "CP1" and manifest["firmware_version"] == "1.0.0"
        assert (manifest["start_time"], manifest["stop_time"]) == ("2026-03-01T12:00:00Z", "2026-03-01T12:10:00Z")
        assert manifest["members"]["trace.jsonl"] == {"frames": 3, "frames_left_out": 0}
        assert manifest["members"]["station.log"] == {"lines": 4, "lines_left_out": 0}
        assert json.loads(zipped.read("configuration.json")) == {"Security": {"AuthorizationKey": "***"}}


@pytest.mark.django_db
def test_it_takes_everything_without_a_window_and_reads_the_rotated_logs_oldest_first(tmp_path):
    TraceEntry.objects.bulk_create([frame(-10, "a"), frame(11, "b")])
    log = tmp_path / "logs" / "station.log"
    write_log(log.with_name("station.log.2"), [f"{stamp(-30)} INFO x: oldest"])
    write_log(log.with_name("station.log.1"), [f"{stamp(-20)} INFO x: older"])
    write_log(log, [f"{stamp(-10)} INFO x: newest"])
    with bundle(tmp_path, None, None) as zipped:
        assert [json.loads(line)["unique_id"] for line in zipped.read("trace.jsonl").decode().splitlines()] == [
            "a",
            "b",
        ]
        assert [line.rsplit(": ", 1)[1] for line in zipped.read("station.log").decode().splitlines()] == [
            "oldest",
            "older",
            "newest",
        ]
        assert json.loads(zipped.read("manifest.json"))["start_time"] is None


@pytest.mark.django_db
def test_it_makes_a_bundle_without_a_log_file(tmp_path):
    with bundle(tmp_path, at(0), at(1), log_file=None, hardware={}) as zipped:
        assert zipped.read("station.log") == b"" and zipped.read("trace.jsonl") == b""
        assert "hardware/simulator.json" not in zipped.namelist()


@pytest.mark.django_db
def test_it_keeps_the_newest_lines_when_the_log_is_too_big(tmp_path, monkeypatch):
    monkeypatch.setattr(diagnostics, "MAX_LOG_BYTES", 200)
    write_log(
        tmp_path / "logs" / "station.log", [f"{stamp(n)} INFO station.x: line {n:02d} " + "." * 20 for n in range(10)]
    )
    with bundle(tmp_path, None, None) as zipped:
        lines = zipped.read("station.log").decode().splitlines()
        manifest = json.loads(zipped.read("manifest.json"))
    kept = manifest["members"]["station.log"]["lines"]
    assert lines[0] == f"# {10 - kept} older lines of the window left out (size limit)"
    assert lines[-1].startswith(f"{stamp(9)} INFO station.x: line 09")
    assert 0 < kept < 10


@pytest.mark.django_db
def test_it_keeps_the_newest_frames_when_the_trace_is_too_long(tmp_path, monkeypatch):
    monkeypatch.setattr(diagnostics, "MAX_TRACE_FRAMES", 2)
    TraceEntry.objects.bulk_create([frame(n, f"f{n}") for n in range(5)])
    with bundle(tmp_path, None, None) as zipped:
        ids = [json.loads(line)["unique_id"] for line in zipped.read("trace.jsonl").decode().splitlines()]
        assert ids == ["f3", "f4"]
        assert json.loads(zipped.read("manifest.json"))["members"]["trace.jsonl"] == {"frames": 2, "frames_left_out": 3}


def test_it_formats_log_records_with_their_utc_time(tmp_path):
    record = logging.LogRecord("station.station", logging.INFO, __file__, 1, "hello %s", ("there",), None)
    record.created = T0.timestamp() + 0.25
    record.msecs = 250
    text = UtcFormatter(diagnostics.LOG_FORMAT).format(record)
    assert text == "2026-03-01T12:00:00.250Z INFO station.station: hello there"
    path = tmp_path / "station.log"
    path.write_text(text + "\n")
    assert list(log_lines(path, T0, T0 + timedelta(seconds=1))) == [text + "\n"]


def test_it_writes_the_application_log_where_the_bundle_reads_it():
    handlers = [h for h in logging.getLogger().handlers if isinstance(h, logging.handlers.RotatingFileHandler)]
    assert [Path(h.baseFilename) for h in handlers] == [settings.STATION_LOG_FILE]
    assert isinstance(handlers[0].formatter, UtcFormatter)


@pytest.mark.django_db
def test_it_masks_url_passwords_in_the_trace_and_the_log(tmp_path):
    location = "ftp://station:s3cret-pass@files.example/diag/"
    entry = frame(0, "cs-1", "GetDiagnostics")
    entry.direction, entry.payload = "in", json.dumps([2, "cs-1", "GetDiagnostics", {"location": location}])
    TraceEntry.objects.bulk_create([entry])
    write_log(tmp_path / "logs" / "station.log", [f"{stamp(0)} INFO station.station: ← GetDiagnostics {location}"])
    with bundle(tmp_path, None, None) as zipped:
        trace = zipped.read("trace.jsonl").decode()
        log = zipped.read("station.log").decode()
    assert "s3cret-pass" not in trace + log
    assert json.loads(trace)["payload"][3]["location"] == "ftp://station:***@files.example/diag/"
    assert "ftp://station:***@files.example/diag/" in log

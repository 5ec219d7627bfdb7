"""GetDiagnostics in the engine (OCPP 1.6 §5.9, §4.4; erratum 3.50), TriggerMessage of the
firmware and diagnostics status (§5.17, checklist #17), and the dashboard's ``status_view()``."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from ocpp_core.events import UploadDiagnostics
from ocpp_core.timeutil import format_datetime
from tests.ocpp_core.helpers import T0
from tests.ocpp_core.station_harness import StationHarness, station
from tests.ocpp_core.test_firmware import download_ok, downloads, play, reboot, seen, seen_run, update

LOCATION = "ftp://user:secret@files.example/upload/"


def get_diagnostics(h: StationHarness, unique_id: str = "cs-d", **extra: Any) -> list[list[Any]]:
    return h.call("GetDiagnostics", {"location": LOCATION, **extra}, unique_id)


def uploads(h: StationHarness) -> list[UploadDiagnostics]:
    return h.events_of(UploadDiagnostics)


def upload_outcome(h: StationHarness, error: str | None = None) -> list[str]:
    assert h.cp.firmware.upload_finished(uploads(h)[-1].ref, h.now, error=error)
    return play(h, h.flush())


def trigger(h: StationHarness, message: str) -> list[str]:
    return play(h, h.call("TriggerMessage", {"requestedMessage": message}, "cs-t"))


# -- GetDiagnostics --------------------------------------------------------------------------------
def test_it_names_the_file_then_uploads_it_once_and_reports_uploaded():
    h = station()
    start, stop = T0 - timedelta(hours=1), T0 - timedelta(minutes=1)
    frames = get_diagnostics(h, startTime=format_datetime(start), stopTime=format_datetime(stop))
    assert frames[0][:2] == [3, "cs-d"]
    assert frames[0][2] == {"fileName": "diagnostics-CP1-20260301T120000Z.zip"}
    assert play(h, frames[1:]) == ["Diagnostics Uploading"]
    (upload,) = uploads(h)
    assert (upload.location, upload.file_name, upload.attempt) == (LOCATION, frames[0][2]["fileName"], 1)
    assert (upload.start_time, upload.stop_time) == (start, stop)
    assert upload_outcome(h) == ["Diagnostics Uploaded"]
    assert h.cp.firmware.diagnostics is None
    assert h.store.snapshot().feature_state["diagnostics"]["status"] == "Uploaded"


def test_it_retries_an_upload_after_the_interval_and_then_reports_upload_failed():
    h = station()
    h.play(get_diagnostics(h, retries=1, retryInterval=120))
    assert upload_outcome(h, "FTP: error_perm: 530 Login incorrect.") == []
    assert seen_run(h, 119) == [] and len(uploads(h)) == 1
    assert seen_run(h, 1) == []
    assert [u.attempt for u in uploads(h)] == [1, 2]
    assert upload_outcome(h, "FTP: error_perm: 530 Login incorrect.") == ["Diagnostics UploadFailed"]
    assert h.cp.firmware.next_deadline() is None


def test_it_refuses_a_stop_time_before_the_start_time():
    h = station()
    frames = get_diagnostics(h, startTime="2026-03-01T11:00:00Z", stopTime="2026-03-01T10:00:00Z")
    assert frames == [[4, "cs-d", "PropertyConstraintViolation", "GetDiagnostics: stopTime is before startTime", {}]]
    assert uploads(h) == [] and "diagnostics" not in h.store.snapshot().feature_state


def test_it_reports_upload_failed_for_a_scheme_it_does_not_support():
    h = station(sections={"FirmwareManagement": {"SupportedFileTransferProtocols": "FTP"}})
    frames = h.call("GetDiagnostics", {"location": "https://files.example/upload/"})
    assert "fileName" in frames[0][2]
    assert play(h, frames[1:]) == ["Diagnostics UploadFailed"]
    assert uploads(h) == []


def test_it_replaces_an_upload_under_way_with_a_new_request():
    h = station()
    h.play(get_diagnostics(h))
    first = uploads(h)[0]
    h.now += timedelta(seconds=5)
    assert seen(h.flush() + get_diagnostics(h, "cs-d2"))[0] == "conf ['fileName']"
    assert h.cp.firmware.upload_finished(first.ref, h.now) is False
    assert [u.attempt for u in uploads(h)] == [1, 1] and uploads(h)[1].file_name.endswith("120005Z.zip")


def test_it_uploads_again_after_a_restart_in_the_middle():
    h = station()
    h.play(get_diagnostics(h, retries=0))
    (first,) = uploads(h)
    h2 = h.restart()
    h2.play(h2.boot())
    (again,) = uploads(h2)
    assert again == first  # the same attempt, not counted twice
    assert h2.cp.firmware.upload_finished(again.ref, h2.now, error="refused")
    assert seen(h2.flush())[-1] == "Diagnostics UploadFailed"


# -- TriggerMessage ------------------------------------------------------------------------------
@pytest.mark.parametrize("message", ["FirmwareStatusNotification", "DiagnosticsStatusNotification"])
def test_it_reports_idle_when_nothing_ran(message):
    h = station()
    kind = message.removesuffix("StatusNotification")
    assert trigger(h, message) == ["conf Accepted", f"{kind} Idle"]


def test_it_reports_the_diagnostics_status_under_way_and_idle_after():
    h = station()
    h.play(get_diagnostics(h))
    assert trigger(h, "DiagnosticsStatusNotification")[1] == "Diagnostics Uploading"
    upload_outcome(h, None)
    assert trigger(h, "DiagnosticsStatusNotification")[1] == "Diagnostics Idle"
    assert h.cp.firmware.status_view()["diagnostics"]["status"] == "Uploaded"


def test_it_reports_the_firmware_status_of_each_phase():
    h = station()
    h.charging(1)
    update(h, retrieve=T0 + timedelta(minutes=1))
    assert trigger(h, "FirmwareStatusNotification")[1] == "Firmware Idle"  # waiting for retrieveDate
    seen_run(h, 60)
    assert trigger(h, "FirmwareStatusNotification")[1] == "Firmware Downloading"
    h.cp.firmware.download_finished(downloads(h)[0].ref, h.now, path="/fw.bin")
    h.play(h.flush())
    assert trigger(h, "FirmwareStatusNotification")[1] == "Firmware Downloaded"  # waits for the session
    h.play(h.token(1, "TAG1"))
    seen_run(h, 0)
    assert trigger(h, "FirmwareStatusNotification")[1] == "Firmware Installing"
    job = h.cp.firmware.firmware
    assert job is not None and job.ref is not None
    h.cp.firmware.install_finished(job.ref, h.now, version="2.0.0")
    h.play(h.flush())
    h2 = h.restart()
    (boot,) = h2.connect()
    frames = h2.settle(h2.answer(boot, {"status": "Accepted", "currentTime": "2026-03-01T12:00:00Z", "interval": 0}))
    assert seen(frames) == ["Firmware Installed"]  # not answered yet
    trigger_frames = h2.call("TriggerMessage", {"requestedMessage": "FirmwareStatusNotification"}, "cs-t")
    assert seen(trigger_frames) == ["conf Accepted"]  # queued behind the notification in flight
    assert seen(h2.answer(frames[0], {})) == ["Firmware Installed"]
    assert h2.cp.firmware.firmware is None  # the triggered one need not be answered: the job ended


# -- status_view -----------------------------------------------------------------------------------
def test_it_shows_the_job_under_way_and_the_history_newest_first():
    h = station()
    update(h, retries=2, retryInterval=10)
    h.now += timedelta(seconds=3)
    h.play(get_diagnostics(h))
    view = h.cp.firmware.status_view()
    firmware, diagnostics = view["firmware"], view["diagnostics"]
    assert firmware["status"] == "Downloading" and diagnostics["status"] == "Uploading"
    job = firmware["job"]
    assert job["phase"] == "Downloading" and job["location"].startswith("http://files.example/")
    assert job["attempts"] == "1 of 3" and job["retrieve_date"] == T0
    assert diagnostics["job"]["file_name"] == "diagnostics-CP1-20260301T120003Z.zip"
    history = view["history"]
    assert [(item["kind"], item["status"]) for item in history] == [
        ("diagnostics", "Uploading"),
        ("firmware", "Downloading"),
        ("firmware", "Scheduled"),
    ]
    assert all(isinstance(item["time"], datetime) for item in history)
    assert history[0]["time"] == T0 + timedelta(seconds=3)


def test_it_keeps_the_status_and_history_over_a_restart():
    h = station()
    update(h, retries=0)
    h.cp.firmware.download_finished(downloads(h)[0].ref, h.now, error="HTTP 404 Not Found")
    h.play(h.flush())
    h2, _, _ = reboot(h)
    view = h2.cp.firmware.status_view()
    assert view["firmware"] == {"status": "DownloadFailed", "job": None}
    assert view["history"][0]["detail"] == "attempt 1 of 1: HTTP 404 Not Found"


def test_it_reports_the_downloaded_image_it_was_given():
    h = station()
    update(h)
    download_ok(h, path="/data/firmware/x/fw.bin")
    assert h.cp.firmware.status_view()["firmware"]["job"]["path"] == "/data/firmware/x/fw.bin"

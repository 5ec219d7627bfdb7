"""Firmware updates in the engine (OCPP 1.6 §5.19, §4.5; ocpp16-spec.md §1.5; libocpp-inventory
§9.4): UpdateFirmware → Downloading → Downloaded → (sessions end, connectors Unavailable) →
Installing → reboot → Installed; retries, retrieveDate, failures, restarts in the middle.

The transfers and the installation are played by the test: it reads the engine's
``DownloadFirmware`` events and ``InstallFirmware`` commands and reports their outcome back with
``cp.firmware.download_finished`` / ``install_finished``, as the station does.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from ocpp_core.commands import DisableConnector, EnableConnector, InstallFirmware, ResetStation
from ocpp_core.events import DownloadFirmware
from ocpp_core.firmware import DEFAULT_RETRIES, DEFAULT_RETRY_INTERVAL, Phase
from ocpp_core.timeutil import format_datetime
from tests.ocpp_core.helpers import T0
from tests.ocpp_core.station_harness import StationHarness, describe, station

LOCATION = "http://files.example/fw/firmware-2.0.bin"


def seen(frames: list[list[Any]]) -> list[str]:
    """describe(), with the status of the firmware/diagnostics notifications."""
    out = []
    for frame in frames:
        text = describe(frame)
        if frame[0] == 2 and frame[2] in ("FirmwareStatusNotification", "DiagnosticsStatusNotification"):
            text = f"{frame[2].removesuffix('StatusNotification')} {frame[3]['status']}"
        out.append(text)
    return out


def play(h: StationHarness, frames: list[list[Any]]) -> list[str]:
    """Answer every CALL like a cooperative central system; what went on the wire, described."""
    start = len(h.wire) - len(frames)
    h.play(frames)
    return seen(h.wire[start:])


def update(h: StationHarness, *, retrieve: datetime | None = None, unique_id: str = "cs-u", **extra: Any) -> list[str]:
    payload = {"location": LOCATION, "retrieveDate": format_datetime(retrieve or h.now), **extra}
    return play(h, h.call("UpdateFirmware", payload, unique_id))


def downloads(h: StationHarness) -> list[DownloadFirmware]:
    return h.events_of(DownloadFirmware)


def installs(h: StationHarness) -> list[InstallFirmware]:
    return h.commands_of(InstallFirmware)


def download_ok(h: StationHarness, path: str = "/data/firmware/fw-1-1/firmware-2.0.bin") -> list[str]:
    assert h.cp.firmware.download_finished(downloads(h)[-1].ref, h.now, path=path)
    return play(h, h.flush()) + seen_run(h, 0)


def download_fails(h: StationHarness, error: str = "HTTP 404 Not Found") -> list[str]:
    assert h.cp.firmware.download_finished(downloads(h)[-1].ref, h.now, error=error)
    return play(h, h.flush())


def seen_run(h: StationHarness, seconds: float) -> list[str]:
    start = len(h.wire)
    h.run(seconds)
    return seen(h.wire[start:])


def install(h: StationHarness, *, version: str | None = "2.0.0", error: str | None = None) -> list[str]:
    assert h.cp.firmware.install_finished(installs(h)[-1].ref, h.now, version=version, error=error)
    return play(h, h.flush())


def scheduled(h: StationHarness, n: int) -> bool | None:
    """The availability change waiting for the end of connector ``n``'s session."""
    return h.cp.sessions.sessions[n].scheduled


def firmware_state(h: StationHarness) -> dict[str, Any]:
    return h.store.snapshot().feature_state["firmware"]


def reboot(h: StationHarness) -> tuple[StationHarness, dict[str, Any], list[str]]:
    """Power cycle: a new station from the store; its BootNotification and what followed it."""
    h2 = h.restart()
    (boot,) = h2.connect()
    after = h2.answer(boot, {"status": "Accepted", "currentTime": "2026-03-01T12:00:00Z", "interval": 86400})
    return h2, boot[3], play(h2, after)


# -- the whole way ---------------------------------------------------------------------------------
def test_it_downloads_installs_reboots_and_reports_installed_after_the_boot():
    h = station()
    assert update(h) == ["conf []", "Firmware Downloading"]
    (attempt,) = downloads(h)
    assert (attempt.location, attempt.attempt) == (LOCATION, 1)

    assert download_ok(h) == [
        "Firmware Downloaded",
        "SN 1 Unavailable",
        "SN 2 Unavailable",
        "Firmware Installing",
    ]
    assert [c.connector_id for c in h.commands_of(DisableConnector)] == [1, 2]
    (command,) = installs(h)
    assert command.path == "/data/firmware/fw-1-1/firmware-2.0.bin"
    assert h.events_of(ResetStation) == []

    assert install(h, version="2.0.0") == []
    assert h.events_of(ResetStation) == [ResetStation(kind="Hard")]
    assert firmware_state(h)["job"]["phase"] == Phase.REBOOTING

    h2, boot, after = reboot(h)
    assert boot["firmwareVersion"] == "2.0.0"
    assert h2.cp.boot_reason == "FirmwareUpdate"
    assert after == ["SN 0 Available", "SN 1 Available", "SN 2 Available", "Firmware Installed"]
    assert [c.connector_id for c in h2.commands_of(EnableConnector)] == [1, 2]
    assert h2.cp.firmware.firmware is None and firmware_state(h2)["job"] is None
    view = h2.cp.firmware.status_view()
    assert view["firmware"] == {"status": "Installed", "job": None}
    assert [item["status"] for item in view["history"]][:3] == ["Installed", "Installed, rebooting", "Installing"]


def test_it_sends_the_install_command_only_once_installing_was_answered():
    h = station()
    update(h)
    assert h.cp.firmware.download_finished(downloads(h)[-1].ref, h.now, path="/fw.bin")
    frames = h.flush()
    while frames and not (frames[0][0] == 2 and frames[0][2] == "FirmwareStatusNotification"):
        frames = frames[1:] + h.answer(frames[0], {})
    downloaded = frames[0]
    frames = h.answer(downloaded, {})
    frames += h.advance(0)
    while frames and frames[0][2] == "StatusNotification":
        frames = frames[1:] + h.answer(frames[0], {})
    (installing,) = frames
    assert installing[3] == {"status": "Installing"}
    assert installs(h) == []
    h.answer(installing, {})
    assert len(installs(h)) == 1


def test_it_installs_at_once_when_installing_cannot_be_told():
    h = station()
    update(h)
    h.disconnect()
    h.cp.firmware.download_finished(downloads(h)[-1].ref, h.now, path="/fw.bin")
    h.advance(0)
    assert len(installs(h)) == 1
    install(h)
    assert h.events_of(ResetStation) == [ResetStation(kind="Hard")]


# -- retrieveDate and retries ----------------------------------------------------------------------
def test_it_waits_for_a_retrieve_date_in_the_future():
    h = station()
    later = T0 + timedelta(hours=2)
    assert update(h, retrieve=later) == ["conf []"]
    assert h.cp.firmware.next_deadline() == later
    assert seen_run(h, 7199) == [] and downloads(h) == []
    assert seen_run(h, 1) == ["Firmware Downloading"]
    assert downloads(h)[0].attempt == 1


def test_it_retries_a_failed_download_after_the_interval_and_then_gives_up():
    h = station()
    update(h, retries=2, retryInterval=60)
    assert download_fails(h) == []
    assert h.cp.firmware.next_deadline() == T0 + timedelta(seconds=60)
    assert seen_run(h, 59) == [] and len(downloads(h)) == 1
    assert seen_run(h, 1) == []  # Downloading was said once
    assert [d.attempt for d in downloads(h)] == [1, 2]
    assert download_fails(h) == []
    seen_run(h, 60)
    assert [d.attempt for d in downloads(h)] == [1, 2, 3]
    assert download_fails(h, "timed out") == ["Firmware DownloadFailed"]
    assert h.cp.firmware.firmware is None and h.cp.firmware.next_deadline() is None
    assert h.commands_of(DisableConnector) == []
    history = h.cp.firmware.status_view()["history"]
    assert history[0]["status"] == "DownloadFailed" and "attempt 3 of 3: timed out" in history[0]["detail"]


def test_it_retries_zero_times_when_told_so():
    h = station()
    update(h, retries=0)
    assert download_fails(h) == ["Firmware DownloadFailed"]


def test_it_chooses_the_retries_when_the_request_gives_none():
    h = station()
    update(h)
    download_fails(h)
    seen_run(h, DEFAULT_RETRY_INTERVAL)
    assert len(downloads(h)) == 2 == DEFAULT_RETRIES + 1
    assert download_fails(h) == ["Firmware DownloadFailed"]


def test_it_answers_download_failed_for_a_scheme_it_does_not_support():
    h = station(sections={"FirmwareManagement": {"SupportedFileTransferProtocols": "HTTP,HTTPS"}})
    payload = {"location": "ftp://files.example/fw.bin", "retrieveDate": format_datetime(h.now)}
    assert play(h, h.call("UpdateFirmware", payload)) == ["conf []", "Firmware DownloadFailed"]
    assert downloads(h) == []
    assert "FTP scheme" in h.cp.firmware.status_view()["history"][0]["detail"]


def test_it_refuses_negative_retries_and_changes_nothing():
    h = station()
    before = h.store.snapshot().feature_state
    frames = h.call("UpdateFirmware", {"location": LOCATION, "retrieveDate": format_datetime(h.now), "retries": -1})
    assert frames[0][0] == 4 and frames[0][2] == "PropertyConstraintViolation"
    assert "retries" in frames[0][3]
    assert h.store.snapshot().feature_state == before and h.cp.firmware.firmware is None


def test_it_ignores_an_outcome_it_does_not_wait_for():
    h = station()
    update(h)
    assert h.cp.firmware.download_finished("fw-9-9", h.now, path="/x") is False
    assert h.cp.firmware.install_finished(downloads(h)[0].ref, h.now) is False
    assert h.cp.firmware.upload_finished("diag-1-1", h.now) is False
    assert h.flush() == []


# -- installation ----------------------------------------------------------------------------------
def test_it_reports_installation_failed_and_gives_the_connectors_back():
    h = station()
    update(h)
    download_ok(h)
    assert install(h, error="the firmware image is corrupt") == [
        "Firmware InstallationFailed",
        "SN 1 Available",
        "SN 2 Available",
    ]
    assert h.events_of(ResetStation) == []
    assert h.cp.firmware.firmware is None
    assert h.store.snapshot().availability == {1: (True, None), 2: (True, None)}
    assert h.cp.firmware.status_view()["history"][0]["detail"] == "the firmware image is corrupt"


def test_it_waits_for_the_running_transaction_before_installing():
    h = station()
    h.charging(1)
    update(h)
    assert download_ok(h) == ["Firmware Downloaded", "SN 2 Unavailable"]
    assert installs(h) == []
    assert seen_run(h, 600) == [] and installs(h) == []  # looks again every few seconds

    stop = play(h, h.token(1, "TAG1"))
    assert stop[:2] == ["StopTransaction 1 Local", "SN 1 Finishing"]
    assert seen_run(h, 0) == ["Firmware Installing"]
    assert len(installs(h)) == 1
    assert play(h, h.unplug(1)) == ["SN 1 Unavailable"]  # the change scheduled meanwhile (F8)
    assert firmware_state(h)["job"]["taken"] == [1, 2]


def test_it_leaves_alone_a_connector_that_was_unavailable_before():
    h = station()
    h.play(h.call("ChangeAvailability", {"connectorId": 2, "type": "Inoperative"}))
    update(h)
    assert download_ok(h) == ["Firmware Downloaded", "SN 1 Unavailable", "Firmware Installing"]
    assert install(h, error="no") == ["Firmware InstallationFailed", "SN 1 Available"]
    assert h.store.snapshot().availability[2] == (False, None)


def test_it_records_no_version_the_adapter_cannot_tell():
    h = station()
    update(h)
    download_ok(h)
    install(h, version=None)
    h2, boot, after = reboot(h)
    assert boot["firmwareVersion"] == "1.0.0"
    assert after[-1] == "Firmware Installed"


# -- one job at a time -----------------------------------------------------------------------------
def test_it_replaces_a_scheduled_update_with_a_new_one():
    h = station()
    update(h, retrieve=T0 + timedelta(hours=1))
    update(h, retrieve=T0 + timedelta(hours=2), unique_id="cs-2")
    assert h.cp.firmware.next_deadline() == T0 + timedelta(hours=2)
    assert seen_run(h, 3600) == []
    assert seen_run(h, 3600) == ["Firmware Downloading"]
    assert len(downloads(h)) == 1


def test_it_gives_back_the_connectors_when_a_waiting_update_is_replaced():
    h = station()
    h.charging(1)
    update(h)
    download_ok(h)
    assert scheduled(h, 1) is False
    assert update(h, retrieve=T0 + timedelta(hours=1), unique_id="cs-2") == ["conf []", "SN 2 Available"]
    assert scheduled(h, 1) is None
    assert h.store.snapshot().availability == {1: (True, None), 2: (True, None)}


def test_it_ignores_a_new_update_during_the_installation():
    h = station()
    update(h)
    download_ok(h)
    assert update(h, unique_id="cs-2") == ["conf []"]
    assert h.cp.firmware.firmware is not None and h.cp.firmware.firmware.phase is Phase.INSTALLING
    assert h.cp.firmware.status_view()["history"][0]["status"] == "UpdateFirmware ignored"


# -- offline ---------------------------------------------------------------------------------------
def test_it_reports_the_latest_status_once_accepted_again():
    h = station()
    update(h)
    h.disconnect()
    download_fails(h, "network unreachable")
    seen_run(h, DEFAULT_RETRY_INTERVAL)
    assert download_fails(h) == []  # owed
    assert play(h, h.connect()) == ["SN 0 Available", "SN 1 Available", "SN 2 Available", "Firmware DownloadFailed"]


def test_it_says_installed_again_when_the_connection_dropped_before_the_answer():
    h = station()
    update(h)
    download_ok(h)
    install(h)
    h2 = h.restart()
    (boot,) = h2.connect()
    frames = h2.settle(
        h2.answer(boot, {"status": "Accepted", "currentTime": "2026-03-01T12:00:00Z", "interval": 86400})
    )
    assert seen(frames) == ["Firmware Installed"]
    h2.disconnect()
    assert h2.cp.firmware.firmware is not None  # not answered: still owed
    assert "Firmware Installed" in play(h2, h2.connect())
    assert h2.cp.firmware.firmware is None

"""An acknowledged UpdateFirmware survives a restart at every step (the job is journaled with
``FeatureStateSet``; each test restarts from the MemoryStore's snapshot, as a power cycle does)."""

from __future__ import annotations

from datetime import timedelta

from ocpp_core.commands import InstallFirmware, ResetStation
from ocpp_core.firmware import Phase
from tests.ocpp_core.helpers import T0
from tests.ocpp_core.station_harness import StationHarness, station
from tests.ocpp_core.test_firmware import download_fails, download_ok, downloads, play, seen_run, update


def restarted(h: StationHarness, *, after: float = 0) -> StationHarness:
    """The station after a power cycle of ``after`` seconds, booted and accepted again."""
    h2 = h.restart()
    h2.now += timedelta(seconds=after)
    h2.play(h2.boot(interval=86400))
    return h2


def test_it_keeps_a_scheduled_update_over_a_restart_and_downloads_at_the_retrieve_date():
    h = station()
    update(h, retrieve=T0 + timedelta(hours=1), retries=3, retryInterval=5)
    h2 = restarted(h, after=600)
    assert downloads(h2) == []
    assert h2.cp.firmware.next_deadline() == T0 + timedelta(hours=1)
    assert seen_run(h2, 3000) == ["Firmware Downloading"]
    (attempt,) = downloads(h2)
    job = h2.cp.firmware.firmware
    assert attempt.attempt == 1 and job is not None and job.retries == 3


def test_it_starts_an_update_whose_date_passed_while_the_station_was_down():
    h = station()
    update(h, retrieve=T0 + timedelta(minutes=5))
    h2 = h.restart()
    h2.now += timedelta(minutes=30)
    frames = h2.boot(interval=86400)
    assert "Firmware Downloading" in play(h2, frames) + seen_run(h2, 0)
    assert len(downloads(h2)) == 1


def test_it_makes_the_download_under_way_again_without_counting_it_twice():
    h = station()
    update(h, retries=1, retryInterval=30)
    download_fails(h)
    seen_run(h, 30)
    second = downloads(h)[-1]
    assert second.attempt == 2
    h2 = restarted(h)
    assert downloads(h2) == [second]
    assert download_fails(h2) == ["Firmware DownloadFailed"]


def test_it_keeps_the_retry_wait_over_a_restart():
    h = station()
    update(h, retries=1, retryInterval=300)
    download_fails(h)
    h2 = restarted(h, after=100)
    assert downloads(h2) == []
    assert h2.cp.firmware.next_deadline() == T0 + timedelta(seconds=300)
    seen_run(h2, 200)
    assert [d.attempt for d in downloads(h2)] == [2]


def test_it_installs_after_a_restart_while_it_waited_for_the_sessions():
    h = station()
    h.charging(1)
    update(h)
    download_ok(h)
    assert h.cp.firmware.firmware is not None and h.cp.firmware.firmware.phase is Phase.DOWNLOADED
    h2 = h.restart()
    frames = h2.connect()  # the transaction is closed (PowerLoss) on the way up
    frames = h2.answer(frames[0], {"status": "Accepted", "currentTime": "2026-03-01T12:00:00Z", "interval": 86400})
    wire = play(h2, frames) + seen_run(h2, 0)
    assert "StopTransaction 1 PowerLoss" in wire
    assert ("SN 1 Unavailable" in wire) and ("SN 2 Unavailable" in wire)
    assert "Firmware Installing" in wire
    (command,) = h2.commands_of(InstallFirmware)
    assert command.path == "/data/firmware/fw-1-1/firmware-2.0.bin"


def test_it_installs_again_when_the_station_went_down_during_the_installation():
    h = station()
    update(h)
    download_ok(h)
    (first,) = h.commands_of(InstallFirmware)
    h2 = restarted(h)
    assert h2.commands_of(InstallFirmware) == [first]
    assert h2.cp.firmware.install_finished(first.ref, h2.now, version="2.0.0")
    h2.play(h2.flush())
    assert h2.events_of(ResetStation) == [ResetStation(kind="Hard")]


def test_it_keeps_the_connectors_unavailable_until_the_reboot_after_the_installation():
    h = station()
    update(h)
    download_ok(h)
    h.cp.firmware.install_finished(h.commands_of(InstallFirmware)[0].ref, h.now, version="2.0.0")
    h.play(h.flush())
    snapshot = h.store.snapshot()
    assert snapshot.availability == {1: (False, None), 2: (False, None)}
    assert snapshot.feature_state["firmware"]["job"]["taken"] == [1, 2]
    assert snapshot.config_overlay["Internal"]["FirmwareVersion"] == "2.0.0"
    # the reboot itself: given back before the first StatusNotification
    h2 = StationHarness(h.data, snapshot, generation="b", now=h.now)
    h2.play(h2.boot(interval=86400))
    assert [(s["connectorId"], s["status"]) for s in h2.statuses] == [
        (0, "Available"),
        (1, "Available"),
        (2, "Available"),
    ]
    assert h2.store.snapshot().availability == {1: (True, None), 2: (True, None)}


def test_it_still_reports_a_status_owed_from_before_a_restart():
    h = station()
    update(h, retrieve=T0 + timedelta(seconds=10))
    h.disconnect()
    seen_run(h, 10)  # the download begins offline: Downloading is owed
    assert len(downloads(h)) == 1 and h.store.snapshot().feature_state["firmware"]["owed"] == "Downloading"
    h2 = h.restart()
    (boot,) = h2.connect()
    frames = h2.answer(boot, {"status": "Accepted", "currentTime": "2026-03-01T12:00:00Z", "interval": 86400})
    assert play(h2, frames) == ["SN 0 Available", "SN 1 Available", "SN 2 Available", "Firmware Downloading"]
    assert h2.store.snapshot().feature_state["firmware"]["owed"] is None
    assert download_ok(h2)[0] == "Firmware Downloaded"


def test_it_reports_again_a_status_the_station_died_with_before_its_answer():
    """The normal queue is not kept over a restart: a notification sent but not yet answered is
    sent again once the restarted station is accepted (at least once, never lost)."""
    h = station()
    frames = h.call(
        "UpdateFirmware", {"location": "http://files.example/fw.bin", "retrieveDate": "2026-03-01T12:00:00Z"}, "cs-u"
    )
    assert [f[2] for f in frames if f[0] == 2] == ["FirmwareStatusNotification"]  # not answered
    assert h.store.snapshot().feature_state["firmware"]["unanswered"] == "Downloading"
    h2 = h.restart()
    (boot,) = h2.connect()
    frames = h2.answer(boot, {"status": "Accepted", "currentTime": "2026-03-01T12:00:00Z", "interval": 86400})
    assert play(h2, frames)[-1] == "Firmware Downloading"
    assert h2.store.snapshot().feature_state["firmware"]["unanswered"] is None

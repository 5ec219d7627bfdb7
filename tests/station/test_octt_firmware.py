"""OCTT Firmware Management cases, end to end: module 20 (TC_044_1/2/3 firmware update, TC_045_1/2
get diagnostics), ``ocpp16-spec.md`` §5.2 and §1.5.

The real station (``runstation`` in a subprocess, the simulator as its hardware) against the
independent test central system, with real file servers on loopback: pyftpdlib for FTP and
``http.server`` for HTTP (the helpers of ``test_transfers.py``). The simulator installs an image
whose first line is ``SIMFW <version>`` and reports that version; an image with a broken header
fails to install. After an installation the station reboots in-process (a new connection and
BootNotification) and reports the new firmwareVersion.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from ocpp.v16 import call

from tests import csms as _csms
from tests.csms import Frame, TestCentralSystem
from tests.station import octt
from tests.station.octt import CP_ID, boot_accepted, calls, last_seq, running_station, status_of, wait_answer
from tests.station.test_transfers import PASSWORD, USER, FtpSite, HttpSite, ftp_serving, serving

csms = _csms.csms
migrated_template = octt.migrated_template

FIRMWARE = "FirmwareStatusNotification"
DIAGNOSTICS = "DiagnosticsStatusNotification"
IMAGE = b"SIMFW 2.0.0-octt\n" + b"\x00\x01firmware payload" * 4096


@pytest.fixture
def ftp_site(tmp_path: Path) -> Iterator[FtpSite]:
    with ftp_serving(tmp_path / "ftp") as site:
        yield site


@pytest.fixture
def http_site() -> Iterator[HttpSite]:
    with serving(HttpSite()) as site:
        yield site


def a_moment_ago() -> str:
    return (datetime.now(UTC) - timedelta(seconds=5)).isoformat()


async def notified(csms: TestCentralSystem, action: str, count: int, *, timeout: float = 15) -> list[str]:  # noqa: ASYNC109
    """The statuses of the next ``count`` notifications of ``action``, in order."""
    frames = [await csms.wait_for(action, cp_id=CP_ID, message_type=2, timeout=timeout) for _ in range(count)]
    return [f.payload["status"] for f in frames]


async def conf_then(csms: TestCentralSystem, request: Any, action: str) -> tuple[Any, Frame]:
    """Send ``request``; its result, and the first ``action`` notification, which follows the .conf."""
    mark = last_seq(csms)
    result = await csms.call(CP_ID, request)
    conf = next(f for f in csms.received(cp_id=CP_ID) if f.message_type == 3 and f.seq > mark)
    first = await csms.wait_frame(lambda f: f.action == action and f.message_type == 2 and f.seq > mark, timeout=15)
    assert conf.seq < first.seq, f"{action} came before the .conf"
    return result, first


# --------------------------------------------------------------------------------------- module 20


async def test_it_tc_044_1_firmware_update_download_and_install(tmp_path, csms, migrated_template, ftp_site):
    """UpdateFirmware(location, retrieveDate) → conf → FirmwareStatusNotification Downloading →
    Downloaded → Installing → (reboot → BootNotification) → Installed."""
    (ftp_site.root / "fw").mkdir()
    (ftp_site.root / "fw" / "firmware-2.0.bin").write_bytes(IMAGE)
    async with running_station(tmp_path, csms, migrated_template) as station:
        boot = await boot_accepted(csms)
        assert boot.payload["firmwareVersion"] == "0.1.0"
        protocols = await csms.call(CP_ID, call.GetConfiguration(key=["SupportedFileTransferProtocols"]))
        assert protocols.configuration_key[0]["value"] == "FTP,FTPS,HTTP,HTTPS"

        first_connection = await csms.wait_connected(CP_ID)
        request = call.UpdateFirmware(location=ftp_site.url("/fw/firmware-2.0.bin"), retrieve_date=a_moment_ago())
        result, first = await conf_then(csms, request, FIRMWARE)
        assert result is not None and first.payload == {"status": "Downloading"}
        assert await notified(csms, FIRMWARE, 2) == ["Downloaded", "Installing"]
        downloaded = calls(csms, FIRMWARE)[1]
        unavailable = {status_of(f) for f in calls(csms, "StatusNotification", after=downloaded.seq)}
        assert {(1, "Unavailable"), (2, "Unavailable")} <= unavailable  # while the update waits/installs

        await csms.wait_disconnected(first_connection, timeout=15)  # the reboot
        boot = await boot_accepted(csms, timeout=15)
        assert boot.payload["firmwareVersion"] == "2.0.0-octt"
        installed = await csms.wait_for(FIRMWARE, cp_id=CP_ID, message_type=2, timeout=15)
        assert installed.payload == {"status": "Installed"} and installed.seq > boot.seq
        after_boot = {status_of(f) for f in calls(csms, "StatusNotification", after=boot.seq)}
        assert {(0, "Available"), (1, "Available"), (2, "Available")} <= after_boot

        await wait_answer(csms, installed)  # once Installed is acknowledged, the update is over
        idle = await csms.call(CP_ID, call.TriggerMessage(requested_message="FirmwareStatusNotification"))
        assert idle.status == "Accepted"
        assert await notified(csms, FIRMWARE, 1) == ["Idle"]
        assert not list((station.data_dir / "firmware").glob("*/*")), "the image was not removed"


async def test_it_tc_044_2_firmware_update_download_failed(tmp_path, csms, migrated_template, http_site):
    """UpdateFirmware(bad location) → Downloading → DownloadFailed (here after one retry)."""
    async with running_station(tmp_path, csms, migrated_template):
        await boot_accepted(csms)
        request = call.UpdateFirmware(
            location=http_site.url("/fw/missing.bin"), retrieve_date=a_moment_ago(), retries=1, retry_interval=1
        )
        _, first = await conf_then(csms, request, FIRMWARE)
        assert first.payload == {"status": "Downloading"}
        assert await notified(csms, FIRMWARE, 1) == ["DownloadFailed"]
        assert [r[:2] for r in http_site.requests] == [("GET", "/fw/missing.bin")] * 2  # 1 + 1 retry
        assert not [f for f in calls(csms, "StatusNotification") if f.payload["status"] == "Unavailable"]
        assert not [c for c in csms.connections if c.closed]  # no reboot


async def test_it_tc_044_3_firmware_update_installation_failed(tmp_path, csms, migrated_template, http_site):
    """→ Downloading → Downloaded → Installing → InstallationFailed (an image the hardware refuses);
    no reboot, the connectors are available again."""
    http_site.files["/fw/broken.bin"] = b"SIMFW\n" + IMAGE  # a SIMFW header without a version
    async with running_station(tmp_path, csms, migrated_template):
        await boot_accepted(csms)
        request = call.UpdateFirmware(location=http_site.url("/fw/broken.bin"), retrieve_date=a_moment_ago())
        _, first = await conf_then(csms, request, FIRMWARE)
        assert first.payload == {"status": "Downloading"}
        assert await notified(csms, FIRMWARE, 3) == ["Downloaded", "Installing", "InstallationFailed"]
        failed = calls(csms, FIRMWARE)[-1]
        for n in (1, 2):
            await csms.wait_frame(
                lambda f, n=n: (
                    f.action == "StatusNotification" and f.seq > failed.seq and status_of(f) == (n, "Available")
                )
            )
        version = await csms.call(CP_ID, call.GetConfiguration(key=["FirmwareVersion"]))
        assert version.configuration_key[0]["value"] == "0.1.0"
        assert not [c for c in csms.connections if c.closed]


async def test_it_tc_045_1_get_diagnostics(tmp_path, csms, migrated_template, ftp_site):
    """GetDiagnostics(location) → conf(fileName) → DiagnosticsStatusNotification Uploading → Uploaded;
    the file, in the directory named, holds the message trace and the application log."""
    (ftp_site.root / "diagnostics").mkdir()
    async with running_station(tmp_path, csms, migrated_template):
        await boot_accepted(csms)
        request = call.GetDiagnostics(location=ftp_site.url("/diagnostics/"))
        result, first = await conf_then(csms, request, DIAGNOSTICS)
        file_name = result.file_name
        assert file_name.startswith(f"diagnostics-{CP_ID}-") and file_name.endswith(".zip")
        assert first.payload == {"status": "Uploading"}
        assert await notified(csms, DIAGNOSTICS, 1) == ["Uploaded"]

        uploaded = ftp_site.root / "diagnostics" / file_name
        with zipfile.ZipFile(io.BytesIO(uploaded.read_bytes())) as bundle:
            trace = [json.loads(line) for line in bundle.read("trace.jsonl").decode().splitlines()]
            actions = {frame["action"] for frame in trace}
            assert {"BootNotification", "StatusNotification", "GetDiagnostics"} <= actions
            manifest = json.loads(bundle.read("manifest.json"))
            assert manifest["charge_point_id"] == CP_ID and manifest["members"]["trace.jsonl"]["frames"] == len(trace)
            assert "station.log" in bundle.namelist() and "hardware/simulator.json" in bundle.namelist()
            for member in bundle.namelist():  # the location's password is in the trace: masked
                assert PASSWORD.encode() not in bundle.read(member), member


async def test_it_tc_045_2_get_diagnostics_upload_failed(tmp_path, csms, migrated_template, ftp_site):
    """GetDiagnostics(location refused) → (Uploading) → UploadFailed, after the retries asked for."""
    async with running_station(tmp_path, csms, migrated_template):
        await boot_accepted(csms)
        location = ftp_site.url("/diagnostics/", userinfo=f"{USER}:wrong-{PASSWORD}@")
        result, first = await conf_then(
            csms, call.GetDiagnostics(location=location, retries=1, retry_interval=2), DIAGNOSTICS
        )
        assert result.file_name and first.payload == {"status": "Uploading"}
        triggered = await csms.call(CP_ID, call.TriggerMessage(requested_message="DiagnosticsStatusNotification"))
        assert triggered.status == "Accepted"
        assert await notified(csms, DIAGNOSTICS, 2) == ["Uploading", "UploadFailed"]  # triggered while it tries
        assert list(ftp_site.root.rglob("*.zip")) == []

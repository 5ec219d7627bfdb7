"""OCTT Remote Trigger cases, end to end: module 22 (TC_054 trigger message, TC_055 rejected).

``ocpp16-spec.md`` §5.2, §1.5 (TriggerMessage) and checklist item 17. The station must write its
TriggerMessage.conf *before* the message it was asked for; the test central system records the
station's frames in the order they arrive (:attr:`TestCentralSystem.frames`), so each case
compares the sequence number of the .conf with that of the triggered CALL.

A triggered MeterValues carries the latest sample of the connector and is Rejected while there is
none; the simulator samples every second from its start. The station's clock-aligned meter values
(one MeterValues per connector with a sample) show when each connector has one, so TC_054 runs
with ``ClockAlignedDataInterval=1`` until both have reported, then turns it off and tells its
triggered values from any late clock-aligned one by their context (``Trigger``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ocpp.v16 import call

from tests import csms as _csms
from tests.csms import Frame, TestCentralSystem
from tests.station import octt
from tests.station.octt import (
    CP_ID,
    barrier,
    boot_accepted,
    calls,
    last_seq,
    running_station,
    status_of,
)

csms = _csms.csms
migrated_template = octt.migrated_template

SAMPLED = "Energy.Active.Import.Register,Power.Active.Import"
DIAGNOSTICS_STATUSES = {"Idle", "Uploaded", "UploadFailed", "Uploading"}
FIRMWARE_STATUSES = {
    "Downloaded",
    "DownloadFailed",
    "Downloading",
    "Idle",
    "InstallationFailed",
    "Installing",
    "Installed",
}


def sampled_values(frame: Frame) -> list[dict[str, Any]]:
    return [value for meter_value in frame.payload["meterValue"] for value in meter_value["sampledValue"]]


def is_call(action: str, after: int, match: Callable[[Frame], bool] = lambda f: True) -> Callable[[Frame], bool]:
    """A ``wait_frame`` predicate: a CALL of ``action`` after sequence number ``after`` that ``match``es."""
    return lambda f: f.action == action and f.message_type == 2 and f.seq > after and match(f)


def on_connector(n: int) -> Callable[[Frame], bool]:
    return lambda f: f.payload["connectorId"] == n


def is_triggered_meter_values(frame: Frame) -> bool:
    return all(value.get("context") == "Trigger" for value in sampled_values(frame))


async def trigger(csms: TestCentralSystem, requested: str, connector_id: int | None = None) -> tuple[str, Frame]:
    """TriggerMessage: the status answered and the station's CALLRESULT frame carrying it."""
    mark = last_seq(csms)
    result = await csms.call(CP_ID, call.TriggerMessage(requested_message=requested, connector_id=connector_id))
    conf = next(f for f in csms.received("TriggerMessage", cp_id=CP_ID) if f.message_type == 3 and f.seq > mark)
    return str(result.status), conf


async def triggered(
    csms: TestCentralSystem,
    requested: str,
    connector_id: int | None = None,
    *,
    count: int = 1,
    match: Callable[[Frame], bool] = lambda f: True,
) -> list[Frame]:
    """TriggerMessage → Accepted, then the ``count`` CALLs of ``requested`` it asked for, each after the .conf."""
    mark = last_seq(csms)
    status, conf = await trigger(csms, requested, connector_id)
    assert status == "Accepted", (requested, connector_id, status)
    frames = [await csms.wait_frame(is_call(requested, mark, match)) for _ in range(count)]
    for frame in frames:
        assert conf.seq < frame.seq, f"{requested}: the triggered CALL came before the TriggerMessage.conf"
    return frames


# --------------------------------------------------------------------------------------- module 22


async def test_it_tc_054_trigger_message(tmp_path, csms: TestCentralSystem, migrated_template):
    """TriggerMessage for each supported MessageTrigger (MeterValues, Heartbeat, StatusNotification,
    DiagnosticsStatusNotification, FirmwareStatusNotification; connectorId where relevant) →
    Accepted → the .conf is sent first, then the requested message (Diagnostics/Firmware status
    Idle when nothing is running)."""
    overrides = {"Core": {"ClockAlignedDataInterval": 1, "MeterValuesSampledData": SAMPLED}}
    async with running_station(tmp_path, csms, migrated_template, overrides=overrides):
        boot = await boot_accepted(csms)
        for n in (1, 2):
            await csms.wait_frame(is_call("MeterValues", boot.seq, on_connector(n)))
        changed = await csms.call(CP_ID, call.ChangeConfiguration(key="ClockAlignedDataInterval", value="0"))
        assert changed.status == "Accepted"
        await barrier(csms)

        (heartbeat,) = await triggered(csms, "Heartbeat")
        assert heartbeat.payload == {}

        (status,) = await triggered(csms, "StatusNotification", 1)
        assert status_of(status) == (1, "Available") and status.payload["errorCode"] == "NoError"
        every = await triggered(csms, "StatusNotification", count=3)
        assert sorted(status_of(f) for f in every) == [(0, "Available"), (1, "Available"), (2, "Available")]

        (meter,) = await triggered(csms, "MeterValues", 1, match=is_triggered_meter_values)
        assert meter.payload["connectorId"] == 1 and "transactionId" not in meter.payload, meter.payload
        assert {v.get("measurand", "Energy.Active.Import.Register") for v in sampled_values(meter)} == set(
            SAMPLED.split(",")
        )
        every = await triggered(csms, "MeterValues", count=2, match=is_triggered_meter_values)
        assert sorted(f.payload["connectorId"] for f in every) == [1, 2]

        (diagnostics,) = await triggered(csms, "DiagnosticsStatusNotification")
        assert diagnostics.payload["status"] in DIAGNOSTICS_STATUSES
        assert diagnostics.payload == {"status": "Idle"}, "no upload has run"
        (firmware,) = await triggered(csms, "FirmwareStatusNotification")
        assert firmware.payload["status"] in FIRMWARE_STATUSES
        assert firmware.payload == {"status": "Idle"}, "no firmware update has run"

        # Last: the central system's answer to it may make the station report its status again.
        (again,) = await triggered(csms, "BootNotification")
        assert again.payload == boot.payload


async def test_it_tc_055_trigger_message_rejected(tmp_path, csms: TestCentralSystem, migrated_template):
    """TriggerMessage that cannot be served (MeterValues / StatusNotification for a non-existing
    connectorId) → Rejected, and nothing is sent."""
    async with running_station(tmp_path, csms, migrated_template):
        await boot_accepted(csms)
        connectors = (await csms.call(CP_ID, call.GetConfiguration(key=["NumberOfConnectors"]))).configuration_key
        missing = int(connectors[0]["value"]) + 1
        mark = last_seq(csms)
        for requested in ("MeterValues", "StatusNotification"):
            status, conf = await trigger(csms, requested, missing)
            assert status == "Rejected", requested
            assert conf.payload == {"status": "Rejected"}
        await barrier(csms)
        assert calls(csms, after=mark) == []

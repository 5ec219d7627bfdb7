"""OCTT Core cases, end to end: the station process, the ocpp-package central system, the control API.

Module 01 (cold boot) and 02 (start charging session) of ``ocpp16-spec.md`` §5.2.
"""

from __future__ import annotations

import asyncio

import pytest
from ocpp.v16 import call

from tests import csms as _csms
from tests.csms import BootAnswer, TestCentralSystem
from tests.station import octt
from tests.station.octt import (
    CP_ID,
    boot_accepted,
    calls,
    parse_time,
    running_station,
    status_of,
    wait_answer,
    wait_status,
)

csms = _csms.csms
migrated_template = octt.migrated_template

pytestmark = pytest.mark.xdist_group("station-processes")


async def test_it_tc_001_cold_boot_rejected_then_accepted(tmp_path, csms: TestCentralSystem, migrated_template):
    csms.boot_answers.append(BootAnswer("Rejected", interval=1))
    csms.default_boot_answer = BootAnswer("Accepted", interval=2)
    async with running_station(tmp_path, csms, migrated_template):
        first = await csms.wait_for("BootNotification")
        second = await csms.wait_for("BootNotification")
        assert first.payload["chargePointVendor"] == "OpenStation"
        assert second.seq > first.seq
        statuses = [status_of(await csms.wait_for("StatusNotification")) for _ in range(3)]
        assert sorted(statuses) == [(0, "Available"), (1, "Available"), (2, "Available")]
        await csms.wait_for("Heartbeat")
        rejected_window = [f for f in csms.received(cp_id="CP-DEMO-1") if first.seq < f.seq < second.seq]
        assert rejected_window == []


async def test_it_tc_002_cold_boot_pending(tmp_path, csms: TestCentralSystem, migrated_template):
    """Pending: the station answers Get/ChangeConfiguration, sends nothing of its own, boots again after the interval."""
    csms.boot_answers.append(BootAnswer("Pending", interval=2))
    csms.default_boot_answer = BootAnswer("Accepted", interval=300)
    loop = asyncio.get_running_loop()
    async with running_station(tmp_path, csms, migrated_template) as station:
        first = await csms.wait_for("BootNotification")
        await wait_answer(csms, first)
        pending_since = loop.time()
        body = await station.wait_until(lambda b: b["registration_status"] == "Pending", what="Pending")
        assert body["connected"] is True

        config = await csms.call(CP_ID, call.GetConfiguration(key=["MeterValueSampleInterval"]))
        assert config.configuration_key == [{"key": "MeterValueSampleInterval", "readonly": False, "value": "10"}]
        changed = await csms.call(CP_ID, call.ChangeConfiguration(key="MeterValueSampleInterval", value="5"))
        assert changed.status == "Accepted"

        second = await csms.wait_for("BootNotification")
        assert loop.time() - pending_since >= 2 - 0.2, "the next BootNotification came before the Pending interval"
        for n in range(3):
            await wait_status(csms, n, "Available", after=second.seq)

        # While Pending the station only answered our CALLs: no request of its own.
        pending_window = [f for f in csms.received(cp_id=CP_ID) if first.seq < f.seq < second.seq]
        assert [(f.message_type, f.action) for f in pending_window] == [
            (3, "GetConfiguration"),
            (3, "ChangeConfiguration"),
        ]
        config = await csms.call(CP_ID, call.GetConfiguration(key=["MeterValueSampleInterval"]))
        assert config.configuration_key[0]["value"] == "5"


async def test_it_tc_003_regular_charging_session_plug_first(tmp_path, csms: TestCentralSystem, migrated_template):
    async with running_station(tmp_path, csms, migrated_template) as station:
        await wait_status(csms, 1, "Available")
        await station.plug(1)
        await wait_status(csms, 1, "Preparing")
        await station.token(1, "TAG-0001")
        authorize = await csms.wait_for("Authorize")
        assert authorize.payload == {"idTag": "TAG-0001"}
        start = await csms.wait_for("StartTransaction")
        assert start.payload["connectorId"] == 1 and start.payload["idTag"] == "TAG-0001"
        await wait_status(csms, 1, "Charging")
        body = await station.get("/api/v1/station")
        connector = body["connectors"][1]
        assert connector["status"] == "Charging" and connector["plugged"] is True
        assert connector["transaction_id"] is not None
        await station.token(1, "TAG-0001")
        stop = await csms.wait_for("StopTransaction")
        assert stop.payload["idTag"] == "TAG-0001" and "reason" not in stop.payload
        assert stop.payload["meterStop"] >= start.payload["meterStart"]
        await wait_status(csms, 1, "Finishing")
        await station.unplug(1)
        await wait_status(csms, 1, "Available")
        transactions = await station.get("/api/v1/transactions")
        assert transactions[0]["id_tag"] == "TAG-0001" and transactions[0]["acknowledged"] is True


async def test_it_tc_004_1_regular_charging_session_identification_first(
    tmp_path, csms: TestCentralSystem, migrated_template
):
    async with running_station(tmp_path, csms, migrated_template) as station:
        boot = await boot_accepted(csms)
        await station.token(1, "TAG-0001")
        authorize = await csms.wait_for("Authorize")
        assert authorize.payload == {"idTag": "TAG-0001"}
        preparing = await wait_status(csms, 1, "Preparing", after=boot.seq)
        assert preparing.seq > authorize.seq
        assert calls(csms, "StartTransaction") == []

        await station.plug(1)
        start = await csms.wait_for("StartTransaction")
        assert start.payload["connectorId"] == 1 and start.payload["idTag"] == "TAG-0001"
        assert isinstance(start.payload["meterStart"], int)
        charging = await wait_status(csms, 1, "Charging")  # StartTransaction and Charging: either order
        assert charging.payload["errorCode"] == "NoError"
        answer = await wait_answer(csms, start)
        connector = await station.connector(1)
        assert connector["status"] == "Charging" and connector["transaction_id"] == answer.payload["transactionId"]
        assert len(calls(csms, "Authorize")) == 1


async def test_it_tc_004_2_identification_first_connection_timeout(
    tmp_path, csms: TestCentralSystem, migrated_template
):
    overrides = {"Core": {"ConnectionTimeOut": 2}}
    async with running_station(tmp_path, csms, migrated_template, overrides=overrides) as station:
        boot = await boot_accepted(csms)
        await station.token(1, "TAG-0001")
        await csms.wait_for("Authorize")
        preparing = await wait_status(csms, 1, "Preparing", after=boot.seq)
        available = await wait_status(csms, 1, "Available", after=preparing.seq, timeout=2 + 5)
        waited = parse_time(available.payload["timestamp"]) - parse_time(preparing.payload["timestamp"])
        assert 2 - 0.2 <= waited.total_seconds() <= 2 + 1.5, waited
        assert calls(csms, "StartTransaction") == []
        connector_1 = [
            f for f in calls(csms, "StatusNotification", after=preparing.seq - 1) if f.payload["connectorId"] == 1
        ]
        assert [status_of(f) for f in connector_1] == [
            (1, "Preparing"),
            (1, "Available"),
        ]
        connector = await station.connector(1)
        assert connector["status"] == "Available" and connector["transaction_id"] is None
        assert await station.get("/api/v1/transactions") == []

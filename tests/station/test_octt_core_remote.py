"""OCTT Core cases, end to end: module 05 (remote actions, happy flow) and 12 (remote actions, non-happy).

``ocpp16-spec.md`` §5.2. TC_010 runs with ``AuthorizeRemoteTxRequests=false`` (the demo
configuration: no Authorize), TC_011_1 with ``true`` (Authorize before the start), so both branches
of the OCTT sequence are covered.
"""

from __future__ import annotations

from ocpp.v16 import call

from tests import csms as _csms
from tests.csms import TestCentralSystem
from tests.station import octt
from tests.station.octt import (
    CP_ID,
    barrier,
    boot_accepted,
    calls,
    last_seq,
    parse_time,
    running_station,
    start_charging,
    status_of,
    wait_answer,
    wait_status,
)

csms = _csms.csms
migrated_template = octt.migrated_template


# --------------------------------------------------------------------------------------- module 05


async def test_it_tc_010_remote_start_cable_plugged_in_first(tmp_path, csms: TestCentralSystem, migrated_template):
    async with running_station(tmp_path, csms, migrated_template) as station:
        await boot_accepted(csms)
        config = await csms.call(CP_ID, call.GetConfiguration(key=["AuthorizeRemoteTxRequests"]))
        assert config.configuration_key[0]["value"] == "false"
        mark = last_seq(csms)
        await station.plug(1)
        await wait_status(csms, 1, "Preparing", after=mark)
        result = await csms.call(CP_ID, call.RemoteStartTransaction(id_tag="TAG-REMOTE", connector_id=1))
        assert result.status == "Accepted"
        start = await csms.wait_for("StartTransaction")
        assert start.payload["idTag"] == "TAG-REMOTE" and start.payload["connectorId"] == 1
        await wait_status(csms, 1, "Charging", after=mark)
        assert calls(csms, "Authorize") == [], "AuthorizeRemoteTxRequests=false: no Authorize"
        answer = await wait_answer(csms, start)
        assert (await station.connector(1))["transaction_id"] == answer.payload["transactionId"]


async def test_it_tc_011_1_remote_start_remote_start_first(tmp_path, csms: TestCentralSystem, migrated_template):
    overrides = {"Core": {"AuthorizeRemoteTxRequests": True}}
    async with running_station(tmp_path, csms, migrated_template, overrides=overrides) as station:
        await boot_accepted(csms)
        config = await csms.call(CP_ID, call.GetConfiguration(key=["AuthorizeRemoteTxRequests"]))
        assert config.configuration_key[0]["value"] == "true"
        mark = last_seq(csms)
        result = await csms.call(CP_ID, call.RemoteStartTransaction(id_tag="TAG-REMOTE", connector_id=1))
        assert result.status == "Accepted"
        authorize = await csms.wait_for("Authorize")
        assert authorize.payload == {"idTag": "TAG-REMOTE"}
        await wait_status(csms, 1, "Preparing", after=mark)
        assert calls(csms, "StartTransaction") == []
        await station.plug(1)
        start = await csms.wait_for("StartTransaction")
        assert start.seq > authorize.seq
        assert start.payload["idTag"] == "TAG-REMOTE" and start.payload["connectorId"] == 1
        await wait_status(csms, 1, "Charging", after=mark)


async def test_it_tc_011_2_remote_start_time_out(tmp_path, csms: TestCentralSystem, migrated_template):
    overrides = {"Core": {"ConnectionTimeOut": 2}}
    async with running_station(tmp_path, csms, migrated_template, overrides=overrides) as station:
        await boot_accepted(csms)
        mark = last_seq(csms)
        result = await csms.call(CP_ID, call.RemoteStartTransaction(id_tag="TAG-REMOTE", connector_id=1))
        assert result.status == "Accepted"
        preparing = await wait_status(csms, 1, "Preparing", after=mark)
        available = await wait_status(csms, 1, "Available", after=preparing.seq, timeout=2 + 5)
        waited = parse_time(available.payload["timestamp"]) - parse_time(preparing.payload["timestamp"])
        assert 2 - 0.2 <= waited.total_seconds() <= 2 + 1.5, waited
        assert calls(csms, "StartTransaction") == []
        assert [status_of(f) for f in calls(csms, "StatusNotification", after=mark)] == [
            (1, "Preparing"),
            (1, "Available"),
        ]
        assert (await station.connector(1))["transaction_id"] is None


async def test_it_tc_012_remote_stop_charging_session(tmp_path, csms: TestCentralSystem, migrated_template):
    async with running_station(tmp_path, csms, migrated_template) as station:
        await boot_accepted(csms)
        charging = await start_charging(station, csms)
        mark = last_seq(csms)
        result = await csms.call(CP_ID, call.RemoteStopTransaction(transaction_id=charging.transaction_id))
        assert result.status == "Accepted"
        stop = await csms.wait_for("StopTransaction")
        assert stop.payload["reason"] == "Remote"
        assert stop.payload["transactionId"] == charging.transaction_id
        assert stop.payload["meterStop"] >= charging.start.payload["meterStart"]
        await wait_status(csms, 1, "Finishing", after=mark)  # either order with the StopTransaction
        transactions = await station.get("/api/v1/transactions")
        assert transactions[0]["reason"] == "Remote"


# --------------------------------------------------------------------------------------- module 12


async def test_it_tc_026_remote_start_rejected_connector_busy(tmp_path, csms: TestCentralSystem, migrated_template):
    async with running_station(tmp_path, csms, migrated_template) as station:
        await boot_accepted(csms)
        charging = await start_charging(station, csms)
        mark = last_seq(csms)
        result = await csms.call(CP_ID, call.RemoteStartTransaction(id_tag="TAG-OTHER", connector_id=1))
        assert result.status == "Rejected"
        await barrier(csms)
        assert calls(csms, after=mark) == []
        connector = await station.connector(1)
        assert connector["status"] == "Charging" and connector["transaction_id"] == charging.transaction_id


async def test_it_tc_027_remote_start_connector_zero_rejected(tmp_path, csms: TestCentralSystem, migrated_template):
    async with running_station(tmp_path, csms, migrated_template):
        await boot_accepted(csms)
        mark = last_seq(csms)
        result = await csms.call(CP_ID, call.RemoteStartTransaction(id_tag="TAG-REMOTE", connector_id=0))
        assert result.status == "Rejected"
        await barrier(csms)
        assert calls(csms, after=mark) == [], "nothing is prepared for a rejected remote start"


async def test_it_tc_028_remote_stop_unknown_transaction_rejected(tmp_path, csms: TestCentralSystem, migrated_template):
    async with running_station(tmp_path, csms, migrated_template) as station:
        await boot_accepted(csms)
        charging = await start_charging(station, csms)
        mark = last_seq(csms)
        result = await csms.call(CP_ID, call.RemoteStopTransaction(transaction_id=charging.transaction_id + 1000))
        assert result.status == "Rejected"
        await barrier(csms)
        assert calls(csms, after=mark) == []
        assert (await station.connector(1))["status"] == "Charging"

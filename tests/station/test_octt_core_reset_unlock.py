"""OCTT Core cases, end to end: module 06 (reset), 07 (unlocking) and 13 (unlocking, non-happy).

``ocpp16-spec.md`` §5.2. A Reset restarts the station in-process: the connection closes, a new one
opens and a new BootNotification follows, then StatusNotification for connector 0 and each
connector. The simulated hardware is rebuilt by the restart, so the EV of a transaction stopped by
the reset is no longer plugged afterwards (its connector reports Available).
"""

from __future__ import annotations

from ocpp.v16 import call

from tests import csms as _csms
from tests.csms import ConnectionRecord, Frame, TestCentralSystem
from tests.station import octt
from tests.station.octt import (
    CP_ID,
    answered,
    barrier,
    boot_accepted,
    calls,
    last_seq,
    running_station,
    start_charging,
    status_of,
    wait_status,
)

csms = _csms.csms
migrated_template = octt.migrated_template


async def new_connection(csms: TestCentralSystem, after: int) -> ConnectionRecord:
    """The station's next accepted connection opened after sequence number ``after``."""
    while True:
        record = await csms.wait_connected(CP_ID, timeout=15)
        if record.seq > after:
            return record


async def rebooted(csms: TestCentralSystem, after: int) -> tuple[ConnectionRecord, Frame, dict[int, str]]:
    """After a reset: the new connection, its BootNotification and the status of connector 0..2 after it."""
    connection = await new_connection(csms, after)
    boot = await boot_accepted(csms, timeout=15)
    assert boot.seq > connection.seq
    statuses = {
        status_of(f)[0]: status_of(f)[1]
        for f in calls(csms, "StatusNotification", after=boot.seq)
        if f.payload["connectorId"] in (0, 1, 2)
    }
    return connection, boot, statuses


# --------------------------------------------------------------------------------------- module 06


async def reset_without_transaction(tmp_path, csms: TestCentralSystem, template, kind: str) -> None:
    async with running_station(tmp_path, csms, template) as station:
        await boot_accepted(csms)
        first = await csms.wait_connected(CP_ID)
        result = await csms.call(CP_ID, call.ChangeAvailability(connector_id=1, type="Inoperative"))
        assert result.status == "Accepted"
        await wait_status(csms, 1, "Unavailable")
        mark = last_seq(csms)

        await answered(csms)
        result = await csms.call(CP_ID, call.Reset(type=kind))
        assert result.status == "Accepted"
        connection, boot, statuses = await rebooted(csms, mark)
        assert first.closed
        assert statuses == {0: "Available", 1: "Unavailable", 2: "Available"}  # Unavailable persists
        assert calls(csms, "StopTransaction") == []
        assert [f.action for f in calls(csms, after=mark) if f.seq < boot.seq] == [], "nothing until the new boot"

        mark = last_seq(csms)
        result = await csms.call(CP_ID, call.ChangeAvailability(connector_id=1, type="Operative"))
        assert result.status == "Accepted"
        await wait_status(csms, 1, "Available", after=mark)
        assert (await station.connector(1))["status"] == "Available"


async def test_it_tc_013_hard_reset_without_transaction(tmp_path, csms: TestCentralSystem, migrated_template):
    await reset_without_transaction(tmp_path, csms, migrated_template, "Hard")


async def test_it_tc_014_soft_reset_without_transaction(tmp_path, csms: TestCentralSystem, migrated_template):
    await reset_without_transaction(tmp_path, csms, migrated_template, "Soft")


async def reset_with_transaction(tmp_path, csms: TestCentralSystem, template, kind: str) -> tuple[Frame, Frame]:
    """Charging, Reset(kind): returns the StopTransaction and the BootNotification after the restart."""
    async with running_station(tmp_path, csms, template) as station:
        await boot_accepted(csms)
        first = await csms.wait_connected(CP_ID)
        charging = await start_charging(station, csms)
        mark = last_seq(csms)

        await answered(csms)
        result = await csms.call(CP_ID, call.Reset(type=kind))
        assert result.status == "Accepted"
        stop = await csms.wait_for("StopTransaction", timeout=15)
        assert stop.payload["reason"] == f"{kind}Reset"
        assert stop.payload["transactionId"] == charging.transaction_id
        assert stop.payload["meterStop"] >= charging.start.payload["meterStart"]
        connection, boot, statuses = await rebooted(csms, mark)
        assert first.closed
        # Sent before the reset, or after the reboot once accepted -- never in between.
        assert stop.seq < connection.seq or stop.seq > boot.seq
        assert statuses == {0: "Available", 1: "Available", 2: "Available"}
        assert len(calls(csms, "StopTransaction")) == 1
        transactions = await station.get("/api/v1/transactions")
        assert transactions[0]["reason"] == f"{kind}Reset" and transactions[0]["acknowledged"] is True
        return stop, boot


async def test_it_tc_015_hard_reset_with_transaction(tmp_path, csms: TestCentralSystem, migrated_template):
    await reset_with_transaction(tmp_path, csms, migrated_template, "Hard")


async def test_it_tc_016_soft_reset_with_transaction(tmp_path, csms: TestCentralSystem, migrated_template):
    stop, boot = await reset_with_transaction(tmp_path, csms, migrated_template, "Soft")
    assert stop.seq < boot.seq, "a soft reset stops the transaction before going down"
    finishing = [f for f in calls(csms, "StatusNotification") if status_of(f) == (1, "Finishing")]
    assert finishing and finishing[0].seq < boot.seq, "SN(Finishing) before the reboot"


# --------------------------------------------------------------------------------------- module 07


async def test_it_tc_017_1_unlock_connector_no_session_not_fixed_cable(
    tmp_path, csms: TestCentralSystem, migrated_template
):
    async with running_station(tmp_path, csms, migrated_template):
        await boot_accepted(csms)
        mark = last_seq(csms)
        result = await csms.call(CP_ID, call.UnlockConnector(connector_id=1))
        assert result.status == "Unlocked"
        await barrier(csms)
        assert calls(csms, after=mark) == []


async def test_it_tc_017_2_unlock_connector_no_session_fixed_cable(
    tmp_path, csms: TestCentralSystem, migrated_template
):
    async with running_station(tmp_path, csms, migrated_template) as station:
        await boot_accepted(csms)
        await station.knobs(1, fixed_cable=True)
        result = await csms.call(CP_ID, call.UnlockConnector(connector_id=1))
        assert result.status == "NotSupported"


async def test_it_tc_018_1_unlock_connector_with_session_not_fixed_cable(
    tmp_path, csms: TestCentralSystem, migrated_template
):
    async with running_station(tmp_path, csms, migrated_template) as station:
        await boot_accepted(csms)
        charging = await start_charging(station, csms)
        mark = last_seq(csms)
        result = await csms.call(CP_ID, call.UnlockConnector(connector_id=1))
        assert result.status == "Unlocked"
        conf = await csms.wait_for("UnlockConnector", message_type=3)
        stop = await csms.wait_for("StopTransaction")
        assert stop.seq > conf.seq
        assert stop.payload["reason"] == "UnlockCommand"
        assert stop.payload["transactionId"] == charging.transaction_id
        await wait_status(csms, 1, "Finishing", after=mark)
        await station.unplug(1)
        await wait_status(csms, 1, "Available", after=mark)


async def test_it_tc_018_2_unlock_connector_with_session_fixed_cable(
    tmp_path, csms: TestCentralSystem, migrated_template
):
    async with running_station(tmp_path, csms, migrated_template) as station:
        await boot_accepted(csms)
        await station.knobs(1, fixed_cable=True)
        charging = await start_charging(station, csms)
        mark = last_seq(csms)
        result = await csms.call(CP_ID, call.UnlockConnector(connector_id=1))
        assert result.status == "NotSupported"
        await barrier(csms)
        assert calls(csms, "StopTransaction") == [], "the transaction goes on"
        connector = await station.connector(1)
        assert connector["status"] == "Charging" and connector["transaction_id"] == charging.transaction_id
        assert [status_of(f) for f in calls(csms, "StatusNotification", after=mark)] == []

        await station.token(1, charging.id_tag)  # the driver ends it: the only StopTransaction
        stop = await csms.wait_for("StopTransaction")
        assert stop.payload.get("reason", "Local") == "Local"


# --------------------------------------------------------------------------------------- module 13


async def test_it_tc_030_unlock_connector_unlock_failure(tmp_path, csms: TestCentralSystem, migrated_template):
    async with running_station(tmp_path, csms, migrated_template) as station:
        await boot_accepted(csms)
        await station.knobs(1, unlock_fails=True)
        result = await csms.call(CP_ID, call.UnlockConnector(connector_id=1))
        assert result.status == "UnlockFailed"


async def test_it_tc_031_unlock_connector_unknown_connector(tmp_path, csms: TestCentralSystem, migrated_template):
    async with running_station(tmp_path, csms, migrated_template):
        await boot_accepted(csms)
        for connector_id in (3, 99):
            result = await csms.call(CP_ID, call.UnlockConnector(connector_id=connector_id))
            assert result.status == "NotSupported", connector_id

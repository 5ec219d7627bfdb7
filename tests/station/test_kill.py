"""SIGKILL during a transaction: after a restart with the same data dir the central system sees the
transaction exactly once, with consistent meter values (CONTROL_API.md §1, DESIGN.md non-negotiable 2).

Each case kills the real ``runstation`` process at one point of a transaction, restarts it on the
same data dir and counts, per action, the frames the independent central system received.
"""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal
from typing import Any

import pytest

from tests import csms as _csms
from tests.csms import TIMEOUT, Frame, TestCentralSystem
from tests.station import octt
from tests.station.octt import (
    CP_ID,
    OFFLINE_RECONNECT,
    StationUnderTest,
    answer_to,
    boot_accepted,
    calls,
    go_offline,
    merge,
    running_station,
    start_charging,
)

csms = _csms.csms
migrated_template = octt.migrated_template

pytestmark = pytest.mark.xdist_group("station-processes")

TAG = "TAG-0001"
#: Offline transactions for a token the station has never seen (the test central system would accept it).
OFFLINE_TX = {"Core": {"LocalAuthorizeOffline": True, "AllowOfflineTxForUnknownId": True}}
_UNIT_FACTORS = {"Wh": Decimal(1), "kWh": Decimal(1000)}


async def wait_journaled(
    station: StationUnderTest,
    predicate: Any,
    *,
    what: str,
    timeout: float = 2 * TIMEOUT,  # noqa: ASYNC109
) -> dict[str, Any]:
    """Poll ``GET /api/v1/transactions`` (read from the database) until a row matches ``predicate``.

    The API's connector status is the engine's memory; the transactions list is what was committed,
    which is what a SIGKILL leaves behind.
    """
    deadline = time.monotonic() + timeout
    while True:
        rows = await station.get("/api/v1/transactions")
        found = next((row for row in rows if predicate(row)), None)
        if found is not None:
            return dict(found)
        if time.monotonic() > deadline:
            raise TimeoutError(f"no journaled transaction {what} within {timeout} s: {rows}")
        await asyncio.sleep(0.05)


def energy_register_wh(meter_values_frame: Frame) -> list[Decimal]:
    """The Energy.Active.Import.Register readings (Wh) of a MeterValues CALL."""
    readings = []
    for meter_value in meter_values_frame.payload["meterValue"]:
        for sampled in meter_value["sampledValue"]:
            if sampled.get("measurand", "Energy.Active.Import.Register") != "Energy.Active.Import.Register":
                continue
            if sampled.get("phase") or sampled.get("format") == "SignedData":
                continue
            readings.append(Decimal(sampled["value"]) * _UNIT_FACTORS[sampled.get("unit", "Wh")])
    return readings


def start_transaction_id(csms: TestCentralSystem, start: Frame) -> int:
    answer = answer_to(csms, start)
    assert answer is not None and answer.message_type == 3, answer
    return int(answer.payload["transactionId"])


async def wait_acknowledged(station: StationUnderTest, transaction_id: int) -> dict[str, Any]:
    """The transaction's row once StopTransaction.conf has been processed (nothing of it is left to send)."""
    return await wait_journaled(
        station,
        lambda row: row["transaction_id"] == transaction_id and row["acknowledged"],
        what=f"{transaction_id} acknowledged",
    )


async def start_offline(station: StationUnderTest, csms: TestCentralSystem) -> dict[str, Any]:
    """Take the station offline, then plug in and present TAG: the transaction starts offline."""
    await boot_accepted(csms)
    await go_offline(station, csms)
    await station.plug(1)
    await station.token(1, TAG)
    return await wait_journaled(station, lambda row: row["connector_id"] == 1 and row["id_tag"] == TAG, what="start")


async def test_it_delivers_an_offline_transaction_killed_before_its_start_was_sent(
    tmp_path, csms: TestCentralSystem, migrated_template
):
    overrides = merge(OFFLINE_TX, OFFLINE_RECONNECT)
    async with running_station(tmp_path, csms, migrated_template, overrides=overrides) as station:
        journaled = await start_offline(station, csms)
        assert journaled["transaction_id"] is None and journaled["stop"] is None
        station.kill()
    assert calls(csms, "StartTransaction") == []

    csms.known_ids = None
    async with running_station(tmp_path, csms, migrated_template, data_dir=station.data_dir, name="restarted") as again:
        start = await csms.wait_for("StartTransaction", cp_id=CP_ID, timeout=3 * TIMEOUT)
        stop = await csms.wait_for("StopTransaction", cp_id=CP_ID)
        transaction_id = start_transaction_id(csms, start)
        row = await wait_acknowledged(again, transaction_id)

    assert len(calls(csms, "StartTransaction")) == 1
    assert len(calls(csms, "StopTransaction")) == 1
    assert start.payload["connectorId"] == 1 and start.payload["idTag"] == TAG
    assert start.payload["meterStart"] == journaled["meter_start"]
    assert stop.payload["reason"] == "PowerLoss"
    assert stop.payload["transactionId"] == transaction_id
    assert stop.payload["meterStop"] >= start.payload["meterStart"]
    assert (row["meter_start"], row["meter_stop"], row["reason"]) == (
        start.payload["meterStart"],
        stop.payload["meterStop"],
        "PowerLoss",
    )


async def test_it_stops_a_transaction_killed_while_metering_with_power_loss(
    tmp_path, csms: TestCentralSystem, migrated_template
):
    overrides = {"Core": {"MeterValueSampleInterval": 1}}
    async with running_station(tmp_path, csms, migrated_template, overrides=overrides) as station:
        await boot_accepted(csms)
        charging = await start_charging(station, csms, 1, TAG)

        def metering(frame: Frame) -> bool:
            return (
                frame.action == "MeterValues"
                and frame.message_type == 2
                and frame.payload.get("transactionId") == charging.transaction_id
            )

        await csms.wait_frame(metering, timeout=3 * TIMEOUT)
        await csms.wait_frame(metering, timeout=3 * TIMEOUT)
        station.kill()
    meter_values_before = [f for f in calls(csms, "MeterValues") if metering(f)]

    async with running_station(tmp_path, csms, migrated_template, data_dir=station.data_dir, name="restarted") as again:
        stop = await csms.wait_for("StopTransaction", cp_id=CP_ID, timeout=3 * TIMEOUT)
        row = await wait_acknowledged(again, charging.transaction_id)

    assert len(calls(csms, "StartTransaction")) == 1
    assert len(calls(csms, "StopTransaction")) == 1
    assert stop.payload["reason"] == "PowerLoss"
    assert stop.payload["transactionId"] == charging.transaction_id
    assert stop.payload["meterStop"] >= charging.start.payload["meterStart"]
    last_before_kill = energy_register_wh(meter_values_before[-1])
    assert last_before_kill, meter_values_before[-1].payload
    # Every reading the central system got for this transaction (a MeterValues queued at the kill
    # may be delivered after the restart) is covered by the meterStop.
    every_reading = [value for f in calls(csms, "MeterValues") if metering(f) for value in energy_register_wh(f)]
    assert stop.payload["meterStop"] >= max(every_reading)
    assert (row["meter_stop"], row["reason"]) == (stop.payload["meterStop"], "PowerLoss")


async def test_it_delivers_a_local_stop_killed_before_the_stop_was_acknowledged(
    tmp_path, csms: TestCentralSystem, migrated_template
):
    overrides = merge(OFFLINE_TX, OFFLINE_RECONNECT)
    async with running_station(tmp_path, csms, migrated_template, overrides=overrides) as station:
        started = await start_offline(station, csms)
        await station.token(1, TAG)  # the same token stops it
        stopped = await wait_journaled(
            station, lambda row: row["start"] == started["start"] and row["stop"] is not None, what="stop"
        )
        assert stopped["reason"] == "Local" and stopped["acknowledged"] is False
        station.kill()
    assert calls(csms, "StartTransaction") == [] and calls(csms, "StopTransaction") == []

    csms.known_ids = None
    async with running_station(tmp_path, csms, migrated_template, data_dir=station.data_dir, name="restarted") as again:
        start = await csms.wait_for("StartTransaction", cp_id=CP_ID, timeout=3 * TIMEOUT)
        stop = await csms.wait_for("StopTransaction", cp_id=CP_ID)
        transaction_id = start_transaction_id(csms, start)
        row = await wait_acknowledged(again, transaction_id)

    assert len(calls(csms, "StartTransaction")) == 1
    assert len(calls(csms, "StopTransaction")) == 1
    assert stop.payload["transactionId"] == transaction_id
    assert stop.payload.get("reason", "Local") == "Local"  # Local is the default: the station omits it
    assert stop.payload["idTag"] == TAG
    assert stop.payload["meterStop"] == stopped["meter_stop"] >= start.payload["meterStart"]
    assert (row["reason"], row["meter_stop"]) == ("Local", stopped["meter_stop"])

"""OCTT Core cases, end to end: module 15 (offline behaviour).

``ocpp16-spec.md`` §5.2 and §1.6. Offline = the central system drops the connection and answers 404
to every reconnect attempt (:func:`octt.go_offline`) until the test lets the station in again
(:func:`octt.go_online`); the station retries once a second (:data:`octt.OFFLINE_RECONNECT`).
A reconnect after acceptance is no reboot: no BootNotification, a StatusNotification burst for
connector 0 and each connector, then the queued transaction messages.

The OCTT prerequisites for offline starts (LocalAuthorizeOffline, and the local list, the cache and
unknown offline authorization enabled where implemented) are all set (:data:`OFFLINE_AUTH`);
TC_037_1 and TC_039 start with an id cached online beforehand, TC_037_2/3 with an unknown id
(AllowOfflineTxForUnknownId) that the central system then answers Invalid.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from tests import csms as _csms
from tests.csms import Frame, TestCentralSystem
from tests.station import octt
from tests.station.octt import (
    OFFLINE_RECONNECT,
    StationUnderTest,
    barrier,
    boot_accepted,
    cache_id_tag,
    calls,
    go_offline,
    go_online,
    merge,
    parse_time,
    running_station,
    start_charging,
    status_of,
    wait_answer,
    wait_status,
)

csms = _csms.csms
migrated_template = octt.migrated_template

OFFLINE_AUTH = merge(
    OFFLINE_RECONNECT,
    {
        "Core": {
            "LocalAuthorizeOffline": True,
            "AuthorizationCacheEnabled": True,
            "AllowOfflineTxForUnknownId": True,
        },
        "LocalAuthListManagement": {"LocalAuthListEnabled": True},
    },
)


async def wait_connector(station: StationUnderTest, n: int, status: str) -> dict[str, Any]:
    """The station's own view of connector ``n`` reaches ``status`` (no frame shows it while offline)."""
    body = await station.wait_until(
        lambda b: b["connectors"][n]["status"] == status, timeout=10, what=f"connector {n} {status}"
    )
    connector: dict[str, Any] = body["connectors"][n]
    return connector


def assert_no_boot(csms: TestCentralSystem, after: int) -> None:
    assert calls(csms, "BootNotification", after=after) == [], "a reconnect is no reboot"


def periodic(frame: Frame) -> bool:
    return all(
        value.get("context", "Sample.Periodic") == "Sample.Periodic"
        for meter_value in frame.payload["meterValue"]
        for value in meter_value["sampledValue"]
    )


async def test_it_tc_036_connection_loss_during_transaction(tmp_path, csms: TestCentralSystem, migrated_template):
    interval = 2
    overrides = merge(OFFLINE_RECONNECT, {"Core": {"MeterValueSampleInterval": interval}})
    async with running_station(tmp_path, csms, migrated_template, overrides=overrides) as station:
        await boot_accepted(csms)
        charging = await start_charging(station, csms)
        await csms.wait_frame(lambda f: f.action == "MeterValues" and f.message_type == 2, timeout=interval + 5)
        await barrier(csms)  # the station has its MeterValues.conf: nothing is in flight when the link goes
        mark = await go_offline(station, csms)
        went_offline = datetime.now(UTC)
        # The scenario itself: stay offline while the station takes at least three samples.
        await asyncio.sleep(3 * interval + 1)
        connection = await go_online(csms)
        back_online = datetime.now(UTC)
        assert_no_boot(csms, mark)

        def fresh(f: Frame) -> bool:
            return (
                f.action == "MeterValues"
                and f.message_type == 2
                and f.seq > connection.seq
                and min(parse_time(mv["timestamp"]) for mv in f.payload["meterValue"]) > back_online
            )

        newest = await csms.wait_frame(fresh, timeout=interval + 10)  # a sample taken after the reconnect
        series = [f for f in calls(csms, "MeterValues") if f.payload["connectorId"] == 1 and f.seq <= newest.seq]
        times = [parse_time(mv["timestamp"]) for f in series for mv in f.payload["meterValue"]]
        offline_samples = [t for t in times if went_offline < t < back_online]
        assert len(offline_samples) >= 3, f"samples taken while offline (expected >= 3): {times}"
        assert times == sorted(times) and len(set(times)) == len(times), "queued values first, oldest first, once"
        for earlier, later in zip(times, times[1:], strict=False):
            assert abs((later - earlier).total_seconds() - interval) <= 1, times
        taken_offline = [f for f in series if parse_time(f.payload["meterValue"][0]["timestamp"]) > went_offline]
        assert all(f.seq > connection.seq for f in taken_offline), "delivered after the reconnect"
        for frame in series:
            assert frame.payload["transactionId"] == charging.transaction_id
            assert periodic(frame), frame.payload
            for meter_value in frame.payload["meterValue"]:
                for value in meter_value["sampledValue"]:
                    assert value.get("format", "Raw") == "Raw", value


async def test_it_tc_037_1_offline_start_transaction_valid_id_tag(tmp_path, csms: TestCentralSystem, migrated_template):
    async with running_station(tmp_path, csms, migrated_template, overrides=OFFLINE_AUTH) as station:
        await boot_accepted(csms)
        await cache_id_tag(station, csms, "TAG-CACHED")
        mark = await go_offline(station, csms)
        await station.token(1, "TAG-CACHED")
        await station.plug(1)
        await wait_connector(station, 1, "Charging")
        started_offline = datetime.now(UTC)

        connection = await go_online(csms)
        assert_no_boot(csms, mark)
        start = await csms.wait_for("StartTransaction", timeout=10)
        assert start.seq > connection.seq
        assert start.payload["idTag"] == "TAG-CACHED" and start.payload["connectorId"] == 1
        assert parse_time(start.payload["timestamp"]) < started_offline
        answer = await wait_answer(csms, start)
        assert answer.payload["idTagInfo"]["status"] == "Accepted"
        await wait_status(csms, 1, "Charging", after=connection.seq)
        connector = await station.connector(1)
        assert connector["status"] == "Charging" and connector["transaction_id"] == answer.payload["transactionId"]


async def test_it_tc_037_2_offline_start_invalid_id_tag_keep_transaction(
    tmp_path, csms: TestCentralSystem, migrated_template
):
    csms.id_tag_status["TAG-UNKNOWN"] = "Invalid"
    overrides = merge(OFFLINE_AUTH, {"Core": {"StopTransactionOnInvalidId": False}})
    async with running_station(tmp_path, csms, migrated_template, overrides=overrides) as station:
        await boot_accepted(csms)
        mark = await go_offline(station, csms)
        await station.token(1, "TAG-UNKNOWN")  # unknown offline: allowed by AllowOfflineTxForUnknownId
        await station.plug(1)
        await wait_connector(station, 1, "Charging")

        connection = await go_online(csms)
        assert_no_boot(csms, mark)
        start = await csms.wait_for("StartTransaction", timeout=10)
        assert start.payload["idTag"] == "TAG-UNKNOWN"
        answer = await wait_answer(csms, start)
        assert answer.payload["idTagInfo"]["status"] == "Invalid"
        suspended = await wait_status(csms, 1, "SuspendedEVSE", after=connection.seq)
        assert calls(csms, "StopTransaction") == []
        connector = await station.connector(1)
        assert connector["status"] == "SuspendedEVSE"
        assert connector["transaction_id"] == answer.payload["transactionId"]

        # The transaction goes on (no energy) until the driver ends it: the only StopTransaction.
        await station.token(1, "TAG-UNKNOWN")
        stop = await csms.wait_for("StopTransaction")
        assert stop.seq > suspended.seq
        assert stop.payload.get("reason", "Local") == "Local"
        assert stop.payload["transactionId"] == answer.payload["transactionId"]


async def test_it_tc_037_3_offline_start_invalid_id_tag_stop_transaction(
    tmp_path, csms: TestCentralSystem, migrated_template
):
    csms.id_tag_status["TAG-UNKNOWN"] = "Invalid"
    overrides = merge(OFFLINE_AUTH, {"Core": {"StopTransactionOnInvalidId": True}})
    async with running_station(tmp_path, csms, migrated_template, overrides=overrides) as station:
        await boot_accepted(csms)
        mark = await go_offline(station, csms)
        await station.token(1, "TAG-UNKNOWN")
        await station.plug(1)
        await wait_connector(station, 1, "Charging")

        connection = await go_online(csms)
        assert_no_boot(csms, mark)
        start = await csms.wait_for("StartTransaction", timeout=10)
        answer = await wait_answer(csms, start)
        assert answer.payload["idTagInfo"]["status"] == "Invalid"
        stop = await csms.wait_for("StopTransaction")
        assert stop.payload["reason"] == "DeAuthorized"
        assert stop.payload["transactionId"] == answer.payload["transactionId"]
        finishing = await wait_status(csms, 1, "Finishing", after=connection.seq)  # either order

        # Erratum 3.5: the cable stays locked until the same identifier is presented again.
        await station.unplug(1)
        assert (await station.connector(1))["status"] == "Finishing"
        await station.token(1, "TAG-UNKNOWN")
        available = await wait_status(csms, 1, "Available", after=finishing.seq)
        assert [status_of(f) for f in calls(csms, "StatusNotification", after=finishing.seq)] == [(1, "Available")]
        assert available.payload["errorCode"] == "NoError"


async def test_it_tc_038_offline_stop_transaction(tmp_path, csms: TestCentralSystem, migrated_template):
    async with running_station(tmp_path, csms, migrated_template, overrides=OFFLINE_RECONNECT) as station:
        await boot_accepted(csms)
        charging = await start_charging(station, csms)
        mark = await go_offline(station, csms)
        await station.token(1, charging.id_tag)
        await wait_connector(station, 1, "Finishing")
        stopped_offline = datetime.now(UTC)

        connection = await go_online(csms)
        assert_no_boot(csms, mark)
        stop = await csms.wait_for("StopTransaction", timeout=10)
        assert stop.seq > connection.seq
        assert stop.payload.get("reason", "Local") == "Local"
        assert stop.payload["transactionId"] == charging.transaction_id
        assert stop.payload["idTag"] == charging.id_tag
        assert parse_time(stop.payload["timestamp"]) < stopped_offline
        await wait_status(csms, 1, "Finishing", after=connection.seq)  # either order


async def test_it_tc_039_offline_transaction(tmp_path, csms: TestCentralSystem, migrated_template):
    async with running_station(tmp_path, csms, migrated_template, overrides=OFFLINE_AUTH) as station:
        await boot_accepted(csms)
        await cache_id_tag(station, csms, "TAG-CACHED")
        mark = await go_offline(station, csms)
        await station.token(1, "TAG-CACHED")
        await station.plug(1)
        await wait_connector(station, 1, "Charging")
        await station.token(1, "TAG-CACHED")
        await wait_connector(station, 1, "Finishing")
        await station.unplug(1)
        await wait_connector(station, 1, "Available")

        connection = await go_online(csms)
        assert_no_boot(csms, mark)
        start = await csms.wait_for("StartTransaction", timeout=10)
        stop = await csms.wait_for("StopTransaction", timeout=10)
        assert connection.seq < start.seq < stop.seq, "StartTransaction, then StopTransaction"
        answer = await wait_answer(csms, start)
        assert answer.payload["idTagInfo"]["status"] == "Accepted"
        assert stop.payload.get("reason", "Local") == "Local"
        assert stop.payload["transactionId"] == answer.payload["transactionId"]
        assert parse_time(stop.payload["timestamp"]) >= parse_time(start.payload["timestamp"])
        assert stop.payload["meterStop"] >= start.payload["meterStart"]
        await wait_status(csms, 1, "Available", after=connection.seq)
        transactions = await station.get("/api/v1/transactions")
        assert transactions[0]["transaction_id"] == answer.payload["transactionId"]

"""OCTT module 23 (Smart Charging), end to end: the real station process against the test central system.

``ocpp16-spec.md`` §5.2 (TC_056 ... TC_082) and §1.5 (smart charging). GetCompositeSchedule answers
are read from the raw frames (camelCase, as on the wire). Absolute profiles start at a whole second
taken before the request, so the expected periods follow from the ``scheduleStart`` the station
answered, not from any timing. The limit the station puts on the hardware shows in the simulator's
``Current.Offered`` readings, reported in MeterValues every second here.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
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
    parse_time,
    running_station,
    start_charging,
    wait_answer,
    wait_status,
)

csms = _csms.csms
migrated_template = octt.migrated_template

#: TC_066's prerequisites (MaxChargingProfilesInstalled >= 3, ChargingScheduleMaxPeriods >= 5) hold
#: in the demo configuration; the meter reports the offered current every second.
OFFERED = {
    "Core": {"MeterValueSampleInterval": 1, "MeterValuesSampledData": "Energy.Active.Import.Register,Current.Offered"}
}


def whole_second(delta: timedelta = timedelta(0)) -> datetime:
    """Now (the station runs on this machine's clock) floored to the second, plus ``delta``."""
    return datetime.now(UTC).replace(microsecond=0) + delta


def wire_time(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def charging_profile(
    pid: int,
    purpose: str,
    periods: list[tuple[int, float]],
    *,
    kind: str = "Relative",
    stack: int = 0,
    start: datetime | None = None,
    duration: int | None = None,
    **fields: Any,
) -> dict[str, Any]:
    schedule: dict[str, Any] = {
        "chargingRateUnit": "A",
        "chargingSchedulePeriod": [{"startPeriod": s, "limit": limit} for s, limit in periods],
    }
    if start is not None:
        schedule["startSchedule"] = wire_time(start)
    if duration is not None:
        schedule["duration"] = duration
    return {
        "chargingProfileId": pid,
        "stackLevel": stack,
        "chargingProfilePurpose": purpose,
        "chargingProfileKind": kind,
        "chargingSchedule": schedule,
        **fields,
    }


async def set_profile(csms: TestCentralSystem, connector_id: int, profile: dict[str, Any]) -> str:
    result = await csms.call(CP_ID, call.SetChargingProfile(connector_id=connector_id, cs_charging_profiles=profile))
    status: str = result.status
    return status


async def composite(csms: TestCentralSystem, connector_id: int, duration: int) -> dict[str, Any]:
    """GetCompositeSchedule in A; the raw answer payload."""
    await csms.call(
        CP_ID, call.GetCompositeSchedule(connector_id=connector_id, duration=duration, charging_rate_unit="A")
    )
    answer = await csms.wait_for("GetCompositeSchedule", cp_id=CP_ID, message_type=3)
    payload: dict[str, Any] = answer.payload
    return payload


def periods(answer: dict[str, Any]) -> list[tuple[int, Decimal]]:
    return [(p["startPeriod"], Decimal(str(p["limit"]))) for p in answer["chargingSchedule"]["chargingSchedulePeriod"]]


def offered(frame: Frame) -> Decimal | None:
    """The Current.Offered reading of a MeterValues frame, if it has one."""
    for value in frame.payload["meterValue"]:
        for sampled in value["sampledValue"]:
            if sampled.get("measurand") == "Current.Offered":
                return Decimal(sampled["value"])
    return None


async def wait_offered(csms: TestCentralSystem, connector: int, amps: Decimal, *, after: int) -> Frame:
    """The next MeterValues of ``connector`` (after ``after``) offering ``amps``: the hardware limit applied."""

    def match(f: Frame) -> bool:
        return (
            f.action == "MeterValues"
            and f.message_type == 2
            and f.seq > after
            and f.payload["connectorId"] == connector
            and offered(f) == amps
        )

    return await csms.wait_frame(match)


async def test_it_tc_056_tx_default_profile(tmp_path, csms: TestCentralSystem, migrated_template):
    async with running_station(tmp_path, csms, migrated_template):
        await boot_accepted(csms)
        begin = whole_second(-timedelta(minutes=1))
        profile = charging_profile(
            1,
            "TxDefaultProfile",
            [(0, 6)],
            kind="Absolute",
            start=begin,
            validFrom=wire_time(begin),
            validTo=wire_time(begin + timedelta(days=1)),
        )
        assert await set_profile(csms, 1, profile) == "Accepted"
        asked = whole_second()
        answer = await composite(csms, 1, 300)
        assert answer["status"] == "Accepted" and answer["connectorId"] == 1
        assert parse_time(answer["scheduleStart"]) >= asked
        assert answer["chargingSchedule"]["duration"] == 300
        assert answer["chargingSchedule"]["chargingRateUnit"] == "A"
        assert periods(answer) == [(0, Decimal(6))]


async def test_it_tc_057_tx_profile(tmp_path, csms: TestCentralSystem, migrated_template):
    async with running_station(tmp_path, csms, migrated_template) as station:
        await boot_accepted(csms)
        charging = await start_charging(station, csms)
        profile = charging_profile(2, "TxProfile", [(0, 7)], transactionId=charging.transaction_id)
        assert await set_profile(csms, 1, profile) == "Accepted"
        answer = await composite(csms, 1, 300)
        assert answer["status"] == "Accepted"
        assert periods(answer) == [(0, Decimal(7))]


async def test_it_tc_058_1_tx_profile_without_ongoing_transaction(tmp_path, csms: TestCentralSystem, migrated_template):
    async with running_station(tmp_path, csms, migrated_template):
        await boot_accepted(csms)
        assert await set_profile(csms, 1, charging_profile(3, "TxProfile", [(0, 7)])) == "Rejected"
        answer = await composite(csms, 1, 60)
        assert periods(answer) == [(0, Decimal(48))]  # nothing installed: the default limit


async def test_it_tc_058_2_tx_profile_with_wrong_transaction_id(tmp_path, csms: TestCentralSystem, migrated_template):
    async with running_station(tmp_path, csms, migrated_template) as station:
        await boot_accepted(csms)
        charging = await start_charging(station, csms)
        profile = charging_profile(4, "TxProfile", [(0, 7)], transactionId=charging.transaction_id + 1)
        assert await set_profile(csms, 1, profile) == "Rejected"
        answer = await composite(csms, 1, 60)
        assert periods(answer) == [(0, Decimal(48))]


async def test_it_tc_059_remote_start_transaction_with_charging_profile(
    tmp_path, csms: TestCentralSystem, migrated_template
):
    async with running_station(tmp_path, csms, migrated_template, overrides=OFFERED) as station:
        await boot_accepted(csms)
        mark = last_seq(csms)
        profile = charging_profile(5, "TxProfile", [(0, 9)])
        result = await csms.call(
            CP_ID, call.RemoteStartTransaction(id_tag="TAG-REMOTE", connector_id=1, charging_profile=profile)
        )
        assert result.status == "Accepted"
        await wait_status(csms, 1, "Preparing", after=mark)
        await station.plug(1)
        start = await csms.wait_for("StartTransaction", cp_id=CP_ID)
        assert start.payload["idTag"] == "TAG-REMOTE"
        await wait_status(csms, 1, "Charging", after=mark)
        await wait_offered(csms, 1, Decimal(9), after=start.seq)  # the hardware limits the EV
        await wait_answer(csms, start)
        answer = await composite(csms, 1, 300)
        assert answer["status"] == "Accepted"
        assert periods(answer) == [(0, Decimal(9))]


async def test_it_tc_060_remote_start_transaction_with_charging_profile_rejected(
    tmp_path, csms: TestCentralSystem, migrated_template
):
    async with running_station(tmp_path, csms, migrated_template):
        await boot_accepted(csms)
        mark = last_seq(csms)
        profile = charging_profile(6, "TxDefaultProfile", [(0, 9)])
        result = await csms.call(
            CP_ID, call.RemoteStartTransaction(id_tag="TAG-REMOTE", connector_id=1, charging_profile=profile)
        )
        assert result.status == "Rejected"
        await barrier(csms)
        assert calls(csms, after=mark) == [], "nothing is prepared for a rejected remote start"
        assert periods(await composite(csms, 1, 60)) == [(0, Decimal(48))]


async def test_it_tc_066_get_composite_schedule(tmp_path, csms: TestCentralSystem, migrated_template):
    async with running_station(tmp_path, csms, migrated_template) as station:
        await boot_accepted(csms)
        charging = await start_charging(station, csms)
        day_start = whole_second(-timedelta(hours=1))
        cp_max = charging_profile(
            10, "ChargePointMaxProfile", [(0, 10)], kind="Absolute", start=day_start, duration=86400
        )
        assert await set_profile(csms, 0, cp_max) == "Accepted"
        begin = whole_second()
        default = charging_profile(
            11, "TxDefaultProfile", [(0, 16), (100, 6)], kind="Absolute", start=begin, duration=400
        )
        assert await set_profile(csms, 1, default) == "Accepted"
        tx = charging_profile(
            12, "TxProfile", [(0, 8)], kind="Absolute", start=begin, duration=100, transactionId=charging.transaction_id
        )
        assert await set_profile(csms, 1, tx) == "Accepted"
        answer = await composite(csms, 1, 400)
        assert answer["status"] == "Accepted" and answer["connectorId"] == 1
        assert answer["chargingSchedule"]["duration"] == 400
        assert answer["chargingSchedule"]["chargingRateUnit"] == "A"
        offset = int((parse_time(answer["scheduleStart"]) - begin).total_seconds())
        assert 0 <= offset < 100, "the request came after the profiles started"
        # TxProfile 8 A for 100 s, then the TxDefault's 6 A until 400 s, then ChargePointMax's 10 A.
        expected = [(0, Decimal(8)), (100 - offset, Decimal(6))]
        if offset:
            expected.append((400 - offset, Decimal(10)))
        assert periods(answer) == expected


async def test_it_tc_067_clear_charging_profile(tmp_path, csms: TestCentralSystem, migrated_template):
    async with running_station(tmp_path, csms, migrated_template):
        await boot_accepted(csms)
        cp_max = charging_profile(
            20, "ChargePointMaxProfile", [(0, 10)], kind="Absolute", start=whole_second(-timedelta(hours=1))
        )
        assert await set_profile(csms, 0, cp_max) == "Accepted"
        assert await set_profile(csms, 1, charging_profile(21, "TxDefaultProfile", [(0, 6)], stack=2)) == "Accepted"
        assert periods(await composite(csms, 1, 60)) == [(0, Decimal(6))]
        result = await csms.call(CP_ID, call.ClearChargingProfile(id=21))
        assert result.status == "Accepted"
        assert periods(await composite(csms, 1, 60)) == [(0, Decimal(10))]
        result = await csms.call(
            CP_ID, call.ClearChargingProfile(connector_id=0, charging_profile_purpose="ChargePointMaxProfile")
        )
        assert result.status == "Accepted"
        assert periods(await composite(csms, 1, 60)) == [(0, Decimal(48))]
        result = await csms.call(CP_ID, call.ClearChargingProfile(id=21))
        assert result.status == "Unknown"


async def test_it_tc_072_stacking_charging_profiles(tmp_path, csms: TestCentralSystem, migrated_template):
    async with running_station(tmp_path, csms, migrated_template):
        await boot_accepted(csms)
        begin = whole_second()
        base = charging_profile(
            30, "TxDefaultProfile", [(0, 6), (100, 8), (200, 10)], kind="Absolute", start=begin, duration=400
        )
        top = charging_profile(31, "TxDefaultProfile", [(0, 7)], kind="Absolute", start=begin, duration=150, stack=1)
        assert await set_profile(csms, 1, base) == "Accepted"
        assert await set_profile(csms, 1, top) == "Accepted"
        answer = await composite(csms, 1, 400)
        offset = int((parse_time(answer["scheduleStart"]) - begin).total_seconds())
        assert 0 <= offset < 100, "the request came after the profiles started"
        expected = [(0, Decimal(7)), (150 - offset, Decimal(8)), (200 - offset, Decimal(10))]
        if offset:
            expected.append((400 - offset, Decimal(48)))  # both ended: no limit, the default
        assert periods(answer) == expected


async def test_it_tc_082_tx_default_profile_with_ongoing_transaction(
    tmp_path, csms: TestCentralSystem, migrated_template
):
    async with running_station(tmp_path, csms, migrated_template, overrides=OFFERED) as station:
        await boot_accepted(csms)
        charging = await start_charging(station, csms)
        unlimited = await csms.wait_frame(
            lambda f: (
                f.action == "MeterValues"
                and f.message_type == 2
                and f.seq > charging.start.seq
                and offered(f) is not None
            )
        )
        assert offered(unlimited) not in (None, Decimal(6))
        mark = last_seq(csms)
        assert await set_profile(csms, 0, charging_profile(40, "TxDefaultProfile", [(0, 6)])) == "Accepted"
        await wait_offered(csms, 1, Decimal(6), after=mark)  # the running transaction follows it at once
        assert periods(await composite(csms, 1, 300)) == [(0, Decimal(6))]
        assert (await station.connector(1))["transaction_id"] == charging.transaction_id


async def test_it_keeps_the_profiles_across_a_restart(tmp_path, csms: TestCentralSystem, migrated_template):
    async with running_station(tmp_path, csms, migrated_template) as station:
        await boot_accepted(csms)
        assert await set_profile(csms, 1, charging_profile(50, "TxDefaultProfile", [(0, 11)])) == "Accepted"
        data_dir = station.data_dir
        await station.stop()
    async with running_station(tmp_path, csms, migrated_template, data_dir=data_dir, name="again"):
        await boot_accepted(csms)
        assert periods(await composite(csms, 1, 60)) == [(0, Decimal(11))]

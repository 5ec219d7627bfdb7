"""OCTT module 21 (Reservation), end to end: the real station against the independent central system.

``ocpp16-spec.md`` §5.2. The demo configuration supports the Reservation profile with
ReserveConnectorZeroSupported=true and two connectors.

* TC_046_1 and TC_049 make the other connector Unavailable first, as OCTT does, so the one left is
  the connector the reservation holds (TC_049: a station reservation reserves the last free
  connector, which is what makes OCTT see StatusNotification Reserved).
* "A different card: refused without Authorize" has no frame of its own: the station handles its
  inputs in order, so the reserved card presented next closes the window -- its Authorize would
  follow the other card's.
* TC_048_4 (a station "configured not to accept reservations") sets the optional key
  ``ReservationEnabled`` to false (``ocpp_core.reservations``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from ocpp.v16 import call, call_result

from tests import csms as _csms
from tests.csms import TIMEOUT, TestCentralSystem
from tests.station import octt
from tests.station.octt import (
    CP_ID,
    StationUnderTest,
    boot_accepted,
    calls,
    last_seq,
    parse_time,
    running_station,
    start_charging,
    status_of,
    wait_status,
)

csms = _csms.csms
migrated_template = octt.migrated_template

RESERVED = "TAG-RESERVED"
OTHER = "TAG-OTHER"
MEMBER = "TAG-MEMBER"
GROUP = "GROUP-R"


def in_an_hour() -> str:
    return (datetime.now(UTC) + timedelta(hours=1)).isoformat()


async def reserve_now(
    csms: TestCentralSystem,
    connector_id: int,
    *,
    reservation_id: int = 1,
    id_tag: str = RESERVED,
    parent_id_tag: str | None = None,
    expiry_date: str | None = None,
) -> str:
    request = call.ReserveNow(
        connector_id=connector_id,
        expiry_date=expiry_date or in_an_hour(),
        id_tag=id_tag,
        reservation_id=reservation_id,
        parent_id_tag=parent_id_tag,
    )
    result = await csms.call(CP_ID, request)
    return str(result.status)


async def make_unavailable(csms: TestCentralSystem, connector_id: int) -> None:
    mark = last_seq(csms)
    result = await csms.call(CP_ID, call.ChangeAvailability(connector_id=connector_id, type="Inoperative"))
    assert result.status == "Accepted"
    await wait_status(csms, connector_id, "Unavailable", after=mark)


async def start_after_plug(station: StationUnderTest, csms: TestCentralSystem, connector_id: int, mark: int) -> Any:
    """Plug in: the StartTransaction of the identification granted there, and Charging."""
    await station.plug(connector_id)
    start = await csms.wait_frame(lambda f: f.action == "StartTransaction" and f.message_type == 2 and f.seq > mark)
    await wait_status(csms, connector_id, "Charging", after=mark)
    return start


def same_group(cp_id: str, id_tag: str, **_: Any) -> Any:
    """Authorize answered with the parentIdTag of the reservation's group."""
    return call_result.Authorize(id_tag_info={"status": "Accepted", "parentIdTag": GROUP})


# --------------------------------------------------------------------------------------- module 21


async def test_it_tc_046_1_reservation_of_a_connector_local_start(tmp_path, csms: TestCentralSystem, migrated_template):
    async with running_station(tmp_path, csms, migrated_template) as station:
        await boot_accepted(csms)
        await make_unavailable(csms, 2)
        mark = last_seq(csms)
        assert await reserve_now(csms, 1) == "Accepted"
        await wait_status(csms, 1, "Reserved", after=mark)
        await station.token(1, OTHER)  # a different card: refused, no Authorize
        await station.token(1, RESERVED)
        authorize = await csms.wait_for("Authorize")
        assert authorize.payload == {"idTag": RESERVED}
        await wait_status(csms, 1, "Preparing", after=mark)
        start = await start_after_plug(station, csms, 1, mark)
        assert start.payload["idTag"] == RESERVED and start.payload["reservationId"] == 1
        assert [f.payload["idTag"] for f in calls(csms, "Authorize", after=mark)] == [RESERVED]
        assert [status_of(f) for f in calls(csms, "StatusNotification", after=mark)] == [
            (1, "Reserved"),
            (1, "Preparing"),
            (1, "Charging"),
        ]


async def test_it_tc_046_2_reservation_of_a_connector_remote_start(
    tmp_path, csms: TestCentralSystem, migrated_template
):
    async with running_station(tmp_path, csms, migrated_template) as station:
        await boot_accepted(csms)
        mark = last_seq(csms)
        assert await reserve_now(csms, 1) == "Accepted"
        await wait_status(csms, 1, "Reserved", after=mark)
        result = await csms.call(CP_ID, call.RemoteStartTransaction(id_tag=RESERVED, connector_id=1))
        assert result.status == "Accepted"
        await wait_status(csms, 1, "Preparing", after=mark)
        start = await start_after_plug(station, csms, 1, mark)
        assert start.payload["idTag"] == RESERVED and start.payload["reservationId"] == 1


async def test_it_tc_047_reservation_of_a_connector_expire(tmp_path, csms: TestCentralSystem, migrated_template):
    async with running_station(tmp_path, csms, migrated_template):
        await boot_accepted(csms)
        mark = last_seq(csms)
        expiry = datetime.now(UTC) + timedelta(seconds=2)
        assert await reserve_now(csms, 1, expiry_date=expiry.isoformat()) == "Accepted"
        await wait_status(csms, 1, "Reserved", after=mark)
        available = await wait_status(csms, 1, "Available", after=mark, timeout=2 + TIMEOUT)
        assert parse_time(available.payload["timestamp"]) >= expiry.replace(microsecond=0)
        assert await reserve_now(csms, 1, reservation_id=2, id_tag=OTHER) == "Accepted"  # the old one is gone


async def test_it_tc_048_1_reservation_of_a_connector_faulted(tmp_path, csms: TestCentralSystem, migrated_template):
    async with running_station(tmp_path, csms, migrated_template) as station:
        await boot_accepted(csms)
        mark = last_seq(csms)
        await station.fault(1, "GroundFailure")
        await wait_status(csms, 1, "Faulted", after=mark)
        assert await reserve_now(csms, 1) == "Faulted"


async def test_it_tc_048_2_reservation_of_a_connector_occupied(tmp_path, csms: TestCentralSystem, migrated_template):
    async with running_station(tmp_path, csms, migrated_template) as station:
        await boot_accepted(csms)
        await start_charging(station, csms, 1, OTHER)
        assert await reserve_now(csms, 1) == "Occupied"


async def test_it_tc_048_3_reservation_of_a_connector_unavailable(tmp_path, csms: TestCentralSystem, migrated_template):
    async with running_station(tmp_path, csms, migrated_template):
        await boot_accepted(csms)
        await make_unavailable(csms, 1)
        assert await reserve_now(csms, 1) == "Unavailable"


async def test_it_tc_048_4_reservation_of_a_connector_rejected(tmp_path, csms: TestCentralSystem, migrated_template):
    overrides = {"Custom": {"ReservationEnabled": False}}
    async with running_station(tmp_path, csms, migrated_template, overrides=overrides):
        await boot_accepted(csms)
        mark = last_seq(csms)
        assert await reserve_now(csms, 1) == "Rejected"
        await csms.call(CP_ID, call.GetConfiguration(key=["ReservationEnabled"]))  # a round trip: nothing came
        assert calls(csms, "StatusNotification", after=mark) == []


async def test_it_tc_049_reservation_of_a_charge_point_transaction(
    tmp_path, csms: TestCentralSystem, migrated_template
):
    async with running_station(tmp_path, csms, migrated_template) as station:
        await boot_accepted(csms)
        await make_unavailable(csms, 2)
        config = await csms.call(CP_ID, call.GetConfiguration(key=["ReserveConnectorZeroSupported"]))
        assert config.configuration_key[0]["value"] == "true"
        mark = last_seq(csms)
        assert await reserve_now(csms, 0) == "Accepted"
        await wait_status(csms, 1, "Reserved", after=mark)  # the last free connector is kept
        await station.token(1, RESERVED)
        await wait_status(csms, 1, "Preparing", after=mark)
        start = await start_after_plug(station, csms, 1, mark)
        assert start.payload["connectorId"] == 1
        assert start.payload["idTag"] == RESERVED and start.payload["reservationId"] == 1


async def test_it_tc_050_1_reservation_of_a_charge_point_faulted(tmp_path, csms: TestCentralSystem, migrated_template):
    async with running_station(tmp_path, csms, migrated_template) as station:
        await boot_accepted(csms)
        mark = last_seq(csms)
        await station.fault(0, "PowerSwitchFailure")
        await wait_status(csms, 0, "Faulted", after=mark)
        assert await reserve_now(csms, 0) == "Faulted"


async def test_it_tc_050_2_reservation_of_a_charge_point_occupied(tmp_path, csms: TestCentralSystem, migrated_template):
    async with running_station(tmp_path, csms, migrated_template) as station:
        await boot_accepted(csms)
        await start_charging(station, csms, 1, OTHER)
        await start_charging(station, csms, 2, "TAG-OTHER-2")
        assert await reserve_now(csms, 0) == "Occupied"


async def test_it_tc_050_3_reservation_of_a_charge_point_unavailable(
    tmp_path, csms: TestCentralSystem, migrated_template
):
    async with running_station(tmp_path, csms, migrated_template):
        await boot_accepted(csms)
        await make_unavailable(csms, 0)
        assert await reserve_now(csms, 0) == "Unavailable"


async def test_it_tc_050_4_reservation_of_a_charge_point_rejected(tmp_path, csms: TestCentralSystem, migrated_template):
    overrides = {"Reservation": {"ReserveConnectorZeroSupported": False}}
    async with running_station(tmp_path, csms, migrated_template, overrides=overrides):
        await boot_accepted(csms)
        assert await reserve_now(csms, 0) == "Rejected"


async def test_it_tc_051_cancel_reservation(tmp_path, csms: TestCentralSystem, migrated_template):
    async with running_station(tmp_path, csms, migrated_template):
        await boot_accepted(csms)
        mark = last_seq(csms)
        assert await reserve_now(csms, 1, reservation_id=51) == "Accepted"
        reserved = await wait_status(csms, 1, "Reserved", after=mark)
        result = await csms.call(CP_ID, call.CancelReservation(reservation_id=51))
        assert result.status == "Accepted"
        available = await wait_status(csms, 1, "Available", after=reserved.seq)
        conf = next(f for f in csms.received("CancelReservation", cp_id=CP_ID) if f.message_type == 3)
        assert available.seq > conf.seq, "StatusNotification(Available) follows the .conf"


async def test_it_tc_052_cancel_reservation_rejected(tmp_path, csms: TestCentralSystem, migrated_template):
    async with running_station(tmp_path, csms, migrated_template):
        await boot_accepted(csms)
        result = await csms.call(CP_ID, call.CancelReservation(reservation_id=52))
        assert result.status == "Rejected"


async def test_it_tc_053_1_use_a_reserved_connector_with_parent_id_tag_local(
    tmp_path, csms: TestCentralSystem, migrated_template
):
    csms.overrides["Authorize"] = same_group
    async with running_station(tmp_path, csms, migrated_template) as station:
        await boot_accepted(csms)
        mark = last_seq(csms)
        assert await reserve_now(csms, 1, parent_id_tag=GROUP) == "Accepted"
        await wait_status(csms, 1, "Reserved", after=mark)
        await station.plug(1)  # the cable leaves the connector Reserved
        await station.token(1, MEMBER)
        authorize = await csms.wait_for("Authorize")
        assert authorize.payload == {"idTag": MEMBER}
        start = await csms.wait_frame(lambda f: f.action == "StartTransaction" and f.message_type == 2)
        assert start.seq > authorize.seq
        assert start.payload["idTag"] == MEMBER and start.payload["reservationId"] == 1
        await wait_status(csms, 1, "Charging", after=mark)
        assert [status_of(f) for f in calls(csms, "StatusNotification", after=mark)] == [
            (1, "Reserved"),
            (1, "Preparing"),
            (1, "Charging"),
        ]


async def test_it_tc_053_2_use_a_reserved_connector_with_parent_id_tag_remote(
    tmp_path, csms: TestCentralSystem, migrated_template
):
    csms.overrides["Authorize"] = same_group
    async with running_station(tmp_path, csms, migrated_template) as station:
        await boot_accepted(csms)
        mark = last_seq(csms)
        assert await reserve_now(csms, 1, parent_id_tag=GROUP) == "Accepted"
        await wait_status(csms, 1, "Reserved", after=mark)
        result = await csms.call(CP_ID, call.RemoteStartTransaction(id_tag=MEMBER, connector_id=1))
        assert result.status == "Accepted"
        # AuthorizeRemoteTxRequests is false, yet only Authorize.conf tells the card's parentIdTag.
        authorize = await csms.wait_for("Authorize")
        assert authorize.payload == {"idTag": MEMBER}
        await wait_status(csms, 1, "Preparing", after=mark)
        start = await start_after_plug(station, csms, 1, mark)
        assert start.payload["idTag"] == MEMBER and start.payload["reservationId"] == 1


async def test_it_keeps_a_reservation_over_a_restart(tmp_path, csms: TestCentralSystem, migrated_template):
    async with running_station(tmp_path, csms, migrated_template) as station:
        await boot_accepted(csms)
        mark = last_seq(csms)
        assert await reserve_now(csms, 2, reservation_id=9) == "Accepted"
        await wait_status(csms, 2, "Reserved", after=mark)
        await station.stop()
    mark = last_seq(csms)
    async with running_station(tmp_path, csms, migrated_template, data_dir=station.data_dir, name="restarted") as again:
        await boot_accepted(csms)
        assert [status_of(f) for f in calls(csms, "StatusNotification", after=mark)] == [
            (0, "Available"),
            (1, "Available"),
            (2, "Reserved"),
        ]
        await again.token(2, RESERVED)
        await wait_status(csms, 2, "Preparing", after=mark)
        start = await start_after_plug(again, csms, 2, mark)
        assert start.payload["reservationId"] == 9

"""Reservations of the station as a whole (connector 0; OCPP 1.6 §5.13, OCTT TC_049, TC_050):
the station keeps one connector for the reserved idTag, which may charge on any connector."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from ocpp_core.events import AuthorizationRefused
from tests.ocpp_core.helpers import T0
from tests.ocpp_core.station_harness import StationHarness, station
from tests.ocpp_core.test_reservations import cancel, reserve, starts, stored

ZERO = {"Reservation": {"ReserveConnectorZeroSupported": True}}


def zero_station(**core: Any) -> StationHarness:
    return station(sections=ZERO, **core)


def refused(h: StationHarness) -> list[tuple[int, str, str]]:
    return [(e.connector_id, e.id_tag, e.status) for e in h.events_of(AuthorizationRefused)]


@pytest.mark.parametrize("sections", [{}, {"Reservation": {"ReserveConnectorZeroSupported": False}}])
def test_it_tc_050_4_rejects_connector_zero_unless_reserve_connector_zero_supported(sections):
    h = station(sections=sections)
    assert reserve(h, connector_id=0) == ["conf Rejected"]
    assert stored(h) == ()


def test_it_reserves_the_station_while_connectors_are_free_without_reserving_one_yet():
    h = zero_station()
    assert reserve(h, connector_id=0) == ["conf Accepted"]  # two free connectors: both still Available
    assert [r.connector_id for r in stored(h)] == [0]
    assert h.play(h.token(1, "OTHER")) == ["Authorize OTHER", "SN 1 Preparing", "SN 2 Reserved"]
    assert h.play(h.token(2, "OTHER2")) == []
    assert refused(h) == [(2, "OTHER2", "Reserved")]
    assert h.play(h.plug(2)) == []
    assert h.play(h.token(2, "TAG1")) == [
        "Authorize TAG1",
        "SN 2 Preparing",
        "StartTransaction 2 TAG1",
        "SN 2 Charging",
    ]
    assert starts(h)[0]["reservationId"] == 7
    assert stored(h) == ()


def test_it_tc_049_lets_the_reserved_id_tag_charge_on_any_connector():
    h = zero_station()
    reserve(h, connector_id=0)
    assert h.play(h.plug(1)) == ["SN 1 Preparing", "SN 2 Reserved"]  # a cable there: 2 is the last free one
    seen = h.play(h.token(1, "TAG1"))
    assert seen == ["Authorize TAG1", "SN 2 Available", "StartTransaction 1 TAG1", "SN 1 Charging"]
    assert starts(h)[0]["reservationId"] == 7
    assert stored(h) == ()
    assert h.play(h.token(2, "OTHER")) == ["Authorize OTHER", "SN 2 Preparing"]  # nothing kept any more


def test_it_reserves_the_last_free_connector_at_once():
    h = zero_station()
    h.play(h.call("ChangeAvailability", {"connectorId": 2, "type": "Inoperative"}))
    assert reserve(h, connector_id=0) == ["conf Accepted", "SN 1 Reserved"]
    assert h.play(h.token(1, "OTHER")) == []
    assert h.play(h.token(1, "TAG1")) == ["Authorize TAG1", "SN 1 Preparing"]


def test_it_frees_the_kept_connector_when_another_one_becomes_free_again():
    h = zero_station(ConnectionTimeOut=30)
    reserve(h, connector_id=0)
    h.play(h.token(1, "OTHER"))
    assert h.run(30) == ["SN 1 Available", "SN 2 Available"]  # OTHER left: two free connectors again


def test_it_admits_a_card_of_the_group_of_a_station_reservation():
    h = zero_station()
    h.play(h.call("ChangeAvailability", {"connectorId": 2, "type": "Inoperative"}))
    reserve(h, connector_id=0, parent="GROUP")
    h.tag_parent["TAG2"] = "GROUP"
    h.play(h.plug(1))
    assert h.play(h.token(1, "TAG2")) == [
        "Authorize TAG2",
        "SN 1 Preparing",
        "StartTransaction 1 TAG2",
        "SN 1 Charging",
    ]
    assert starts(h)[0]["reservationId"] == 7


def test_it_tc_050_1_answers_faulted_while_the_station_or_every_connector_is_faulted():
    h = zero_station()
    h.play(h.fault(0, "PowerSwitchFailure", "f0"))
    assert reserve(h, connector_id=0) == ["conf Faulted"]
    h.play(h.clear_fault(0, "f0"))
    h.play(h.fault(1, fault_id="f1"))
    h.play(h.fault(2, fault_id="f2"))
    assert reserve(h, connector_id=0) == ["conf Faulted"]
    assert stored(h) == ()


def test_it_tc_050_2_answers_occupied_when_no_connector_is_free():
    h = zero_station()
    h.charging(1, "OTHER1")
    h.charging(2, "OTHER2")
    assert reserve(h, connector_id=0) == ["conf Occupied"]


def test_it_answers_occupied_when_the_free_connectors_are_all_promised():
    h = zero_station()
    h.charging(1, "OTHER1")
    assert reserve(h, connector_id=0, reservation_id=7) == ["conf Accepted", "SN 2 Reserved"]
    assert reserve(h, connector_id=0, reservation_id=8, id_tag="TAG2", unique_id="cs-r2") == ["conf Occupied"]
    assert reserve(h, connector_id=2, reservation_id=9, id_tag="TAG3", unique_id="cs-r3") == ["conf Occupied"]
    assert [r.reservation_id for r in stored(h)] == [7]


@pytest.mark.parametrize("connector_id", [0, 1])
def test_it_tc_050_3_answers_unavailable_while_the_station_or_every_connector_is_unavailable(connector_id):
    h = zero_station()
    if connector_id == 0:
        h.play(h.call("ChangeAvailability", {"connectorId": 0, "type": "Inoperative"}))
    else:
        h.play(h.call("ChangeAvailability", {"connectorId": 1, "type": "Inoperative"}))
        h.play(h.call("ChangeAvailability", {"connectorId": 2, "type": "Inoperative"}, "cs-2"))
    assert reserve(h, connector_id=0) == ["conf Unavailable"]


def test_it_cancels_a_station_reservation_and_frees_the_kept_connector():
    h = zero_station()
    h.charging(1, "OTHER")
    reserve(h, connector_id=0)
    assert cancel(h) == ["conf Accepted", "SN 2 Available"]
    assert stored(h) == ()


def test_it_ends_a_station_reservation_at_its_expiry_date():
    h = zero_station()
    h.charging(1, "OTHER")
    reserve(h, connector_id=0, expiry=T0 + timedelta(minutes=1))
    assert h.run(60) == ["SN 2 Available"]
    assert stored(h) == ()


def test_it_ends_a_station_reservation_when_the_station_is_made_unavailable():
    h = zero_station()
    reserve(h, connector_id=0)
    h.play(h.call("ChangeAvailability", {"connectorId": 0, "type": "Inoperative"}))
    assert stored(h) == ()


def test_it_moves_a_reservation_between_a_connector_and_the_station():
    h = zero_station()
    reserve(h, connector_id=1)
    assert reserve(h, connector_id=0) == ["conf Accepted", "SN 1 Available"]
    assert [r.connector_id for r in stored(h)] == [0]
    assert reserve(h, connector_id=2) == ["conf Accepted", "SN 2 Reserved"]
    assert [r.connector_id for r in stored(h)] == [2]


def test_it_keeps_a_station_reservation_over_a_restart():
    h = zero_station()
    h.play(h.call("ChangeAvailability", {"connectorId": 2, "type": "Inoperative"}))
    reserve(h, connector_id=0)
    again = h.restart()
    again.play(again.boot(interval=86400))
    statuses = [(s["connectorId"], s["status"]) for s in again.statuses]
    assert statuses == [(0, "Available"), (1, "Reserved"), (2, "Unavailable")]
    assert again.play(again.token(1, "TAG1")) == ["Authorize TAG1", "SN 1 Preparing"]


def test_it_reserves_the_only_connector_of_a_one_connector_station():
    h = zero_station(NumberOfConnectors=1)
    assert reserve(h, connector_id=0) == ["conf Accepted", "SN 1 Reserved"]
    assert h.play(h.token(1, "OTHER")) == []
    assert reserve(h, connector_id=1, reservation_id=8, id_tag="TAG2", unique_id="cs-r2") == ["conf Occupied"]
    assert h.play(h.token(1, "TAG1")) == ["Authorize TAG1", "SN 1 Preparing"]

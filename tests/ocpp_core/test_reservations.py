"""Reservations on a connector (OCPP 1.6 §5.13, OCTT module 21): ReserveNow, who may use a
reserved connector, expiry, cancelling, and what ends a reservation."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from ocpp_core.events import AuthorizationRefused
from ocpp_core.storage import IdTagRecord, ReservationRecord, Snapshot
from ocpp_core.timeutil import format_datetime
from tests.ocpp_core.helpers import T0, config
from tests.ocpp_core.station_harness import StationHarness, station

EXPIRY = T0 + timedelta(hours=1)


def reserve(
    h: StationHarness,
    connector_id: int = 1,
    id_tag: str = "TAG1",
    reservation_id: int = 7,
    *,
    parent: str | None = None,
    expiry: Any = EXPIRY,
    unique_id: str = "cs-r",
) -> list[str]:
    payload: dict[str, Any] = {
        "connectorId": connector_id,
        "expiryDate": format_datetime(expiry),
        "idTag": id_tag,
        "reservationId": reservation_id,
    }
    if parent is not None:
        payload["parentIdTag"] = parent
    return h.play(h.call("ReserveNow", payload, unique_id))


def cancel(h: StationHarness, reservation_id: int = 7) -> list[str]:
    return h.play(h.call("CancelReservation", {"reservationId": reservation_id}, "cs-c"))


def starts(h: StationHarness) -> list[dict[str, Any]]:
    return [f[3] for f in h.wire if f[0] == 2 and f[2] == "StartTransaction"]


def stored(h: StationHarness) -> tuple[ReservationRecord, ...]:
    return h.store.snapshot().reservations


def refused(h: StationHarness) -> list[tuple[int, str, str]]:
    return [(e.connector_id, e.id_tag, e.status) for e in h.events_of(AuthorizationRefused)]


# -- ReserveNow answers -------------------------------------------------------------------------
def test_it_reserves_an_available_connector_and_reports_reserved_after_the_conf():
    h = station()
    assert reserve(h) == ["conf Accepted", "SN 1 Reserved"]
    assert stored(h) == (ReservationRecord(reservation_id=7, connector_id=1, id_tag="TAG1", expiry_date=EXPIRY),)
    assert h.cp.reservations.active() == list(stored(h))
    assert h.cp.connector_views()[1]["status"] == "Reserved"


def test_it_tc_048_1_answers_faulted_for_a_faulted_connector_or_station():
    h = station()
    h.play(h.fault(1))
    assert reserve(h) == ["conf Faulted"]
    h.play(h.clear_fault(1))
    h.play(h.fault(0, "PowerSwitchFailure", "f0"))
    assert reserve(h) == ["conf Faulted"]
    assert stored(h) == ()


def test_it_tc_048_2_answers_occupied_for_a_connector_in_use():
    h = station()
    h.play(h.plug(1))
    assert reserve(h) == ["conf Occupied"]  # Preparing
    h.play(h.token(1, "TAG9"))
    assert reserve(h) == ["conf Occupied"]  # Charging
    h.play(h.token(1, "TAG9"))
    assert reserve(h) == ["conf Occupied"]  # Finishing
    assert stored(h) == ()


def test_it_answers_occupied_while_an_identification_for_a_start_is_being_authorized_there():
    h = station()
    (authorize,) = h.token(1, "TAG9")  # not answered yet
    assert reserve(h) == ["conf Occupied"]
    assert h.play(h.answer_authorize(authorize)) == ["SN 1 Preparing"]
    assert stored(h) == ()


def test_it_answers_occupied_for_a_connector_reserved_by_another_reservation_whatever_its_id_tag():
    h = station()
    reserve(h, id_tag="TAG1", reservation_id=7)
    assert reserve(h, id_tag="TAG1", reservation_id=8) == ["conf Occupied"]
    assert reserve(h, id_tag="TAG2", reservation_id=9) == ["conf Occupied"]
    assert [r.reservation_id for r in stored(h)] == [7]


def test_it_tc_048_3_answers_unavailable_for_an_unavailable_connector_or_station():
    h = station()
    h.play(h.call("ChangeAvailability", {"connectorId": 1, "type": "Inoperative"}))
    assert reserve(h) == ["conf Unavailable"]
    assert reserve(h, connector_id=2) == ["conf Accepted", "SN 2 Reserved"]
    h.play(h.call("ChangeAvailability", {"connectorId": 0, "type": "Inoperative"}))
    assert reserve(h, connector_id=2, reservation_id=8) == ["conf Unavailable"]


def test_it_tc_048_4_answers_rejected_when_configured_not_to_accept_reservations():
    h = station(sections={"Custom": {"ReservationEnabled": False}})
    assert reserve(h) == ["conf Rejected"]
    assert stored(h) == ()
    h.play(h.call("ChangeConfiguration", {"key": "ReservationEnabled", "value": "true"}))
    assert reserve(h) == ["conf Accepted", "SN 1 Reserved"]


def test_it_rejects_an_unknown_connector_and_an_expiry_date_already_past():
    h = station()
    assert reserve(h, connector_id=3) == ["conf Rejected"]
    assert reserve(h, expiry=T0) == ["conf Rejected"]
    assert stored(h) == ()


def test_it_answers_not_supported_while_the_reservation_profile_is_disabled():
    h = station(SupportedFeatureProfiles="Core,RemoteTrigger")
    assert reserve(h) == ["error NotSupported"]
    assert cancel(h) == ["error NotSupported"]
    assert stored(h) == ()


# -- replacing ------------------------------------------------------------------------------------
def test_it_replaces_a_reservation_with_the_same_id_on_the_same_connector():
    h = station()
    reserve(h, id_tag="TAG1")
    later = EXPIRY + timedelta(hours=1)
    assert reserve(h, id_tag="TAG2", expiry=later) == ["conf Accepted"]  # still Reserved: nothing to report
    assert [(r.id_tag, r.expiry_date) for r in stored(h)] == [("TAG2", later)]
    assert h.play(h.token(1, "TAG1")) == []
    assert refused(h) == [(1, "TAG1", "Reserved")]
    assert h.play(h.token(1, "TAG2")) == ["Authorize TAG2", "SN 1 Preparing"]


def test_it_moves_a_reservation_with_the_same_id_to_another_connector():
    h = station()
    reserve(h, connector_id=1)
    assert reserve(h, connector_id=2) == ["conf Accepted", "SN 1 Available", "SN 2 Reserved"]
    assert [r.connector_id for r in stored(h)] == [2]


def test_it_keeps_the_old_reservation_when_its_replacement_is_refused():
    h = station()
    reserve(h, connector_id=1)
    h.play(h.plug(2))
    assert reserve(h, connector_id=2) == ["conf Occupied"]
    assert [r.connector_id for r in stored(h)] == [1]
    assert h.cp.connector_views()[1]["status"] == "Reserved"


# -- using a reserved connector -------------------------------------------------------------------
def test_it_tc_046_1_refuses_other_cards_without_authorize_and_starts_for_the_reserved_one():
    h = station()
    reserve(h)
    assert h.play(h.token(1, "OTHER")) == []
    assert refused(h) == [(1, "OTHER", "Reserved")]
    assert h.play(h.token(1, "TAG1")) == ["Authorize TAG1", "SN 1 Preparing"]
    assert h.play(h.plug(1)) == ["StartTransaction 1 TAG1", "SN 1 Charging"]
    assert starts(h)[0]["reservationId"] == 7
    assert stored(h) == () and h.cp.reservations.active() == []


def test_it_keeps_a_reserved_connector_reserved_when_a_cable_is_plugged_in():
    h = station(ConnectionTimeOut=30)
    reserve(h)
    assert h.play(h.plug(1)) == []
    assert h.run(60) == []  # no ConnectionTimeOut: the cable waits for the reserved card
    assert h.play(h.token(1, "OTHER")) == []
    assert h.play(h.token(1, "TAG1")) == [
        "Authorize TAG1",
        "SN 1 Preparing",
        "StartTransaction 1 TAG1",
        "SN 1 Charging",
    ]
    assert starts(h)[0]["reservationId"] == 7


def test_it_lets_the_reserved_id_tag_charge_elsewhere_and_keeps_the_reservation():
    h = station()
    reserve(h, connector_id=1)
    h.charging(2, "TAG1")
    assert "reservationId" not in starts(h)[0]
    assert [r.connector_id for r in stored(h)] == [1]


def test_it_reserves_the_connector_again_when_the_reserved_card_leaves_without_charging():
    h = station(ConnectionTimeOut=30)
    reserve(h)
    h.play(h.token(1, "TAG1"))
    assert h.run(30) == ["SN 1 Available", "SN 1 Reserved"]  # B1, then A7: the reservation still holds
    assert h.play(h.token(1, "OTHER")) == []


def test_it_starts_without_reservation_id_when_the_reservation_was_cancelled_after_the_card():
    h = station()
    reserve(h)
    h.play(h.token(1, "TAG1"))
    assert cancel(h) == ["conf Accepted"]  # Preparing: nothing to report
    assert h.play(h.plug(1)) == ["StartTransaction 1 TAG1", "SN 1 Charging"]
    assert "reservationId" not in starts(h)[0]


def test_it_picks_the_connector_reserved_for_a_card_presented_at_the_station():
    h = station()
    reserve(h, connector_id=1, id_tag="TAG2", reservation_id=6, unique_id="cs-r0")
    reserve(h, connector_id=2)
    assert h.play(h.token(0, "TAG1")) == ["Authorize TAG1", "SN 2 Preparing"]


# -- parentIdTag ----------------------------------------------------------------------------------
def test_it_tc_053_1_admits_a_card_of_the_same_group_after_asking_for_its_parent():
    h = station()
    reserve(h, parent="GROUP")
    h.tag_parent["TAG2"] = "GROUP"
    h.play(h.plug(1))
    assert h.play(h.token(1, "TAG2")) == [
        "Authorize TAG2",
        "SN 1 Preparing",
        "StartTransaction 1 TAG2",
        "SN 1 Charging",
    ]
    assert starts(h)[0]["reservationId"] == 7


def test_it_refuses_a_card_of_another_group_after_asking_for_its_parent():
    h = station()
    reserve(h, parent="GROUP")
    h.tag_parent["TAG3"] = "ELSEWHERE"
    assert h.play(h.token(1, "TAG3")) == ["Authorize TAG3"]
    assert h.play(h.token(1, "TAG4")) == ["Authorize TAG4"]  # no parent at all
    assert refused(h) == [(1, "TAG3", "Reserved"), (1, "TAG4", "Reserved")]
    assert starts(h) == []


@pytest.mark.parametrize(("parent", "seen"), [("GROUP", ["SN 1 Preparing"]), ("ELSEWHERE", [])])
def test_it_decides_from_the_local_list_without_authorize_when_it_knows_the_parent(parent, seen):
    h = station(sections={"LocalAuthListManagement": {"LocalAuthListEnabled": True}})
    entry = {"idTag": "TAG2", "idTagInfo": {"status": "Accepted", "parentIdTag": parent}}
    h.play(h.call("SendLocalList", {"listVersion": 1, "updateType": "Full", "localAuthorizationList": [entry]}))
    reserve(h, parent="GROUP")
    assert h.play(h.token(1, "TAG2")) == seen


def test_it_decides_from_the_cache_without_authorize_when_it_knows_the_parent():
    data = config(Core={"MeterValueSampleInterval": 0, "AuthorizationCacheEnabled": True})
    cached = IdTagRecord(id_tag="TAG2", status="Accepted", parent_id_tag="GROUP")
    h = StationHarness(data, Snapshot(auth_cache=(cached,)))
    h.play(h.boot(interval=86400))
    reserve(h, parent="GROUP")
    h.play(h.plug(1))
    assert h.play(h.token(1, "TAG2")) == ["SN 1 Preparing", "StartTransaction 1 TAG2", "SN 1 Charging"]


# -- remote start -----------------------------------------------------------------------------------
@pytest.mark.parametrize("authorize_remote", [True, False])
def test_it_tc_046_2_starts_remotely_for_the_reserved_card(authorize_remote):
    h = station(AuthorizeRemoteTxRequests=authorize_remote)
    reserve(h)
    asked = ["Authorize TAG1"] if authorize_remote else []
    seen = h.play(h.call("RemoteStartTransaction", {"connectorId": 1, "idTag": "TAG1"}))
    assert seen == ["conf Accepted", *asked, "SN 1 Preparing"]
    assert h.play(h.plug(1)) == ["StartTransaction 1 TAG1", "SN 1 Charging"]
    assert starts(h)[0]["reservationId"] == 7


def test_it_rejects_a_remote_start_for_another_card_on_a_reserved_connector():
    h = station()
    reserve(h)
    assert h.play(h.call("RemoteStartTransaction", {"connectorId": 1, "idTag": "OTHER"})) == ["conf Rejected"]


def test_it_picks_the_reserved_connector_for_a_remote_start_without_connector_id():
    h = station()
    reserve(h, connector_id=2)
    assert h.play(h.call("RemoteStartTransaction", {"idTag": "TAG1"})) == ["conf Accepted", "SN 2 Preparing"]
    assert h.play(h.call("RemoteStartTransaction", {"idTag": "OTHER"}, "cs-2")) == ["conf Accepted", "SN 1 Preparing"]


def test_it_tc_053_2_asks_for_the_parent_of_a_remote_start_even_without_authorize_remote_tx_requests():
    h = station(AuthorizeRemoteTxRequests=False)
    reserve(h, parent="GROUP")
    h.tag_parent["TAG2"] = "GROUP"
    seen = h.play(h.call("RemoteStartTransaction", {"connectorId": 1, "idTag": "TAG2"}))
    assert seen == ["conf Accepted", "Authorize TAG2", "SN 1 Preparing"]
    assert h.play(h.plug(1)) == ["StartTransaction 1 TAG2", "SN 1 Charging"]
    assert starts(h)[0]["reservationId"] == 7


# -- ending -------------------------------------------------------------------------------------------
def test_it_tc_047_ends_the_reservation_at_its_expiry_date():
    h = station()
    reserve(h, expiry=T0 + timedelta(seconds=30))
    assert h.cp.next_deadline() == T0 + timedelta(seconds=30)
    assert h.run(29) == []
    assert h.run(1) == ["SN 1 Available"]
    assert stored(h) == ()
    assert h.play(h.token(1, "OTHER")) == ["Authorize OTHER", "SN 1 Preparing"]


# The driver ticks at next_deadline(), but an input may come at that very instant before the
# tick: the reservation is over all the same ("expiryDate reached", OCPP 1.6 §5.13).
def test_it_lets_another_card_use_the_connector_at_the_expiry_instant_before_the_timer_ran():
    h = station()
    reserve(h, expiry=T0 + timedelta(seconds=30))
    h.now = T0 + timedelta(seconds=30)
    assert h.play(h.token(1, "OTHER")) == ["SN 1 Available", "Authorize OTHER", "SN 1 Preparing"]
    assert refused(h) == [] and stored(h) == ()


def test_it_starts_a_session_for_a_cable_plugged_in_at_the_expiry_instant_before_the_timer_ran():
    h = station()
    reserve(h, expiry=T0 + timedelta(seconds=30))
    h.now = T0 + timedelta(seconds=30)
    assert h.play(h.plug(1)) == ["SN 1 Preparing"]
    assert stored(h) == ()


def test_it_reserves_again_at_the_expiry_instant_of_the_last_reservation_before_the_timer_ran():
    h = station()
    reserve(h, expiry=T0 + timedelta(seconds=30))
    h.now = T0 + timedelta(seconds=30)
    assert reserve(h, id_tag="TAG2", reservation_id=8) == ["conf Accepted"]  # Reserved all along
    assert [(r.reservation_id, r.id_tag) for r in stored(h)] == [(8, "TAG2")]


def test_it_rejects_cancelling_a_reservation_at_its_expiry_instant_before_the_timer_ran():
    h = station()
    reserve(h, expiry=T0 + timedelta(seconds=30))
    h.now = T0 + timedelta(seconds=30)
    assert cancel(h) == ["conf Rejected", "SN 1 Available"]
    assert stored(h) == ()


def test_it_accepts_a_remote_start_for_another_id_tag_at_the_expiry_instant_before_the_timer_ran():
    h = station()
    reserve(h, expiry=T0 + timedelta(seconds=30))
    h.now = T0 + timedelta(seconds=30)
    seen = h.play(h.call("RemoteStartTransaction", {"connectorId": 1, "idTag": "OTHER"}))
    assert seen[0] == "conf Accepted"
    assert stored(h) == ()


def test_it_starts_a_session_for_a_cable_left_on_a_connector_whose_reservation_expired():
    h = station(ConnectionTimeOut=60)
    reserve(h, expiry=T0 + timedelta(seconds=30))
    h.play(h.plug(1))
    assert h.run(30) == ["SN 1 Preparing"]  # G2 for the cable that waited
    assert h.play(h.token(1, "OTHER")) == ["Authorize OTHER", "StartTransaction 1 OTHER", "SN 1 Charging"]


def test_it_tc_051_cancels_a_reservation():
    h = station()
    reserve(h)
    assert cancel(h) == ["conf Accepted", "SN 1 Available"]
    assert stored(h) == ()
    assert h.cp.reservations.next_deadline() is None


def test_it_tc_052_rejects_cancelling_an_unknown_reservation():
    h = station()
    reserve(h)
    assert cancel(h, 8) == ["conf Rejected"]
    assert [r.reservation_id for r in stored(h)] == [7]


def test_it_ends_the_reservation_when_the_connector_is_made_unavailable():
    h = station()
    reserve(h)
    assert h.play(h.call("ChangeAvailability", {"connectorId": 1, "type": "Inoperative"})) == [
        "conf Accepted",
        "SN 1 Unavailable",  # G8
    ]
    assert stored(h) == ()
    seen = h.play(h.call("ChangeAvailability", {"connectorId": 1, "type": "Operative"}, "cs-2"))
    assert seen == ["conf Accepted", "SN 1 Available"]


def test_it_ends_the_reservation_when_the_connector_faults():
    h = station()
    reserve(h)
    assert h.play(h.fault(1)) == ["SN 1 Faulted GroundFailure"]
    assert stored(h) == ()
    assert h.play(h.clear_fault(1)) == ["SN 1 Available"]


def test_it_ends_every_reservation_when_the_station_faults():
    h = station(sections={"Reservation": {"ReserveConnectorZeroSupported": True}})
    reserve(h, connector_id=1, reservation_id=7)
    assert reserve(h, connector_id=0, reservation_id=8, id_tag="TAG2") == ["conf Accepted", "SN 2 Reserved"]
    seen = h.play(h.fault(0, "PowerSwitchFailure", "f0"))
    assert seen == ["SN 0 Faulted PowerSwitchFailure", "SN 1 Available", "SN 2 Available"]
    assert stored(h) == ()
    assert h.play(h.clear_fault(0, "f0")) == ["SN 0 Available"]


# -- persistence --------------------------------------------------------------------------------------
def test_it_keeps_reservations_over_a_restart():
    h = station()
    reserve(h, connector_id=2)
    again = h.restart()
    again.play(again.boot(interval=86400))
    assert [(s["connectorId"], s["status"]) for s in again.statuses] == [
        (0, "Available"),
        (1, "Available"),
        (2, "Reserved"),
    ]
    assert again.play(again.token(2, "OTHER")) == []
    assert again.play(again.token(2, "TAG1")) == ["Authorize TAG1", "SN 2 Preparing"]


def test_it_drops_at_start_the_reservations_that_expired_meanwhile():
    h = station()
    reserve(h, connector_id=1, reservation_id=7, expiry=T0 + timedelta(minutes=5))
    reserve(h, connector_id=2, reservation_id=8, unique_id="cs-r2")
    h.now += timedelta(minutes=10)  # down for ten minutes
    again = h.restart()
    again.play(again.boot(interval=86400))
    assert [(s["connectorId"], s["status"]) for s in again.statuses] == [
        (0, "Available"),
        (1, "Available"),
        (2, "Reserved"),
    ]
    assert [r.reservation_id for r in again.store.snapshot().reservations] == [8]


def test_it_does_not_bring_a_reservation_back_after_a_fault_and_an_availability_change():
    h = station()
    reserve(h)
    assert h.play(h.fault(1)) == ["SN 1 Faulted GroundFailure"]
    assert h.play(h.call("ChangeAvailability", {"connectorId": 1, "type": "Inoperative"})) == ["conf Accepted"]
    assert h.play(h.clear_fault(1)) == ["SN 1 Unavailable"]
    seen = h.play(h.call("ChangeAvailability", {"connectorId": 1, "type": "Operative"}, "cs-2"))
    assert seen == ["conf Accepted", "SN 1 Available"]
    assert stored(h) == () and h.play(h.token(1, "OTHER")) == ["Authorize OTHER", "SN 1 Preparing"]

"""RemoteStartTransaction with a TxProfile (OCPP 1.6 §5.11; OCTT TC_059/TC_060)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ocpp_core.commands import SetChargingLimit
from tests.ocpp_core.smart_charging.test_handlers import profile, set_profile, smart_station, stored
from tests.ocpp_core.station_harness import StationHarness, station

TX_PROFILE = profile(11, purpose="TxProfile", periods=((0, 10), (60, 6)))


def remote_start(h: StationHarness, body: dict[str, Any] | None, connector_id: int = 1, tag: str = "TAG1") -> list[str]:
    payload: dict[str, Any] = {"connectorId": connector_id, "idTag": tag}
    if body is not None:
        payload["chargingProfile"] = body
    return h.play(h.call("RemoteStartTransaction", payload, "cs-remote"))


def limits(h: StationHarness) -> list[tuple[int, Decimal | None]]:
    return [(c.connector_id, c.limit) for c in h.commands_of(SetChargingLimit)]


def test_it_tc_059_installs_the_profile_when_the_transaction_starts():
    h = smart_station()
    assert remote_start(h, TX_PROFILE) == ["conf Accepted", "SN 1 Preparing"]
    assert stored(h) == {} and limits(h) == []  # waiting for the transaction
    assert h.play(h.plug(1)) == ["StartTransaction 1 TAG1", "SN 1 Charging"]
    tx = h.cp.sessions.transaction_on(1)
    assert tx is not None and tx.transaction_id is not None
    assert stored(h) == {11: (1, {**TX_PROFILE, "transactionId": tx.transaction_id})}  # bound to the transaction
    assert limits(h) == [(1, Decimal(10))]
    answer = h.call("GetCompositeSchedule", {"connectorId": 1, "duration": 120, "chargingRateUnit": "A"}, "cs-2")
    schedule = answer[0][2]["chargingSchedule"]
    assert [(p["startPeriod"], p["limit"]) for p in schedule["chargingSchedulePeriod"]] == [(0, 10), (60, 6)]


def test_it_installs_the_profile_when_the_cable_was_plugged_in_first():
    h = smart_station()
    h.play(h.plug(2))
    assert remote_start(h, TX_PROFILE, connector_id=2) == ["conf Accepted", "StartTransaction 2 TAG1", "SN 2 Charging"]
    assert list(stored(h)) == [11] and stored(h)[11][0] == 2


def test_it_tc_060_rejects_a_profile_that_is_not_a_tx_profile():
    h = smart_station()
    assert remote_start(h, profile(12, purpose="TxDefaultProfile")) == ["conf Rejected"]
    assert remote_start(h, {**TX_PROFILE, "transactionId": 5}) == ["conf Rejected"]
    assert stored(h) == {}


def test_it_rejects_a_tx_profile_that_breaks_a_rule():
    h = smart_station(ChargingScheduleAllowedChargingRateUnit="Current")
    assert remote_start(h, profile(12, purpose="TxProfile", unit="W", periods=((0, 7000),))) == ["conf Rejected"]
    assert remote_start(h, profile(12, purpose="TxProfile", stack=99)) == ["conf Rejected"]
    assert h.play(h.plug(1)) == ["SN 1 Preparing"]  # no transaction was prepared


def test_it_drops_the_profile_when_the_remote_start_times_out():
    h = smart_station(core={"ConnectionTimeOut": 20})
    assert remote_start(h, TX_PROFILE) == ["conf Accepted", "SN 1 Preparing"]
    assert h.play(h.advance(20)) == ["SN 1 Available"]
    h.charging(1, "TAG1")
    assert stored(h) == {} and limits(h) == []


def test_it_does_not_give_the_profile_to_the_transaction_of_another_id():
    h = smart_station(core={"AuthorizeRemoteTxRequests": True})
    h.tag_status["TAG1"] = "Invalid"
    assert remote_start(h, TX_PROFILE) == ["conf Accepted", "Authorize TAG1"]
    h.charging(1, "TAG2")
    assert stored(h) == {}


def test_a_refused_remote_start_leaves_no_profile_for_a_later_start_of_the_same_id():
    # The remote start's idTag is refused (AuthorizeRemoteTxRequests); no timer runs before the
    # same idTag, accepted meanwhile, starts a transaction locally: it is not the remote start's.
    h = smart_station(core={"AuthorizeRemoteTxRequests": True})
    h.tag_status["TAG1"] = "Blocked"
    assert remote_start(h, TX_PROFILE) == ["conf Accepted", "Authorize TAG1"]
    h.tag_status["TAG1"] = "Accepted"
    h.charging(1, "TAG1")
    assert h.cp.sessions.transaction_on(1) is not None
    assert stored(h) == {} and limits(h) == []


def test_a_later_tx_profile_of_the_same_stack_level_replaces_it():
    h = smart_station()
    remote_start(h, TX_PROFILE)
    h.play(h.plug(1))
    tx = h.cp.sessions.transaction_on(1)
    assert tx is not None
    replacement = profile(12, purpose="TxProfile", transactionId=tx.transaction_id, periods=((0, 7),))
    assert set_profile(h, 1, replacement) == "Accepted"
    assert list(stored(h)) == [12]
    assert limits(h) == [(1, Decimal(10)), (1, Decimal(7))]


def test_the_profile_ends_with_its_transaction():
    h = smart_station()
    remote_start(h, TX_PROFILE)
    h.play(h.plug(1))
    h.play(h.unplug(1))
    assert stored(h) == {}
    assert limits(h) == [(1, Decimal(10)), (1, None)]


def test_it_ignores_the_profile_without_the_smart_charging_profile():
    h = station(SupportedFeatureProfiles="Core,RemoteTrigger")
    assert remote_start(h, TX_PROFILE) == ["conf Accepted", "SN 1 Preparing"]
    assert h.play(h.plug(1)) == ["StartTransaction 1 TAG1", "SN 1 Charging"]
    assert stored(h) == {} and limits(h) == []


def test_it_rejects_a_remote_start_whose_profile_max_charging_profiles_installed_leaves_no_room_for():
    # The profile would be dropped when the transaction starts: the request is refused instead,
    # like a profile that breaks any other rule (libocpp checks the count for it too).
    h = smart_station(MaxChargingProfilesInstalled=2)
    set_profile(h, 1, profile(1, stack=0))
    set_profile(h, 2, profile(2, stack=0), "cs-2")
    assert remote_start(h, TX_PROFILE) == ["conf Rejected"]
    replacing = profile(2, purpose="TxProfile", periods=((0, 10),))  # takes the place of profile 2
    assert remote_start(h, replacing, connector_id=2) == ["conf Accepted", "SN 2 Preparing"]

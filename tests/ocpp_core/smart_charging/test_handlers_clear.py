"""ClearChargingProfile on the wire (errata 3.25/3.26), and TxProfiles cleared when their transaction ends."""

from __future__ import annotations

from typing import Any

import pytest

from ocpp_core.storage import ChargingProfileDelete
from tests.ocpp_core.smart_charging.test_handlers import conf, ops_of, profile, set_profile, smart_station, stored
from tests.ocpp_core.station_harness import StationHarness

START = {"startSchedule": "2026-03-01T11:00:00Z"}


def clear(h: StationHarness, **criteria: Any) -> str:
    status: str = conf(h.call("ClearChargingProfile", criteria, "cs-clear"))["status"]
    return status


def installed_station() -> StationHarness:
    """Profiles 1..5: CPMax (0, stack 0), TxDefault on 0 (stack 1), on 1 (stack 1), on 2 (stack 2) and on 1 (stack 3)."""
    h = smart_station()
    assert set_profile(h, 0, profile(1, purpose="ChargePointMaxProfile", kind="Absolute", schedule=START)) == "Accepted"
    assert set_profile(h, 0, profile(2, stack=1)) == "Accepted"
    assert set_profile(h, 1, profile(3, stack=1)) == "Accepted"
    assert set_profile(h, 2, profile(4, stack=2)) == "Accepted"
    assert set_profile(h, 1, profile(5, stack=3)) == "Accepted"
    return h


def test_it_clears_a_profile_by_id():
    h = installed_station()
    assert clear(h, id=3) == "Accepted"
    assert sorted(stored(h)) == [1, 2, 4, 5]
    assert ops_of(h, ChargingProfileDelete) == [ChargingProfileDelete(profile_id=3)]


def test_it_answers_unknown_for_an_id_not_installed():
    h = installed_station()
    assert clear(h, id=99) == "Unknown"
    assert sorted(stored(h)) == [1, 2, 3, 4, 5]


def test_it_ignores_the_other_criteria_when_an_id_is_given():
    h = installed_station()
    assert clear(h, id=4, connectorId=1, chargingProfilePurpose="ChargePointMaxProfile", stackLevel=0) == "Accepted"
    assert sorted(stored(h)) == [1, 2, 3, 5]


def test_it_matches_the_connector_0_tx_default_profile_with_connector_id_0():
    # libocpp-inventory §19.4: libocpp keeps copies on 1..N and answers Unknown here; the spec does not.
    h = installed_station()
    assert clear(h, connectorId=0, chargingProfilePurpose="TxDefaultProfile") == "Accepted"
    assert sorted(stored(h)) == [1, 3, 4, 5]


@pytest.mark.parametrize(
    ("criteria", "left"),
    [
        ({"connectorId": 0}, [3, 4, 5]),
        ({"connectorId": 1}, [1, 2, 4]),
        ({"chargingProfilePurpose": "TxDefaultProfile"}, [1]),
        ({"chargingProfilePurpose": "ChargePointMaxProfile"}, [2, 3, 4, 5]),
        ({"stackLevel": 1}, [1, 4, 5]),
        ({"connectorId": 1, "stackLevel": 3}, [1, 2, 3, 4]),
        ({"connectorId": 1, "chargingProfilePurpose": "TxDefaultProfile", "stackLevel": 1}, [1, 2, 4, 5]),
        ({}, []),
    ],
)
def test_it_clears_every_profile_matching_all_the_criteria(criteria, left):
    h = installed_station()
    assert clear(h, **criteria) == "Accepted"
    assert sorted(stored(h)) == left


@pytest.mark.parametrize(
    "criteria",
    [
        {"connectorId": 2, "stackLevel": 1},
        {"connectorId": 0, "chargingProfilePurpose": "TxProfile"},
        {"stackLevel": 9},
    ],
)
def test_it_answers_unknown_when_nothing_matches(criteria):
    h = installed_station()
    assert clear(h, **criteria) == "Unknown"
    assert sorted(stored(h)) == [1, 2, 3, 4, 5]
    assert ops_of(h, ChargingProfileDelete) == []


def test_it_answers_unknown_to_clear_all_when_nothing_is_installed():
    h = smart_station()
    assert clear(h) == "Unknown"


def test_it_clears_the_tx_profiles_of_a_transaction_when_it_stops():
    h = smart_station()
    tx_id = h.charging(1)
    h.charging(2, "TAG2")
    set_profile(h, 1, profile(1, purpose="TxProfile", transactionId=tx_id))
    set_profile(h, 1, profile(2, purpose="TxProfile", stack=1))
    set_profile(h, 2, profile(3, purpose="TxProfile"))
    set_profile(h, 1, profile(4, purpose="TxDefaultProfile"))
    seen = h.play(h.call("RemoteStopTransaction", {"transactionId": tx_id}))
    assert seen[:2] == ["conf Accepted", f"StopTransaction {tx_id} Remote"]
    assert sorted(stored(h)) == [3, 4]
    assert sorted(op.profile_id for op in ops_of(h, ChargingProfileDelete)) == [1, 2]

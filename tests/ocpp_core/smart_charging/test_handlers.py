"""SetChargingProfile on the wire: every check, replacement, the installed-count limit, persistence.

Also holds the small builders the other smart-charging engine tests import (:func:`profile`,
:func:`set_profile`, :func:`conf`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from ocpp_core.commands import SetChargingLimit
from ocpp_core.storage import ChargingProfileDelete, ChargingProfilePut
from tests.ocpp_core.station_harness import StationHarness, station

SMART_CHARGING = {"ChargeProfileMaxStackLevel": 10, "ChargingScheduleMaxPeriods": 5, "MaxChargingProfilesInstalled": 10}


def profile(
    pid: int = 1,
    *,
    purpose: str = "TxDefaultProfile",
    kind: str = "Relative",
    stack: int = 0,
    unit: str = "A",
    periods: tuple[tuple[int, float], ...] = ((0, 16),),
    schedule: dict[str, Any] | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """A csChargingProfiles wire dict; ``schedule`` adds chargingSchedule fields, ``fields`` profile ones."""
    body: dict[str, Any] = {
        "chargingRateUnit": unit,
        "chargingSchedulePeriod": [{"startPeriod": start, "limit": limit} for start, limit in periods],
        **(schedule or {}),
    }
    return {
        "chargingProfileId": pid,
        "stackLevel": stack,
        "chargingProfilePurpose": purpose,
        "chargingProfileKind": kind,
        "chargingSchedule": body,
        **fields,
    }


def conf(frames: list[list[Any]]) -> dict[str, Any]:
    """The payload of the one CALLRESULT in ``frames`` (nothing else went on the wire)."""
    assert len(frames) == 1 and frames[0][0] == 3, frames
    payload: dict[str, Any] = frames[0][2]
    return payload


def set_profile(h: StationHarness, connector_id: int, body: dict[str, Any], unique_id: str = "cs-set") -> str:
    """SetChargingProfile; the status answered."""
    frames = h.call("SetChargingProfile", {"connectorId": connector_id, "csChargingProfiles": body}, unique_id)
    status: str = conf(frames)["status"]
    return status


def smart_station(
    *, internal: dict[str, Any] | None = None, core: dict[str, Any] | None = None, **smart: Any
) -> StationHarness:
    """A booted two-connector station with the SmartCharging keys ``smart`` (and the Internal and
    Core keys given)."""
    return station(sections={"SmartCharging": {**SMART_CHARGING, **smart}, "Internal": internal or {}}, **(core or {}))


def stored(h: StationHarness) -> dict[int, tuple[int, dict[str, Any]]]:
    """The stored profiles: id -> (connector, wire dict)."""
    return {r.profile_id: (r.connector_id, r.profile) for r in h.store.snapshot().charging_profiles}


def ops_of(h: StationHarness, kind: type) -> list[Any]:
    return [op for op in h.store.applied if isinstance(op, kind)]


# -- accepted -------------------------------------------------------------------------------------
def test_it_installs_and_persists_a_tx_default_profile():
    h = smart_station()
    body = profile(purpose="TxDefaultProfile")
    assert set_profile(h, 0, body) == "Accepted"
    assert stored(h) == {1: (0, body)}
    (view,) = h.cp.smart_charging.installed()
    assert view.connector_id == 0 and view.profile.charging_profile_id == 1


def test_it_installs_a_charge_point_max_profile_on_connector_0():
    h = smart_station()
    body = profile(purpose="ChargePointMaxProfile", kind="Absolute", schedule={"startSchedule": "2026-03-01T11:00:00Z"})
    assert set_profile(h, 0, body) == "Accepted"
    assert list(stored(h)) == [1]


def test_it_lists_installed_profiles_by_connector_purpose_and_stack_level():
    h = smart_station()
    set_profile(h, 2, profile(5, stack=1))
    set_profile(
        h,
        0,
        profile(
            4, purpose="ChargePointMaxProfile", kind="Absolute", schedule={"startSchedule": "2026-03-01T11:00:00Z"}
        ),
    )
    set_profile(h, 0, profile(3, stack=2))
    set_profile(h, 2, profile(2, stack=0))
    views = [(v.connector_id, v.profile.charging_profile_id) for v in h.cp.smart_charging.installed()]
    assert views == [(0, 4), (0, 3), (2, 2), (2, 5)]


def test_it_accepts_a_profile_valid_from_a_later_time_and_a_weekly_one():
    h = smart_station()
    assert set_profile(h, 1, profile(1, validFrom="2026-03-01T13:00:00Z")) == "Accepted"
    weekly = profile(2, kind="Recurring", recurrencyKind="Weekly", schedule={"startSchedule": "2026-02-23T08:00:00Z"})
    assert set_profile(h, 1, {**weekly, "stackLevel": 1}) == "Accepted"
    assert sorted(stored(h)) == [1, 2]


def test_it_fills_in_a_missing_start_schedule_when_allowed():
    h = smart_station(internal={"AllowChargingProfileWithoutStartSchedule": True})
    h.now = h.now.replace(microsecond=250000)
    assert set_profile(h, 1, profile(kind="Absolute")) == "Accepted"
    schedule = stored(h)[1][1]["chargingSchedule"]
    assert schedule["startSchedule"] == "2026-03-01T12:00:00.000Z"


# -- rejected -------------------------------------------------------------------------------------
START = {"startSchedule": "2026-03-01T12:00:00Z"}


@pytest.mark.parametrize(
    ("connector_id", "body"),
    [
        pytest.param(1, profile(stack=11), id="stackLevel above ChargeProfileMaxStackLevel"),
        pytest.param(1, profile(stack=-1), id="negative stackLevel"),
        pytest.param(1, profile(purpose="ChargePointMaxProfile", kind="Absolute", schedule=START), id="CPMax on 1"),
        pytest.param(0, profile(purpose="ChargePointMaxProfile"), id="Relative ChargePointMaxProfile"),
        pytest.param(0, profile(purpose="TxProfile"), id="TxProfile on connector 0"),
        pytest.param(1, profile(purpose="TxProfile"), id="TC_058_1 TxProfile without a transaction"),
        pytest.param(1, profile(periods=tuple((60 * i, 16) for i in range(6))), id="above ChargingScheduleMaxPeriods"),
        pytest.param(1, profile(periods=()), id="no period"),
        pytest.param(1, profile(periods=((10, 16),)), id="first period not at 0"),
        pytest.param(1, profile(periods=((0, 16), (60, 8), (60, 6))), id="periods not increasing"),
        pytest.param(1, profile(periods=((0, -1),)), id="negative limit"),
        pytest.param(
            1,
            profile(schedule={"chargingSchedulePeriod": [{"startPeriod": 0, "limit": 6, "numberPhases": 0}]}),
            id="0 phases",
        ),
        pytest.param(
            1,
            profile(schedule={"chargingSchedulePeriod": [{"startPeriod": 0, "limit": 6, "numberPhases": 4}]}),
            id="4 phases",
        ),
        pytest.param(1, profile(schedule={"duration": -1}), id="negative duration"),
        pytest.param(1, profile(schedule={"minChargingRate": -0.5}), id="negative minChargingRate"),
        pytest.param(1, profile(kind="Absolute"), id="Absolute without startSchedule"),
        pytest.param(1, profile(kind="Recurring", recurrencyKind="Daily"), id="Recurring without startSchedule"),
        pytest.param(1, profile(kind="Recurring", schedule=START), id="Recurring without recurrencyKind"),
        pytest.param(
            1,
            profile(validFrom="2026-03-01T13:00:00Z", validTo="2026-03-01T12:30:00Z"),
            id="validTo before validFrom",
        ),
    ],
)
def test_it_rejects_a_profile_that_breaks_a_rule(connector_id, body):
    h = smart_station()
    assert set_profile(h, connector_id, body) == "Rejected"
    assert stored(h) == {} and h.cp.smart_charging.installed() == []


def test_it_rejects_a_unit_not_allowed():
    h = smart_station(ChargingScheduleAllowedChargingRateUnit="Current")
    assert set_profile(h, 1, profile(unit="W", periods=((0, 11000),))) == "Rejected"
    assert set_profile(h, 1, profile(unit="A")) == "Accepted"


def test_it_rejects_a_purpose_the_station_does_not_support():
    h = smart_station(internal={"SupportedChargingProfilePurposeTypes": ["ChargePointMaxProfile", "TxProfile"]})
    assert set_profile(h, 0, profile(purpose="TxDefaultProfile")) == "Rejected"
    assert stored(h) == {}


@pytest.mark.parametrize("connector_id", [3, -1])
def test_it_answers_property_constraint_violation_for_a_connector_that_does_not_exist(connector_id):
    h = smart_station()
    frames = h.call("SetChargingProfile", {"connectorId": connector_id, "csChargingProfiles": profile()})
    (error,) = frames
    assert error[:3] == [4, "cs-1", "PropertyConstraintViolation"]
    assert f"connectorId {connector_id}" in error[3]
    assert stored(h) == {}


def test_it_answers_property_constraint_violation_for_an_invalid_unit():
    h = smart_station()
    frames = h.call("SetChargingProfile", {"connectorId": 1, "csChargingProfiles": profile(unit="kW")})
    assert frames[0][:3] == [4, "cs-1", "PropertyConstraintViolation"]


@pytest.mark.parametrize("action", ["SetChargingProfile", "ClearChargingProfile", "GetCompositeSchedule"])
def test_it_answers_not_supported_without_the_smart_charging_profile(action):
    h = station(SupportedFeatureProfiles="Core,RemoteTrigger")
    payloads: dict[str, dict[str, Any]] = {
        "SetChargingProfile": {"connectorId": 1, "csChargingProfiles": profile()},
        "ClearChargingProfile": {},
        "GetCompositeSchedule": {"connectorId": 1, "duration": 60},
    }
    (error,) = h.call(action, payloads[action])
    assert error[:3] == [4, "cs-1", "NotSupported"]
    assert stored(h) == {}


# -- transactions ---------------------------------------------------------------------------------
def test_it_tc_057_installs_a_tx_profile_for_the_running_transaction():
    h = smart_station()
    tx_id = h.charging(1)
    assert set_profile(h, 1, profile(purpose="TxProfile", transactionId=tx_id)) == "Accepted"
    assert stored(h)[1][1]["transactionId"] == tx_id


def test_it_tc_058_2_rejects_a_tx_profile_of_another_transaction():
    h = smart_station()
    tx_id = h.charging(1)
    assert set_profile(h, 1, profile(purpose="TxProfile", transactionId=tx_id + 1)) == "Rejected"
    assert set_profile(h, 2, profile(purpose="TxProfile", transactionId=tx_id), "cs-2") == "Rejected"
    assert stored(h) == {}


def test_it_binds_a_tx_profile_without_transaction_id_to_the_running_transaction():
    h = smart_station()
    tx_id = h.charging(2)
    assert set_profile(h, 2, profile(purpose="TxProfile")) == "Accepted"
    assert stored(h)[1] == (2, {**profile(purpose="TxProfile"), "transactionId": tx_id})


def test_it_binds_a_tx_profile_once_start_transaction_conf_gives_the_id():
    h = smart_station()
    h.play(h.plug(1))
    (auth,) = h.token(1, "TAG1")
    (start,) = h.answer_authorize(auth)
    assert set_profile(h, 1, profile(purpose="TxProfile", transactionId=7)) == "Rejected"  # the id is not known yet
    assert set_profile(h, 1, profile(purpose="TxProfile")) == "Accepted"
    assert "transactionId" not in stored(h)[1][1]
    h.play(h.answer_start(start, transaction_id=7))
    assert stored(h)[1][1]["transactionId"] == 7


def test_it_accepts_transaction_id_minus_1_for_a_transaction_whose_id_is_not_known_yet():
    # Until StartTransaction.conf comes, the transaction is -1 on the wire (OCPP 1.6 §4.8): the
    # central system may name it so. The profile is bound once the id is known.
    h = smart_station()
    h.play(h.plug(1))
    (auth,) = h.token(1, "TAG1")
    (start,) = h.answer_authorize(auth)
    assert set_profile(h, 1, profile(purpose="TxProfile", transactionId=-1)) == "Accepted"
    assert "transactionId" not in stored(h)[1][1]
    h.play(h.answer_start(start, transaction_id=7))
    assert stored(h)[1][1]["transactionId"] == 7
    assert set_profile(h, 1, profile(2, purpose="TxProfile", stack=1, transactionId=-1), "cs-2") == "Rejected"


def test_it_accepts_transaction_id_minus_1_for_a_transaction_whose_start_was_never_delivered():
    h = smart_station(core={"TransactionMessageAttempts": 1})
    h.play(h.plug(1))
    (auth,) = h.token(1, "TAG1")
    (start,) = h.answer_authorize(auth)
    h.play(h.receive([4, start[1], "InternalError", "", {}]))  # given up: -1 for good
    assert set_profile(h, 1, profile(purpose="TxProfile", transactionId=-1, periods=((0, 10),))) == "Accepted"
    limits = [(c.connector_id, c.limit) for c in h.commands_of(SetChargingLimit)]
    assert limits == [(1, Decimal(10))]


def test_it_does_not_bind_a_tx_profile_to_an_earlier_transaction_whose_id_comes_late():
    h = smart_station()
    h.play(h.plug(1))
    (auth,) = h.token(1, "TAG1")
    (start,) = h.answer_authorize(auth)  # StartTransaction of the first transaction: not answered yet
    h.unplug(1)  # ... which stops it
    assert conf(h.call("RemoteStartTransaction", {"connectorId": 1, "idTag": "TAG2"}))["status"] == "Accepted"
    h.plug(1)  # the second transaction starts
    assert set_profile(h, 1, profile(purpose="TxProfile")) == "Accepted"
    later = h.answer_start(start, transaction_id=100)
    assert "transactionId" not in stored(h)[1][1]
    h.play(later)
    second = h.cp.sessions.transaction_on(1)
    assert second is not None and second.transaction_id not in (None, 100)
    assert stored(h)[1][1]["transactionId"] == second.transaction_id


# -- replacement ----------------------------------------------------------------------------------
def test_it_replaces_a_profile_with_the_same_id_on_any_connector():
    h = smart_station()
    set_profile(h, 1, profile(1, stack=3))
    assert set_profile(h, 2, profile(1, stack=4, periods=((0, 10),))) == "Accepted"
    assert stored(h) == {1: (2, profile(1, stack=4, periods=((0, 10),)))}
    assert ops_of(h, ChargingProfileDelete) == []  # the put replaces by id
    assert len(ops_of(h, ChargingProfilePut)) == 2


def test_it_replaces_the_profile_of_the_same_purpose_and_stack_level_on_the_same_connector():
    h = smart_station()
    set_profile(h, 1, profile(1, stack=2))
    set_profile(h, 1, profile(2, stack=2, periods=((0, 10),)))
    assert list(stored(h)) == [2]
    assert ops_of(h, ChargingProfileDelete) == [ChargingProfileDelete(profile_id=1)]


def test_it_keeps_the_profile_of_the_same_purpose_and_stack_level_on_another_connector():
    # libocpp-inventory §27 #16: its database replacement ignores the connector; the spec does not.
    h = smart_station()
    set_profile(h, 1, profile(1, stack=2))
    set_profile(h, 2, profile(2, stack=2))
    set_profile(h, 0, profile(3, stack=2))
    assert sorted(stored(h)) == [1, 2, 3]
    assert ops_of(h, ChargingProfileDelete) == []


def test_it_rejects_a_profile_beyond_max_charging_profiles_installed():
    h = smart_station(MaxChargingProfilesInstalled=2)
    assert set_profile(h, 1, profile(1, stack=0)) == "Accepted"
    assert set_profile(h, 1, profile(2, stack=1)) == "Accepted"
    assert set_profile(h, 1, profile(3, stack=2)) == "Rejected"
    assert sorted(stored(h)) == [1, 2]


def test_it_accepts_a_replacement_at_max_charging_profiles_installed():
    h = smart_station(MaxChargingProfilesInstalled=2)
    set_profile(h, 1, profile(1, stack=0))
    set_profile(h, 1, profile(2, stack=1))
    assert set_profile(h, 1, profile(2, stack=1, periods=((0, 8),))) == "Accepted"  # same id
    assert set_profile(h, 1, profile(3, stack=0)) == "Accepted"  # same connector, purpose, stack level
    assert sorted(stored(h)) == [2, 3]

"""The limit in force goes to the hardware (SetChargingLimit) whenever it changes, and only then."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from ocpp_core.commands import LockConnector, ResumeCharging, SetChargingLimit
from tests.ocpp_core.smart_charging.test_handlers import profile, set_profile, smart_station
from tests.ocpp_core.station_harness import StationHarness

START = {"startSchedule": "2026-03-01T12:00:00Z"}


def limits(h: StationHarness) -> list[tuple[int, Decimal | None, str, int | None]]:
    """Every SetChargingLimit so far, as (connector, limit, unit, phases)."""
    return [(c.connector_id, c.limit, c.unit, c.number_phases) for c in h.commands_of(SetChargingLimit)]


def new_limits(h: StationHarness, seen: int) -> list[tuple[int, Decimal | None, str, int | None]]:
    return limits(h)[seen:]


def test_it_sends_no_limit_when_no_profile_is_installed():
    h = smart_station()
    tx_id = h.charging(1)
    h.play(h.call("RemoteStopTransaction", {"transactionId": tx_id}))
    h.advance(3 * 86400)
    assert limits(h) == []


def test_it_caps_the_station_and_every_connector_with_a_charge_point_max_profile():
    h = smart_station()
    cp_max = profile(1, purpose="ChargePointMaxProfile", kind="Absolute", periods=((0, 10),), schedule=START)
    assert set_profile(h, 0, cp_max) == "Accepted"
    assert limits(h) == [(0, Decimal(10), "A", None), (1, Decimal(10), "A", None), (2, Decimal(10), "A", None)]
    h.call("ClearChargingProfile", {"id": 1})
    assert new_limits(h, 3) == [(0, None, "A", None), (1, None, "A", None), (2, None, "A", None)]


def test_it_applies_a_tx_default_profile_when_the_transaction_starts_and_lifts_it_when_it_stops():
    h = smart_station()
    assert set_profile(h, 1, profile(1, periods=((0, 16),))) == "Accepted"
    assert limits(h) == []  # no transaction: nothing to limit yet
    tx_id = h.charging(1)
    assert limits(h) == [(1, Decimal(16), "A", None)]
    kinds = [type(c) for c in h.commands if isinstance(c, LockConnector | SetChargingLimit | ResumeCharging)]
    assert kinds == [LockConnector, SetChargingLimit, ResumeCharging]  # limited before energy flows
    h.play(h.call("RemoteStopTransaction", {"transactionId": tx_id}))
    assert new_limits(h, 1) == [(1, None, "A", None)]


def test_it_follows_the_periods_of_the_schedule_at_their_boundaries():
    h = smart_station()
    set_profile(h, 0, profile(1, periods=((0, 16), (60, 8), (120, 8.5))))
    h.charging(2)
    start = h.now
    assert limits(h) == [(2, Decimal(16), "A", None)]
    assert h.cp.next_deadline() == start + timedelta(seconds=60)
    h.advance(59)
    assert len(limits(h)) == 1
    h.advance(1)
    assert new_limits(h, 1) == [(2, Decimal(8), "A", None)]
    h.advance(600)
    assert new_limits(h, 2) == [(2, Decimal("8.5"), "A", None)]
    h.advance(3 * 86400)
    assert len(limits(h)) == 3  # nothing changed after that: nothing sent again


def test_it_tc_082_applies_a_tx_default_profile_set_during_a_transaction_at_once():
    h = smart_station()
    h.charging(1)
    assert limits(h) == []
    assert set_profile(h, 0, profile(1, periods=((0, 6),))) == "Accepted"
    assert limits(h) == [(1, Decimal(6), "A", None)]  # connector 2 has no transaction


def test_it_sends_no_duplicate_when_a_change_leaves_the_limit_as_it_was():
    h = smart_station()
    h.charging(1)
    set_profile(h, 1, profile(1, periods=((0, 6),)))
    set_profile(h, 1, profile(2, stack=1, periods=((0, 6),)))
    h.call("ClearChargingProfile", {"id": 2})
    assert limits(h) == [(1, Decimal(6), "A", None)]


def test_it_sends_the_limit_in_the_first_allowed_unit_with_its_phases():
    h = smart_station(ChargingScheduleAllowedChargingRateUnit="Power,Current")
    h.charging(1)
    body = profile(1, schedule={"chargingSchedulePeriod": [{"startPeriod": 0, "limit": 10, "numberPhases": 1}]})
    set_profile(h, 1, body)
    assert limits(h) == [(1, Decimal(2300), "W", 1)]


def test_it_lifts_the_limit_of_an_absolute_profile_at_its_valid_to():
    h = smart_station()
    cp_max = profile(
        1, purpose="ChargePointMaxProfile", kind="Absolute", schedule=START, validTo="2026-03-01T12:30:00Z"
    )
    set_profile(h, 0, cp_max)
    assert len(limits(h)) == 3
    h.advance(30 * 60)
    assert new_limits(h, 3) == [(0, None, "A", None), (1, None, "A", None), (2, None, "A", None)]


def test_it_leaves_out_ignored_purposes_while_offline():
    h = smart_station(internal={"IgnoredProfilePurposesOffline": "TxDefaultProfile"})
    h.charging(1)
    set_profile(h, 1, profile(1, periods=((0, 12),)))
    assert limits(h) == [(1, Decimal(12), "A", None)]
    h.disconnect()
    assert new_limits(h, 1) == [(1, None, "A", None)]
    h.play(h.connect())
    assert new_limits(h, 2) == [(1, Decimal(12), "A", None)]


def test_it_keeps_the_limits_while_offline_without_ignored_purposes():
    h = smart_station()
    h.charging(1)
    set_profile(h, 1, profile(1, periods=((0, 12),)))
    h.disconnect()
    h.advance(120)
    assert limits(h) == [(1, Decimal(12), "A", None)]


def test_it_applies_a_new_supply_voltage_at_once():
    h = smart_station(ChargingScheduleAllowedChargingRateUnit="Power,Current")
    h.charging(1)
    body = profile(1, schedule={"chargingSchedulePeriod": [{"startPeriod": 0, "limit": 10, "numberPhases": 1}]})
    set_profile(h, 1, body)
    (reply,) = h.call("ChangeConfiguration", {"key": "SupplyVoltage", "value": "240"})
    assert reply[2] == {"status": "Accepted"}
    assert new_limits(h, 1) == [(1, Decimal(2400), "W", 1)]


def test_it_falls_back_to_the_default_and_then_to_no_limit_as_profiles_are_cleared_during_a_transaction():
    h = smart_station()
    h.charging(1)
    set_profile(h, 1, profile(1, periods=((0, 16),)))
    set_profile(h, 1, profile(2, purpose="TxProfile", periods=((0, 10),)))
    h.call("ClearChargingProfile", {"chargingProfilePurpose": "TxProfile"})
    h.call("ClearChargingProfile", {"id": 1}, "cs-2")
    assert limits(h) == [
        (1, Decimal(16), "A", None),
        (1, Decimal(10), "A", None),
        (1, Decimal(16), "A", None),
        (1, None, "A", None),
    ]

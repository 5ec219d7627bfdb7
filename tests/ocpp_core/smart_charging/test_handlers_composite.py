"""GetCompositeSchedule on the wire, and SmartCharging.composite giving the same answer."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from ocpp_core.enums import ChargingRateUnitType
from ocpp_core.wire import to_wire
from tests.ocpp_core.smart_charging.test_handlers import conf, profile, set_profile, smart_station
from tests.ocpp_core.station_harness import StationHarness


def composite(h: StationHarness, connector_id: int, duration: int, unit: str | None = None) -> dict[str, Any]:
    payload: dict[str, Any] = {"connectorId": connector_id, "duration": duration}
    if unit is not None:
        payload["chargingRateUnit"] = unit
    return conf(h.call("GetCompositeSchedule", payload, "cs-composite"))


def periods(answer: dict[str, Any]) -> list[tuple[int, Any]]:
    return [(p["startPeriod"], p["limit"]) for p in answer["chargingSchedule"]["chargingSchedulePeriod"]]


@pytest.mark.parametrize("connector_id", [3, -1])
def test_it_rejects_a_connector_that_does_not_exist(connector_id):
    h = smart_station()
    assert composite(h, connector_id, 60) == {"status": "Rejected"}


def test_it_rejects_a_unit_not_allowed():
    h = smart_station(ChargingScheduleAllowedChargingRateUnit="Current")
    assert composite(h, 1, 60, "W") == {"status": "Rejected"}
    assert composite(h, 1, 60, "A")["status"] == "Accepted"


def test_it_rejects_a_negative_duration():
    h = smart_station()
    assert composite(h, 1, -1) == {"status": "Rejected"}


def test_it_answers_from_now_floored_to_the_second_without_repeating_the_start_in_the_schedule():
    h = smart_station()
    set_profile(h, 0, profile(periods=((0, 16), (100, 8))))
    h.now += timedelta(seconds=30, microseconds=700000)
    answer = composite(h, 1, 300, "A")
    assert answer["status"] == "Accepted" and answer["connectorId"] == 1
    assert answer["scheduleStart"] == "2026-03-01T12:00:30.000Z"
    schedule = answer["chargingSchedule"]
    assert "startSchedule" not in schedule
    assert schedule["duration"] == 300 and schedule["chargingRateUnit"] == "A"
    assert periods(answer) == [(0, 16), (100, 8)]  # a transaction is simulated from now


def test_it_uses_the_first_allowed_unit_when_none_is_asked():
    h = smart_station(ChargingScheduleAllowedChargingRateUnit="Power,Current")
    set_profile(h, 1, profile(unit="A", periods=((0, 10),)))
    answer = composite(h, 1, 60)
    assert answer["chargingSchedule"]["chargingRateUnit"] == "W"
    assert periods(answer) == [(0, 10 * 230 * 3)]


def test_it_shortens_the_duration_to_max_composite_schedule_duration():
    h = smart_station(internal={"MaxCompositeScheduleDuration": 600})
    assert composite(h, 0, 3600, "A")["chargingSchedule"]["duration"] == 600
    assert composite(h, 0, 500, "A")["chargingSchedule"]["duration"] == 500


def test_it_answers_the_default_limit_where_no_profile_applies():
    h = smart_station(internal={"CompositeScheduleDefaultLimitAmps": 32})
    assert periods(composite(h, 1, 60, "A")) == [(0, 32)]


def test_it_tc_066_answers_the_minimum_of_the_profiles_per_interval():
    h = smart_station()
    tx_id = h.charging(1)
    start = {"startSchedule": "2026-03-01T12:00:00Z"}
    cp_max = profile(1, purpose="ChargePointMaxProfile", kind="Absolute", periods=((0, 10),), schedule=start)
    assert set_profile(h, 0, cp_max) == "Accepted"
    assert set_profile(h, 1, profile(2, periods=((0, 16), (100, 6)))) == "Accepted"
    tx_profile = profile(3, purpose="TxProfile", transactionId=tx_id, periods=((0, 8), (200, 12)))
    assert set_profile(h, 1, tx_profile) == "Accepted"
    answer = composite(h, 1, 400, "A")
    assert answer["chargingSchedule"]["duration"] == 400
    assert periods(answer) == [(0, 8), (200, 10)]


def test_it_gives_the_same_schedule_as_the_composite_method():
    h = smart_station()
    set_profile(h, 0, profile(1, periods=((0, 16), (100, 8))))
    set_profile(h, 2, profile(2, stack=1, periods=((0, 6),), schedule={"duration": 50}))
    for connector_id in (0, 1, 2):
        answer = composite(h, connector_id, 300, "W")
        schedule = h.cp.smart_charging.composite(connector_id, h.now, 300, ChargingRateUnitType.W)
        assert schedule is not None
        assert schedule.start_schedule == h.now
        assert answer["chargingSchedule"] == {k: v for k, v in to_wire(schedule).items() if k != "startSchedule"}


def test_the_composite_method_answers_none_where_get_composite_schedule_rejects():
    h = smart_station(ChargingScheduleAllowedChargingRateUnit="Current")
    smart = h.cp.smart_charging
    assert smart.composite(3, h.now, 60) is None
    assert smart.composite(1, h.now, 60, ChargingRateUnitType.W) is None
    assert smart.composite(1, h.now, -5) is None
    schedule = smart.composite(1, h.now, 60)
    assert schedule is not None and schedule.charging_rate_unit is ChargingRateUnitType.A


def test_it_leaves_out_the_ignored_purposes_while_offline():
    h = smart_station(internal={"IgnoredProfilePurposesOffline": "TxDefaultProfile"})
    set_profile(h, 0, profile(1, periods=((0, 16),)))
    smart = h.cp.smart_charging
    online = smart.composite(1, h.now, 60, ChargingRateUnitType.A)
    assert online is not None and online.charging_schedule_period[0].limit == Decimal(16)
    h.disconnect()
    offline = smart.composite(1, h.now, 60, ChargingRateUnitType.A)
    assert offline is not None and offline.charging_schedule_period[0].limit == Decimal(48)  # the default


def test_it_replaces_the_connector_0_tx_default_profile_for_a_connector_with_its_own():
    # OCPP 1.6 §3.13.1: "the TxDefaultProfile SHALL be replaced only for that specific connector".
    h = smart_station()
    set_profile(h, 0, profile(1, stack=1, periods=((0, 16),)))
    set_profile(h, 1, profile(2, stack=1, periods=((0, 6),), schedule={"duration": 100}))
    assert periods(composite(h, 1, 200, "A")) == [(0, 6), (100, 48)]
    assert periods(composite(h, 2, 200, "A")) == [(0, 16)]


def test_it_answers_for_connector_0_what_the_connectors_may_draw_together_capped_by_charge_point_max():
    h = smart_station()
    assert periods(composite(h, 0, 60, "A")) == [(0, 96)]  # two connectors, 48 A each unconstrained
    set_profile(h, 1, profile(1, periods=((0, 10),)))
    assert periods(composite(h, 0, 60, "A")) == [(0, 58)]
    start = {"startSchedule": "2026-03-01T12:00:00Z"}
    set_profile(h, 0, profile(2, purpose="ChargePointMaxProfile", kind="Absolute", periods=((0, 32),), schedule=start))
    assert periods(composite(h, 0, 60, "A")) == [(0, 32)]

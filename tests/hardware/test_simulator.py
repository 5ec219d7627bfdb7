from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hardware import HardwareError, SimulatorAdapter, SimulatorStateError, UnknownConnector
from hardware.simulator import CHARGE_POINT_ERROR_CODES
from ocpp_core.commands import EnableConnector, LockConnector, ResumeCharging, SetChargingLimit, Unlock
from ocpp_core.enums import ChargePointErrorCode, Location, Measurand, Phase, UnitOfMeasure
from ocpp_core.inputs import (
    EvResumed,
    EvSuspended,
    FaultCleared,
    FaultRaised,
    MeterReading,
    MeterSample,
    PlugIn,
    TokenPresented,
    Unplug,
)

# Async waits are multiples of one unit, scaled for slow machines.
UNIT = float(os.environ.get("TEST_TIME_UNIT", "1.0"))

START = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class ManualSleep:
    """A sleep that returns only when the test releases it, then moves the fake clock."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.requested: list[float] = []
        self._released: asyncio.Queue[None] = asyncio.Queue()

    async def __call__(self, seconds: float) -> None:
        self.requested.append(seconds)
        await self._released.get()
        self.clock.advance(seconds=seconds)

    def release(self) -> None:
        self._released.put_nowait(None)


def make(connectors: int = 1, **options) -> tuple[SimulatorAdapter, FakeClock, list[object]]:
    clock = FakeClock()
    sim = SimulatorAdapter(connectors, clock=clock, **options)
    events: list[object] = []
    sim.subscribe(events.append)
    return sim, clock, events


def value(sample: object, measurand: str, phase: str | None = None) -> Decimal:
    assert isinstance(sample, MeterSample)
    reading = sample.reading(measurand, phase)
    assert reading is not None, (measurand, phase)
    return reading.value


async def read(sim: SimulatorAdapter, connector_id: int = 1) -> MeterSample:
    sample = await sim.sample(connector_id)
    assert sample is not None
    return sample


async def charging(connectors: int = 1, **options) -> tuple[SimulatorAdapter, FakeClock, list[object]]:
    """A simulator with an EV plugged on connector 1 and delivery resumed by the engine."""
    sim, clock, events = make(connectors, **options)
    await sim.plug(1)
    await sim.resume_charging(1)
    return sim, clock, events


async def energy_after(sim: SimulatorAdapter, clock: FakeClock, connector_id: int = 1, **delta: float) -> Decimal:
    before = value(await sim.sample(connector_id), "Energy.Active.Import.Register")
    clock.advance(**delta)
    return value(await sim.sample(connector_id), "Energy.Active.Import.Register") - before


# -- construction ------------------------------------------------------------------------------


def test_it_numbers_connectors_from_one():
    sim, _, _ = make(3)
    assert sim.connector_ids() == (1, 2, 3)


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"connectors": 0}, "connectors"),
        ({"connectors": True}, "connectors"),
        ({"phases": 4}, "phases"),
        ({"sample_interval": 0}, "sample_interval"),
        ({"power_w": -1}, "power_w"),
        ({"energy_wh": -5}, "energy_wh"),
        ({"battery_wh": 0}, "battery_wh"),
        ({"initial_soc": 101}, "initial_soc"),
        ({"max_current_a": "32"}, "max_current_a"),
        ({"fixed_cable": "yes"}, "fixed_cable"),
    ],
)
def test_it_rejects_bad_construction_options_naming_the_field(options, field):
    with pytest.raises(ValueError, match=field):
        SimulatorAdapter(clock=FakeClock(), **options)


def test_it_rejects_a_clock_without_time_zone():
    with pytest.raises(ValueError, match="aware"):
        SimulatorAdapter(clock=lambda: datetime(2025, 1, 1))


def test_it_starts_the_register_at_the_configured_value():
    sim, _, _ = make(energy_wh=123456)
    assert sim.snapshot(1)["energy_wh"] == 123456.0


async def test_it_splits_the_initial_register_over_the_phases():
    sim, _, _ = make(energy_wh=3000)
    sample = await read(sim, 1)
    assert [value(sample, "Energy.Active.Import.Register", p) for p in ("L1", "L2", "L3")] == [Decimal("1000.0")] * 3


def test_it_accepts_every_charge_point_error_code_but_no_error():
    assert {code.value for code in ChargePointErrorCode} - {"NoError"} == CHARGE_POINT_ERROR_CODES


# -- control methods and their errors ---------------------------------------------------------


async def test_it_reports_plug_and_unplug():
    sim, _, events = make()
    await sim.plug(1)
    assert sim.snapshot(1)["plugged"] is True
    await sim.unplug(1)
    assert sim.snapshot(1)["plugged"] is False
    assert events == [PlugIn(connector_id=1), Unplug(connector_id=1)]


async def test_it_refuses_to_plug_a_plugged_connector():
    sim, _, events = make()
    await sim.plug(1)
    with pytest.raises(SimulatorStateError, match="already plugged"):
        await sim.plug(1)
    assert events == [PlugIn(connector_id=1)]


async def test_it_refuses_to_unplug_an_empty_connector():
    sim, _, events = make()
    with pytest.raises(SimulatorStateError, match="not plugged"):
        await sim.unplug(1)
    assert events == []


@pytest.mark.parametrize("connector_id", [3, -1, True, "1", None])
@pytest.mark.parametrize("method", ["plug", "unplug", "ev_suspend", "ev_resume", "set_knobs"])
async def test_it_rejects_an_unknown_connector(method, connector_id):
    sim, _, events = make(2)
    with pytest.raises(UnknownConnector):
        await getattr(sim, method)(connector_id)
    assert events == []


@pytest.mark.parametrize("method", ["plug", "unplug", "ev_suspend", "ev_resume", "set_knobs"])
async def test_it_refuses_cable_and_ev_actions_on_the_station(method):
    sim, _, events = make(2)
    with pytest.raises(SimulatorStateError, match="connector 0 is the whole station"):
        await getattr(sim, method)(0)
    assert events == []


async def test_it_accepts_a_token_at_the_stations_reader():
    sim, _, events = make(2)
    await sim.present_token(0, "CARD")
    assert events == [TokenPresented(connector_id=0, id_tag="CARD")]


@pytest.mark.parametrize("connector_id", [3, -1, True])
async def test_it_rejects_an_unknown_connector_everywhere_else(connector_id):
    sim, _, _ = make(2)
    with pytest.raises(UnknownConnector):
        await sim.present_token(connector_id, "TAG")
    with pytest.raises(UnknownConnector):
        await sim.raise_fault(connector_id, "GroundFailure")
    with pytest.raises(UnknownConnector):
        await sim.clear_faults(connector_id)
    with pytest.raises(UnknownConnector):
        await sim.set_knobs(connector_id, power_w=1)
    with pytest.raises(UnknownConnector):
        sim.snapshot(connector_id)
    with pytest.raises(UnknownConnector):
        sim.has_fixed_cable(connector_id)
    for command in (sim.lock, sim.unlock, sim.sample, sim.enable, sim.pause_charging):
        with pytest.raises(UnknownConnector):
            await command(connector_id)
    with pytest.raises(UnknownConnector):
        await sim.set_limit(connector_id, Decimal(1), "A", None)


async def test_it_reports_a_presented_token_plugged_or_not():
    sim, _, events = make()
    await sim.present_token(1, "ABC123")
    await sim.plug(1)
    await sim.present_token(1, "ABC123")
    assert events == [
        TokenPresented(connector_id=1, id_tag="ABC123"),
        PlugIn(connector_id=1),
        TokenPresented(connector_id=1, id_tag="ABC123"),
    ]


@pytest.mark.parametrize("id_tag", ["", "X" * 21, 42, None])
async def test_it_rejects_a_bad_id_tag(id_tag):
    sim, _, events = make()
    with pytest.raises(ValueError, match="id_tag"):
        await sim.present_token(1, id_tag)
    assert events == []


async def test_it_reports_ev_suspend_and_resume():
    sim, _, events = make()
    await sim.plug(1)
    await sim.ev_suspend(1)
    assert sim.snapshot(1)["ev_suspended"] is True
    await sim.ev_resume(1)
    assert sim.snapshot(1)["ev_suspended"] is False
    assert events == [PlugIn(connector_id=1), EvSuspended(connector_id=1), EvResumed(connector_id=1)]


async def test_it_refuses_suspend_and_resume_without_an_ev():
    sim, _, _ = make()
    with pytest.raises(SimulatorStateError, match="no EV"):
        await sim.ev_suspend(1)
    with pytest.raises(SimulatorStateError, match="no EV"):
        await sim.ev_resume(1)


async def test_it_refuses_to_suspend_twice_or_resume_a_drawing_ev():
    sim, _, _ = make()
    await sim.plug(1)
    with pytest.raises(SimulatorStateError, match="not suspended"):
        await sim.ev_resume(1)
    await sim.ev_suspend(1)
    with pytest.raises(SimulatorStateError, match="already suspended"):
        await sim.ev_suspend(1)


async def test_it_forgets_the_suspension_when_the_ev_leaves():
    sim, _, _ = make()
    await sim.plug(1)
    await sim.ev_suspend(1)
    await sim.unplug(1)
    await sim.plug(1)
    assert sim.snapshot(1)["ev_suspended"] is False


async def test_it_raises_faults_with_deterministic_ids_and_clears_them():
    sim, _, events = make(2)
    first = await sim.raise_fault(1, "GroundFailure", "RCD tripped")
    second = await sim.raise_fault(0, "HighTemperature", is_fault=False)
    assert (first, second) == ("sim-1-1", "sim-0-2")
    assert sim.snapshot(1)["faults"] == [
        {"fault_id": "sim-1-1", "error_code": "GroundFailure", "info": "RCD tripped", "is_fault": True}
    ]
    assert sim.snapshot(0)["faults"][0]["error_code"] == "HighTemperature"
    assert await sim.clear_faults(1) == 1
    assert await sim.clear_faults(0) == 1
    assert sim.snapshot(1)["faults"] == []
    assert events == [
        FaultRaised(connector_id=1, error_code="GroundFailure", fault_id="sim-1-1", info="RCD tripped"),
        FaultRaised(connector_id=0, error_code="HighTemperature", fault_id="sim-0-2", is_fault=False),
        FaultCleared(connector_id=1),
        FaultCleared(connector_id=0),
    ]


async def test_it_clears_nothing_quietly():
    sim, _, events = make()
    assert await sim.clear_faults(1) == 0
    assert events == []


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"error_code": "NoError"}, "error_code"),
        ({"error_code": "Meltdown"}, "error_code"),
        ({"error_code": ["GroundFailure"]}, "error_code"),
        ({"error_code": "GroundFailure", "info": "x" * 51}, "info"),
        ({"error_code": "GroundFailure", "info": 5}, "info"),
        ({"error_code": "GroundFailure", "is_fault": "yes"}, "is_fault"),
    ],
)
async def test_it_rejects_a_bad_fault_naming_the_field(kwargs, field):
    sim, _, events = make()
    with pytest.raises(ValueError, match=field):
        await sim.raise_fault(1, **kwargs)
    assert events == []
    assert sim.snapshot(1)["faults"] == []


async def test_it_sets_knobs_without_reporting_events():
    sim, _, events = make()
    await sim.set_knobs(1, fixed_cable=True, lock_fails=True, unlock_fails=True, power_w=Decimal("7400"))
    assert sim.snapshot(1)["knobs"] == {
        "fixed_cable": True,
        "lock_fails": True,
        "unlock_fails": True,
        "power_w": 7400.0,
    }
    assert sim.has_fixed_cable(1) is True
    await sim.set_knobs(1, lock_fails=False)  # the others stay
    assert sim.snapshot(1)["knobs"]["unlock_fails"] is True
    assert events == []


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"power_w": -1}, "power_w"),
        ({"power_w": "11000"}, "power_w"),
        ({"power_w": True}, "power_w"),
        ({"power_w": float("nan")}, "power_w"),
        ({"power_w": Decimal("Infinity")}, "power_w"),
        ({"fixed_cable": 1}, "fixed_cable"),
        ({"lock_fails": "true"}, "lock_fails"),
        ({"unlock_fails": None, "lock_fails": 0}, "lock_fails"),
        ({"unlock_fails": "no"}, "unlock_fails"),
    ],
)
async def test_it_rejects_bad_knobs_and_changes_nothing(kwargs, field):
    sim, _, _ = make()
    before = sim.snapshot(1)
    with pytest.raises(ValueError, match=field):
        # the valid values given alongside the bad one are not applied either
        await sim.set_knobs(1, **{"lock_fails": True, "power_w": 5, **kwargs})
    assert sim.snapshot(1) == before


async def test_it_refuses_to_change_the_cable_kind_while_plugged():
    sim, _, _ = make()
    await sim.plug(1)
    with pytest.raises(SimulatorStateError, match="fixed_cable"):
        await sim.set_knobs(1, fixed_cable=True, power_w=1000)
    assert sim.snapshot(1)["knobs"]["power_w"] == 11000.0
    await sim.set_knobs(1, fixed_cable=False)  # no change is fine


# -- cable lock --------------------------------------------------------------------------------


async def test_it_locks_and_unlocks_a_detachable_cable():
    sim, _, _ = make()
    assert sim.has_fixed_cable(1) is False
    await sim.lock(1)
    assert sim.snapshot(1)["locked"] is True
    assert await sim.unlock(1) == "Unlocked"
    assert sim.snapshot(1)["locked"] is False
    assert await sim.unlock(1) == "Unlocked"  # already open


async def test_it_fails_to_lock_on_demand_with_a_transient_error():
    sim, _, _ = make()
    await sim.set_knobs(1, lock_fails=True)
    with pytest.raises(HardwareError, match="lock") as info:
        await sim.execute(LockConnector(connector_id=1, ref="lock-1"))
    assert info.value.permanent is False
    assert sim.snapshot(1)["locked"] is False


async def test_it_fails_to_unlock_on_demand():
    sim, _, _ = make()
    await sim.lock(1)
    await sim.set_knobs(1, unlock_fails=True)
    assert await sim.execute(Unlock(connector_id=1, ref="u1")) == "UnlockFailed"
    assert sim.snapshot(1)["locked"] is True


async def test_it_does_not_support_unlocking_a_fixed_cable():
    sim, _, _ = make(fixed_cable=True)
    assert sim.has_fixed_cable(1) is True
    await sim.lock(1)  # nothing to lock, succeeds
    assert sim.snapshot(1)["locked"] is False
    assert await sim.unlock(1) == "NotSupported"


async def test_it_drops_the_lock_when_the_cable_becomes_fixed():
    sim, _, _ = make()
    await sim.lock(1)
    await sim.set_knobs(1, fixed_cable=True)
    assert sim.snapshot(1)["locked"] is False
    assert await sim.unlock(1) == "NotSupported"


# -- energy ------------------------------------------------------------------------------------


async def test_it_integrates_eleven_kilowatts_for_an_hour_into_eleven_kilowatt_hours():
    sim, clock, _ = await charging()
    assert await energy_after(sim, clock, hours=1) == Decimal("11000.0")
    sample = await read(sim, 1)
    assert value(sample, "Power.Active.Import") == Decimal("11000.0")
    for phase in ("L1", "L2", "L3"):
        assert value(sample, "Energy.Active.Import.Register", phase) == Decimal("3666.6")
        assert value(sample, "Power.Active.Import", phase) == Decimal("3666.7")
        assert value(sample, "Current.Import", phase) == Decimal("15.94")


async def test_it_integrates_across_many_small_steps_without_drift():
    sim, clock, _ = await charging()
    for _ in range(3600):
        clock.advance(seconds=1)
        await read(sim, 1)
    assert sim.snapshot(1)["energy_wh"] == 11000.0


async def test_it_delivers_nothing_until_the_engine_resumes_charging():
    sim, clock, _ = make()
    await sim.plug(1)
    assert await energy_after(sim, clock, hours=1) == 0
    assert sim.snapshot(1)["delivering"] is False
    await sim.execute(ResumeCharging(connector_id=1))
    assert await energy_after(sim, clock, minutes=6) == Decimal("1100.0")


async def test_it_stops_delivering_when_paused():
    sim, clock, _ = await charging()
    await sim.pause_charging(1)
    assert await energy_after(sim, clock, hours=1) == 0
    sample = await read(sim, 1)
    assert value(sample, "Power.Offered") == 0
    assert value(sample, "Current.Offered") == 0


async def test_it_pauses_and_resumes_every_connector_with_connector_zero():
    sim, clock, _ = make(2)
    await sim.plug(1)
    await sim.plug(2)
    await sim.resume_charging(0)
    clock.advance(hours=1)
    assert [sim.snapshot(n)["energy_wh"] for n in (1, 2)] == [11000.0, 11000.0]
    await sim.pause_charging(0)
    assert not any(sim.snapshot(n)["delivering"] for n in (1, 2))


async def test_it_delivers_nothing_without_an_ev():
    sim, clock, _ = await charging()
    await sim.unplug(1)
    assert await energy_after(sim, clock, hours=1) == 0


async def test_it_stops_while_the_ev_is_suspended_and_goes_on_when_it_resumes():
    sim, clock, _ = await charging()
    await sim.ev_suspend(1)
    assert await energy_after(sim, clock, hours=1) == 0
    assert sim.snapshot(1)["delivering"] is False
    await sim.ev_resume(1)
    assert await energy_after(sim, clock, hours=1) == Decimal("11000.0")


@pytest.mark.parametrize("connector_id", [1, 0])
async def test_it_stops_on_a_fault_but_not_on_a_warning(connector_id):
    sim, clock, _ = await charging()
    await sim.raise_fault(connector_id, "HighTemperature", is_fault=False)
    assert await energy_after(sim, clock, minutes=6) == Decimal("1100.0")
    await sim.raise_fault(connector_id, "GroundFailure")
    assert await energy_after(sim, clock, hours=1) == 0
    await sim.clear_faults(connector_id)
    assert await energy_after(sim, clock, minutes=6) == Decimal("1100.0")


@pytest.mark.parametrize("connector_id", [1, 0])
async def test_it_stops_while_disabled(connector_id):
    sim, clock, _ = await charging()
    await sim.disable(connector_id)
    assert await energy_after(sim, clock, hours=1) == 0
    assert sim.snapshot(1)["enabled"] is False
    await sim.execute(EnableConnector(connector_id=connector_id))
    assert await energy_after(sim, clock, minutes=6) == Decimal("1100.0")


async def test_it_respects_a_limit_in_amperes_per_phase():
    sim, clock, _ = await charging()
    await sim.execute(SetChargingLimit(connector_id=1, limit=Decimal(10), unit="A"))
    assert await energy_after(sim, clock, hours=1) == Decimal("6900.0")  # 10 A × 230 V × 3
    sample = await read(sim, 1)
    assert value(sample, "Current.Import", "L1") == Decimal("10.00")
    assert value(sample, "Current.Offered") == Decimal("10.00")
    assert value(sample, "Power.Offered") == Decimal("6900.0")


async def test_it_respects_a_limit_in_watts():
    sim, clock, _ = await charging()
    await sim.set_limit(1, Decimal(4000), "W", None)
    assert await energy_after(sim, clock, hours=1) == Decimal("4000.0")
    assert value(await read(sim, 1), "Power.Active.Import") == Decimal("4000.0")


async def test_it_uses_only_the_phases_the_limit_allows():
    sim, clock, _ = await charging()
    await sim.set_limit(1, Decimal(16), "A", 1)
    assert await energy_after(sim, clock, hours=1) == Decimal("3680.0")  # 16 A × 230 V × 1
    sample = await read(sim, 1)
    assert value(sample, "Current.Import", "L1") == Decimal("16.00")
    assert value(sample, "Current.Import", "L2") == 0
    assert value(sample, "Energy.Active.Import.Register", "L1") == Decimal("3680.0")
    assert value(sample, "Energy.Active.Import.Register", "L3") == 0


async def test_it_lets_the_ev_draw_no_more_than_it_wants_under_a_high_limit():
    sim, clock, _ = await charging()
    await sim.set_limit(1, Decimal(32), "A", None)
    assert await energy_after(sim, clock, hours=1) == Decimal("11000.0")


async def test_it_caps_the_ev_at_the_connector_rating():
    sim, clock, _ = await charging(power_w=50000, max_current_a=16)
    assert await energy_after(sim, clock, hours=1) == Decimal("11040.0")  # 16 A × 230 V × 3


async def test_it_delivers_nothing_under_a_zero_limit_and_everything_once_cleared():
    sim, clock, _ = await charging()
    await sim.set_limit(1, Decimal(0), "W", None)
    assert await energy_after(sim, clock, hours=1) == 0
    assert sim.snapshot(1)["limit"] == {"value": 0.0, "unit": "W", "number_phases": None}
    await sim.set_limit(1, None, "A", None)
    assert await energy_after(sim, clock, hours=1) == Decimal("11000.0")


async def test_it_shares_a_station_limit_without_giving_an_ev_more_than_it_wants():
    sim, clock, _ = make(3)
    await sim.set_knobs(1, power_w=2000)
    for n in (1, 2, 3):
        await sim.plug(n)
    await sim.resume_charging(0)
    await sim.set_limit(0, Decimal(10000), "W", None)
    clock.advance(hours=1)
    assert [sim.snapshot(n)["energy_wh"] for n in (1, 2, 3)] == [2000.0, 4000.0, 4000.0]
    assert sim.snapshot(0)["limit"] == {"value": 10000.0, "unit": "W", "number_phases": None}
    await sim.set_limit(0, Decimal(10), "A", None)  # 6900 W for the station
    assert [sim.snapshot(n)["power_w"] for n in (1, 2, 3)] == [2000.0, 2450.0, 2450.0]


@pytest.mark.parametrize(
    ("limit", "unit", "phases", "message"),
    [
        (Decimal(10), "kW", None, "unit"),
        (Decimal(-1), "A", None, "at least 0"),
        (Decimal("NaN"), "A", None, "at least 0"),
        (Decimal(10), "A", 4, "number_phases"),
    ],
)
async def test_it_refuses_a_bad_limit_permanently(limit, unit, phases, message):
    sim, _, _ = make()
    with pytest.raises(HardwareError, match=message) as info:
        await sim.set_limit(1, limit, unit, phases)
    assert info.value.permanent is True
    assert sim.snapshot(1)["limit"] is None


async def test_it_resets_by_stopping_delivery_and_dropping_limits():
    sim, clock, _ = await charging()
    await sim.set_limit(1, Decimal(10), "A", None)
    await sim.set_limit(0, Decimal(5000), "W", None)
    await sim.reset("Hard")
    assert await energy_after(sim, clock, hours=1) == 0
    snapshot = sim.snapshot(1)
    assert (snapshot["plugged"], snapshot["delivery_enabled"], snapshot["limit"]) == (True, False, None)
    assert sim.snapshot(0)["reset_count"] == 1
    assert sim.snapshot(0)["last_reset"] == "Hard"
    assert sim.snapshot(0)["limit"] is None
    with pytest.raises(HardwareError, match="Soft") as info:
        await sim.reset("Warm")
    assert info.value.permanent is True


async def test_it_never_integrates_backwards_in_time():
    sim, clock, _ = await charging()
    clock.advance(hours=1)
    await read(sim, 1)
    clock.advance(hours=-2)
    await read(sim, 1)
    assert sim.snapshot(1)["energy_wh"] == 11000.0
    clock.advance(hours=1, minutes=30)  # still before the last integration: nothing more
    assert sim.snapshot(1)["energy_wh"] == 11000.0
    clock.advance(minutes=36)  # 6 min past it
    assert sim.snapshot(1)["energy_wh"] == 12100.0


async def test_it_projects_energy_in_the_snapshot_without_committing_it():
    sim, clock, events = await charging()
    clock.advance(minutes=30)
    snapshot = sim.snapshot(1)
    assert (snapshot["energy_wh"], snapshot["power_w"], snapshot["delivering"]) == (5500.0, 11000.0, True)
    assert sim.snapshot(1) == snapshot
    assert value(await read(sim, 1), "Energy.Active.Import.Register") == Decimal("5500.0")


# -- the EV's battery --------------------------------------------------------------------------


async def test_it_raises_the_soc_with_the_energy_drawn():
    sim, clock, _ = await charging(battery_wh=50000, initial_soc=20)
    assert value(await read(sim, 1), "SoC") == Decimal("20.0")
    clock.advance(hours=1)
    sample = await read(sim, 1)
    assert value(sample, "SoC") == Decimal("42.0")  # 20 % + 11 kWh of 50 kWh
    assert sample.reading("SoC") == MeterReading(measurand="SoC", value=Decimal("42.0"), unit="Percent", location="EV")
    assert sim.snapshot(1)["soc_percent"] == 42.0


async def test_it_reports_no_soc_without_an_ev_and_a_fresh_soc_for_the_next_one():
    sim, clock, _ = await charging(initial_soc=30)
    clock.advance(hours=1)
    await sim.unplug(1)
    assert (await read(sim, 1)).reading("SoC") is None
    assert sim.snapshot(1)["soc_percent"] is None
    await sim.plug(1)
    assert value(await read(sim, 1), "SoC") == Decimal("30.0")


async def test_it_suspends_a_full_ev_exactly_when_its_battery_is_full():
    sim, clock, events = await charging(battery_wh=10000, initial_soc=50)
    clock.advance(hours=1)  # 11 kWh on offer, 5 kWh of room
    sample = await read(sim, 1)
    assert value(sample, "Energy.Active.Import.Register") == Decimal("5000.0")
    assert value(sample, "SoC") == Decimal("100.0")
    assert value(sample, "Power.Active.Import") == 0
    assert events == [PlugIn(connector_id=1), EvSuspended(connector_id=1)]
    await sim.ev_resume(1)  # a full EV may say so, but draws nothing
    assert await energy_after(sim, clock, hours=1) == 0


async def test_it_shows_a_full_ev_in_the_snapshot_before_anything_commits_it():
    sim, clock, events = await charging(battery_wh=10000, initial_soc=90)
    clock.advance(hours=1)
    snapshot = sim.snapshot(1)
    assert (snapshot["ev_suspended"], snapshot["power_w"], snapshot["energy_wh"]) == (True, 0.0, 1000.0)
    assert events == [PlugIn(connector_id=1)]


# -- samples -----------------------------------------------------------------------------------


async def test_it_samples_every_measurand_with_its_unit_phase_and_location():
    sim, clock, _ = await charging()
    clock.advance(minutes=1)
    sample = await read(sim, 1)
    assert sample.connector_id == 1
    assert sample.timestamp == START + timedelta(minutes=1)
    shape = [(r.measurand, r.phase, r.unit, r.location) for r in sample.readings]
    phases = ("L1", "L2", "L3")
    assert shape == [
        ("Energy.Active.Import.Register", None, "Wh", "Outlet"),
        *[("Energy.Active.Import.Register", p, "Wh", "Outlet") for p in phases],
        ("Power.Active.Import", None, "W", "Outlet"),
        *[("Power.Active.Import", p, "W", "Outlet") for p in phases],
        *[("Current.Import", p, "A", "Outlet") for p in phases],
        *[("Voltage", p, "V", "Outlet") for p in phases],
        *[("Frequency", p, "", None) for p in phases],
        ("Current.Offered", None, "A", "Outlet"),
        ("Power.Offered", None, "W", "Outlet"),
        ("Temperature", None, "Celsius", "Body"),
        ("SoC", None, "Percent", "EV"),
    ]


async def test_it_uses_only_wire_values_of_the_ocpp_enumerations():
    sim, _, _ = await charging()
    for reading in (await read(sim, 1)).readings:
        assert reading.measurand in set(Measurand)
        assert reading.phase is None or reading.phase in set(Phase)
        assert reading.location is None or reading.location in set(Location)
        assert reading.unit in set(UnitOfMeasure) or (reading.measurand, reading.unit) == ("Frequency", "")


async def test_it_gives_plausible_voltage_frequency_and_temperature():
    sim, clock, _ = await charging()
    for _ in range(60):
        clock.advance(seconds=1)
        sample = await read(sim, 1)
        for phase in ("L1", "L2", "L3"):
            assert Decimal(229) <= value(sample, "Voltage", phase) <= Decimal(231)
            assert Decimal("49.9") <= value(sample, "Frequency", phase) <= Decimal("50.1")
        assert Decimal(25) <= value(sample, "Temperature") <= Decimal(40)
    idle, _, _ = make()
    assert value(await idle.sample(1), "Temperature") == Decimal("25.0")


async def test_it_offers_the_rating_when_unlimited():
    sim, _, _ = await charging()
    sample = await read(sim, 1)
    assert value(sample, "Current.Offered") == Decimal("32.00")
    assert value(sample, "Power.Offered") == Decimal("22080.0")


async def test_it_samples_only_the_phases_of_a_single_phase_station():
    sim, clock, _ = await charging(phases=1, power_w=7360)
    clock.advance(hours=1)
    sample = await read(sim, 1)
    assert {r.phase for r in sample.readings} == {None, "L1"}
    assert value(sample, "Current.Import", "L1") == Decimal("32.00")
    assert value(sample, "Energy.Active.Import.Register") == Decimal("7360.0")


async def test_it_has_no_meter_on_connector_zero():
    sim, _, _ = make()
    assert await sim.sample(0) is None


async def test_it_returns_samples_without_reporting_them():
    sim, _, events = make()
    await read(sim, 1)
    assert events == []


# -- reporting ---------------------------------------------------------------------------------


async def test_it_delivers_events_to_every_subscriber_in_order():
    sim, clock, first = make(2)
    second: list[object] = []

    async def slow(event: object) -> None:
        await asyncio.sleep(0)
        second.append(event)

    sim.subscribe(slow)
    await sim.plug(2)
    await sim.present_token(2, "T1")
    await sim.ev_suspend(2)
    await sim.ev_resume(2)
    fault = await sim.raise_fault(2, "PowerMeterFailure")
    await sim.clear_faults(2)
    await sim.unplug(2)
    expected = [
        PlugIn(connector_id=2),
        TokenPresented(connector_id=2, id_tag="T1"),
        EvSuspended(connector_id=2),
        EvResumed(connector_id=2),
        FaultRaised(connector_id=2, error_code="PowerMeterFailure", fault_id=fault),
        FaultCleared(connector_id=2),
        Unplug(connector_id=2),
    ]
    assert first == expected
    assert second == expected


async def test_it_reports_a_full_battery_before_the_event_that_noticed_it():
    sim, clock, events = await charging(battery_wh=1000, initial_soc=0)
    clock.advance(hours=1)
    with pytest.raises(SimulatorStateError):
        await sim.plug(1)  # fails, but the EV got full meanwhile and that is still reported
    await sim.unplug(1)
    assert events == [PlugIn(connector_id=1), EvSuspended(connector_id=1), Unplug(connector_id=1)]


async def test_it_pushes_a_sample_of_every_connector_each_period():
    clock = FakeClock()
    sleep = ManualSleep(clock)
    sim = SimulatorAdapter(2, clock=clock, sleep=sleep, sample_interval=10)
    received: asyncio.Queue[object] = asyncio.Queue()
    sim.subscribe(received.put_nowait)
    await sim.plug(1)
    await sim.resume_charging(1)
    assert received.get_nowait() == PlugIn(connector_id=1)
    await sim.start()
    await sim.start()  # already running: no second sampler
    for period in (1, 2, 3):
        sleep.release()
        pushed = [await asyncio.wait_for(received.get(), UNIT) for _ in (1, 2)]
        samples = [s for s in pushed if isinstance(s, MeterSample)]
        assert [s.connector_id for s in samples] == [1, 2]
        assert all(s.timestamp == START + timedelta(seconds=10 * period) for s in samples)
        expected = (Decimal(11000) * 10 * period / 3600).quantize(Decimal("0.1"), "ROUND_FLOOR")
        assert value(samples[0], "Energy.Active.Import.Register") == expected
        assert value(samples[1], "Energy.Active.Import.Register") == 0
    await sim.stop()
    await sim.stop()
    assert sleep.requested == [10, 10, 10, 10]
    sleep.release()
    await asyncio.sleep(0)
    assert received.empty()


async def test_it_keeps_sampling_after_a_failed_round(caplog):
    clock = FakeClock()
    sleep = ManualSleep(clock)
    sim = SimulatorAdapter(clock=clock, sleep=sleep, sample_interval=1)
    received: asyncio.Queue[object] = asyncio.Queue()
    sim.subscribe(received.put_nowait)
    await sim.start()
    real = clock.now
    clock.now = datetime(2025, 1, 1)  # a broken clock: naive
    with caplog.at_level(logging.ERROR, logger="hardware.simulator"):
        sleep.release()
        for _ in range(100):
            if len(sleep.requested) == 2:
                break
            await asyncio.sleep(0)
    assert "meter sampling failed" in caplog.text
    clock.now = real
    sleep.release()
    sample = await asyncio.wait_for(received.get(), UNIT)
    assert isinstance(sample, MeterSample)
    await sim.stop()


# -- determinism and invariants ----------------------------------------------------------------


async def script(sim: SimulatorAdapter, clock: FakeClock) -> list[object]:
    samples: list[object] = []
    await sim.plug(1)
    await sim.present_token(1, "CARD")
    await sim.lock(1)
    await sim.resume_charging(1)
    for minutes in (1, 7, 13):
        clock.advance(minutes=minutes, seconds=17)
        samples.append(await read(sim, 1))
        samples.append(await read(sim, 2))
    await sim.set_limit(1, Decimal("13.5"), "A", 2)
    await sim.ev_suspend(1)
    clock.advance(seconds=333)
    await sim.ev_resume(1)
    clock.advance(seconds=4444)
    samples.append(await read(sim, 1))
    samples.append(sim.snapshot(1))
    return samples


async def test_it_gives_identical_samples_for_identical_inputs():
    first, first_clock, first_events = make(2)
    second, second_clock, second_events = make(2)
    assert await script(first, first_clock) == await script(second, second_clock)
    assert first_events == second_events


_OPS = st.one_of(
    st.tuples(st.just("advance"), st.integers(min_value=-600, max_value=7200)),
    st.tuples(
        st.sampled_from(
            ["plug", "unplug", "ev_suspend", "ev_resume", "pause_charging", "resume_charging", "enable", "disable"]
        ),
        st.integers(min_value=0, max_value=2),
    ),
    st.tuples(
        st.just("set_limit"),
        st.integers(min_value=0, max_value=2),
        st.one_of(st.none(), st.integers(min_value=0, max_value=40_000)),
        st.sampled_from(["A", "W"]),
        st.sampled_from([None, 1, 3]),
    ),
    st.tuples(st.just("power_w"), st.integers(min_value=1, max_value=2), st.integers(min_value=0, max_value=50_000)),
    st.tuples(st.just("fault"), st.integers(min_value=0, max_value=2), st.booleans()),
    st.tuples(st.just("clear_faults"), st.integers(min_value=0, max_value=2)),
    st.tuples(st.just("reset"), st.sampled_from(["Soft", "Hard"])),
)


async def _apply(sim: SimulatorAdapter, clock: FakeClock, op: tuple[Any, ...]) -> None:
    name, *args = op
    match name:
        case "advance":
            clock.advance(seconds=args[0])
        case "set_limit":
            connector, limit, unit, phases = args
            await sim.set_limit(connector, None if limit is None else Decimal(limit), unit, phases)
        case "power_w":
            await sim.set_knobs(args[0], power_w=args[1])
        case "fault":
            await sim.raise_fault(args[0], "OtherError", is_fault=args[1])
        case "reset":
            await sim.reset(args[0])
        case _:
            await getattr(sim, name)(*args)


@settings(max_examples=150, deadline=None)
@given(ops=st.lists(_OPS, max_size=40))
def test_it_never_lets_an_energy_register_decrease(ops):
    async def run() -> None:
        sim, clock, _ = make(2, battery_wh=20000)
        last: dict[tuple[int, str | None], Decimal] = {}
        for op in ops:
            with contextlib.suppress(SimulatorStateError, UnknownConnector):
                await _apply(sim, clock, op)
            for n in (1, 2):
                sample = await sim.sample(n)
                for phase in (None, "L1", "L2", "L3"):
                    register = value(sample, "Energy.Active.Import.Register", phase)
                    assert register >= last.get((n, phase), Decimal(0))
                    last[(n, phase)] = register
                assert Decimal(sim.snapshot(n)["energy_wh"]) >= last[(n, None)] - Decimal("0.1")
                assert 0 <= value(sample, "Power.Active.Import") <= 22080

    asyncio.run(run())


# -- firmware and logs -------------------------------------------------------------------------
async def test_it_installs_the_version_a_simfw_image_declares(tmp_path):
    from ocpp_core.commands import InstallFirmware

    sim, _, events = make(firmware_version="1.0.0")
    image = tmp_path / "anything.bin"
    image.write_bytes(b"SIMFW 2.1.0-rc1\n\x00\x01payload")
    assert sim.snapshot(0)["firmware_version"] == "1.0.0"
    assert await sim.execute(InstallFirmware(ref="fw-1-install", path=str(image))) == "2.1.0-rc1"
    assert sim.snapshot(0)["firmware_version"] == "2.1.0-rc1" and sim.snapshot(0)["firmware_installs"] == 1
    assert events == []  # nothing the engine observes: the version shows after the reboot


async def test_it_takes_the_version_of_another_image_from_its_name(tmp_path):
    sim, _, _ = make()
    image = tmp_path / "firmware-3.2.bin"
    image.write_bytes(b"\x7fELF not a simulator image")
    assert await sim.install_firmware(image) == "firmware-3.2"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b" \n\n", "empty"),
        (b"SIMFW\npayload", "corrupt"),
        (b"SIMFW " + b"9" * 51 + b"\n", "corrupt"),
        (b"SIMFW two words\n", "corrupt"),
    ],
)
async def test_it_refuses_an_image_it_cannot_install(tmp_path, content, message):
    sim, _, _ = make(firmware_version="1.0.0")
    image = tmp_path / "fw.bin"
    image.write_bytes(content)
    with pytest.raises(HardwareError, match=message) as refused:
        await sim.install_firmware(image)
    assert refused.value.permanent is True
    assert sim.snapshot(0)["firmware_version"] == "1.0.0"


async def test_it_fails_an_installation_when_told_to_or_when_the_image_is_gone(tmp_path):
    sim, _, _ = make(firmware_version="1.0.0")
    with pytest.raises(HardwareError, match="cannot be read"):
        await sim.install_firmware(tmp_path / "missing.bin")
    image = tmp_path / "fw.bin"
    image.write_bytes(b"SIMFW 2.0\n")
    sim.firmware_install_fails = True
    with pytest.raises(HardwareError, match="simulated") as failed:
        await sim.install_firmware(image)
    assert failed.value.permanent is False
    sim.firmware_install_fails = False
    assert await sim.install_firmware(image) == "2.0"


async def test_it_hands_its_state_over_for_a_diagnostics_bundle():
    import json

    sim, _, _ = make(2, firmware_version="1.0.0")
    await sim.plug(1)
    logs = await sim.collect_logs()
    state = json.loads(logs["simulator.json"])
    assert [entry["connector_id"] for entry in state] == [0, 1, 2]
    assert state[0]["firmware_version"] == "1.0.0" and state[1]["plugged"] is True


async def test_it_gives_hardware_without_firmware_support_a_permanent_refusal(tmp_path):
    from hardware.base import AdapterBase

    sim, _, _ = make()  # the base class's defaults, called on an adapter that has the rest
    with pytest.raises(HardwareError, match="cannot install firmware") as refused:
        await AdapterBase.install_firmware(sim, tmp_path / "fw.bin")
    assert refused.value.permanent is True
    assert await AdapterBase.collect_logs(sim) == {}

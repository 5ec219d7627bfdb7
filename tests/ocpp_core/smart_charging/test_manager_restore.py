"""Installed profiles survive a restart (erratum 3.37), checked again; expired ones are purged."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from ocpp_core.chargepoint import ChargePoint
from ocpp_core.commands import SetChargingLimit
from ocpp_core.config import ConfigRegistry
from ocpp_core.enums import ChargingRateUnitType
from ocpp_core.storage import ChargingProfileDelete, ChargingProfileRecord, Snapshot
from tests.ocpp_core.helpers import T0, config
from tests.ocpp_core.smart_charging.test_handlers import (
    SMART_CHARGING,
    ops_of,
    profile,
    set_profile,
    smart_station,
    stored,
)
from tests.ocpp_core.station_harness import StationHarness

START = {"startSchedule": "2026-03-01T12:00:00Z"}


def station_data(**smart: Any) -> dict[str, Any]:
    return config(Core={"MeterValueSampleInterval": 0}, SmartCharging={**SMART_CHARGING, **smart})


def ids(h: StationHarness) -> list[int]:
    return [view.profile.charging_profile_id for view in h.cp.smart_charging.installed()]


def test_it_restores_the_installed_profiles_after_a_restart():
    h = smart_station()
    set_profile(h, 0, profile(1, periods=((0, 16), (100, 8))))
    set_profile(h, 2, profile(2, stack=1, periods=((0, 6),)))
    before = [h.cp.smart_charging.composite(n, h.now, 300, ChargingRateUnitType.A) for n in (0, 1, 2)]
    again = h.restart()
    again.play(again.boot(interval=86400))
    assert ids(again) == [1, 2]
    assert [again.cp.smart_charging.composite(n, again.now, 300, ChargingRateUnitType.A) for n in (0, 1, 2)] == before
    assert ops_of(again, ChargingProfileDelete) == []
    assert again.store.snapshot().charging_profiles == h.store.snapshot().charging_profiles


def test_it_applies_the_limits_of_the_restored_profiles_at_start():
    h = smart_station()
    set_profile(h, 0, profile(1, purpose="ChargePointMaxProfile", kind="Absolute", periods=((0, 20),), schedule=START))
    again = h.restart()
    again.connect()
    applied = [(c.connector_id, c.limit) for c in again.commands_of(SetChargingLimit)]
    assert applied == [(0, Decimal(20)), (1, Decimal(20)), (2, Decimal(20))]


def test_it_drops_stored_profiles_that_no_longer_fit_the_configuration():
    h = StationHarness(station_data())
    h.play(h.boot(interval=86400))
    set_profile(h, 1, profile(1, stack=2))
    set_profile(h, 1, profile(2, stack=8))
    set_profile(h, 2, profile(3, unit="W", periods=((0, 7000),)))
    again = h.restart(
        data=station_data(ChargeProfileMaxStackLevel=5, ChargingScheduleAllowedChargingRateUnit="Current")
    )
    again.connect()
    assert ids(again) == [1]
    assert sorted(op.profile_id for op in ops_of(again, ChargingProfileDelete)) == [2, 3]
    assert sorted(stored(again)) == [1]


def test_it_keeps_no_more_than_max_charging_profiles_installed_at_start():
    h = StationHarness(station_data())
    h.play(h.boot(interval=86400))
    for pid in (1, 2, 3):
        set_profile(h, 1, profile(pid, stack=pid))
    again = h.restart(data=station_data(MaxChargingProfilesInstalled=2))
    again.connect()
    assert ids(again) == [1, 2]
    assert ops_of(again, ChargingProfileDelete) == [ChargingProfileDelete(profile_id=3)]


def test_it_deletes_a_stored_profile_it_cannot_read():
    records = (
        ChargingProfileRecord(connector_id=1, profile={"chargingProfileId": 7, "stackLevel": "high"}),
        ChargingProfileRecord(connector_id=9, profile=profile(8)),
        ChargingProfileRecord(connector_id=1, profile=profile(9)),
    )
    h = StationHarness(station_data(), Snapshot(charging_profiles=records))
    h.connect()
    assert ids(h) == [9]
    assert sorted(op.profile_id for op in ops_of(h, ChargingProfileDelete)) == [7, 8]


def test_it_passes_over_a_stored_record_without_a_profile_id():
    # No store can hold one (profiles are stored by id): the engine is fed the snapshot directly.
    records = (
        ChargingProfileRecord(connector_id=1, profile={"stackLevel": 0}),
        ChargingProfileRecord(connector_id=1, profile=profile(9)),
    )
    cp = ChargePoint(ConfigRegistry.from_json(station_data()), Snapshot(charging_profiles=records))
    cp.connection_made(T0)
    assert [view.profile.charging_profile_id for view in cp.smart_charging.installed()] == [9]
    assert not any(isinstance(op, ChargingProfileDelete) for op in cp.storage_ops())


def test_it_does_not_need_the_transaction_of_a_restored_tx_profile():
    records = (ChargingProfileRecord(connector_id=1, profile=profile(4, purpose="TxProfile", transactionId=12)),)
    h = StationHarness(station_data(), Snapshot(charging_profiles=records))
    h.connect()
    assert ids(h) == [4]


def test_it_clears_the_tx_profile_of_a_transaction_a_power_loss_ended():
    h = smart_station()
    tx_id = h.charging(1)
    set_profile(h, 1, profile(1, purpose="TxProfile", transactionId=tx_id))
    set_profile(h, 1, profile(2))
    again = h.restart()
    seen = again.play(again.boot(interval=86400))
    assert f"StopTransaction {tx_id} PowerLoss" in seen
    assert ids(again) == [2] and sorted(stored(again)) == [2]


def test_it_purges_expired_profiles_at_start():
    h = smart_station()
    set_profile(h, 1, profile(1, validTo="2026-03-01T13:00:00Z"))
    absolute = profile(2, kind="Absolute", schedule={**START, "duration": 7200}, stack=1)
    set_profile(h, 1, absolute)
    set_profile(h, 1, profile(3, stack=2))
    h.now += timedelta(hours=1)
    again = h.restart()
    again.connect()
    assert ids(again) == [2, 3]
    assert ops_of(again, ChargingProfileDelete) == [ChargingProfileDelete(profile_id=1)]


def test_it_purges_expired_profiles_every_day():
    h = smart_station()
    set_profile(h, 1, profile(1, kind="Absolute", schedule={**START, "duration": 3600}))
    set_profile(h, 1, profile(2, stack=1, validTo="2026-03-02T18:00:00Z"))
    h.advance(86400 - 1)
    assert ids(h) == [1, 2]
    h.advance(1)
    assert ids(h) == [2] and sorted(stored(h)) == [2]
    h.advance(86400)
    assert ids(h) == []
    assert [op.profile_id for op in ops_of(h, ChargingProfileDelete)] == [1, 2]

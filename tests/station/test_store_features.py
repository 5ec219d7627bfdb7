"""DjangoStore and the feature components' journal: charging profiles, reservations, feature state.

test_store.py holds the parity tests over every kind of operation together; test_store_postgresql.py
runs this module again on PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ocpp_core.storage import (
    ChargingProfileDelete,
    ChargingProfilePut,
    FeatureStateSet,
    MemoryStore,
    ReservationDelete,
    ReservationPut,
    Snapshot,
    StorageOp,
)
from ocpp_core.timeutil import format_datetime
from station.store import DjangoStore
from tests.ocpp_core.helpers import config
from tests.ocpp_core.station_harness import StationHarness
from tests.station.journal_examples import (  # close_store_connections: an autouse fixture
    T0,
    RecordingStore,
    assert_same_snapshot,
    close_store_connections,  # noqa: F401
    feature_component_ops,
    profile_put,
    reservation,
    wipe,
)

pytestmark = pytest.mark.django_db(transaction=True)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(batches=st.lists(st.lists(feature_component_ops, max_size=6), min_size=2, max_size=6))
async def test_it_keeps_profiles_reservations_and_feature_state_as_the_memory_store_does(batches):
    # Replacements, deletes and puts again of the same ids, over several batches: the order
    # (install order for profiles) must be the memory store's.
    await sync_to_async(wipe)()
    store, memory = DjangoStore(), MemoryStore()
    for ops in batches:
        await memory.apply(ops)
        await store.apply(ops)
        assert_same_snapshot(await store.load(), memory.snapshot())


async def test_it_gives_profiles_back_exactly_as_the_engine_gave_them():
    await DjangoStore().apply([profile_put(1, 1, Decimal("6.1"), Decimal("16.0"), Decimal("12345678901234567.8"))])
    (loaded,) = (await DjangoStore().load()).charging_profiles
    limits = [period["limit"] for period in loaded.profile["chargingSchedule"]["chargingSchedulePeriod"]]
    # Not through a float: 12345678901234567.8 would read 12345678901234568.
    assert limits == [Decimal("6.1"), Decimal("16.0"), Decimal("12345678901234567.8")]
    assert all(isinstance(limit, Decimal) for limit in limits)
    assert type(loaded.profile["chargingSchedule"]["chargingSchedulePeriod"][1]["startPeriod"]) is int
    assert loaded == profile_put(1, 1, Decimal("6.1"), Decimal("16.0"), Decimal("12345678901234567.8")).record


async def test_it_puts_a_replaced_profile_last_and_keeps_a_replaced_reservation_in_place():
    ops_batches: list[list[StorageOp]] = [
        [profile_put(1), profile_put(2), profile_put(3), reservation(1), reservation(2), reservation(3)],
        [profile_put(1, 2, Decimal("10.0")), reservation(1, 2, "TAG-BOB"), profile_put(4)],
        [ChargingProfileDelete(profile_id=2), profile_put(2), ReservationDelete(reservation_id=2), reservation(2)],
        [ChargingProfileDelete(profile_id=99), ReservationDelete(reservation_id=99)],  # absent: not an error
    ]
    store, memory = DjangoStore(), MemoryStore()
    for ops in ops_batches:
        await store.apply(ops)
        await memory.apply(ops)
    loaded = await store.load()
    assert_same_snapshot(loaded, memory.snapshot())
    assert [(r.profile_id, r.connector_id) for r in loaded.charging_profiles] == [(3, 1), (1, 2), (4, 1), (2, 1)]
    assert [(r.reservation_id, r.id_tag) for r in loaded.reservations] == [
        (1, "TAG-BOB"),
        (3, "TAG-ALICE"),
        (2, "TAG-ALICE"),
    ]


async def test_it_sets_replaces_and_deletes_feature_state():
    store, memory = DjangoStore(), MemoryStore()
    ops_batches: list[list[StorageOp]] = [
        [FeatureStateSet(name="firmware", value={"state": "Downloading"}), FeatureStateSet(name="x", value={})],
        [FeatureStateSet(name="firmware", value={"state": "Installing", "at": "2026-03-01T12:00:00Z"})],
        [FeatureStateSet(name="x", value=None), FeatureStateSet(name="gone", value=None)],  # None deletes
    ]
    for ops in ops_batches:
        await store.apply(ops)
        await memory.apply(ops)
    loaded = await store.load()
    assert_same_snapshot(loaded, memory.snapshot())
    assert loaded.feature_state == {"firmware": {"state": "Installing", "at": "2026-03-01T12:00:00Z"}}


#: (name, value, what the error says) of feature state the store refuses
NOT_JSON_STATE: list[tuple[str, Any, str]] = [
    ("firmware", {"at": T0}, "is not JSON"),
    ("firmware", {"limit": Decimal("1.5")}, "is not JSON"),
    ("firmware", {"ratio": float("nan")}, "is not JSON"),
    ("firmware", {"ids": (1, 2)}, "reads back equal"),
    ("firmware", {"by_connector": {1: "a"}}, "reads back equal"),
    ("firmware", ["not", "an", "object"], "reads back equal"),
    ("firmware", {"text": "a\x00b"}, "NUL"),
    ("", {"state": "Idle"}, "name '' is not"),
    ("f" * 101, {"state": "Idle"}, "name 'f+' is not"),
]


async def test_it_refuses_feature_state_that_is_not_json_and_applies_nothing():
    store = DjangoStore()
    await store.apply([FeatureStateSet(name="diagnostics", value={"state": "Idle"})])
    before = await store.load()
    for name, value, reason in NOT_JSON_STATE:  # one test: each database flush costs ~1 s on PostgreSQL
        with pytest.raises(ValueError, match=reason):
            await store.apply([profile_put(1), FeatureStateSet(name=name, value=value)])
        assert_same_snapshot(await store.load(), before)


def profiles_and_reservations() -> tuple[list[list[StorageOp]], Snapshot, StationHarness]:
    """A station given charging profiles (one replaced) and reservations (one cancelled) by its
    central system. Runs ``asyncio.run`` inside: call it in a thread."""
    from tests.ocpp_core.smart_charging.test_handlers import SMART_CHARGING, profile, set_profile

    h = StationHarness(config(Core={"MeterValueSampleInterval": 0}, SmartCharging=SMART_CHARGING))
    h.store = RecordingStore()
    h.play(h.boot(interval=86400))
    cap = profile(
        1, purpose="ChargePointMaxProfile", kind="Absolute", schedule={"startSchedule": "2026-03-01T11:00:00Z"}
    )
    assert set_profile(h, 0, cap) == "Accepted"
    assert set_profile(h, 1, profile(2, stack=1, periods=((0, 6.1), (600, 12.3)))) == "Accepted"
    assert set_profile(h, 0, profile(3, periods=((0, 20),))) == "Accepted"
    assert set_profile(h, 0, {**cap, "chargingSchedule": {**cap["chargingSchedule"], "minChargingRate": 0.1}}) == (
        "Accepted"  # replaces profile 1: now the last one installed
    )
    expiry = format_datetime(h.now + timedelta(hours=2))
    for reservation_id, connector_id in ((7, 2), (8, 1)):
        payload = {"connectorId": connector_id, "expiryDate": expiry, "idTag": "TAG1", "reservationId": reservation_id}
        assert h.play(h.call("ReserveNow", payload, f"cs-r{reservation_id}"))[0] == "conf Accepted"
    assert h.play(h.call("CancelReservation", {"reservationId": 8}, "cs-c"))[0] == "conf Accepted"
    return h.store.batches, h.store.snapshot(), h


def composite_schedule(h: StationHarness) -> dict[str, Any]:
    frames = h.call("GetCompositeSchedule", {"connectorId": 1, "duration": 3600}, "cs-gcs")
    assert frames[0][0] == 3, frames
    payload: dict[str, Any] = frames[0][2]
    return payload


async def test_it_stores_what_the_smart_charging_and_reservation_features_journal_and_restores_it():
    batches, expected, h = await asyncio.to_thread(profiles_and_reservations)
    kinds = {type(op) for ops in batches for op in ops}
    assert {ChargingProfilePut, ReservationPut, ReservationDelete} <= kinds

    store = DjangoStore()
    for ops in batches:
        await store.apply(ops)
    await DjangoStore().close()  # as at a restart
    loaded = await DjangoStore().load()

    assert_same_snapshot(loaded, expected)
    assert [r.profile_id for r in loaded.charging_profiles] == [2, 3, 1]
    assert [(r.reservation_id, r.connector_id) for r in loaded.reservations] == [(7, 2)]
    limits = [p["limit"] for p in loaded.charging_profiles[0].profile["chargingSchedule"]["chargingSchedulePeriod"]]
    assert limits == [Decimal("6.1"), Decimal("12.3")]

    # A power cycle on what the database holds: the same profiles in force, the connector Reserved.
    before = await asyncio.to_thread(composite_schedule, h)
    again = StationHarness(h.data, loaded, generation="b", now=h.now)
    await asyncio.to_thread(lambda: again.play(again.boot(interval=86400)))
    assert [(s["connectorId"], s["status"]) for s in again.statuses] == [
        (0, "Available"),
        (1, "Available"),
        (2, "Reserved"),
    ]
    assert await asyncio.to_thread(composite_schedule, again) == before
    assert [(v.connector_id, v.profile.charging_profile_id) for v in again.cp.smart_charging.installed()] == [
        (0, 1),
        (0, 3),
        (1, 2),
    ]

"""The journal's models: conversions, upserts, the transactions list of the control API, charts,
and the feature components' journal (charging profiles, reservations, feature state)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection

from ocpp_core import enums
from ocpp_core.storage import (
    ChargingProfileRecord,
    IdTagRecord,
    MeterValueAppend,
    QueuedMessage,
    ReservationRecord,
)
from station import models_features
from station.models import (
    AuthCacheEntry,
    AuthorizationStatus,
    ChargingProfile,
    ConfigOverride,
    ConnectorAvailability,
    FeatureState,
    LocalListEntry,
    LocalListVersion,
    Reservation,
    StopReason,
    Transaction,
    TransactionMeterValue,
)
from station.models import QueuedMessage as QueuedMessageRow
from tests.station.journal_examples import T0, tx

pytestmark = pytest.mark.django_db

record = tx  # a TransactionRecord of the demo session, with ``**changes``


def meter_value(tx_key: str, seconds: int, *sampled: dict[str, str], timestamp: str | None = None) -> MeterValueAppend:
    time = timestamp if timestamp is not None else f"2026-03-01T12:{seconds // 60:02d}:{seconds % 60:02d}Z"
    return MeterValueAppend(
        tx_key=tx_key, connector_id=1, meter_value={"timestamp": time, "sampledValue": list(sampled)}
    )


def test_it_mirrors_the_ocpp_enumerations():
    assert sorted(AuthorizationStatus.values) == sorted(s.value for s in enums.AuthorizationStatus)
    assert sorted(StopReason.values) == sorted(r.value for r in enums.Reason)


# --- the transactions list (CONTROL_API §3) ----------------------------------------------------


def test_it_lists_transactions_newest_first_in_the_control_api_shape():
    Transaction.journal(
        [
            record(
                "k-1",
                transaction_id=41,
                stop_time=T0 + timedelta(minutes=30),
                meter_stop=4000,
                stop_reason="EVDisconnected",
                acknowledged=True,
            ),
            record("k-3", connector_id=2, id_tag="TAG-BOB", start_time=T0 + timedelta(hours=2), meter_start=0),
            record("k-2", transaction_id=42, start_time=T0 + timedelta(hours=1)),
        ]
    )

    listed = Transaction.api_list()

    assert listed == [
        {
            "transaction_id": None,
            "connector_id": 2,
            "id_tag": "TAG-BOB",
            "meter_start": 0,
            "meter_stop": None,
            "start": "2026-03-01T14:00:00.123Z",
            "stop": None,
            "reason": None,
            "acknowledged": False,
        },
        {
            "transaction_id": 42,
            "connector_id": 1,
            "id_tag": "TAG-ALICE",
            "meter_start": 1000,
            "meter_stop": None,
            "start": "2026-03-01T13:00:00.123Z",
            "stop": None,
            "reason": None,
            "acknowledged": False,
        },
        {
            "transaction_id": 41,
            "connector_id": 1,
            "id_tag": "TAG-ALICE",
            "meter_start": 1000,
            "meter_stop": 4000,
            "start": "2026-03-01T12:00:00.123Z",
            "stop": "2026-03-01T12:30:00.123Z",
            "reason": "EVDisconnected",
            "acknowledged": True,
        },
    ]
    assert [row["transaction_id"] for row in Transaction.api_list(limit=2)] == [None, 42]


def test_it_lists_transactions_started_at_the_same_time_latest_journaled_first():
    Transaction.journal([record("k-1"), record("k-2"), record("k-3")])
    Transaction.journal([record("k-1", meter_last=2000)])  # an update does not reorder
    assert [row.tx_key for row in Transaction.objects.all()] == ["k-3", "k-2", "k-1"]
    assert len(Transaction.api_list()) == 3


def test_it_lists_nothing_when_there_are_no_transactions():
    assert Transaction.api_list() == []


# --- Transaction ----------------------------------------------------------------------------------


def test_it_converts_a_transaction_record_both_ways():
    full = record(
        "k-1",
        transaction_id=2**40,
        reservation_id=3,
        parent_id_tag="PARENT-1",
        start_status="Accepted",
        stop_time=T0 + timedelta(hours=1),
        meter_stop=2**35,
        stop_reason="Local",
        id_tag_end="TAG-BOB",
        acknowledged=True,
    )
    Transaction.journal([full, record("k-2")])
    assert Transaction.objects.get(tx_key="k-1").to_core() == full
    assert Transaction.objects.get(tx_key="k-2").to_core() == record("k-2")
    assert Transaction.unfinished() == (record("k-2"),)


def test_it_updates_a_transaction_in_place_and_stamps_the_change():
    Transaction.journal([record("k-1")])
    first = Transaction.objects.get()
    Transaction.journal([record("k-1", meter_last=1500, meter_last_time=T0 + timedelta(minutes=1))])
    updated = Transaction.objects.get()
    assert (updated.pk, updated.meter_last) == (first.pk, 1500)
    assert updated.updated_at >= first.updated_at


def test_it_tells_a_running_transaction_and_its_energy():
    running = Transaction.from_core(record("k-1", meter_last=1800))
    assert running.running and running.energy_wh == 800
    stopped = Transaction.from_core(record("k-2", meter_last=1800, stop_time=T0, meter_stop=2500))
    assert not stopped.running and stopped.energy_wh == 1500
    assert str(Transaction.from_core(record("k-3", transaction_id=7))) == "transaction 7 (k-3) on connector 1"
    assert str(running) == "transaction ? (k-1) on connector 1"


# --- meter values ---------------------------------------------------------------------------------


def test_it_keeps_meter_values_in_insertion_order_with_their_time():
    Transaction.journal([record("k-1"), record("k-2", acknowledged=True)])
    values = [
        meter_value("k-1", 60, {"value": "1100"}),
        meter_value("k-2", 0, {"value": "5"}),
        meter_value("k-1", 0, {"value": "1000"}),  # an earlier timestamp, journaled later
        meter_value("k-1", 0, {"value": "1"}, timestamp="not a time"),
    ]
    TransactionMeterValue.objects.bulk_create(TransactionMeterValue.from_core(v) for v in values)

    rows = list(TransactionMeterValue.objects.all())
    assert [(r.tx_key, r.timestamp) for r in rows] == [
        ("k-1", datetime(2026, 3, 1, 12, 1, tzinfo=UTC)),
        ("k-2", datetime(2026, 3, 1, 12, 0, tzinfo=UTC)),
        ("k-1", datetime(2026, 3, 1, 12, 0, tzinfo=UTC)),
        ("k-1", None),
    ]
    assert TransactionMeterValue.of_unfinished() == {"k-1": tuple(v.meter_value for v in values if v.tx_key == "k-1")}
    assert Transaction.objects.get(tx_key="k-1").meter_values.count() == 3


def test_it_reads_the_values_of_a_measurand_in_base_units():
    value = TransactionMeterValue.from_core(
        meter_value(
            "k-1",
            0,
            {"value": "12.5", "unit": "kWh"},  # the default measurand: the energy register
            {"value": "7400", "measurand": "Power.Active.Import", "unit": "W"},
            {"value": "3.7", "measurand": "Power.Active.Import", "unit": "kW", "phase": "L1"},
            {"value": "16", "measurand": "Current.Import", "unit": "A", "phase": "L1"},
            {"value": "0xBEEF", "measurand": "Current.Import", "unit": "A", "phase": "L1"},
            {"value": "abc=", "format": "SignedData"},
            {"value": "13000"},
        )
    )
    assert value.readings() == [Decimal("12500.0"), Decimal("13000")]
    assert value.readings("Power.Active.Import") == [Decimal("7400")]
    assert value.readings("Power.Active.Import", phase="L1") == [Decimal("3700.0")]
    assert value.readings("Current.Import", phase="L1") == [Decimal("16")]
    assert value.readings("SoC") == []


def test_it_charts_a_measurand_over_a_transaction():
    Transaction.journal([record("k-1")])
    values = [
        meter_value("k-1", 0, {"value": "1000"}, {"value": "0", "measurand": "Power.Active.Import", "unit": "W"}),
        meter_value("k-1", 60, {"value": "1.1", "unit": "kWh"}, {"value": "6", "measurand": "Power.Active.Import"}),
        meter_value("k-1", 90, {"value": "1", "measurand": "SoC"}, timestamp="garbage"),
        meter_value("k-1", 120, {"value": "1200"}),
    ]
    TransactionMeterValue.objects.bulk_create(TransactionMeterValue.from_core(v) for v in values)
    minute = timedelta(minutes=1)
    start = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

    tx = Transaction.objects.get()
    expected_energy = [(start, Decimal(1000)), (start + minute, Decimal(1100)), (start + 2 * minute, Decimal(1200))]
    assert tx.series() == expected_energy
    assert tx.series("Power.Active.Import") == [(start, Decimal(0)), (start + minute, Decimal(6))]


# --- authorization cache, local list, availability, queue, configuration --------------------------


def rec(id_tag: str, status: str = "Accepted", **changes) -> IdTagRecord:
    return IdTagRecord(id_tag=id_tag, status=status, **changes)


@pytest.mark.parametrize("model", [AuthCacheEntry, LocalListEntry])
def test_it_upserts_id_tags_keeping_their_positions(model):
    model.upsert([rec("A"), rec("B", expiry_date=T0, parent_id_tag="P")])
    model.upsert([rec("C"), rec("A", "Blocked"), rec("C", "Expired")])  # the last of C wins, at C's place
    assert model.records() == (rec("A", "Blocked"), rec("B", expiry_date=T0, parent_id_tag="P"), rec("C", "Expired"))

    model.remove(["B", "MISSING"])
    model.upsert([rec("B")])
    assert [r.id_tag for r in model.records()] == ["A", "C", "B"]

    model.clear()
    model.upsert([])
    assert model.records() == ()


def test_it_describes_id_tag_entries():
    AuthCacheEntry.upsert([rec("A", "Blocked")])
    assert str(AuthCacheEntry.objects.get()) == "A (Blocked)"


def test_it_keeps_one_local_list_version():
    assert LocalListVersion.current() == 0
    LocalListVersion.set(5)
    LocalListVersion.set(6)
    assert LocalListVersion.current() == 6
    assert str(LocalListVersion.objects.get()) == "local list version 6"
    with pytest.raises(IntegrityError):
        LocalListVersion.objects.create(id=2, version=1)


def test_it_stores_connector_availability():
    ConnectorAvailability.upsert({1: (False, None), 0: (True, None)})
    ConnectorAvailability.upsert({1: (False, True), 2: (True, False)})
    assert ConnectorAvailability.snapshot() == {0: (True, None), 1: (False, True), 2: (True, False)}
    assert [str(row) for row in ConnectorAvailability.objects.all()] == [
        "connector 0 operative",
        "connector 1 inoperative (then operative)",
        "connector 2 operative (then inoperative)",
    ]


def test_it_upserts_and_removes_queued_messages():
    def message(seq: int, unique_id: str) -> QueuedMessage:
        return QueuedMessage(
            seq=seq,
            unique_id=unique_id,
            action="MeterValues",
            payload={"connectorId": 1, "x": Decimal("0.1")},
            transactional=True,
            created_at=T0,
            tx_key="k-1",
        )

    QueuedMessageRow.upsert([message(2, "a"), message(1, "b")])
    QueuedMessageRow.upsert([message(2, "c")])
    QueuedMessageRow.remove([1, 99])
    assert QueuedMessageRow.records() == (message(2, "c"),)


def test_it_stores_configuration_values_including_json_null():
    ConfigOverride.upsert({("Core", "HeartbeatInterval"): 60, ("Custom", "Unset"): None})
    ConfigOverride.upsert({("Core", "HeartbeatInterval"): 300})
    assert ConfigOverride.overlay() == {"Core": {"HeartbeatInterval": 300}, "Custom": {"Unset": None}}
    assert ConfigOverride.objects.filter(value__isnull=True).count() == 0  # JSON null, not SQL NULL


# --- the feature components' journal --------------------------------------------------------------


def charging_profile(pid: int, connector_id: int = 1, limit: Decimal = Decimal("16.0")) -> ChargingProfileRecord:
    return ChargingProfileRecord(
        connector_id=connector_id,
        profile={
            "chargingProfileId": pid,
            "stackLevel": 0,
            "chargingProfilePurpose": "TxDefaultProfile",
            "chargingProfileKind": "Relative",
            "chargingSchedule": {
                "chargingRateUnit": "A",
                "chargingSchedulePeriod": [{"startPeriod": 0, "limit": limit}],
            },
        },
    )


def stored_json(table: str, column: str) -> list[str]:
    """The JSON text the database holds in ``column`` of ``table``, by row."""
    cast = f"CAST({column} AS text)" if connection.vendor == "postgresql" else column
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {cast} FROM {table} ORDER BY id")  # our own table and column names
        return [row[0] for row in cursor.fetchall()]


def test_it_writes_decimals_as_the_json_numbers_they_spell():
    encode = models_features.ExactJSONEncoder().encode
    assert encode({"a": [Decimal("6.1"), Decimal("16.0"), 2, 0.5]}) == '{"a": [6.1, 16.0, 2, 0.5]}'
    assert encode(Decimal("12345678901234567.8")) == "12345678901234567.8"
    assert encode({"b": (Decimal("-0.0"), Decimal("1E+3"))}) == '{"b": [-0.0, 1E+3]}'
    assert encode({"text": "6.1", "nested": {"c": None}}) == '{"text": "6.1", "nested": {"c": null}}'
    with pytest.raises(ValueError, match="NaN is not a JSON number"):
        encode({"limit": Decimal("NaN")})
    decoded = json.loads(encode({"x": Decimal("0.1"), "n": 3}), cls=models_features.DecimalJSONDecoder)
    assert decoded == {"x": Decimal("0.1"), "n": 3} and type(decoded["x"]) is Decimal


def test_it_keeps_charging_profiles_in_install_order_with_exact_numbers():
    ChargingProfile.install([charging_profile(2, 0), charging_profile(1, 2, Decimal("12345678901234567.8"))])
    ChargingProfile.remove([2, 99])
    ChargingProfile.install([charging_profile(2, 1, Decimal("6.1"))])  # after the others: a new install
    assert ChargingProfile.records() == (
        charging_profile(1, 2, Decimal("12345678901234567.8")),
        charging_profile(2, 1, Decimal("6.1")),
    )
    # JSON numbers in the database, digit for digit (not strings, not rounded through a float)
    texts = stored_json("station_chargingprofile", "profile")
    limits = [json.loads(text, parse_float=str)["chargingSchedule"]["chargingSchedulePeriod"][0] for text in texts]
    assert [period["limit"] for period in limits] == ["12345678901234567.8", "6.1"]
    assert str(ChargingProfile.objects.first()) == "charging profile 1 (TxDefaultProfile) on connector 2"


def test_it_refuses_a_second_row_for_one_charging_profile_id():
    ChargingProfile.install([charging_profile(1)])
    with pytest.raises(IntegrityError):
        ChargingProfile.install([charging_profile(1, 2)])


def reservation_record(reservation_id: int, connector_id: int = 1, **changes) -> ReservationRecord:
    fields = {"id_tag": "TAG-ALICE", "expiry_date": T0 + timedelta(hours=1)}
    return ReservationRecord(reservation_id=reservation_id, connector_id=connector_id, **{**fields, **changes})


def test_it_upserts_reservations_keeping_their_positions():
    Reservation.upsert([reservation_record(7, 2), reservation_record(-1, 0, parent_id_tag="PARENT-1")])
    Reservation.upsert([reservation_record(9), reservation_record(7, 1, id_tag="TAG-BOB")])
    assert Reservation.records() == (
        reservation_record(7, 1, id_tag="TAG-BOB"),
        reservation_record(-1, 0, parent_id_tag="PARENT-1"),
        reservation_record(9),
    )
    Reservation.remove([7, 99])
    Reservation.upsert([reservation_record(7)])
    assert [r.reservation_id for r in Reservation.records()] == [-1, 9, 7]
    assert str(Reservation.objects.first()) == "reservation -1 of TAG-ALICE on connector 0"
    Reservation.upsert([])
    Reservation.remove([])


def test_it_stores_feature_state_by_name():
    FeatureState.upsert({"firmware": {"state": "Downloading", "retries": 1}, "diagnostics": {"ratio": 0.1}})
    first = FeatureState.objects.get(name="firmware")
    FeatureState.upsert({"firmware": {"state": "Installing"}})
    assert FeatureState.snapshot() == {"firmware": {"state": "Installing"}, "diagnostics": {"ratio": 0.1}}
    updated = FeatureState.objects.get(name="firmware")
    assert updated.pk == first.pk and updated.updated_at >= first.updated_at
    assert type(FeatureState.snapshot()["diagnostics"]["ratio"]) is float  # as given: no Decimal here
    FeatureState.remove(["firmware", "missing"])
    assert FeatureState.snapshot() == {"diagnostics": {"ratio": 0.1}}
    assert str(FeatureState.objects.get()) == "state of diagnostics"

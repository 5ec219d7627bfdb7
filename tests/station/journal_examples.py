"""Storage operations for the DjangoStore tests: Hypothesis strategies of every kind, builders of
single operations, the parity check against :class:`ocpp_core.storage.MemoryStore`, and the
fixture closing the store's connections (import it into a test module to use it there)."""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import strategies as st

from ocpp_core.storage import (
    AuthCacheClear,
    AuthCacheDelete,
    AuthCachePut,
    AvailabilitySet,
    ChargingProfileDelete,
    ChargingProfilePut,
    ChargingProfileRecord,
    ConfigSet,
    FeatureStateSet,
    IdTagRecord,
    LocalListReplace,
    LocalListUpdate,
    MemoryStore,
    MeterValueAppend,
    QueueDelete,
    QueuedMessage,
    QueuePut,
    ReservationDelete,
    ReservationPut,
    ReservationRecord,
    Snapshot,
    StorageOp,
    TransactionPut,
    TransactionRecord,
)
from ocpp_core.timeutil import format_datetime
from station import models
from station.store import DjangoStore

T0 = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)


def message(seq: int, **changes) -> QueuedMessage:
    fields = {
        "seq": seq,
        "unique_id": f"id-{seq}",
        "action": "StatusNotification",
        "payload": {"connectorId": 1, "errorCode": "NoError", "status": "Available"},
        "transactional": False,
        "created_at": T0 + timedelta(seconds=seq),
    }
    return QueuedMessage(**{**fields, **changes})


TX_KEYS = ("5f3a9c1e-1", "5f3a9c1e-2", "5f3a9c1e-3", "b70e44d2-1")
ID_TAGS = ("04A1B2C3D4E5F6", "TAG-ALICE", "TAG-BOB", "PARENT-1", "x")
STATUSES = ("Accepted", "Blocked", "Expired", "Invalid", "ConcurrentTx")
REASONS = ("Local", "Remote", "EVDisconnected", "PowerLoss", "DeAuthorized", "HardReset")

times = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31), timezones=st.just(UTC))
optional_times = st.none() | times
tags = st.sampled_from(ID_TAGS)
optional_tags = st.none() | tags
meter_readings = st.integers(min_value=0, max_value=2**40)
decimals = st.decimals(min_value=-1000, max_value=10**6, places=2, allow_nan=False, allow_infinity=False)
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**31), 2**31)
    | st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=12)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(("a", "b", "c")), inner, max_size=3),
    max_leaves=6,
)

sampled_values = st.fixed_dictionaries(
    {"value": decimals.map(str)},
    optional={
        "measurand": st.sampled_from(("Energy.Active.Import.Register", "Power.Active.Import", "Current.Import", "SoC")),
        "unit": st.sampled_from(("Wh", "kWh", "W", "kW", "A", "Percent")),
        "context": st.sampled_from(("Sample.Periodic", "Transaction.Begin", "Transaction.End")),
        "phase": st.sampled_from(("L1", "L2", "L3")),
    },
)
meter_value_dicts = st.builds(
    lambda time, values: {"timestamp": format_datetime(time), "sampledValue": values},
    times,
    st.lists(sampled_values, min_size=1, max_size=3),
)
id_tag_records = st.builds(
    IdTagRecord, id_tag=tags, status=st.sampled_from(STATUSES), expiry_date=optional_times, parent_id_tag=optional_tags
)
queued_messages = st.builds(
    QueuedMessage,
    seq=st.integers(1, 6),
    unique_id=st.uuids().map(str),
    action=st.sampled_from(("StartTransaction", "MeterValues", "StopTransaction", "StatusNotification")),
    payload=st.fixed_dictionaries(
        {"connectorId": st.integers(0, 3)}, optional={"transactionId": st.integers(-1, 10**6), "x": decimals}
    ),
    transactional=st.booleans(),
    created_at=times,
    attempts=st.integers(0, 5),
    not_before=optional_times,
    tx_key=st.none() | st.sampled_from(TX_KEYS),
)
transaction_records = st.builds(
    TransactionRecord,
    tx_key=st.sampled_from(TX_KEYS),
    connector_id=st.integers(1, 3),
    id_tag=tags,
    start_time=times,
    meter_start=meter_readings,
    meter_last=meter_readings,
    meter_last_time=times,
    transaction_id=st.none() | st.integers(1, 2**31 - 1),
    reservation_id=st.none() | st.integers(0, 100),
    parent_id_tag=optional_tags,
    start_status=st.none() | st.sampled_from(STATUSES),
    stop_time=optional_times,
    meter_stop=st.none() | meter_readings,
    stop_reason=st.none() | st.sampled_from(REASONS),
    id_tag_end=optional_tags,
    acknowledged=st.booleans(),
)
transaction_ops = st.one_of(
    st.builds(TransactionPut, record=transaction_records),
    st.builds(
        MeterValueAppend, tx_key=st.sampled_from(TX_KEYS), connector_id=st.integers(1, 3), meter_value=meter_value_dicts
    ),
)
# A csChargingProfiles dict as the engine journals it (ocpp_core.wire.to_wire of a validated
# profile): Decimal limits, as parsed from the wire (multiples of 0.1), some with a long mantissa.
limits = st.decimals(min_value=0, max_value=10**6, places=1) | st.decimals(min_value=10**15, max_value=10**18, places=1)
charging_schedules = st.fixed_dictionaries(
    {
        "chargingRateUnit": st.sampled_from(("A", "W")),
        "chargingSchedulePeriod": st.lists(
            st.fixed_dictionaries(
                {"startPeriod": st.integers(0, 86400), "limit": limits},
                optional={"numberPhases": st.integers(1, 3)},
            ),
            min_size=1,
            max_size=3,
        ),
    },
    optional={
        "duration": st.integers(0, 86400),
        "startSchedule": times.map(format_datetime),
        "minChargingRate": limits,
    },
)
charging_profile_dicts = st.fixed_dictionaries(
    {
        "chargingProfileId": st.integers(1, 5),
        "stackLevel": st.integers(0, 10),
        "chargingProfilePurpose": st.sampled_from(("ChargePointMaxProfile", "TxDefaultProfile", "TxProfile")),
        "chargingProfileKind": st.sampled_from(("Absolute", "Recurring", "Relative")),
        "chargingSchedule": charging_schedules,
    },
    optional={
        "transactionId": st.integers(-(2**31), 2**31 - 1),
        "recurrencyKind": st.sampled_from(("Daily", "Weekly")),
        "validFrom": times.map(format_datetime),
        "validTo": times.map(format_datetime),
    },
)
reservation_records = st.builds(
    ReservationRecord,
    reservation_id=st.integers(-2, 4),
    connector_id=st.integers(0, 3),
    id_tag=tags,
    expiry_date=times,
    parent_id_tag=optional_tags,
)
# Feature state: JSON objects. Floats up to 1e15 (beyond, PostgreSQL's jsonb gives an exponent
# float back as integer digits: 1e23 would read 10**23).
feature_values = st.dictionaries(
    st.sampled_from(("state", "location", "retries", "at")),
    json_values | st.floats(min_value=-1e15, max_value=1e15, allow_nan=False),
    max_size=4,
)
feature_ops = st.builds(
    FeatureStateSet, name=st.sampled_from(("firmware", "diagnostics", "x")), value=st.none() | feature_values
)
feature_component_ops = st.one_of(
    st.builds(
        ChargingProfilePut,
        record=st.builds(ChargingProfileRecord, connector_id=st.integers(0, 3), profile=charging_profile_dicts),
    ),
    st.builds(ChargingProfileDelete, profile_id=st.integers(1, 6)),
    st.builds(ReservationPut, record=reservation_records),
    st.builds(ReservationDelete, reservation_id=st.integers(-2, 5)),
    feature_ops,
)
storage_ops = st.one_of(
    st.builds(QueuePut, message=queued_messages),
    st.builds(QueueDelete, seq=st.integers(1, 6)),
    st.builds(
        ConfigSet,
        section=st.sampled_from(("Core", "LocalAuthListManagement", "Custom")),
        key=st.sampled_from(("HeartbeatInterval", "MeterValueSampleInterval", "AuthorizationCacheEnabled")),
        value=json_values,
    ),
    st.builds(AuthCachePut, entry=id_tag_records),
    st.just(AuthCacheClear()),
    st.builds(AuthCacheDelete, id_tag=tags),
    st.builds(LocalListReplace, version=st.integers(-1, 50), entries=st.lists(id_tag_records, max_size=4).map(tuple)),
    st.builds(
        LocalListUpdate,
        version=st.integers(-1, 50),
        upserts=st.lists(id_tag_records, max_size=3).map(tuple),
        deletes=st.lists(tags, max_size=3).map(tuple),
    ),
    st.builds(
        AvailabilitySet, connector_id=st.integers(0, 3), operative=st.booleans(), scheduled=st.none() | st.booleans()
    ),
    transaction_ops,
    feature_component_ops,
)
# Several batches: what one batch leaves behind (acknowledged transactions, a cleared cache ...)
# must load the same in the next.
batches = st.lists(st.lists(storage_ops, max_size=8), min_size=1, max_size=5)


def assert_same_snapshot(loaded: Snapshot, expected: Snapshot) -> None:
    for name in (f.name for f in fields(Snapshot)):
        assert getattr(loaded, name) == getattr(expected, name), name


def wipe() -> None:
    """Empty every table the store writes (hypothesis runs many examples in one test's database)."""
    for model in (
        models.TransactionMeterValue,
        models.Transaction,
        models.QueuedMessage,
        models.ConfigOverride,
        models.AuthCacheEntry,
        models.LocalListEntry,
        models.LocalListVersion,
        models.ConnectorAvailability,
        models.ChargingProfile,
        models.Reservation,
        models.FeatureState,
    ):
        model.objects.all().delete()


def tx(tx_key: str, **changes) -> TransactionRecord:
    fields = {
        "tx_key": tx_key,
        "connector_id": 1,
        "id_tag": "TAG-ALICE",
        "start_time": T0,
        "meter_start": 1000,
        "meter_last": 1000,
        "meter_last_time": T0,
    }
    return TransactionRecord(**{**fields, **changes})


def mv(tx_key: str, seconds: int, wh: int, connector_id: int = 1) -> MeterValueAppend:
    return MeterValueAppend(
        tx_key=tx_key,
        connector_id=connector_id,
        meter_value={
            "timestamp": format_datetime(T0 + timedelta(seconds=seconds)),
            "sampledValue": [{"value": str(wh), "context": "Sample.Periodic"}],
        },
    )


def rec(id_tag: str, status: str = "Accepted", **changes) -> IdTagRecord:
    return IdTagRecord(id_tag=id_tag, status=status, **changes)


def profile_put(pid: int, connector_id: int = 1, *limits: Decimal, **fields) -> ChargingProfilePut:
    """A ChargingProfilePut of a TxDefaultProfile with a period per limit (default 16.0 A)."""
    periods = [{"startPeriod": 600 * i, "limit": limit} for i, limit in enumerate(limits or (Decimal("16.0"),))]
    profile = {
        "chargingProfileId": pid,
        "stackLevel": 0,
        "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Relative",
        "chargingSchedule": {"chargingRateUnit": "A", "chargingSchedulePeriod": periods},
        **fields,
    }
    return ChargingProfilePut(record=ChargingProfileRecord(connector_id=connector_id, profile=profile))


def reservation(reservation_id: int, connector_id: int = 1, id_tag: str = "TAG-ALICE", **changes) -> ReservationPut:
    record = ReservationRecord(
        reservation_id=reservation_id, connector_id=connector_id, id_tag=id_tag, expiry_date=T0 + timedelta(hours=1)
    )
    return ReservationPut(record=replace(record, **changes))


class RecordingStore(MemoryStore):
    """A MemoryStore that keeps each batch, to replay them on the DjangoStore."""

    def __init__(self, snapshot: Snapshot | None = None) -> None:
        super().__init__(snapshot)
        self.batches: list[list[StorageOp]] = []

    async def apply(self, ops):
        self.batches.append(list(ops))
        await super().apply(ops)


@pytest.fixture(autouse=True)
async def close_store_connections():
    # The store works in asgiref's sync thread, whose connection would keep PostgreSQL from
    # dropping the test database.
    yield
    await DjangoStore().close()

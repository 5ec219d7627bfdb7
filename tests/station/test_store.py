"""DjangoStore on whichever database the settings name (SQLite here; test_store_postgresql.py
runs this same module again on PostgreSQL)."""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from asgiref.sync import sync_to_async
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ocpp_core.storage import (
    AuthCacheClear,
    AuthCachePut,
    AvailabilitySet,
    ChargingProfileDelete,
    ConfigSet,
    FeatureStateSet,
    LocalListReplace,
    LocalListUpdate,
    MemoryStore,
    MeterValueAppend,
    QueueDelete,
    QueuePut,
    ReservationDelete,
    Snapshot,
    StorageOp,
    TransactionPut,
)
from station import models, store_ops
from station.models import TraceEntry
from station.store import DjangoStore, TraceRecord
from tests.ocpp_core.helpers import config
from tests.ocpp_core.station_harness import StationHarness
from tests.station.journal_examples import (  # close_store_connections: an autouse fixture
    T0,
    RecordingStore,
    assert_same_snapshot,
    batches,
    close_store_connections,  # noqa: F401
    message,
    mv,
    profile_put,
    rec,
    reservation,
    transaction_ops,
    tx,
    wipe,
)

pytestmark = pytest.mark.django_db(transaction=True)


async def test_it_runs_on_the_configured_database():
    assert connection.vendor == ("postgresql" if os.environ.get("DATABASE_URL") else "sqlite")


async def test_it_loads_an_empty_store():
    assert await DjangoStore().load() == Snapshot()


async def test_it_round_trips_like_the_memory_store():
    ops: list[StorageOp] = [
        QueuePut(message=message(1)),
        QueuePut(
            message=message(
                2,
                action="MeterValues",
                payload={"connectorId": 2, "meterValue": [{"sampledValue": [{"value": "12.5"}]}], "x": Decimal("1.5")},
                transactional=True,
                attempts=2,
                not_before=T0 + timedelta(minutes=5),
                tx_key="tx-7",
            )
        ),
        QueuePut(message=message(3)),
        ConfigSet(section="Core", key="HeartbeatInterval", value=120),
        ConfigSet(section="Core", key="MeterValuesSampledData", value="Energy.Active.Import.Register"),
        ConfigSet(section="Custom", key="Nested", value={"list": [1, "a", True, None]}),
        ConfigSet(section="Custom", key="Unset", value=None),
        QueuePut(message=message(1, unique_id="id-1-retry", attempts=1)),  # an upsert by seq
        QueueDelete(seq=3),
        QueueDelete(seq=99),  # deleting what is not there is not an error
        ConfigSet(section="Core", key="HeartbeatInterval", value=300),
    ]
    store, memory = DjangoStore(), MemoryStore()
    await store.apply(ops)
    await memory.apply(ops)

    loaded = await DjangoStore().load()
    assert loaded == memory.snapshot()
    assert [m.seq for m in loaded.queue] == [1, 2]
    assert loaded.queue[0].unique_id == "id-1-retry"
    assert loaded.queue[1].payload["x"] == Decimal("1.5")
    assert loaded.config_overlay["Core"]["HeartbeatInterval"] == 300


async def test_it_orders_the_queue_by_seq():
    store = DjangoStore()
    await store.apply([QueuePut(message=message(seq)) for seq in (5, 2, 9, 1)])
    assert [m.seq for m in (await store.load()).queue] == [1, 2, 5, 9]


async def test_it_rolls_back_the_whole_batch_when_an_operation_fails():
    store = DjangoStore()
    await store.apply([QueuePut(message=message(1)), ConfigSet(section="Core", key="HeartbeatInterval", value=60)])
    before = await store.load()

    with pytest.raises(TypeError):
        await store.apply(
            [
                QueueDelete(seq=1),
                QueuePut(message=message(2)),
                ConfigSet(section="Core", key="HeartbeatInterval", value=90),
                ConfigSet(section="Custom", key="Broken", value=object()),  # not JSON: fails last
            ]
        )

    assert await store.load() == before


async def test_it_refuses_an_unknown_operation_and_applies_nothing():
    store = DjangoStore()
    with pytest.raises(TypeError, match="unknown storage operation"):
        await store.apply([QueuePut(message=message(1)), "QueueTruncate"])  # type: ignore[list-item]
    assert await store.load() == Snapshot()


def test_it_describes_frames():
    call = TraceRecord.from_frame(
        "out", '[2,"a1","StartTransaction",{"connectorId":2,"idTag":"TAG","meterStart":0,"timestamp":"x"}]', T0
    )
    assert (call.message_type, call.action, call.unique_id, call.connector_id) == ("CALL", "StartTransaction", "a1", 2)
    assert call.transaction_id is None and call.error_code is None

    result = TraceRecord.from_frame("in", '[3,"a1",{"transactionId":42,"idTagInfo":{}}]', T0, action="StartTransaction")
    assert (result.message_type, result.action, result.transaction_id) == ("CALLRESULT", "StartTransaction", 42)

    error = TraceRecord.from_frame("in", '[4,"a2","FormationViolation","bad",{}]', T0, action="Heartbeat")
    assert (error.message_type, error.error_code, error.action) == ("CALLERROR", "FormationViolation", "Heartbeat")

    invalid = TraceRecord.from_frame("in", "not json", T0)
    assert (invalid.message_type, invalid.unique_id, invalid.payload) == ("invalid", "", "not json")
    assert invalid.error_code == "FormationViolation"

    no_action = TraceRecord.from_frame("in", '[2,"a3","Reset"]', T0)
    assert (no_action.message_type, no_action.unique_id) == ("invalid", "a3")


async def test_it_appends_trace_entries():
    store = DjangoStore()
    await store.append_trace(
        [
            TraceRecord.from_frame("out", '[2,"b1","Heartbeat",{}]', T0),
            TraceRecord.from_frame("in", '[3,"b1",{"currentTime":"2026-03-01T12:00:00Z"}]', T0, action="Heartbeat"),
        ]
    )
    rows = [row async for row in TraceEntry.objects.order_by("id")]
    assert [(r.direction, r.message_type, r.action, r.unique_id) for r in rows] == [
        ("out", "CALL", "Heartbeat", "b1"),
        ("in", "CALLRESULT", "Heartbeat", "b1"),
    ]
    assert rows[0].payload == '[2,"b1","Heartbeat",{}]'
    assert rows[0].time == T0


async def test_it_keeps_only_the_newest_trace_rows():
    store = DjangoStore(trace_max_rows=10, trace_delete_batch=3)
    for batch in range(4):
        await store.append_trace(
            [TraceRecord.from_frame("out", f'[2,"m{batch * 7 + i}","Heartbeat",{{}}]', T0) for i in range(7)]
        )
        assert await TraceEntry.objects.acount() == min(7 * (batch + 1), 10)
    kept = [unique_id async for unique_id in TraceEntry.objects.order_by("id").values_list("unique_id", flat=True)]
    assert kept == [f"m{n}" for n in range(18, 28)]


async def test_it_stores_a_frame_whose_ids_do_not_fit_the_columns():
    store = DjangoStore()
    frames = [
        '[2,"bad1","UnlockConnector",{"connectorId":-1}]',  # a schema violation, traced as it came
        '[2,"bad2","RemoteStopTransaction",{"transactionId":-7}]',
        '[2,"bad3","RemoteStopTransaction",{"transactionId":99999999999}]',
    ]
    await store.append_trace([TraceRecord.from_frame("in", text, T0) for text in frames])
    rows = [(r.unique_id, r.connector_id, r.transaction_id) async for r in TraceEntry.objects.order_by("id")]
    assert rows == [("bad1", None, None), ("bad2", None, -7), ("bad3", None, None)]


async def test_it_stores_any_frame_text():
    store = DjangoStore()
    await store.append_trace([TraceRecord.from_frame("in", '[2,"n1","DataTransfer",{"vendorId":"a\x00b"}]', T0)])
    row = await TraceEntry.objects.aget()
    assert (row.message_type, row.error_code) == ("invalid", "FormationViolation")  # a raw NUL is not JSON
    assert row.payload == '[2,"n1","DataTransfer",{"vendorId":"a\ufffdb"}]'


# --- the engine's whole journal: parity with MemoryStore -------------------------------------


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(batches=batches)
async def test_it_loads_what_the_memory_store_holds_after_any_batches(batches):
    await sync_to_async(wipe)()
    store, memory = DjangoStore(), MemoryStore()
    for ops in batches:
        await memory.apply(ops)
        await store.apply(ops)
        assert_same_snapshot(await store.load(), memory.snapshot())


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(batches=st.lists(st.lists(transaction_ops, max_size=6), min_size=2, max_size=6))
async def test_it_journals_transactions_and_meter_values_as_the_memory_store_does(batches):
    # The part where the database keeps more than the memory store (finished transactions).
    await sync_to_async(wipe)()
    store, memory = DjangoStore(), MemoryStore()
    for ops in batches:
        await memory.apply(ops)
        await store.apply(ops)
        assert_same_snapshot(await store.load(), memory.snapshot())


#: one batch with every kind of operation, as the engine journals them
EVERY_KIND: list[StorageOp] = [
    QueuePut(message=message(1, action="StartTransaction", transactional=True, tx_key="k-1")),
    ConfigSet(section="Core", key="HeartbeatInterval", value=60),
    AuthCachePut(entry=rec("TAG-BOB", "Blocked")),
    AuthCachePut(entry=rec("TAG-ALICE", expiry_date=T0 + timedelta(days=1), parent_id_tag="PARENT-1")),
    LocalListReplace(version=3, entries=(rec("CARD-1"), rec("CARD-2", "Expired"))),
    LocalListUpdate(version=4, upserts=(rec("CARD-3"),), deletes=("CARD-1",)),
    AvailabilitySet(connector_id=2, operative=False),
    AvailabilitySet(connector_id=1, operative=True, scheduled=False),
    TransactionPut(record=tx("k-1", reservation_id=7)),
    mv("k-1", 0, 1000),
    mv("k-1", 60, 1250),
    profile_put(3, 0, Decimal("32.0"), chargingProfilePurpose="ChargePointMaxProfile"),
    profile_put(1, 1, Decimal("6.1"), Decimal("12345678901234567.8")),
    profile_put(2, 2),
    profile_put(3, 0, Decimal("20.5")),  # replaced: a new install, so it goes last
    reservation(7, 2, parent_id_tag="PARENT-1"),
    reservation(8, 0, "TAG-BOB"),
    FeatureStateSet(name="firmware", value={"state": "Downloading", "retries": 2, "location": "ftp://x/fw.bin"}),
    FeatureStateSet(name="diagnostics", value={"state": "Uploading", "ratio": 0.25, "nested": [None, True, {}]}),
]


async def test_it_loads_every_kind_of_operation_in_a_new_store_instance():
    await DjangoStore().apply(EVERY_KIND)
    memory = MemoryStore()
    await memory.apply(EVERY_KIND)

    await DjangoStore().close()  # as at a restart: new connections, a new store
    loaded = await DjangoStore().load()

    assert_same_snapshot(loaded, memory.snapshot())
    assert [e.id_tag for e in loaded.auth_cache] == ["TAG-BOB", "TAG-ALICE"]
    assert [e.id_tag for e in loaded.local_list] == ["CARD-2", "CARD-3"] and loaded.local_list_version == 4
    assert loaded.availability == {1: (True, False), 2: (False, None)}
    assert [t.tx_key for t in loaded.transactions] == ["k-1"]
    assert [v["sampledValue"][0]["value"] for v in loaded.meter_values["k-1"]] == ["1000", "1250"]
    assert [(r.profile_id, r.connector_id) for r in loaded.charging_profiles] == [(1, 1), (2, 2), (3, 0)]
    assert [r.reservation_id for r in loaded.reservations] == [7, 8]
    assert loaded.feature_state["firmware"]["state"] == "Downloading"


async def test_it_returns_aware_utc_datetimes():
    paris = timezone(timedelta(hours=1))
    await DjangoStore().apply(
        [
            AuthCachePut(entry=rec("A", expiry_date=datetime(2026, 3, 1, 13, 0, tzinfo=paris))),
            TransactionPut(record=tx("k-1", start_time=T0, stop_time=T0 + timedelta(hours=1))),
            reservation(1, expiry_date=datetime(2026, 3, 1, 14, 0, 0, 5, tzinfo=paris)),
        ]
    )
    loaded = await DjangoStore().load()
    for value in (
        loaded.auth_cache[0].expiry_date,
        loaded.transactions[0].start_time,
        loaded.transactions[0].stop_time,
        loaded.reservations[0].expiry_date,
    ):
        assert value is not None and value.utcoffset() == timedelta(0)
    assert loaded.auth_cache[0].expiry_date == datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    assert loaded.reservations[0].expiry_date == datetime(2026, 3, 1, 13, 0, 0, 5, tzinfo=UTC)
    assert loaded.transactions[0].start_time == T0  # microseconds kept


async def test_it_keeps_positions_on_upserts_and_clears_the_cache():
    store = DjangoStore()
    await store.apply([AuthCachePut(entry=rec(t)) for t in ("A", "B", "C")])
    await store.apply([AuthCachePut(entry=rec("A", "Blocked")), AuthCachePut(entry=rec("D"))])
    assert [(e.id_tag, e.status) for e in (await store.load()).auth_cache] == [
        ("A", "Blocked"),
        ("B", "Accepted"),
        ("C", "Accepted"),
        ("D", "Accepted"),
    ]

    await store.apply(
        [AuthCachePut(entry=rec("E")), AuthCacheClear(), AuthCachePut(entry=rec("C")), AuthCachePut(entry=rec("B"))]
    )
    assert [e.id_tag for e in (await store.load()).auth_cache] == ["C", "B"]


async def test_it_moves_a_local_list_entry_deleted_and_added_again_to_the_end():
    store = DjangoStore()
    await store.apply([LocalListReplace(version=1, entries=(rec("A"), rec("B"), rec("C")))])
    await store.apply([LocalListUpdate(version=2, upserts=(rec("A", "Blocked"), rec("D")), deletes=("A", "X"))])
    loaded = await store.load()
    assert [(e.id_tag, e.status) for e in loaded.local_list] == [
        ("B", "Accepted"),
        ("C", "Accepted"),
        ("A", "Blocked"),
        ("D", "Accepted"),
    ]
    assert loaded.local_list_version == 2

    await store.apply([LocalListReplace(version=0, entries=())])
    loaded = await store.load()
    assert (loaded.local_list, loaded.local_list_version) == ((), 0)


async def test_it_keeps_acknowledged_transactions_as_history_but_does_not_load_them():
    store = DjangoStore()
    await store.apply([TransactionPut(record=tx("k-1")), mv("k-1", 0, 1000), TransactionPut(record=tx("k-2"))])
    await store.apply(
        [
            TransactionPut(
                record=tx(
                    "k-1", transaction_id=42, stop_time=T0 + timedelta(hours=1), meter_stop=9000, acknowledged=True
                )
            )
        ]
    )

    loaded = await store.load()
    assert [t.tx_key for t in loaded.transactions] == ["k-2"]
    assert loaded.meter_values == {}
    finished = await models.Transaction.objects.aget(tx_key="k-1")
    assert (finished.acknowledged, finished.transaction_id, finished.meter_stop) == (True, 42, 9000)
    assert await models.TransactionMeterValue.objects.filter(transaction=finished).acount() == 1


async def test_it_orders_unfinished_transactions_by_their_first_journaling():
    store = DjangoStore()
    await store.apply(
        [TransactionPut(record=tx("k-2", start_time=T0 + timedelta(hours=2))), TransactionPut(record=tx("k-1"))]
    )
    await store.apply([TransactionPut(record=tx("k-2", meter_last=5000)), mv("k-2", 1, 5000), mv("k-1", 2, 1100)])
    loaded = await store.load()
    assert [(t.tx_key, t.meter_last) for t in loaded.transactions] == [("k-2", 5000), ("k-1", 1000)]
    assert list(loaded.meter_values) == ["k-2", "k-1"]


async def test_it_drops_meter_values_of_unknown_transactions_as_the_memory_store_does(caplog):
    ops: list[StorageOp] = [mv("k-9", 0, 10), mv("k-1", 1, 1000), TransactionPut(record=tx("k-1")), mv("k-1", 2, 1100)]
    store, memory = DjangoStore(), MemoryStore()
    await store.apply(ops)
    await memory.apply(ops)

    assert_same_snapshot(await store.load(), memory.snapshot())
    assert len((await store.load()).meter_values["k-1"]) == 2  # a put later in the same batch counts
    assert "k-9" in caplog.text


async def test_it_starts_a_new_journal_when_a_finished_key_is_put_again():
    # The engine never reuses a key; the memory store forgets a finished transaction, and so must we.
    ops_batches: list[list[StorageOp]] = [
        [TransactionPut(record=tx("k-1")), mv("k-1", 0, 1000), TransactionPut(record=tx("k-2"))],
        [TransactionPut(record=tx("k-1", acknowledged=True)), mv("k-1", 1, 1100)],
        [mv("k-1", 2, 1200), TransactionPut(record=tx("k-1", meter_start=1200))],
    ]
    store, memory = DjangoStore(), MemoryStore()
    for ops in ops_batches:
        await store.apply(ops)
        await memory.apply(ops)
    loaded = await store.load()
    assert_same_snapshot(loaded, memory.snapshot())
    assert [t.tx_key for t in loaded.transactions] == ["k-2", "k-1"]
    assert [v["sampledValue"][0]["value"] for v in loaded.meter_values["k-1"]] == ["1200"]


def everything_batch() -> list[StorageOp]:
    return [
        QueuePut(message=message(1, unique_id="changed")),
        QueueDelete(seq=2),
        QueuePut(message=message(5)),
        ConfigSet(section="Core", key="HeartbeatInterval", value=90),
        AuthCacheClear(),
        AuthCachePut(entry=rec("NEW")),
        LocalListUpdate(version=9, upserts=(rec("CARD-9"),), deletes=("CARD-2",)),
        AvailabilitySet(connector_id=2, operative=True),
        TransactionPut(record=tx("k-1", meter_last=2000, stop_time=T0, stop_reason="Local")),
        TransactionPut(record=tx("k-5")),
        mv("k-1", 120, 2000),
        mv("k-5", 0, 0),
        ChargingProfileDelete(profile_id=1),
        profile_put(3, 0, Decimal("25.0")),
        profile_put(9, 2),
        ReservationDelete(reservation_id=7),
        reservation(8, 1),
        reservation(9, 2),
        FeatureStateSet(name="firmware", value=None),
        FeatureStateSet(name="diagnostics", value={"state": "Idle"}),
        FeatureStateSet(name="security", value={"events": 3}),
    ]


async def test_it_rolls_back_every_kind_of_operation_when_the_database_refuses_one():
    store = DjangoStore()
    await store.apply([*EVERY_KIND, QueuePut(message=message(2))])
    before = await store.load()

    with pytest.raises(IntegrityError):
        # A negative connector id breaks a CHECK constraint -- after the other tables were written.
        await store.apply([*everything_batch(), AvailabilitySet(connector_id=-1, operative=False)])

    assert_same_snapshot(await store.load(), before)
    assert await models.Transaction.objects.acount() == 1


async def test_it_rolls_back_everything_when_the_last_write_fails(monkeypatch):
    store = DjangoStore()
    await store.apply([*EVERY_KIND, QueuePut(message=message(2))])
    before = await store.load()
    write_transactions = store_ops._write_transactions

    def write_then_fail(*args):
        write_transactions(*args)  # everything of the batch is written by now
        raise RuntimeError("disk full")

    monkeypatch.setattr(store_ops, "_write_transactions", write_then_fail)
    with pytest.raises(RuntimeError, match="disk full"):
        await store.apply(everything_batch())

    assert_same_snapshot(await store.load(), before)
    assert await models.TransactionMeterValue.objects.acount() == 2


def statements_of_apply(ops: list[StorageOp]) -> list[str]:
    with CaptureQueriesContext(connection) as captured:  # the connection of the store's thread
        DjangoStore._apply(ops)
    return [q["sql"] for q in captured.captured_queries if not q["sql"].startswith(("BEGIN", "COMMIT"))]


async def test_it_writes_a_batch_with_a_statement_or_two_per_table():
    ops: list[StorageOp] = [TransactionPut(record=tx("k-1"))]
    ops += [mv("k-1", i, 1000 + i) for i in range(300)]
    ops += [QueuePut(message=message(seq, action="MeterValues")) for seq in range(1, 101)]
    ops += [QueueDelete(seq=seq) for seq in range(1, 11)]
    ops += [AuthCachePut(entry=rec(f"TAG-{i}")) for i in range(50)]
    ops += [AvailabilitySet(connector_id=n, operative=False) for n in (1, 2, 1)]
    ops += [profile_put(pid % 20 + 1) for pid in range(60)] + [ChargingProfileDelete(profile_id=pid) for pid in (1, 2)]
    ops += [reservation(n % 10) for n in range(30)] + [ReservationDelete(reservation_id=n) for n in (1, 2)]
    ops += [FeatureStateSet(name=f"f{n % 5}", value={"n": n}) for n in range(20)]
    ops += [FeatureStateSet(name="f0", value=None)]

    statements = await sync_to_async(statements_of_apply)(ops)

    # queue: delete + upsert; cache, availability: upsert; transactions: read + upsert; meter values:
    # insert (SQLite takes at most 999 parameters per statement: 249 rows); charging profiles,
    # reservations, feature state: delete + insert/upsert
    assert len(statements) <= 15, statements
    loaded = await DjangoStore().load()
    assert [m.seq for m in loaded.queue] == list(range(11, 101))
    assert len(loaded.meter_values["k-1"]) == 300
    assert [r.profile_id for r in loaded.charging_profiles] == list(range(3, 21))
    assert [r.reservation_id for r in loaded.reservations] == [0, 3, 4, 5, 6, 7, 8, 9]
    assert loaded.feature_state == {f"f{n}": {"n": 15 + n} for n in range(1, 5)}


# --- what the engine really journals -------------------------------------------------------------


def charging_sessions() -> tuple[list[list[StorageOp]], Snapshot]:
    """Two sessions on a station (engine and harness of tests/ocpp_core): one stopped and
    acknowledged, one still running at a power cut. Runs ``asyncio.run`` inside: call it in a thread."""
    h = StationHarness(config(Core={"MeterValueSampleInterval": 10, "AuthorizationCacheEnabled": True}))
    h.store = RecordingStore()
    h.play(h.boot(interval=86400))
    h.charging(1, "TAG1")
    h.play(h.advance(35))
    h.charging(2, "TAG2")
    h.play(h.advance(25))
    assert "StopTransaction 1 Local" in h.play(h.token(1, "TAG1"))
    h.play(h.call("ChangeAvailability", {"connectorId": 2, "type": "Inoperative"}, "cs-9"))
    h.play(h.advance(15))
    return h.store.batches, h.store.snapshot()


async def test_it_stores_what_the_engine_journals_in_a_charging_session_and_recovers_from_it():
    batches, expected = await asyncio.to_thread(charging_sessions)
    kinds = {type(op) for ops in batches for op in ops}
    assert {TransactionPut, MeterValueAppend, QueuePut, QueueDelete, AuthCachePut, AvailabilitySet} <= kinds

    store = DjangoStore()
    for ops in batches:
        await store.apply(ops)
    loaded = await DjangoStore().load()

    assert_same_snapshot(loaded, expected)
    assert [t.connector_id for t in loaded.transactions] == [2]  # connector 1's was acknowledged
    assert len(loaded.meter_values[loaded.transactions[0].tx_key]) >= 2
    assert [
        (row["connector_id"], row["acknowledged"]) for row in await sync_to_async(models.Transaction.api_list)()
    ] == [
        (2, False),
        (1, True),
    ]
    assert await asyncio.to_thread(power_loss_recovery, loaded) == ["StopTransaction 2 PowerLoss"]


def power_loss_recovery(snapshot: Snapshot) -> list[str]:
    """What a station built from ``snapshot`` sends about transactions once it is booted again."""
    from tests.ocpp_core.helpers import config
    from tests.ocpp_core.station_harness import StationHarness

    h = StationHarness(config(Core={"MeterValueSampleInterval": 10}), snapshot, generation="b")
    return [line for line in h.play(h.boot(interval=86400)) if "Transaction" in line]

"""The outgoing message queue: lanes, gating, retries, persistence operations, patching."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from ocpp_core.queue import Outbox
from ocpp_core.storage import QueueDelete, QueuedMessage, QueuePut

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def ids():
    counter = itertools.count(1)
    return lambda: f"id{next(counter)}"


def test_it_persists_transaction_messages_and_not_others():
    box = Outbox([], ids())
    box.push("Heartbeat", {}, T0, can_send_normal=True)
    start = box.push("StartTransaction", {"connectorId": 1}, T0, can_send_normal=True)
    assert start is not None
    ops = box.take_ops()
    assert ops == [QueuePut(message=start)]
    assert box.take_ops() == []


def test_it_discards_normal_messages_when_they_cannot_be_sent():
    box = Outbox([], ids())
    assert box.push("StatusNotification", {}, T0, can_send_normal=False) is None
    assert box.push("BootNotification", {}, T0, can_send_normal=False) is not None
    assert box.push("Heartbeat", {}, T0, can_send_normal=False, triggered=True) is not None
    assert box.push("MeterValues", {}, T0, can_send_normal=False) is not None
    assert [m.action for m in box.pending()] == ["MeterValues", "BootNotification", "Heartbeat"]


def test_it_sends_boot_first_then_in_creation_order():
    box = Outbox([], ids())
    box.push("MeterValues", {"n": 1}, T0, can_send_normal=True)
    box.push("Heartbeat", {}, T0, can_send_normal=True)
    box.push("BootNotification", {}, T0, can_send_normal=True)
    first = box.next_message(T0, registered=True)
    assert first is not None and first.action == "BootNotification"
    box.answered(first)
    second = box.next_message(T0, registered=True)
    assert second is not None and second.action == "MeterValues"
    box.answered(second)
    third = box.next_message(T0, registered=True)
    assert third is not None and third.action == "Heartbeat"


def test_it_keeps_a_single_boot_notification():
    box = Outbox([], ids())
    box.push("BootNotification", {"a": 1}, T0, can_send_normal=False)
    box.push("BootNotification", {"a": 2}, T0, can_send_normal=False)
    assert [m.payload for m in box.pending()] == [{"a": 2}]


def test_it_holds_transaction_messages_until_registered_unless_triggered():
    box = Outbox([], ids())
    box.push("StartTransaction", {}, T0, can_send_normal=False)
    assert box.next_message(T0, registered=False) is None
    box.push("MeterValues", {}, T0, can_send_normal=False, triggered=True)
    assert box.next_message(T0, registered=False) is None  # FIFO: the head is not eligible
    assert box.next_message(T0, registered=True) is not None


def test_it_retries_transaction_messages_with_growing_waits_then_gives_up():
    box = Outbox([], ids())
    msg = box.push("StopTransaction", {"transactionId": 1}, T0, can_send_normal=True)
    assert msg is not None
    box.take_ops()
    assert box.failed(msg, T0, attempts=3, retry_interval=10)
    retry = box.pending()[0]
    assert retry.attempts == 1 and retry.unique_id != msg.unique_id
    assert retry.not_before == T0 + timedelta(seconds=10)
    assert box.next_message(T0 + timedelta(seconds=9), registered=True) is None
    assert box.next_wakeup() == T0 + timedelta(seconds=10)
    assert box.failed(retry, T0 + timedelta(seconds=10), attempts=3, retry_interval=10)
    second = box.pending()[0]
    assert second.not_before == T0 + timedelta(seconds=30)
    assert not box.failed(second, T0 + timedelta(seconds=30), attempts=3, retry_interval=10)
    assert box.pending() == []
    ops = box.take_ops()
    assert isinstance(ops[0], QueuePut) and isinstance(ops[-1], QueueDelete)


def test_it_drops_normal_messages_on_failure():
    box = Outbox([], ids())
    msg = box.push("Heartbeat", {}, T0, can_send_normal=True)
    assert msg is not None
    assert not box.failed(msg, T0, attempts=5, retry_interval=1)
    assert len(box) == 0


def test_it_keeps_interrupted_transaction_messages_without_counting_an_attempt():
    box = Outbox([], ids())
    tx = box.push("StartTransaction", {}, T0, can_send_normal=True)
    hb = box.push("Heartbeat", {}, T0, can_send_normal=True)
    assert tx is not None and hb is not None
    box.interrupted(tx)
    box.interrupted(hb)
    (kept,) = box.pending()
    assert kept.seq == tx.seq and kept.attempts == 0 and kept.unique_id != tx.unique_id


def test_it_drops_normal_messages_but_keeps_boot_when_the_connection_is_lost():
    box = Outbox([], ids())
    box.push("Heartbeat", {}, T0, can_send_normal=True, triggered=True)
    box.push("BootNotification", {}, T0, can_send_normal=True)
    dropped = box.drop_normal()
    assert [m.action for m in dropped] == ["Heartbeat"]
    assert [m.action for m in box.pending()] == ["BootNotification"]


def test_it_patches_transaction_ids_of_queued_messages():
    box = Outbox([], ids())
    box.push("StartTransaction", {"connectorId": 1}, T0, can_send_normal=True, tx_key="t1")
    box.push("MeterValues", {"connectorId": 1}, T0, can_send_normal=True, tx_key="t1")
    box.push("StopTransaction", {"transactionId": -1}, T0, can_send_normal=True, tx_key="t1")
    box.push("StopTransaction", {"transactionId": -1}, T0, can_send_normal=True, tx_key="t2")
    box.take_ops()
    box.patch_transaction_id("t1", 42)
    payloads = [m.payload for m in box.pending()]
    assert payloads == [
        {"connectorId": 1},
        {"connectorId": 1, "transactionId": 42},
        {"transactionId": 42},
        {"transactionId": -1},
    ]
    assert len(box.take_ops()) == 2


def test_it_resumes_from_restored_messages_in_order_with_fresh_sequence_numbers():
    restored = [
        QueuedMessage(seq=7, unique_id="b", action="StopTransaction", payload={}, transactional=True, created_at=T0),
        QueuedMessage(seq=3, unique_id="a", action="StartTransaction", payload={}, transactional=True, created_at=T0),
    ]
    box = Outbox(restored, ids())
    first = box.next_message(T0, registered=True)
    assert first is not None and first.seq == 3
    new = box.push("MeterValues", {}, T0, can_send_normal=True)
    assert new is not None and new.seq == 8


@given(st.lists(st.sampled_from(["StartTransaction", "MeterValues", "Heartbeat", "StatusNotification"]), max_size=30))
def test_it_delivers_transaction_messages_in_fifo_order(actions):
    box = Outbox([], ids())
    pushed = [box.push(a, {"i": i}, T0, can_send_normal=True) for i, a in enumerate(actions)]
    sent = []
    while (message := box.next_message(T0, registered=True)) is not None:
        sent.append(message)
        box.answered(message)
    assert [m.seq for m in sent] == [m.seq for m in pushed if m is not None]

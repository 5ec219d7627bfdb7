"""Transactions: the journal, the Start/Stop messages, and recovery after a power loss.

Theory of operation
-------------------
A transaction is known by the station's own ``tx_key`` from the moment it starts; the central
system's ``transactionId`` arrives later with StartTransaction.conf (or never, when the
StartTransaction could not be delivered). Until it is known every message of the transaction
carries ``-1`` (:meth:`Transaction.wire_transaction_id`); the queue writes the real id into the
messages still waiting when it arrives, so only a transaction whose StartTransaction was given up
keeps ``-1`` on the wire (OCPP 1.6 §3.18). Every change
of a transaction is journaled as a ``TransactionPut`` storage operation and every meter value
taken during it as a ``MeterValueAppend``, before the message that reports it is sent, so that
after a SIGKILL or power loss the next start finds:

* a record with a stop time: its StopTransaction is still in the persisted queue -- nothing to do
  but wait for the answer;
* a record without one: the transaction was interrupted -- it is closed with a StopTransaction of
  reason ``PowerLoss`` carrying the last meter reading and time journaled
  (``libocpp-inventory.md`` §13.5).

A record is finished (``acknowledged``) when StopTransaction.conf arrives or the StopTransaction
is given up after its attempts; only unfinished records are loaded at start.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from ocpp_core import metering, validation, wire
from ocpp_core.datatypes import MeterValue, TransactionData
from ocpp_core.enums import Reason
from ocpp_core.messages.core import StartTransactionRequest, StopTransactionRequest
from ocpp_core.storage import MeterValueAppend, StorageOp, TransactionPut, TransactionRecord

__all__ = ["UNKNOWN_TRANSACTION_ID", "Transaction", "restore_meter_values", "stop_request", "stopped_at"]

#: The transactionId used when StartTransaction.conf never came (OCPP 1.6 §3.18 / errata 3.18).
UNKNOWN_TRANSACTION_ID = -1


@dataclass(slots=True)
class Transaction:
    """One transaction in memory: its journal record and the meter values taken during it."""

    record: TransactionRecord
    meter_values: list[MeterValue] = field(default_factory=list)
    #: StartTransaction.conf said the idTag is not Accepted (energy paused, maybe stopped).
    invalidated: bool = False

    @property
    def tx_key(self) -> str:
        return self.record.tx_key

    @property
    def connector_id(self) -> int:
        return self.record.connector_id

    @property
    def transaction_id(self) -> int | None:
        return self.record.transaction_id

    @property
    def stopped(self) -> bool:
        return self.record.stop_time is not None

    def wire_transaction_id(self) -> int:
        """The transactionId to put in a message now (``-1`` until one is known)."""
        return self.record.transaction_id if self.record.transaction_id is not None else UNKNOWN_TRANSACTION_ID

    def update(self, **changes: Any) -> StorageOp:
        """Change the record; returns the operation that journals it."""
        self.record = replace(self.record, **changes)
        return TransactionPut(record=self.record)

    def add_meter_value(self, value: MeterValue) -> StorageOp:
        self.meter_values.append(value)
        return MeterValueAppend(tx_key=self.tx_key, connector_id=self.connector_id, meter_value=wire.to_wire(value))

    def start_request(self) -> StartTransactionRequest:
        record = self.record
        return StartTransactionRequest(
            connector_id=record.connector_id,
            id_tag=record.id_tag,
            meter_start=record.meter_start,
            reservation_id=record.reservation_id,
            timestamp=record.start_time,
        )


def restore_meter_values(raw: tuple[dict[str, Any], ...]) -> list[MeterValue]:
    """Meter values journaled as wire dicts, back as typed values (invalid ones are skipped)."""
    values: list[MeterValue] = []
    for item in raw:
        try:
            loaded = wire.from_wire(MeterValue, item)
        except Exception:  # a journal entry we cannot read must not stop recovery
            continue
        values.append(loaded)
    return values


def stop_request(
    tx: Transaction,
    *,
    sampled: tuple[metering.MeasurandSpec, ...],
    aligned: tuple[metering.MeasurandSpec, ...],
    max_values: int | None,
    max_bytes: int | None,
) -> dict[str, Any]:
    """The StopTransaction payload (wire dict) of a stopped transaction, trimmed to ``max_bytes``."""
    record = tx.record
    assert record.stop_time is not None and record.meter_stop is not None
    data = metering.stop_transaction_data(tx.meter_values, sampled=sampled, aligned=aligned, max_values=max_values)
    reason = Reason(record.stop_reason) if record.stop_reason and record.stop_reason != Reason.LOCAL else None
    request = StopTransactionRequest(
        id_tag=record.id_tag_end,
        meter_stop=record.meter_stop,
        timestamp=record.stop_time,
        transaction_id=tx.wire_transaction_id(),
        reason=reason,
        transaction_data=tuple(TransactionData(timestamp=v.timestamp, sampled_value=v.sampled_value) for v in data)
        or None,
    )
    payload = validation.dump(request)
    if max_bytes is not None:
        payload = metering.trim_to_size(payload, max_bytes)
    return payload


def stopped_at(tx: Transaction, when: datetime, meter_stop: int, reason: Reason, id_tag_end: str | None) -> StorageOp:
    """Record the stop of ``tx``; returns the journal operation."""
    return tx.update(stop_time=when, meter_stop=meter_stop, stop_reason=reason.value, id_tag_end=id_tag_end)

"""How :class:`station.store.DjangoStore` applies a batch of storage operations.

Theory of operation
-------------------
:class:`ocpp_core.storage.MemoryStore` is the reference: after ``apply(ops)`` the database must
load exactly what the memory store would hold. The operations touch independent parts of the
state -- queue, configuration overlay, authorization cache, local list, availability, transactions
with their meter values, charging profiles, reservations, feature state -- and no operation reads
another part. :func:`fold` therefore reduces each part's operations, in their order, to the part's
net effect (the last put of a ``seq``, ``id_tag``, connector, ``tx_key``, reservation id or feature
name wins at the position of its first; a ClearCache drops the puts before it; a delete drops the
puts before it and is written before the puts after it, so what is deleted and put again goes
last), and :meth:`Batch.write` writes each net effect with about one statement per table, however
long the batch. The caller runs :meth:`Batch.write` in one ``transaction.atomic()``.

The local list is the exception: its few, rare operations are written one after the other, so a
differential update that deletes and re-adds an id tag moves it last, as in the memory store.

A charging profile put is a new install, also when it replaces one with the same
chargingProfileId: the row of every id the batch puts or deletes is deleted, and the profiles the
batch leaves installed are inserted after the others, in the order of their last put.

Feature state must be a JSON object (of objects, arrays, strings, finite numbers, booleans, null)
that reads back equal, with no NUL character (PostgreSQL's ``jsonb`` cannot hold one): :func:`fold`
refuses anything else (a tuple, a datetime, a Decimal ...) with a ``ValueError`` naming the
feature, before anything is written.

Transactions are history here, not only engine state. The memory store forgets an acknowledged
transaction, with its meter values, at the end of the batch that acknowledged it; the database
keeps both (``load`` reads only unacknowledged ones). Two cases follow:

* a meter value for a ``tx_key`` neither journaled before nor put in the batch has nothing to
  belong to: it is dropped, with a warning, as the memory store drops it;
* a put of a ``tx_key`` whose row was acknowledged before the batch starts a new journal under
  that key, as in the memory store: the old row and its meter values are deleted and the new row
  goes last. The engine never does this (its keys are unique across restarts).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

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
    MeterValueAppend,
    QueueDelete,
    QueuedMessage,
    QueuePut,
    ReservationDelete,
    ReservationPut,
    ReservationRecord,
    StorageOp,
    TransactionPut,
    TransactionRecord,
)
from station import models

__all__ = ["Batch", "fold"]

log = logging.getLogger("station.store")


@dataclass(slots=True)
class Batch:
    """The net effect of a sequence of storage operations, part by part."""

    #: seq -> the message to store, or None to delete it
    queue: dict[int, QueuedMessage | None] = field(default_factory=dict)
    config: dict[tuple[str, str], Any] = field(default_factory=dict)
    #: the cache was cleared before the puts in ``auth_cache``
    auth_cache_cleared: bool = False
    #: removed before the puts are written, so a deleted-then-put id is re-created at the end
    auth_cache_deleted: set[str] = field(default_factory=set)
    auth_cache: dict[str, IdTagRecord] = field(default_factory=dict)
    local_list: list[LocalListReplace | LocalListUpdate] = field(default_factory=list)
    availability: dict[int, tuple[bool, bool | None]] = field(default_factory=dict)
    #: tx_key -> its last record, in the order of the first put
    transactions: dict[str, TransactionRecord] = field(default_factory=dict)
    meter_values: list[MeterValueAppend] = field(default_factory=list)
    #: chargingProfileIds whose rows are deleted before ``charging_profiles`` is inserted
    charging_profiles_removed: set[int] = field(default_factory=set)
    #: the profiles to install, in the order of their last put
    charging_profiles: dict[int, ChargingProfileRecord] = field(default_factory=dict)
    reservations_deleted: set[int] = field(default_factory=set)
    reservations: dict[int, ReservationRecord] = field(default_factory=dict)
    feature_state_deleted: set[str] = field(default_factory=set)
    feature_state: dict[str, dict[str, Any]] = field(default_factory=dict)

    def write(self) -> None:
        """Write the batch (call it inside ``transaction.atomic()``)."""
        models.QueuedMessage.remove(seq for seq, message in self.queue.items() if message is None)
        models.QueuedMessage.upsert(message for message in self.queue.values() if message is not None)
        models.ConfigOverride.upsert(self.config)
        if self.auth_cache_cleared:
            models.AuthCacheEntry.clear()
        models.AuthCacheEntry.remove(self.auth_cache_deleted)
        models.AuthCacheEntry.upsert(self.auth_cache.values())
        for op in self.local_list:
            _write_local_list(op)
        if self.local_list:
            models.LocalListVersion.set(self.local_list[-1].version)
        models.ConnectorAvailability.upsert(self.availability)
        models.ChargingProfile.remove(self.charging_profiles_removed)
        models.ChargingProfile.install(self.charging_profiles.values())
        models.Reservation.remove(self.reservations_deleted)
        models.Reservation.upsert(self.reservations.values())
        models.FeatureState.remove(self.feature_state_deleted)
        models.FeatureState.upsert(self.feature_state)
        _write_transactions(self.transactions, self.meter_values)


def fold(ops: Iterable[StorageOp]) -> Batch:
    """Reduce ``ops`` to their net effect; ``TypeError`` names an operation that is not one."""
    batch = Batch()
    for op in ops:
        if isinstance(op, QueuePut):
            batch.queue[op.message.seq] = op.message
        elif isinstance(op, QueueDelete):
            batch.queue[op.seq] = None
        elif isinstance(op, ConfigSet):
            batch.config[op.section, op.key] = op.value
        elif isinstance(op, AuthCachePut):
            batch.auth_cache[op.entry.id_tag] = op.entry
        elif isinstance(op, AuthCacheDelete):
            batch.auth_cache.pop(op.id_tag, None)
            batch.auth_cache_deleted.add(op.id_tag)
        elif isinstance(op, AuthCacheClear):
            batch.auth_cache_cleared = True
            batch.auth_cache.clear()
            batch.auth_cache_deleted.clear()
        elif isinstance(op, LocalListReplace | LocalListUpdate):
            batch.local_list.append(op)
        elif isinstance(op, AvailabilitySet):
            batch.availability[op.connector_id] = (op.operative, op.scheduled)
        elif isinstance(op, TransactionPut):
            batch.transactions[op.record.tx_key] = op.record
        elif isinstance(op, MeterValueAppend):
            batch.meter_values.append(op)
        elif isinstance(op, ChargingProfilePut):
            profile_id = op.record.profile_id
            batch.charging_profiles.pop(profile_id, None)  # a replacement is a new install: last
            batch.charging_profiles[profile_id] = op.record
            batch.charging_profiles_removed.add(profile_id)
        elif isinstance(op, ChargingProfileDelete):
            batch.charging_profiles.pop(op.profile_id, None)
            batch.charging_profiles_removed.add(op.profile_id)
        elif isinstance(op, ReservationPut):
            batch.reservations[op.record.reservation_id] = op.record
        elif isinstance(op, ReservationDelete):
            batch.reservations.pop(op.reservation_id, None)
            batch.reservations_deleted.add(op.reservation_id)
        elif isinstance(op, FeatureStateSet):
            if op.value is None:
                batch.feature_state.pop(op.name, None)
                batch.feature_state_deleted.add(op.name)
            else:
                batch.feature_state[op.name] = _json_state(op.name, op.value)
        else:
            raise TypeError(f"unknown storage operation {op!r}")
    return batch


def _json_state(name: str, value: object) -> dict[str, Any]:
    """``value``, if it is JSON that reads back equal; ``ValueError`` otherwise."""
    if not 0 < len(name) <= models.FeatureState.NAME_LENGTH:
        raise ValueError(f"feature state name {name!r} is not 1..{models.FeatureState.NAME_LENGTH} characters")
    try:
        text = json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"feature state {name!r} is not JSON: {exc}") from exc
    if not isinstance(value, dict) or json.loads(text) != value:
        raise ValueError(f"feature state {name!r} is not a JSON object that reads back equal: {value!r}")
    if _has_nul(value):
        raise ValueError(f"feature state {name!r} holds a NUL character (PostgreSQL's JSON cannot): {value!r}")
    return value


def _has_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


def _write_local_list(op: LocalListReplace | LocalListUpdate) -> None:
    if isinstance(op, LocalListReplace):
        models.LocalListEntry.clear()
        models.LocalListEntry.upsert(op.entries)
    else:
        models.LocalListEntry.remove(op.deletes)
        models.LocalListEntry.upsert(op.upserts)


def _write_transactions(records: dict[str, TransactionRecord], meter_values: list[MeterValueAppend]) -> None:
    keys = records.keys() | {value.tx_key for value in meter_values}
    if not keys:
        return
    acknowledged = dict(
        models.Transaction.objects.filter(tx_key__in=keys).order_by().values_list("tx_key", "acknowledged")
    )
    restarted = [tx_key for tx_key in records if acknowledged.get(tx_key)]
    if restarted:
        models.Transaction.objects.filter(tx_key__in=restarted).delete()  # and their meter values
    models.Transaction.journal(records.values())
    known = records.keys() | acknowledged.keys()
    kept = [value for value in meter_values if value.tx_key in known]
    if len(kept) < len(meter_values):
        orphans = sorted({value.tx_key for value in meter_values} - known)
        log.warning("meter values for unknown transactions dropped: %s", ", ".join(orphans))
    if kept:
        models.TransactionMeterValue.objects.bulk_create(
            models.TransactionMeterValue.from_core(value) for value in kept
        )

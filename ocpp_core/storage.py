"""The storage interface: how the engine's durable state reaches a database.

Theory of operation
-------------------
The engine keeps its state in memory and describes every durable change as a *storage
operation* (a frozen dataclass below). After each input the driver takes the operations with
``ChargePoint.storage_ops()`` and applies them with ``await store.apply(ops)`` -- atomically, all
or nothing -- **before** it sends the frames of that step. That is what makes "persisted before
sent" hold for transaction messages. At start the driver calls ``await store.load()`` and builds
the engine from the :class:`Snapshot`.

:class:`MemoryStore` implements the interface in memory for tests; the station implements it on
the Django ORM (``station/store.py``).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Protocol

__all__ = [
    "AuthCacheClear",
    "AuthCacheDelete",
    "AuthCachePut",
    "AvailabilitySet",
    "ChargingProfileDelete",
    "ChargingProfilePut",
    "ChargingProfileRecord",
    "ConfigSet",
    "FeatureStateSet",
    "IdTagRecord",
    "LocalListReplace",
    "LocalListUpdate",
    "MeterValueAppend",
    "MemoryStore",
    "QueueDelete",
    "QueuePut",
    "QueuedMessage",
    "ReservationDelete",
    "ReservationPut",
    "ReservationRecord",
    "Snapshot",
    "StorageOp",
    "Store",
    "TransactionPut",
    "TransactionRecord",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class QueuedMessage:
    """A CALL waiting in the message queue (or in flight) until its CALLRESULT arrives.

    ``seq`` orders the queue and never changes; ``unique_id`` changes on every retry.
    ``tx_key`` links a transaction message to the local transaction it belongs to, so its
    ``transactionId`` can be patched when StartTransaction.conf arrives.
    """

    seq: int
    unique_id: str
    action: str
    payload: dict[str, Any]
    transactional: bool
    created_at: datetime
    attempts: int = 0
    not_before: datetime | None = None
    tx_key: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class QueuePut:
    """Insert or replace (by ``seq``) a queued message."""

    message: QueuedMessage


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueDelete:
    """Remove the queued message ``seq`` (answered, or given up)."""

    seq: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ConfigSet:
    """Persist a changed configuration key (the overlay over the config file)."""

    section: str
    key: str
    value: Any


@dataclass(frozen=True, slots=True, kw_only=True)
class IdTagRecord:
    """An identifier with its IdTagInfo, as kept in the authorization cache or the local list."""

    id_tag: str
    status: str
    expiry_date: datetime | None = None
    parent_id_tag: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthCachePut:
    """Insert or replace an authorization cache entry."""

    entry: IdTagRecord


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthCacheDelete:
    """Remove one authorization cache entry (evicted from a full cache)."""

    id_tag: str


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthCacheClear:
    """Empty the authorization cache (ClearCache)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class LocalListReplace:
    """Replace the whole local authorization list (SendLocalList Full)."""

    version: int
    entries: tuple[IdTagRecord, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class LocalListUpdate:
    """Apply a differential update to the local list (SendLocalList Differential)."""

    version: int
    upserts: tuple[IdTagRecord, ...]
    deletes: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class AvailabilitySet:
    """Persist a connector's availability (``operative``) and any change scheduled after its session.

    ``scheduled`` is the availability to apply when the running transaction ends, or None.
    """

    connector_id: int
    operative: bool
    scheduled: bool | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class TransactionRecord:
    """The journal of one transaction, enough to resume it or close it after a power loss.

    ``tx_key`` is the station's own key (the central system's ``transaction_id`` is only known
    after StartTransaction.conf). ``acknowledged`` becomes True when StopTransaction.conf arrived
    (or the StopTransaction was given up): an unacknowledged record is unfinished business.
    """

    tx_key: str
    connector_id: int
    id_tag: str
    start_time: datetime
    meter_start: int
    meter_last: int
    meter_last_time: datetime
    transaction_id: int | None = None
    reservation_id: int | None = None
    parent_id_tag: str | None = None
    start_status: str | None = None
    stop_time: datetime | None = None
    meter_stop: int | None = None
    stop_reason: str | None = None
    id_tag_end: str | None = None
    acknowledged: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class TransactionPut:
    """Insert or replace (by ``tx_key``) a transaction record."""

    record: TransactionRecord


@dataclass(frozen=True, slots=True, kw_only=True)
class MeterValueAppend:
    """A meter value (wire MeterValue dict) taken during transaction ``tx_key``."""

    tx_key: str
    connector_id: int
    meter_value: dict[str, Any]


@dataclass(frozen=True, slots=True, kw_only=True)
class ChargingProfileRecord:
    """An installed charging profile: its connector and the wire ``csChargingProfiles`` dict."""

    connector_id: int
    profile: dict[str, Any]

    @property
    def profile_id(self) -> int:
        return int(self.profile["chargingProfileId"])


@dataclass(frozen=True, slots=True, kw_only=True)
class ChargingProfilePut:
    """Insert or replace (by chargingProfileId) an installed charging profile."""

    record: ChargingProfileRecord


@dataclass(frozen=True, slots=True, kw_only=True)
class ChargingProfileDelete:
    """Remove the installed charging profile ``profile_id`` (if any)."""

    profile_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ReservationRecord:
    """A reservation accepted with ReserveNow (connector 0 = the station as a whole)."""

    reservation_id: int
    connector_id: int
    id_tag: str
    expiry_date: datetime
    parent_id_tag: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ReservationPut:
    """Insert or replace (by reservation id) a reservation."""

    record: ReservationRecord


@dataclass(frozen=True, slots=True, kw_only=True)
class ReservationDelete:
    """Remove reservation ``reservation_id`` (used, expired or cancelled)."""

    reservation_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class FeatureStateSet:
    """Set (or, with ``value`` None, delete) the durable state of a feature by name.

    For small state machines that must survive a restart, e.g. a firmware update scheduled or
    being installed, a diagnostics upload in progress. ``value`` is JSON-compatible.
    """

    name: str
    value: dict[str, Any] | None


StorageOp = (
    QueuePut
    | QueueDelete
    | ConfigSet
    | AuthCachePut
    | AuthCacheDelete
    | AuthCacheClear
    | LocalListReplace
    | LocalListUpdate
    | AvailabilitySet
    | TransactionPut
    | MeterValueAppend
    | ChargingProfilePut
    | ChargingProfileDelete
    | ReservationPut
    | ReservationDelete
    | FeatureStateSet
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Snapshot:
    """Everything durable, as loaded at start."""

    queue: tuple[QueuedMessage, ...] = ()
    config_overlay: dict[str, dict[str, Any]] = field(default_factory=dict)
    auth_cache: tuple[IdTagRecord, ...] = ()
    local_list_version: int = 0
    local_list: tuple[IdTagRecord, ...] = ()
    #: connector id -> (operative, scheduled availability or None); absent = operative.
    availability: dict[int, tuple[bool, bool | None]] = field(default_factory=dict)
    #: transactions not yet acknowledged by StopTransaction.conf, oldest first
    transactions: tuple[TransactionRecord, ...] = ()
    #: meter values (wire dicts) of those transactions, by tx_key, oldest first
    meter_values: dict[str, tuple[dict[str, Any], ...]] = field(default_factory=dict)
    #: installed charging profiles, in the order they were installed
    charging_profiles: tuple[ChargingProfileRecord, ...] = ()
    #: reservations not yet used, expired or cancelled
    reservations: tuple[ReservationRecord, ...] = ()
    #: durable feature state by name (see :class:`FeatureStateSet`)
    feature_state: dict[str, dict[str, Any]] = field(default_factory=dict)


class Store(Protocol):
    """Durable storage of the engine's state."""

    async def load(self) -> Snapshot:
        """Everything stored so far."""
        ...

    async def apply(self, ops: Sequence[StorageOp]) -> None:
        """Apply ``ops`` in order, atomically."""
        ...


class MemoryStore:
    """A :class:`Store` in memory, for tests and for ``ocpp_core`` used alone."""

    def __init__(self, snapshot: Snapshot | None = None) -> None:
        self._state = copy.deepcopy(snapshot) if snapshot is not None else Snapshot()
        self.applied: list[StorageOp] = []

    def snapshot(self) -> Snapshot:
        """The current state, as :meth:`load` would return it."""
        return copy.deepcopy(self._state)

    async def load(self) -> Snapshot:
        return self.snapshot()

    async def apply(self, ops: Sequence[StorageOp]) -> None:
        state = copy.deepcopy(self._state)
        queue = {m.seq: m for m in state.queue}
        cache = {e.id_tag: e for e in state.auth_cache}
        local = {e.id_tag: e for e in state.local_list}
        version = state.local_list_version
        transactions = {t.tx_key: t for t in state.transactions}
        meter_values = {k: list(v) for k, v in state.meter_values.items()}
        profiles = {r.profile_id: r for r in state.charging_profiles}
        reservations = {r.reservation_id: r for r in state.reservations}
        for op in ops:
            if isinstance(op, QueuePut):
                queue[op.message.seq] = replace(op.message, payload=copy.deepcopy(op.message.payload))
            elif isinstance(op, QueueDelete):
                queue.pop(op.seq, None)
            elif isinstance(op, ConfigSet):
                state.config_overlay.setdefault(op.section, {})[op.key] = copy.deepcopy(op.value)
            elif isinstance(op, AuthCachePut):
                cache[op.entry.id_tag] = op.entry
            elif isinstance(op, AuthCacheDelete):
                cache.pop(op.id_tag, None)
            elif isinstance(op, AuthCacheClear):
                cache.clear()
            elif isinstance(op, LocalListReplace):
                local = {e.id_tag: e for e in op.entries}
                version = op.version
            elif isinstance(op, LocalListUpdate):
                for tag in op.deletes:
                    local.pop(tag, None)
                local.update({e.id_tag: e for e in op.upserts})
                version = op.version
            elif isinstance(op, AvailabilitySet):
                state.availability[op.connector_id] = (op.operative, op.scheduled)
            elif isinstance(op, TransactionPut):
                transactions[op.record.tx_key] = op.record
            elif isinstance(op, ChargingProfilePut):
                profiles.pop(op.record.profile_id, None)  # a replacement counts as a new install
                profiles[op.record.profile_id] = replace(op.record, profile=copy.deepcopy(op.record.profile))
            elif isinstance(op, ChargingProfileDelete):
                profiles.pop(op.profile_id, None)
            elif isinstance(op, ReservationPut):
                reservations[op.record.reservation_id] = op.record
            elif isinstance(op, ReservationDelete):
                reservations.pop(op.reservation_id, None)
            elif isinstance(op, FeatureStateSet):
                if op.value is None:
                    state.feature_state.pop(op.name, None)
                else:
                    state.feature_state[op.name] = copy.deepcopy(op.value)
            else:
                meter_values.setdefault(op.tx_key, []).append(copy.deepcopy(op.meter_value))
        unfinished = tuple(t for t in transactions.values() if not t.acknowledged)
        keys = {t.tx_key for t in unfinished}
        self._state = replace(
            state,
            queue=tuple(sorted(queue.values(), key=lambda m: m.seq)),
            auth_cache=tuple(cache.values()),
            local_list=tuple(local.values()),
            local_list_version=version,
            transactions=unfinished,
            meter_values={k: tuple(v) for k, v in meter_values.items() if k in keys},
            charging_profiles=tuple(profiles.values()),
            reservations=tuple(reservations.values()),
        )
        self.applied.extend(ops)

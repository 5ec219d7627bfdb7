"""The engine's storage (:class:`ocpp_core.storage.Store`) and the message trace on the Django ORM.

Each call is one hop to asgiref's shared sync thread (``sync_to_async``) running one sync
function; :meth:`DjangoStore.apply` runs its whole batch in one ``transaction.atomic()``, so a
batch is stored entirely or not at all. What it stores and loads is what
:class:`ocpp_core.storage.MemoryStore` would hold (``station/store_ops.py`` says how).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone

from ocpp_core import rpc
from ocpp_core.errors import CallErrorException
from ocpp_core.storage import Snapshot, StorageOp
from station import models
from station.store_ops import fold

__all__ = ["DjangoStore", "TraceRecord"]

MessageType = models.TraceEntry.MessageType


@dataclass(frozen=True, slots=True, kw_only=True)
class TraceRecord:
    """One frame for the message trace (a :class:`~station.models.TraceEntry` to be)."""

    time: datetime
    direction: Literal["in", "out"]
    message_type: str
    payload: str
    action: str = ""
    unique_id: str = ""
    connector_id: int | None = None
    transaction_id: int | None = None
    error_code: str | None = None

    @classmethod
    def from_frame(cls, direction: Literal["in", "out"], text: str, time: datetime, *, action: str = "") -> TraceRecord:
        """Describe the raw frame ``text``; ``action`` names the CALL a CALLRESULT/CALLERROR answers."""
        try:
            frame = rpc.parse(text)
        except CallErrorException as exc:
            unique_id = exc.unique_id if exc.unique_id not in (None, rpc.UNKNOWN_ID) else ""
            return cls(
                time=time,
                direction=direction,
                message_type=MessageType.INVALID,
                payload=text,
                action=action[:64],
                unique_id=unique_id or "",
                error_code=exc.code.value,
            )
        payload: dict[str, Any] = {}
        error_code = None
        if isinstance(frame, rpc.Call):
            message_type, action, payload = MessageType.CALL, frame.action, frame.payload
        elif isinstance(frame, rpc.CallResult):
            message_type, payload = MessageType.CALLRESULT, frame.payload
        else:
            message_type, error_code = MessageType.CALLERROR, frame.raw_code or frame.error_code.value
        return cls(
            time=time,
            direction=direction,
            message_type=message_type,
            payload=text,
            action=action[:64],
            unique_id=frame.unique_id,
            connector_id=_int_field(payload, "connectorId", minimum=0),  # a PositiveIntegerField
            transaction_id=_int_field(payload, "transactionId"),
            error_code=error_code[:50] if error_code else None,
        )


def _int_field(payload: dict[str, Any], name: str, *, minimum: int = -(2**31)) -> int | None:
    value = payload.get(name)
    return value if type(value) is int and minimum <= value < 2**31 else None


class DjangoStore:
    """:class:`ocpp_core.storage.Store` on the ORM, plus :meth:`append_trace`."""

    def __init__(self, *, trace_max_rows: int | None = None, trace_delete_batch: int = 5000) -> None:
        self.trace_max_rows = trace_max_rows if trace_max_rows is not None else settings.STATION_TRACE_MAX_ROWS
        self.trace_delete_batch = trace_delete_batch

    async def load(self) -> Snapshot:
        return await sync_to_async(self._load)()

    async def apply(self, ops: Sequence[StorageOp]) -> None:
        if ops:
            await sync_to_async(self._apply)(list(ops))

    async def close(self) -> None:
        """Close the database connections of the thread the store works in (at shutdown)."""
        await sync_to_async(connections.close_all)()

    async def append_trace(self, entries: Sequence[TraceRecord]) -> None:
        """Store ``entries``, then delete the oldest rows beyond ``trace_max_rows``."""
        if entries:
            await sync_to_async(self._append_trace)(list(entries))

    @staticmethod
    def _load() -> Snapshot:
        with transaction.atomic():  # one consistent view
            return Snapshot(
                queue=models.QueuedMessage.records(),
                config_overlay=models.ConfigOverride.overlay(),
                auth_cache=models.AuthCacheEntry.records(),
                local_list_version=models.LocalListVersion.current(),
                local_list=models.LocalListEntry.records(),
                availability=models.ConnectorAvailability.snapshot(),
                transactions=models.Transaction.unfinished(),
                meter_values=models.TransactionMeterValue.of_unfinished(),
                charging_profiles=models.ChargingProfile.records(),
                reservations=models.Reservation.records(),
                feature_state=models.FeatureState.snapshot(),
            )

    @staticmethod
    def _apply(ops: list[StorageOp]) -> None:
        batch = fold(ops)  # an unknown operation raises here, before anything is written
        with transaction.atomic():
            batch.write()

    def _append_trace(self, entries: list[TraceRecord]) -> None:
        # One executemany and one commit per batch: the ORM's bulk_create cost ~0.09 ms per row
        # and an aggregate per batch, the station's main cost per round trip (bench/README.md).
        connection = connections[models.TraceEntry.objects.db]
        adapt_time = connection.ops.adapt_datetimefield_value
        rows = [
            (
                adapt_time(e.time),
                e.direction,
                e.message_type,
                e.action,
                e.unique_id,
                e.connector_id,
                e.transaction_id,
                e.payload.replace("\x00", "\ufffd"),  # PostgreSQL text cannot hold NUL
                e.error_code,
            )
            for e in entries
        ]
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.executemany(_TRACE_INSERT, rows)
            more = self._prune_trace(cursor)
        while more:  # a large backlog of old rows: one short write transaction per delete batch
            with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
                more = self._prune_trace(cursor)

    def _prune_trace(self, cursor: Any) -> bool:
        """Delete rows beyond the limits, at most one delete batch of each; ``True`` if more remain."""
        # By age first (STATION_TRACE_MAX_AGE_DAYS, when set): rows older than the cutoff, found
        # through the time index -- one indexed query when there is nothing to delete.
        more = False
        max_age_days = settings.STATION_TRACE_MAX_AGE_DAYS
        if max_age_days is not None:
            cutoff_time = timezone.now() - timedelta(days=max_age_days)
            old = list(
                models.TraceEntry.objects.filter(time__lt=cutoff_time)
                .order_by("time")
                .values_list("id", flat=True)[: self.trace_delete_batch]
            )
            if old:
                models.TraceEntry.objects.filter(id__in=old).delete()
                more = len(old) == self.trace_delete_batch
        # Then by count: ids only grow (AUTOINCREMENT / identity), so everything at or below
        # (newest id - max rows) is beyond the limit. min() and max() of the primary key are
        # index lookups (two subqueries: SQLite optimises a lone min/max only).
        cursor.execute(_TRACE_ID_RANGE)
        oldest, newest = cursor.fetchone()
        if newest is None:
            return more
        cutoff = newest - self.trace_max_rows
        if oldest > cutoff:
            return more
        upper = min(cutoff, oldest - 1 + self.trace_delete_batch)
        cursor.execute(_TRACE_DELETE, [upper])
        return more or upper < cutoff


def _trace_sql() -> tuple[str, str, str]:
    meta = models.TraceEntry._meta
    quote = connections[models.TraceEntry.objects.db].ops.quote_name
    table = quote(meta.db_table)
    names = [
        "time",
        "direction",
        "message_type",
        "action",
        "unique_id",
        "connector_id",
        "transaction_id",
        "payload",
        "error_code",
    ]
    column_of = {field.name: str(field.column) for field in meta.concrete_fields}
    columns = ", ".join(quote(column_of[name]) for name in names)
    placeholders = ", ".join(["%s"] * len(names))
    key = quote(column_of["id"])
    return (
        f"INSERT INTO {table} ({columns}) VALUES ({placeholders})",
        f"SELECT (SELECT min({key}) FROM {table}), (SELECT max({key}) FROM {table})",
        f"DELETE FROM {table} WHERE {key} <= %s",
    )


_TRACE_INSERT, _TRACE_ID_RANGE, _TRACE_DELETE = _trace_sql()

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any, Self

from django.db import models

from ocpp_core import storage, timeutil

# The feature components' journal (charging profiles, reservations, feature state) has a module of
# its own to keep this one short; importing the models here makes them part of this app.
from station.models_features import ChargingProfile as ChargingProfile
from station.models_features import FeatureState as FeatureState
from station.models_features import Reservation as Reservation


class OcppJSONEncoder(json.JSONEncoder):
    """Writes a :class:`~decimal.Decimal` as a JSON number, as ``ocpp_core.rpc.serialize`` does."""

    def default(self, o: Any) -> Any:
        if isinstance(o, Decimal):
            return int(o) if o == o.to_integral_value() else float(o)
        return super().default(o)


class OcppJSONDecoder(json.JSONDecoder):
    """Reads non-integer numbers as :class:`~decimal.Decimal`, as ``ocpp_core.rpc.parse`` does."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("parse_float", Decimal)
        super().__init__(**kwargs)


class QueuedMessage(models.Model):
    """A CALL in the engine's message queue (mirrors :class:`ocpp_core.storage.QueuedMessage`)."""

    seq = models.BigIntegerField(unique=True)
    unique_id = models.CharField(max_length=36)
    action = models.CharField(max_length=64)
    payload = models.JSONField(encoder=OcppJSONEncoder, decoder=OcppJSONDecoder)
    transactional = models.BooleanField(default=False)
    attempts = models.PositiveIntegerField(default=0)
    not_before = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    tx_key = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001  # mirrors `str | None`

    #: the fields besides ``seq`` (what an upsert rewrites)
    MESSAGE_FIELDS = (
        "unique_id",
        "action",
        "payload",
        "transactional",
        "attempts",
        "not_before",
        "created_at",
        "tx_key",
    )

    class Meta:
        ordering = ["seq"]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} ({self.unique_id})"

    @classmethod
    def fields_of(cls, message: storage.QueuedMessage) -> dict[str, Any]:
        """The model fields (except ``seq``) holding ``message``."""
        return {name: getattr(message, name) for name in cls.MESSAGE_FIELDS}

    def to_core(self) -> storage.QueuedMessage:
        return storage.QueuedMessage(seq=self.seq, **{name: getattr(self, name) for name in self.MESSAGE_FIELDS})

    @classmethod
    def records(cls) -> tuple[storage.QueuedMessage, ...]:
        """The queue, in ``seq`` order."""
        return tuple(row.to_core() for row in QueuedMessage.objects.order_by("seq"))

    @classmethod
    def upsert(cls, messages: Iterable[storage.QueuedMessage]) -> None:
        """Insert or replace the messages by ``seq`` (one per ``seq``)."""
        rows = [QueuedMessage(seq=message.seq, **cls.fields_of(message)) for message in messages]
        if rows:
            QueuedMessage.objects.bulk_create(
                rows, update_conflicts=True, unique_fields=["seq"], update_fields=cls.MESSAGE_FIELDS
            )

    @classmethod
    def remove(cls, seqs: Iterable[int]) -> None:
        wanted = set(seqs)
        if wanted:
            QueuedMessage.objects.filter(seq__in=wanted).delete()


class ConfigOverride(models.Model):
    """A configuration key changed after start (ChangeConfiguration, operator); wins over the file."""

    section = models.CharField(max_length=40)
    key = models.CharField(max_length=100)
    value = models.JSONField(null=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["section", "key"], name="config_override_section_key")]
        ordering = ["section", "key"]

    def __str__(self) -> str:
        return f"{self.section}.{self.key}"

    @classmethod
    def overlay(cls) -> dict[str, dict[str, Any]]:
        """section -> key -> value, as in :attr:`ocpp_core.storage.Snapshot.config_overlay`."""
        values: dict[str, dict[str, Any]] = {}
        for override in ConfigOverride.objects.order_by("section", "key"):
            values.setdefault(override.section, {})[override.key] = override.value
        return values

    @classmethod
    def upsert(cls, values: dict[tuple[str, str], Any]) -> None:
        """Insert or replace the values by (section, key)."""
        rows = [
            # A bare None would be SQL NULL; Value(None, JSONField()) is JSON null.
            ConfigOverride(
                section=section, key=key, value=value if value is not None else models.Value(None, models.JSONField())
            )
            for (section, key), value in values.items()
        ]
        if rows:
            ConfigOverride.objects.bulk_create(
                rows, update_conflicts=True, unique_fields=["section", "key"], update_fields=["value", "updated_at"]
            )


class TraceEntry(models.Model):
    """One frame of the message trace, as it went over the wire."""

    class Direction(models.TextChoices):
        IN = "in", "central system → station"
        OUT = "out", "station → central system"

    class MessageType(models.TextChoices):
        CALL = "CALL"
        CALLRESULT = "CALLRESULT"
        CALLERROR = "CALLERROR"
        INVALID = "invalid"

    time = models.DateTimeField(db_index=True)
    direction = models.CharField(max_length=3, choices=Direction.choices)
    message_type = models.CharField(max_length=10, choices=MessageType.choices)
    action = models.CharField(max_length=64, blank=True, db_index=True)
    unique_id = models.CharField(max_length=36, blank=True, db_index=True)
    connector_id = models.PositiveIntegerField(null=True, blank=True)
    transaction_id = models.IntegerField(null=True, blank=True)
    payload = models.TextField()
    error_code = models.CharField(max_length=50, null=True, blank=True)  # noqa: DJ001  # NULL: not an error

    class Meta:
        ordering = ["-time", "-id"]
        indexes = [
            models.Index(fields=["action", "time"], name="trace_action_time"),
            models.Index(fields=["direction", "time"], name="trace_direction_time"),
            models.Index(fields=["connector_id", "time"], name="trace_connector_time"),
        ]
        verbose_name_plural = "trace entries"

    def __str__(self) -> str:
        return f"{self.time:%Y-%m-%d %H:%M:%S} {self.direction} {self.message_type} {self.action}"


# --- the engine's journal (ocpp_core.storage): authorization, availability, transactions -------


class AuthorizationStatus(models.TextChoices):
    """IdTagInfo.status (mirrors :class:`ocpp_core.enums.AuthorizationStatus`)."""

    ACCEPTED = "Accepted"
    BLOCKED = "Blocked"
    EXPIRED = "Expired"
    INVALID = "Invalid"
    CONCURRENT_TX = "ConcurrentTx", "Concurrent transaction"


class StopReason(models.TextChoices):
    """StopTransaction.req reason (mirrors :class:`ocpp_core.enums.Reason`)."""

    EMERGENCY_STOP = "EmergencyStop", "Emergency stop"
    EV_DISCONNECTED = "EVDisconnected", "EV disconnected"
    HARD_RESET = "HardReset", "Hard reset"
    LOCAL = "Local"
    OTHER = "Other"
    POWER_LOSS = "PowerLoss", "Power loss"
    REBOOT = "Reboot"
    REMOTE = "Remote"
    SOFT_RESET = "SoftReset", "Soft reset"
    UNLOCK_COMMAND = "UnlockCommand", "Unlock command"
    DE_AUTHORIZED = "DeAuthorized", "Deauthorized"


#: IdToken is CiString20 (the engine validates every id tag before it journals one).
ID_TAG_LENGTH = 20
#: The measurand of a sampled value that names none (OCPP 1.6 SampledValue.measurand default).
ENERGY_REGISTER = "Energy.Active.Import.Register"
#: Units read with a factor into their base unit (SampledValue.unit; the default unit is Wh).
_UNIT_FACTORS = {unit: Decimal(1000) for unit in ("kWh", "kW", "kvarh", "kvar", "kVA")}


class IdTagEntry(models.Model):
    """An identifier with its IdTagInfo (:class:`ocpp_core.storage.IdTagRecord`).

    The engine's order of entries is their insertion order, kept by the auto-increment primary
    key: an upsert of an existing ``id_tag`` updates the row in place and keeps its position.
    """

    id_tag = models.CharField(max_length=ID_TAG_LENGTH, unique=True)
    status = models.CharField(max_length=20, choices=AuthorizationStatus.choices)
    expiry_date = models.DateTimeField(null=True, blank=True)
    parent_id_tag = models.CharField(max_length=ID_TAG_LENGTH, null=True, blank=True)  # noqa: DJ001  # `str | None`

    class Meta:
        abstract = True
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.id_tag} ({self.status})"

    @classmethod
    def from_core(cls, record: storage.IdTagRecord) -> Self:
        return cls(
            id_tag=record.id_tag,
            status=record.status,
            expiry_date=record.expiry_date,
            parent_id_tag=record.parent_id_tag,
        )

    def to_core(self) -> storage.IdTagRecord:
        return storage.IdTagRecord(
            id_tag=self.id_tag, status=self.status, expiry_date=self.expiry_date, parent_id_tag=self.parent_id_tag
        )

    @classmethod
    def records(cls) -> tuple[storage.IdTagRecord, ...]:
        """Every entry, in insertion order."""
        return tuple(entry.to_core() for entry in cls._default_manager.order_by("id"))

    @classmethod
    def upsert(cls, records: Iterable[storage.IdTagRecord]) -> None:
        """Insert or replace by ``id_tag``: an existing entry keeps its position, new ones go last.

        Of several records for one id tag the last wins, at the position of the first (as in a dict).
        """
        latest = {record.id_tag: record for record in records}
        if latest:
            cls._default_manager.bulk_create(
                [cls.from_core(record) for record in latest.values()],
                update_conflicts=True,
                unique_fields=["id_tag"],
                update_fields=["status", "expiry_date", "parent_id_tag"],
            )

    @classmethod
    def remove(cls, id_tags: Iterable[str]) -> None:
        tags = set(id_tags)
        if tags:
            cls._default_manager.filter(id_tag__in=tags).delete()

    @classmethod
    def clear(cls) -> None:
        cls._default_manager.all().delete()


class AuthCacheEntry(IdTagEntry):
    """An authorization cache entry (remembered from Authorize/Start/StopTransaction.conf)."""

    class Meta(IdTagEntry.Meta):
        verbose_name_plural = "authorization cache entries"


class LocalListEntry(IdTagEntry):
    """An entry of the local authorization list (SendLocalList)."""

    class Meta(IdTagEntry.Meta):
        verbose_name_plural = "local list entries"


class LocalListVersion(models.Model):
    """The version of the local authorization list: a single row (absent = version 0)."""

    SINGLETON_ID = 1

    version = models.IntegerField(default=0)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="local_list_version_singleton")]

    def __str__(self) -> str:
        return f"local list version {self.version}"

    @classmethod
    def current(cls) -> int:
        row = cls.objects.filter(id=cls.SINGLETON_ID).first()
        return row.version if row is not None else 0

    @classmethod
    def set(cls, version: int) -> None:
        cls.objects.update_or_create(id=cls.SINGLETON_ID, defaults={"version": version})


class ConnectorAvailability(models.Model):
    """A connector's availability (ChangeAvailability); a connector without a row is operative."""

    connector_id = models.PositiveIntegerField(unique=True)
    operative = models.BooleanField(default=True)
    #: the availability to apply when the running transaction ends (ChangeAvailability Scheduled)
    scheduled = models.BooleanField(null=True, blank=True)

    class Meta:
        ordering = ["connector_id"]
        verbose_name_plural = "connector availabilities"

    def __str__(self) -> str:
        state = "operative" if self.operative else "inoperative"
        return f"connector {self.connector_id} {state}" + (
            "" if self.scheduled is None else f" (then {'operative' if self.scheduled else 'inoperative'})"
        )

    @classmethod
    def snapshot(cls) -> dict[int, tuple[bool, bool | None]]:
        """connector id -> (operative, scheduled), as in :attr:`ocpp_core.storage.Snapshot.availability`."""
        return {
            row.connector_id: (row.operative, row.scheduled)
            for row in ConnectorAvailability.objects.order_by("connector_id")
        }

    @classmethod
    def upsert(cls, states: dict[int, tuple[bool, bool | None]]) -> None:
        if states:
            ConnectorAvailability.objects.bulk_create(
                [
                    ConnectorAvailability(connector_id=n, operative=op, scheduled=sched)
                    for n, (op, sched) in states.items()
                ],
                update_conflicts=True,
                unique_fields=["connector_id"],
                update_fields=["operative", "scheduled"],
            )


class Transaction(models.Model):
    """A transaction's journal (:class:`ocpp_core.storage.TransactionRecord`), kept as history.

    ``tx_key`` is the station's own key; ``transaction_id`` is the central system's, known after
    StartTransaction.conf. A transaction is unfinished business until ``acknowledged``
    (StopTransaction.conf arrived or the StopTransaction was given up); acknowledged rows are
    never deleted: they are the dashboard's and the control API's history. The engine's order of
    transactions ("oldest first") is the order they were first journaled: the primary key.
    """

    tx_key = models.CharField(max_length=64, unique=True)
    connector_id = models.PositiveIntegerField()
    id_tag = models.CharField(max_length=ID_TAG_LENGTH)
    parent_id_tag = models.CharField(max_length=ID_TAG_LENGTH, null=True, blank=True)  # noqa: DJ001  # `str | None`
    transaction_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    reservation_id = models.BigIntegerField(null=True, blank=True)
    start_time = models.DateTimeField(db_index=True)
    #: meter register (Wh) at the start, and the last reading journaled with its time
    meter_start = models.BigIntegerField()
    meter_last = models.BigIntegerField()
    meter_last_time = models.DateTimeField()
    #: StartTransaction.conf's idTagInfo.status
    start_status = models.CharField(  # noqa: DJ001  # `str | None`: no answer yet
        max_length=20, choices=AuthorizationStatus.choices, null=True, blank=True
    )
    stop_time = models.DateTimeField(null=True, blank=True)
    meter_stop = models.BigIntegerField(null=True, blank=True)
    stop_reason = models.CharField(  # noqa: DJ001  # `str | None`: still running
        max_length=20, choices=StopReason.choices, null=True, blank=True
    )
    id_tag_end = models.CharField(max_length=ID_TAG_LENGTH, null=True, blank=True)  # noqa: DJ001  # `str | None`
    acknowledged = models.BooleanField(default=False, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    #: the fields an upsert (a later TransactionPut of the same ``tx_key``) rewrites
    JOURNAL_FIELDS = (
        "connector_id",
        "id_tag",
        "parent_id_tag",
        "transaction_id",
        "reservation_id",
        "start_time",
        "meter_start",
        "meter_last",
        "meter_last_time",
        "start_status",
        "stop_time",
        "meter_stop",
        "stop_reason",
        "id_tag_end",
        "acknowledged",
    )

    class Meta:
        ordering = ["-start_time", "-id"]

    def __str__(self) -> str:
        ocpp_id = self.transaction_id if self.transaction_id is not None else "?"
        return f"transaction {ocpp_id} ({self.tx_key}) on connector {self.connector_id}"

    @property
    def running(self) -> bool:
        return self.stop_time is None

    @property
    def energy_wh(self) -> int:
        """Energy delivered so far (or in total, once stopped), in Wh."""
        end = self.meter_stop if self.meter_stop is not None else self.meter_last
        return end - self.meter_start

    @classmethod
    def from_core(cls, record: storage.TransactionRecord) -> Transaction:
        return Transaction(tx_key=record.tx_key, **{name: getattr(record, name) for name in cls.JOURNAL_FIELDS})

    def to_core(self) -> storage.TransactionRecord:
        return storage.TransactionRecord(
            tx_key=self.tx_key, **{name: getattr(self, name) for name in self.JOURNAL_FIELDS}
        )

    @classmethod
    def unfinished(cls) -> tuple[storage.TransactionRecord, ...]:
        """The transactions not yet acknowledged, oldest (first journaled) first."""
        return tuple(row.to_core() for row in Transaction.objects.filter(acknowledged=False).order_by("id"))

    @classmethod
    def journal(cls, records: Iterable[storage.TransactionRecord]) -> None:
        """Insert or replace the records by ``tx_key`` (an existing row keeps its primary key)."""
        rows = [cls.from_core(record) for record in records]
        if rows:
            Transaction.objects.bulk_create(
                rows, update_conflicts=True, unique_fields=["tx_key"], update_fields=[*cls.JOURNAL_FIELDS, "updated_at"]
            )

    @classmethod
    def api_list(cls, limit: int | None = None) -> list[dict[str, Any]]:
        """The control API's ``GET /api/v1/transactions`` body, newest first."""
        rows = Transaction.objects.order_by("-start_time", "-id")
        if limit is not None:
            rows = rows[:limit]
        return [row.api_dict() for row in rows]

    def api_dict(self) -> dict[str, Any]:
        return {
            "transaction_id": self.transaction_id,
            "connector_id": self.connector_id,
            "id_tag": self.id_tag,
            "meter_start": self.meter_start,
            "meter_stop": self.meter_stop,
            "start": timeutil.format_datetime(self.start_time),
            "stop": timeutil.format_datetime(self.stop_time) if self.stop_time is not None else None,
            "reason": self.stop_reason,
            "acknowledged": self.acknowledged,
        }

    def series(self, measurand: str = ENERGY_REGISTER, *, phase: str | None = None) -> list[tuple[datetime, Decimal]]:
        """(time, value) of ``measurand`` over the transaction, for charts (Wh, W, A, V ...)."""
        points: list[tuple[datetime, Decimal]] = []
        for value in self.meter_values.order_by("id"):
            if value.timestamp is not None:
                points.extend((value.timestamp, reading) for reading in value.readings(measurand, phase=phase))
        return points


class TransactionMeterValue(models.Model):
    """A meter value (the wire MeterValue dict) taken during a transaction, in insertion order."""

    transaction = models.ForeignKey(
        Transaction, on_delete=models.CASCADE, to_field="tx_key", db_column="tx_key", related_name="meter_values"
    )
    connector_id = models.PositiveIntegerField()
    #: the MeterValue's own timestamp (NULL if it has none that reads as RFC 3339)
    timestamp = models.DateTimeField(null=True, blank=True, db_index=True)
    meter_value = models.JSONField(encoder=OcppJSONEncoder, decoder=OcppJSONDecoder)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["connector_id", "timestamp"], name="meter_value_connector_time")]

    def __str__(self) -> str:
        return f"meter value of {self.tx_key} at {self.timestamp}"

    @property
    def tx_key(self) -> str:
        # The foreign key points at Transaction.tx_key, so its column holds the key itself.
        return self.transaction_id

    @classmethod
    def from_core(cls, op: storage.MeterValueAppend) -> TransactionMeterValue:
        raw = op.meter_value.get("timestamp")
        try:
            timestamp = timeutil.parse_datetime(raw) if isinstance(raw, str) else None
        except ValueError:
            timestamp = None
        return TransactionMeterValue(
            transaction_id=op.tx_key, connector_id=op.connector_id, timestamp=timestamp, meter_value=op.meter_value
        )

    @classmethod
    def of_unfinished(cls) -> dict[str, tuple[dict[str, Any], ...]]:
        """The meter values of the unacknowledged transactions, by tx_key, oldest first."""
        values: dict[str, list[dict[str, Any]]] = {}
        rows = (
            TransactionMeterValue.objects.filter(transaction__acknowledged=False)
            .order_by("id")
            .values_list("transaction__tx_key", "meter_value")
        )
        for tx_key, meter_value in rows:
            values.setdefault(tx_key, []).append(meter_value)
        return {tx_key: tuple(items) for tx_key, items in values.items()}

    def readings(self, measurand: str = ENERGY_REGISTER, *, phase: str | None = None) -> list[Decimal]:
        """The numeric values of ``measurand`` (and ``phase``) in this meter value, in base units."""
        found: list[Decimal] = []
        for sampled in self.meter_value.get("sampledValue", ()):
            if not isinstance(sampled, dict) or sampled.get("format") == "SignedData":
                continue
            if sampled.get("measurand", ENERGY_REGISTER) != measurand or sampled.get("phase") != phase:
                continue
            try:
                number = Decimal(str(sampled.get("value")))
            except ArithmeticError:
                continue
            if number.is_finite():
                found.append(number * _UNIT_FACTORS.get(sampled.get("unit", ""), Decimal(1)))
        return found

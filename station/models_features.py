"""The feature components' journal: installed charging profiles, reservations, feature state.

These mirror :class:`ocpp_core.storage.ChargingProfileRecord`, :class:`~ocpp_core.storage.ReservationRecord`
and the named state of :class:`~ocpp_core.storage.FeatureStateSet`. They live apart from
``station/models.py`` only to keep that module short; it imports them, so they belong to the
``station`` app and are reachable as ``station.models.ChargingProfile`` etc.

Order is the engine's order, kept by the auto-increment primary key (which never reuses a value):
an upsert of an existing reservation or feature state updates its row in place and keeps its
position; a charging profile put again is deleted and inserted anew, because for the engine a
replacement by the same chargingProfileId is a new install and goes last.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import models

from ocpp_core import storage

__all__ = ["ChargingProfile", "DecimalJSONDecoder", "ExactJSONEncoder", "FeatureState", "Reservation"]

#: IdToken is CiString20 (as ``station.models.ID_TAG_LENGTH``; the engine validates every id tag).
_ID_TAG_LENGTH = 20


class ExactJSONEncoder(json.JSONEncoder):
    """Writes a :class:`~decimal.Decimal` as the JSON number it spells, digit for digit.

    ``Decimal("6.1")`` is written ``6.1`` and ``Decimal("16.0")`` ``16.0``, never through a float
    (which would round a long number). The stdlib encoder cannot emit raw number text, so each
    Decimal goes in as a uniquely marked string that is then replaced by the number.
    """

    def encode(self, o: Any) -> str:
        marker = uuid.uuid4().hex
        numbers: list[str] = []

        def swap(value: Any) -> Any:
            if isinstance(value, Decimal):
                if not value.is_finite():
                    raise ValueError(f"{value} is not a JSON number")
                numbers.append(str(value))  # str(Decimal) is always valid JSON number syntax
                return f"{marker}{len(numbers) - 1}"
            if isinstance(value, dict):
                return {key: swap(item) for key, item in value.items()}
            if isinstance(value, list | tuple):
                return [swap(item) for item in value]
            return value

        text = super().encode(swap(o))
        if not numbers:
            return text
        return re.sub(f'"{marker}([0-9]+)"', lambda match: numbers[int(match[1])], text)


class DecimalJSONDecoder(json.JSONDecoder):
    """Reads non-integer numbers as :class:`~decimal.Decimal` (what :class:`ExactJSONEncoder` wrote)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("parse_float", Decimal)
        super().__init__(**kwargs)


class ChargingProfile(models.Model):
    """An installed charging profile: its connector and the wire ``csChargingProfiles`` dict.

    ``profile`` is stored as the engine gave it (its numbers exactly, see
    :class:`ExactJSONEncoder`); ``profile_id`` is its ``chargingProfileId``, the key of puts and
    deletes. Rows are in install order.
    """

    profile_id = models.BigIntegerField(unique=True)
    #: 0: the station as a whole
    connector_id = models.PositiveIntegerField()
    profile = models.JSONField(encoder=ExactJSONEncoder, decoder=DecimalJSONDecoder)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        purpose = self.profile.get("chargingProfilePurpose", "?") if isinstance(self.profile, dict) else "?"
        return f"charging profile {self.profile_id} ({purpose}) on connector {self.connector_id}"

    def to_core(self) -> storage.ChargingProfileRecord:
        return storage.ChargingProfileRecord(connector_id=self.connector_id, profile=self.profile)

    @classmethod
    def records(cls) -> tuple[storage.ChargingProfileRecord, ...]:
        """The installed profiles, in install order."""
        return tuple(row.to_core() for row in ChargingProfile.objects.order_by("id"))

    @classmethod
    def install(cls, records: Iterable[storage.ChargingProfileRecord]) -> None:
        """Insert the records, in order, after every installed profile (remove their ids first)."""
        rows = [
            ChargingProfile(profile_id=record.profile_id, connector_id=record.connector_id, profile=record.profile)
            for record in records
        ]
        if rows:
            ChargingProfile.objects.bulk_create(rows)

    @classmethod
    def remove(cls, profile_ids: Iterable[int]) -> None:
        wanted = set(profile_ids)
        if wanted:
            ChargingProfile.objects.filter(profile_id__in=wanted).delete()


class Reservation(models.Model):
    """A reservation accepted with ReserveNow and not yet used, expired or cancelled."""

    reservation_id = models.BigIntegerField(unique=True)
    #: 0: the station as a whole
    connector_id = models.PositiveIntegerField()
    id_tag = models.CharField(max_length=_ID_TAG_LENGTH)
    parent_id_tag = models.CharField(max_length=_ID_TAG_LENGTH, null=True, blank=True)  # noqa: DJ001  # `str | None`
    expiry_date = models.DateTimeField()

    #: the fields besides ``reservation_id`` (what an upsert rewrites)
    RECORD_FIELDS = ("connector_id", "id_tag", "parent_id_tag", "expiry_date")

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"reservation {self.reservation_id} of {self.id_tag} on connector {self.connector_id}"

    def to_core(self) -> storage.ReservationRecord:
        return storage.ReservationRecord(
            reservation_id=self.reservation_id, **{name: getattr(self, name) for name in self.RECORD_FIELDS}
        )

    @classmethod
    def records(cls) -> tuple[storage.ReservationRecord, ...]:
        """The reservations, in the order they were first made."""
        return tuple(row.to_core() for row in Reservation.objects.order_by("id"))

    @classmethod
    def upsert(cls, records: Iterable[storage.ReservationRecord]) -> None:
        """Insert or replace by ``reservation_id`` (one record per id): an existing reservation keeps
        its position, new ones go last."""
        rows = [
            Reservation(
                reservation_id=record.reservation_id, **{name: getattr(record, name) for name in cls.RECORD_FIELDS}
            )
            for record in records
        ]
        if rows:
            Reservation.objects.bulk_create(
                rows, update_conflicts=True, unique_fields=["reservation_id"], update_fields=cls.RECORD_FIELDS
            )

    @classmethod
    def remove(cls, reservation_ids: Iterable[int]) -> None:
        wanted = set(reservation_ids)
        if wanted:
            Reservation.objects.filter(reservation_id__in=wanted).delete()


class FeatureState(models.Model):
    """The durable state of one feature by name (a firmware update in progress ...): a JSON object."""

    NAME_LENGTH = 100

    name = models.CharField(max_length=NAME_LENGTH, unique=True)
    value = models.JSONField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"state of {self.name}"

    @classmethod
    def snapshot(cls) -> dict[str, dict[str, Any]]:
        """name -> value, as in :attr:`ocpp_core.storage.Snapshot.feature_state`."""
        return dict(FeatureState.objects.order_by("id").values_list("name", "value"))

    @classmethod
    def upsert(cls, values: dict[str, dict[str, Any]]) -> None:
        """Insert or replace the values by name (an existing name keeps its position)."""
        rows = [FeatureState(name=name, value=value) for name, value in values.items()]
        if rows:
            FeatureState.objects.bulk_create(
                rows, update_conflicts=True, unique_fields=["name"], update_fields=["value", "updated_at"]
            )

    @classmethod
    def remove(cls, names: Iterable[str]) -> None:
        wanted = set(names)
        if wanted:
            FeatureState.objects.filter(name__in=wanted).delete()

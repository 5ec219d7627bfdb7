"""Meter values: from the hardware's meter samples to OCPP 1.6 MeterValue objects, and back out.

Theory of operation
-------------------
Everything here is a pure function: no clock reads, no I/O. The engine passes ``now`` in.

* **Measurand lists.** The Meter*/StopTxn* configuration keys are comma-separated lists of
  measurands, each optionally followed by a phase (``Voltage.L1``, ``Current.Import.L1-N``).
  :func:`parse_measurand_list` turns one into :class:`MeasurandSpec` items (duplicates dropped,
  order kept). An empty list means the spec's default, ``Energy.Active.Import.Register``, when
  *building* meter values, and "nothing" when *filtering* StopTransaction data.
* **Building.** :func:`build_meter_value` reports, for every configured measurand, every reading
  the meter gave for it: a measurand without phase expands to its total and every phase the meter
  measured (and every location); with a phase, only that phase. Each sampled value states its
  measurand and context explicitly, and unit, phase and location when known. Values are written in
  plain decimal notation without superfluous zeros (``1234.50`` → ``"1234.5"``, ``1E+3`` →
  ``"1000"``). The unit ``""`` (the simulator's Frequency: 1.6 has no hertz) is left out, and the
  schema's typo ``Celcius`` is written ``Celsius`` (J-erratum 2.1). A reading that 1.6 cannot carry
  (a unit, phase or location that is not a 1.6 wire value, or a value that is not a finite number)
  is skipped rather than sent wrong.
* **Timing.** Sampled values fall every MeterValueSampleInterval after the transaction start
  (:func:`next_sample_time`); clock-aligned values fall on multiples of ClockAlignedDataInterval
  counted from midnight UTC (:func:`next_clock_aligned`). An interval that does not divide a day
  restarts at every midnight: with 7 h the boundaries are 00:00, 07:00, 14:00, 21:00, then 00:00.
* **StopTransaction data.** :func:`stop_transaction_data` filters the values recorded during a
  transaction: Sample.Clock values by StopTxnAlignedData, every other context by
  StopTxnSampledData; both lists empty means no transactionData at all (spec §4.10).
  StopTransactionMaxMeterValues thins out the middle evenly, never dropping the first and last
  values nor a Transaction.Begin/End one (erratum 3.89). :func:`trim_to_size` then keeps the
  serialised payload under MaxMessageSize by dropping every second intermediate entry, as libocpp
  does after its upstream correction.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ocpp_core.datatypes import MeterValue, SampledValue
from ocpp_core.enums import Location, Measurand, Phase, ReadingContext, UnitOfMeasure
from ocpp_core.errors import LocalProtocolError
from ocpp_core.inputs import MeterReading, MeterSample
from ocpp_core.timeutil import to_utc

__all__ = [
    "DEFAULT_MEASURAND",
    "MeasurandSpec",
    "build_meter_value",
    "energy_register_wh",
    "next_clock_aligned",
    "next_sample_time",
    "parse_measurand_list",
    "stop_transaction_data",
    "trim_to_size",
]

DEFAULT_MEASURAND = Measurand.ENERGY_ACTIVE_IMPORT_REGISTER
"""The measurand of a sampled value that names none, and of an empty Meter*Data list."""

_DAY = timedelta(days=1)
_TX_BOUNDS = frozenset({ReadingContext.TRANSACTION_BEGIN, ReadingContext.TRANSACTION_END})


# --- measurand lists ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MeasurandSpec:
    """One item of a measurand list: a measurand, and a phase when the item named one."""

    measurand: Measurand
    phase: Phase | None = None

    def __str__(self) -> str:
        """The item as the configuration key writes it (``Voltage.L1``)."""
        return self.measurand.value if self.phase is None else f"{self.measurand.value}.{self.phase.value}"

    def matches(self, measurand: Measurand, phase: Phase | None) -> bool:
        """Whether a value of ``measurand`` at ``phase`` (None: the total) is one this item asks for."""
        return measurand == self.measurand and (self.phase is None or phase == self.phase)


_MEASURANDS = {m.value: m for m in Measurand}
_PHASES = {p.value: p for p in Phase}


def _parse_item(item: str) -> MeasurandSpec:
    measurand = _MEASURANDS.get(item)
    if measurand is not None:
        return MeasurandSpec(measurand)
    # Measurands contain dots themselves, so the phase is whatever follows the last one.
    base, _, suffix = item.rpartition(".")
    measurand, phase = _MEASURANDS.get(base), _PHASES.get(suffix)
    if measurand is None or phase is None:
        raise ValueError(f"unknown measurand {item!r} (a 1.6 Measurand, optionally followed by .<Phase>)")
    return MeasurandSpec(measurand, phase)


def parse_measurand_list(text: str) -> tuple[MeasurandSpec, ...]:
    """The items of a Meter*/StopTxn* comma-separated list, in order, without duplicates.

    Whitespace around items and empty items are ignored (``" Voltage , SoC,"`` has two items); an
    empty text gives ``()``. Matching is exact, as the wire strings are. An item that is not a
    measurand, or a measurand followed by ``.`` and something other than a phase, raises
    ``ValueError`` naming it.
    """
    specs: dict[MeasurandSpec, None] = {}
    for part in text.split(","):
        item = part.strip()
        if item:
            specs.setdefault(_parse_item(item))
    return tuple(specs)


# --- building meter values ----------------------------------------------------------------------------


def _plain(value: Decimal) -> str:
    """``value`` in plain decimal notation: no exponent, no trailing fraction zeros, no ``-0``."""
    text = format(value, "f")  # exact: no precision given, so no rounding
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _unit(text: str) -> UnitOfMeasure | None:
    """The unit of a reading; ``ValueError`` if 1.6 has no such unit. ``""`` (no unit) is None."""
    if not text:
        return None
    unit = UnitOfMeasure(text)
    return UnitOfMeasure.CELSIUS if unit is UnitOfMeasure.CELCIUS else unit


def _sampled_value(reading: MeterReading, measurand: Measurand, context: ReadingContext) -> SampledValue | None:
    """``reading`` as a sampled value, or None when 1.6 cannot carry it."""
    if not reading.value.is_finite():
        return None
    try:
        unit = _unit(reading.unit)
        phase = None if reading.phase is None else Phase(reading.phase)
        location = None if reading.location is None else Location(reading.location)
    except ValueError:
        return None
    return SampledValue(
        value=_plain(reading.value),
        context=context,
        measurand=measurand,
        phase=phase,
        location=location,
        unit=unit,
    )


def build_meter_value(
    sample: MeterSample,
    measurands: Sequence[MeasurandSpec],
    context: ReadingContext,
    *,
    connector_id: int,
) -> MeterValue | None:
    """The MeterValue reporting ``measurands`` (empty: the default measurand) from ``sample``.

    The timestamp is the sample's (in UTC). Sampled values follow the order of ``measurands``, then
    the meter's order; a reading asked for twice (``Voltage`` and ``Voltage.L1``) is reported once.
    Returns None when the meter gave nothing that was asked for. Raises
    :class:`~ocpp_core.errors.LocalProtocolError` when ``sample`` is another connector's.
    """
    if sample.connector_id != connector_id:
        raise LocalProtocolError(f"meter sample of connector {sample.connector_id} used for connector {connector_id}")
    specs = measurands or (MeasurandSpec(DEFAULT_MEASURAND),)
    chosen: dict[int, SampledValue] = {}
    for spec in specs:
        for index, reading in enumerate(sample.readings):
            if index in chosen or reading.measurand != spec.measurand.value:
                continue
            if spec.phase is not None and reading.phase != spec.phase.value:
                continue
            value = _sampled_value(reading, spec.measurand, context)
            if value is not None:
                chosen[index] = value
    if not chosen:
        return None
    return MeterValue(timestamp=to_utc(sample.timestamp), sampled_value=tuple(chosen.values()))


def energy_register_wh(sample: MeterSample) -> int | None:
    """The Energy.Active.Import.Register total of ``sample`` in whole Wh (meterStart / meterStop).

    A ``kWh`` reading is converted, ``Wh`` or no unit (the spec's default) taken as is; the result
    is rounded half up. When the meter gives the total at several locations, the Outlet one (or
    the one without location, which means Outlet) wins. None when there is no usable total: none
    given, another unit, or not a finite number.
    """
    totals = [r for r in sample.readings if r.measurand == DEFAULT_MEASURAND.value and r.phase is None]
    totals.sort(key=lambda r: r.location not in (None, Location.OUTLET.value))  # stable: Outlet first
    if not totals or not totals[0].value.is_finite():
        return None
    reading = totals[0]
    if reading.unit in ("", UnitOfMeasure.WH.value):
        wh = reading.value
    elif reading.unit == UnitOfMeasure.KWH.value:
        wh = reading.value.scaleb(3)
    else:
        return None
    return int(wh.to_integral_value(rounding=ROUND_HALF_UP))


# --- timing -------------------------------------------------------------------------------------------


def _micros(delta: timedelta) -> int:
    """``delta`` in whole microseconds (exact integer arithmetic, unlike ``total_seconds()``)."""
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def next_clock_aligned(now: datetime, interval_s: int) -> datetime | None:
    """The first clock-aligned boundary strictly after ``now`` (aware UTC), or None if ``interval_s`` ≤ 0.

    Boundaries are midnight UTC of each day plus multiples of ``interval_s`` within that day
    (900 s: :00, :15, :30, :45). When ``interval_s`` does not divide 86 400 the sequence restarts at
    every midnight, so the last interval of a day is shorter; an interval of a day or more gives
    midnight only. ``now`` may be naive (taken as UTC) or in any zone.
    """
    if interval_s <= 0:
        return None
    now = to_utc(now)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    step = interval_s * 1_000_000
    boundary = midnight + timedelta(microseconds=(_micros(now - midnight) // step + 1) * step)
    return min(boundary, midnight + _DAY)


def next_sample_time(tx_start: datetime, now: datetime, interval_s: int) -> datetime | None:
    """The next ``tx_start + k × interval_s`` (k ≥ 1) strictly after ``now``, or None if ``interval_s`` ≤ 0.

    k starts at 1 because the value at ``tx_start`` itself is the Transaction.Begin one; a ``now``
    before ``tx_start`` (a clock set back) therefore gives ``tx_start + interval_s``.
    """
    if interval_s <= 0:
        return None
    step = interval_s * 1_000_000
    k = max(1, _micros(now - tx_start) // step + 1)
    return tx_start + timedelta(microseconds=k * step)


# --- StopTransaction.transactionData -----------------------------------------------------------------


def _wanted(value: SampledValue, sampled: Sequence[MeasurandSpec], aligned: Sequence[MeasurandSpec]) -> bool:
    """Whether ``value`` goes into transactionData (absent context/measurand take their defaults)."""
    context = value.context or ReadingContext.SAMPLE_PERIODIC
    specs = aligned if context is ReadingContext.SAMPLE_CLOCK else sampled
    measurand = value.measurand or DEFAULT_MEASURAND
    return any(spec.matches(measurand, value.phase) for spec in specs)


def _spread(items: Sequence[int], count: int) -> list[int]:
    """``count`` items of ``items`` (``0 < count < len(items)``), evenly spaced.

    ``items`` is cut into ``count`` equal slots and the item nearest each slot's middle is taken
    (the lower one on a tie); slots are wider than one item, so no item is taken twice.
    """
    size = len(items)
    return [items[((2 * slot + 1) * size - count) // (2 * count)] for slot in range(count)]


def _cap(values: list[MeterValue], max_values: int | None) -> tuple[MeterValue, ...]:
    """``values`` thinned to ``max_values`` where possible (erratum 3.89)."""
    last = len(values) - 1
    if max_values is None or last < 2 or len(values) <= max_values:
        return tuple(values)
    protected = {0, last} | {
        index
        for index, value in enumerate(values)
        if any(sampled.context in _TX_BOUNDS for sampled in value.sampled_value)
    }
    others = [index for index in range(len(values)) if index not in protected]
    room = max_values - len(protected)
    keep = protected | set(_spread(others, room) if room > 0 else ())
    return tuple(values[index] for index in sorted(keep))


def stop_transaction_data(
    values: Sequence[MeterValue],
    *,
    sampled: Sequence[MeasurandSpec],
    aligned: Sequence[MeasurandSpec],
    max_values: int | None,
) -> tuple[MeterValue, ...]:
    """The meter values of a transaction that go into its StopTransaction.req ``transactionData``.

    ``values`` are the transaction's recorded meter values, oldest first. A Sample.Clock sampled
    value is kept when a StopTxnAlignedData item (``aligned``) matches its measurand and phase, any
    other context (Transaction.Begin/End, Sample.Periodic, Trigger, ...) when a StopTxnSampledData
    item (``sampled``) does; meter values left empty are dropped. Both lists empty: ``()``.

    ``max_values`` (StopTransactionMaxMeterValues; None: no cap) then limits the count by dropping
    intermediate values spread evenly over the transaction; the first and last values and those
    holding Transaction.Begin/End samples are always kept, so the result may exceed a small cap.
    """
    if not sampled and not aligned:
        return ()
    kept: list[MeterValue] = []
    for value in values:
        samples = tuple(s for s in value.sampled_value if _wanted(s, sampled, aligned))
        if len(samples) == len(value.sampled_value):
            kept.append(value)
        elif samples:
            kept.append(MeterValue(timestamp=value.timestamp, sampled_value=samples))
    return _cap(kept, max_values)


def _json_default(value: object) -> Any:
    if isinstance(value, Decimal):
        return _plain(value)  # written as a number on the wire; as text here it counts 2 bytes more
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _size(payload: dict[str, Any]) -> int:
    """Bytes of ``payload`` as compact UTF-8 JSON, the way :func:`ocpp_core.rpc.serialize` writes it."""
    text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False, default=_json_default)
    return len(text.encode("utf-8"))


def trim_to_size(payload: dict[str, Any], max_bytes: int) -> dict[str, Any]:
    """A copy of the StopTransaction wire ``payload`` whose ``transactionData`` fits ``max_bytes``.

    While the payload (compact UTF-8 JSON) is larger than ``max_bytes`` and ``transactionData`` has
    more than two entries, every entry at an odd position except the last is removed (libocpp's
    ``drop_transaction_data``, corrected upstream to drop every second element); the first and
    last entries always stay. The result may still be too large once only two remain: the caller
    sends it anyway, since a transaction must be stopped. ``payload`` itself is not modified.
    """
    data = payload.get("transactionData")
    result = dict(payload)
    if not isinstance(data, list):
        return result
    entries = list(data)
    result["transactionData"] = entries
    while len(entries) > 2 and _size(result) > max_bytes:
        last = len(entries) - 1
        entries = [entry for index, entry in enumerate(entries) if index % 2 == 0 or index == last]
        result["transactionData"] = entries
    return result

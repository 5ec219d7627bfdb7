"""Where one charging profile puts a limit: its periods as intervals on a whole-second timeline.

Theory of operation
-------------------
Every instant is an integer number of seconds since the Unix epoch (UTC), floored: the composite
schedule works in whole seconds (OCPP 1.6 §3.13.5; libocpp floors every time the same way), and
integers make the sweep in :mod:`ocpp_core.smart_charging.composite` cheap and exact.

A profile's schedule starts at one or more *occurrences*:

* ``Absolute``: ``startSchedule``; without one ``validFrom``, else the window start.
* ``Relative``: the start of the connector's transaction; without one the window start.
* ``Recurring``: every ``startSchedule + k × 24 h`` (``Daily``) or ``+ k × 7 d`` (``Weekly``) for
  any integer k: the most recent occurrence at or before the window start, then each following one
  up to the window end. Without ``startSchedule`` the anchor is ``validFrom``, else the window start;
  without ``recurrencyKind`` the profile is invalid and puts no limit anywhere.

Period *i* of an occurrence *o* becomes the interval ``[o + startPeriod_i, end)`` where ``end`` is the
earliest of ``o + startPeriod_{i+1}``, ``o + duration``, the next recurrence (a recurring schedule
longer than its recurrence period is clipped to it) and ``validTo``. ``validFrom`` after an
interval's start moves the start; an interval left empty is dropped. Everything is then clipped to
the requested window.

Periods are used in list order. A period whose ``startPeriod`` is negative or not greater than the
one of the last period kept is skipped (libocpp logs and skips such periods; the spec requires
increasing values). A first period that starts after 0 simply leaves the schedule without a limit
before it. Nothing here raises on a badly ordered schedule.

A limit travels as :data:`Lanes` ``(amps, watts, number_phases)``: exactly one of the first two is
set for a profile's period, so current and power limits stay apart until the composite converts
them into the requested unit.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from operator import lt

from ocpp_core.datatypes import ChargingProfile, ChargingSchedule, ChargingSchedulePeriod
from ocpp_core.enums import ChargingProfileKindType, ChargingRateUnitType, RecurrencyKindType
from ocpp_core.timeutil import to_utc

__all__ = [
    "RECURRENCE_SECONDS",
    "Interval",
    "Lanes",
    "epoch_seconds",
    "from_epoch_seconds",
    "profile_intervals",
    "schedule_periods",
]

#: ``(amps, watts, number_phases)``: a limit in one unit (the other is ``None``) and its phases, if given.
Lanes = tuple[Decimal | None, Decimal | None, int | None]
#: ``(begin, end, lanes)``: a limit in force over ``[begin, end)``, in epoch seconds.
Interval = tuple[int, int, Lanes]

#: The length of one recurrence, in seconds.
RECURRENCE_SECONDS: dict[RecurrencyKindType, int] = {
    RecurrencyKindType.DAILY: 24 * 3600,
    RecurrencyKindType.WEEKLY: 7 * 24 * 3600,
}

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SECOND = timedelta(seconds=1)


def epoch_seconds(value: datetime) -> int:
    """``value`` in whole seconds since the Unix epoch, floored (naive values are taken as UTC)."""
    return (to_utc(value) - _EPOCH) // _SECOND


def from_epoch_seconds(seconds: int) -> datetime:
    """The aware UTC datetime ``seconds`` after the Unix epoch."""
    return _EPOCH + timedelta(seconds=seconds)


def schedule_periods(schedule: ChargingSchedule) -> tuple[list[int], list[Lanes]]:
    """The usable periods of ``schedule``: their start offsets (strictly increasing, ≥ 0) and limits.

    A period that does not start strictly after the last period kept (or starts before 0) is skipped;
    a ``numberPhases`` below 1 counts as not given.
    """
    periods = schedule.charging_schedule_period
    starts = [period.start_period for period in periods]
    if starts and (starts[0] < 0 or not all(map(lt, starts, starts[1:]))):
        # Out of order: keep each period that starts after the last one kept.
        kept: list[ChargingSchedulePeriod] = []
        for period in periods:
            if period.start_period > (kept[-1].start_period if kept else -1):
                kept.append(period)
        periods = tuple(kept)
        starts = [period.start_period for period in periods]
    # numberPhases must be 1..3 (libocpp rejects others); one below 1 cannot convert, so it is ignored.
    phases = [None if p.number_phases is not None and p.number_phases < 1 else p.number_phases for p in periods]
    if schedule.charging_rate_unit is ChargingRateUnitType.A:
        lanes: list[Lanes] = [(p.limit, None, n) for p, n in zip(periods, phases, strict=True)]
    else:
        lanes = [(None, p.limit, n) for p, n in zip(periods, phases, strict=True)]
    return starts, lanes


def _anchor(profile: ChargingProfile, fallback: int) -> int:
    start_schedule = profile.charging_schedule.start_schedule
    if start_schedule is not None:
        return epoch_seconds(start_schedule)
    if profile.valid_from is not None:
        return epoch_seconds(profile.valid_from)
    return fallback


def _occurrences(
    profile: ChargingProfile, low: int, high: int, *, session_start: int | None, window_start: int
) -> tuple[Sequence[int], int | None]:
    """Where ``profile``'s schedule starts for ``[low, high)``, and how long each run lasts (None:
    the last period lasts for ever); see the module docstring."""
    span = profile.charging_schedule.duration
    kind = profile.charging_profile_kind
    if kind is ChargingProfileKindType.RECURRING:
        if profile.recurrency_kind is None:
            return (), span
        every = RECURRENCE_SECONDS[profile.recurrency_kind]
        # The most recent occurrence at or before ``low``; earlier ones end before it (span ≤ every).
        first = low - (low - _anchor(profile, window_start)) % every
        return range(first, high, every), every if span is None else min(span, every)
    if kind is ChargingProfileKindType.RELATIVE:
        return (window_start if session_start is None else session_start,), span
    return (_anchor(profile, window_start),), span


def profile_intervals(
    profile: ChargingProfile,
    *,
    session_start: int | None,
    window_start: int,
    window_end: int,
    within: tuple[int, int] | None = None,
) -> list[Interval]:
    """The intervals of ``[window_start, window_end)`` where ``profile`` has a limit, in time order.

    The intervals are disjoint. ``session_start`` is the start of the transaction a ``Relative``
    profile is relative to (``None``: the window start). ``within`` narrows the result to a part of
    the window without moving the window start that profiles without a start fall back to.
    """
    starts, lanes = schedule_periods(profile.charging_schedule)
    if not starts:
        return []
    # Validity and the window bound every interval; floors of both bounds, like every other instant.
    low, high = (window_start, window_end) if within is None else within
    if profile.valid_from is not None:
        low = max(low, epoch_seconds(profile.valid_from))
    if profile.valid_to is not None:
        high = min(high, epoch_seconds(profile.valid_to))
    if low >= high:
        return []

    occurrences, span = _occurrences(profile, low, high, session_start=session_start, window_start=window_start)
    count = len(starts)
    result: list[Interval] = []
    for occurrence in occurrences:
        end = high if span is None else min(high, occurrence + span)
        begin = max(low, occurrence)
        if begin >= end:
            continue
        # The period in force at ``begin`` (or the first one, when the schedule starts later).
        index = max(bisect_right(starts, begin - occurrence) - 1, 0)
        while index < count:
            period_begin = occurrence + starts[index]
            if period_begin >= end:
                break
            period_end = occurrence + starts[index + 1] if index + 1 < count else end
            # Never empty: the first period taken is the one in force at ``begin`` (or starts after
            # it), and each period ends after it starts.
            result.append((max(period_begin, begin), min(period_end, end), lanes[index]))
            index += 1
    return result

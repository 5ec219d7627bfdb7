"""The composite schedule: what limit applies to a connector, and when (OCPP 1.6 §3.13.5).

Theory of operation
-------------------
The window is ``[start, start + duration)`` in whole seconds (``start`` floored). Each installed
profile becomes intervals on that window (:mod:`ocpp_core.smart_charging.timeline`); nothing here
samples the clock second by second: everything is a sweep over interval boundaries.

**Stacking.** Within one purpose the profile with the highest ``stackLevel`` wins wherever it has a
limit; where it has none (before its start, after its duration or ``validTo``, outside a recurrence)
the next level shows through, and below the lowest level there is no limit. This is a painter: the
profiles are taken in priority order and each one only fills the gaps the higher ones left, so a
profile below a full-coverage one is never even expanded. Profiles tied on priority are merged
into their per-instant minimum (each unit separately).

**Purposes of connector c ≥ 1.**

* ``TxProfile`` on c, and ``TxDefaultProfile`` on c or on connector 0, form one stack in which
  every TxProfile ranks above every TxDefaultProfile (a TxProfile overrides the default wherever it
  has a limit). A TxDefaultProfile of c *replaces* the connector-0 one of the same stack level for
  c (OCPP 1.6 §3.13.1, "replaced only for that specific connector"; a replacement is per stack
  level, §3.13.2): the connector-0 one does not show through where c's own one has no limit, while
  connector-0 ones of other levels stack as usual.
  They count only while c has a session (``sessions[c]``), or always with ``simulate_transaction``
  (GetCompositeSchedule simulates a transaction). A TxProfile carrying a ``transactionId`` counts
  only while that transaction runs on c. ``Relative`` profiles start at ``sessions[c].start``.
* ``ChargePointMaxProfile`` (connector 0 only; elsewhere it is invalid and ignored) forms its own
  stack and caps the result: at each instant the lower of the two limits wins, per unit. (A
  ``Relative`` one, which validation rejects, would start at the requested connector's session.)

**Connector 0** is the station's total: the sum over connectors 1..N of each connector's Tx stack
(converted into the requested unit with that connector's phases; a connector without a limit adds
the default limit), then the minimum with ChargePointMax.

**Units.** Current (A) and power (W) limits travel apart and meet only at the end, converted into
the requested unit with ``W = A × supply_voltage × phases`` and ``A = W / (supply_voltage ×
phases)``, where ``phases`` is the number of phases in force at that instant (the lowest
``numberPhases`` any winning profile gave, else ``default_number_phases``). The limit is the lowest
of the converted values. Every limit is rounded *down* to a multiple of 0.1 (the schema's
``multipleOf``), so the result never exceeds a profile's limit. Where no profile has a limit the
default limit of the requested unit applies.

**Output.** ``startSchedule`` = the floored start, ``duration`` as requested, periods relative to the
start, the first at 0, neighbours with the same limit and phases merged; ``numberPhases`` only where
a profile gave one. Duration 0 gives one period: the limit in force at ``start`` (not libocpp's
default limit, libocpp-inventory §27 #13).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from itertools import groupby
from typing import TypeVar

from ocpp_core.datatypes import ChargingProfile, ChargingSchedule, ChargingSchedulePeriod
from ocpp_core.enums import ChargingProfilePurposeType, ChargingRateUnitType
from ocpp_core.errors import LocalProtocolError
from ocpp_core.smart_charging.timeline import (
    Interval,
    Lanes,
    epoch_seconds,
    from_epoch_seconds,
    profile_intervals,
)

__all__ = ["CompositeSettings", "ConnectorSession", "InstalledProfile", "composite_schedule"]

_T = TypeVar("_T")

_CHARGE_POINT_MAX = ChargingProfilePurposeType.CHARGE_POINT_MAX_PROFILE
_TX_DEFAULT = ChargingProfilePurposeType.TX_DEFAULT_PROFILE
_TX = ChargingProfilePurposeType.TX_PROFILE


@dataclass(frozen=True, slots=True, kw_only=True)
class CompositeSettings:
    """The configuration the algorithm reads (libocpp's Internal keys of the same names)."""

    default_limit_amps: Decimal = Decimal(48)
    default_limit_watts: Decimal = Decimal(33120)
    default_number_phases: int = 3
    supply_voltage: Decimal = Decimal(230)


@dataclass(frozen=True, slots=True, kw_only=True)
class InstalledProfile:
    """A profile installed on ``connector_id`` (0: the station; a connector-0 TxDefaultProfile
    applies to every connector that has none of its own at that stack level)."""

    connector_id: int
    profile: ChargingProfile


@dataclass(frozen=True, slots=True, kw_only=True)
class ConnectorSession:
    """The transaction running on a connector: when it started and its id once known."""

    start: datetime
    transaction_id: int | None = None


def composite_schedule(
    profiles: Sequence[InstalledProfile],
    *,
    connector_id: int,
    start: datetime,
    duration: int,
    unit: ChargingRateUnitType,
    number_of_connectors: int,
    sessions: Mapping[int, ConnectorSession],
    settings: CompositeSettings,
    simulate_transaction: bool = True,
    ignored_purposes: Collection[ChargingProfilePurposeType] = (),
) -> ChargingSchedule:
    """The composite schedule of ``connector_id`` (0: the station, the sum of its connectors).

    ``start`` is floored to whole seconds; the schedule covers ``duration`` seconds from there in
    ``unit``. ``sessions`` maps a connector to its running transaction (absent: none);
    ``simulate_transaction`` counts Tx and TxDefault profiles even without one (what
    GetCompositeSchedule does). Profiles whose purpose is in ``ignored_purposes`` are left out (the
    IgnoredProfilePurposesOffline key). See the module docstring for the rules.

    Raises :class:`~ocpp_core.errors.LocalProtocolError` for a negative ``duration``, a connector
    outside ``0..number_of_connectors`` or settings that cannot convert units.
    """
    _check_arguments(connector_id, duration, number_of_connectors, settings)
    window_start = epoch_seconds(start)
    # Duration 0 asks for the limit in force at ``start``: compute one second, report its first period.
    window = (window_start, window_start + max(duration, 1))
    ignored = frozenset(ignored_purposes)
    converter = _Converter(unit, settings)
    session = sessions.get(connector_id) if connector_id else None
    cap = _stack(_charge_point_max_ranking(profiles, ignored), _start_of(session), window)

    if connector_id == 0:
        # The station's own lane: the sum of its connectors, already in ``unit``.
        own = _station_totals(
            profiles, number_of_connectors, sessions, simulate_transaction, ignored, converter, window
        )
    else:
        own = _connector_stack(profiles, connector_id, session, simulate_transaction, ignored, window)
    limits = [(begin, end) + converter.limit(_min_lanes(values)) for begin, end, values in _overlay((own, cap))]

    periods = _periods(limits, window_start, window[1], converter.default)
    return ChargingSchedule(
        start_schedule=from_epoch_seconds(window_start),
        duration=duration,
        charging_rate_unit=unit,
        charging_schedule_period=periods[:1] if duration == 0 else periods,
    )


def _check_arguments(connector_id: int, duration: int, number_of_connectors: int, settings: CompositeSettings) -> None:
    if number_of_connectors < 0:
        raise LocalProtocolError(f"composite schedule: number_of_connectors {number_of_connectors} is negative")
    if not 0 <= connector_id <= number_of_connectors:
        raise LocalProtocolError(
            f"composite schedule: connector {connector_id} is not in 0..{number_of_connectors} (number_of_connectors)"
        )
    if duration < 0:
        raise LocalProtocolError(f"composite schedule: duration {duration} is negative")
    if settings.supply_voltage <= 0:
        raise LocalProtocolError(f"composite schedule: supply_voltage {settings.supply_voltage} is not positive")
    if settings.default_number_phases < 1:
        raise LocalProtocolError(
            f"composite schedule: default_number_phases {settings.default_number_phases} is not positive"
        )


def _start_of(session: ConnectorSession | None) -> int | None:
    return None if session is None else epoch_seconds(session.start)


# --- stacking -----------------------------------------------------------------------------------------

# A ranking: (priority, profile) pairs, highest priority first; equal priorities are ties.
_Ranking = list[tuple[tuple[int, ...], ChargingProfile]]


def _charge_point_max_ranking(
    profiles: Sequence[InstalledProfile], ignored: frozenset[ChargingProfilePurposeType]
) -> _Ranking:
    if _CHARGE_POINT_MAX in ignored:
        return []
    ranking: _Ranking = [
        ((installed.profile.stack_level,), installed.profile)
        for installed in profiles
        if installed.connector_id == 0 and installed.profile.charging_profile_purpose is _CHARGE_POINT_MAX
    ]
    ranking.sort(key=_priority, reverse=True)
    return ranking


def _tx_ranking(
    profiles: Sequence[InstalledProfile],
    connector_id: int,
    session: ConnectorSession | None,
    ignored: frozenset[ChargingProfilePurposeType],
) -> _Ranking:
    """TxProfiles of the connector above its TxDefaultProfiles, each by stack level; a
    connector-0 TxDefaultProfile counts only at the levels where the connector has none of its own."""
    ranking: _Ranking = []
    own_default_levels = {
        p.profile.stack_level
        for p in profiles
        if p.connector_id == connector_id and p.profile.charging_profile_purpose is _TX_DEFAULT
    }
    for installed in profiles:
        profile = installed.profile
        purpose = profile.charging_profile_purpose
        if purpose in ignored:
            continue
        if purpose is _TX:
            if installed.connector_id != connector_id:
                continue
            if profile.transaction_id is not None and (
                session is None or session.transaction_id != profile.transaction_id
            ):
                continue
            ranking.append(((1, profile.stack_level), profile))
        elif purpose is _TX_DEFAULT and (
            installed.connector_id == connector_id
            or (installed.connector_id == 0 and profile.stack_level not in own_default_levels)
        ):
            ranking.append(((0, profile.stack_level), profile))
    ranking.sort(key=_priority, reverse=True)
    return ranking


def _priority(entry: tuple[tuple[int, ...], ChargingProfile]) -> tuple[int, ...]:
    return entry[0]


def _connector_stack(
    profiles: Sequence[InstalledProfile],
    connector_id: int,
    session: ConnectorSession | None,
    simulate_transaction: bool,
    ignored: frozenset[ChargingProfilePurposeType],
    window: tuple[int, int],
) -> list[Interval]:
    """Where connector ``connector_id``'s Tx/TxDefault stack has a limit (empty without a session)."""
    if session is None and not simulate_transaction:
        return []
    return _stack(_tx_ranking(profiles, connector_id, session, ignored), _start_of(session), window)


def _stack(ranking: _Ranking, session_start: int | None, window: tuple[int, int]) -> list[Interval]:
    """The painter: each priority fills only the gaps the higher ones left. Sorted, disjoint."""
    gaps = [window]
    painted: list[Interval] = []
    for _, tied in groupby(ranking, key=_priority):
        # Only what is still uncovered matters: expand the profiles over the gaps' span alone.
        within = (gaps[0][0], gaps[-1][1])
        lists = [
            profile_intervals(
                profile, session_start=session_start, window_start=window[0], window_end=window[1], within=within
            )
            for _, profile in tied
        ]
        intervals = lists[0] if len(lists) == 1 else [(b, e, _min_lanes(v)) for b, e, v in _overlay(lists)]
        if intervals:
            gaps = _paint(gaps, intervals, painted)
            if not gaps:
                break
    painted.sort(key=_begin)
    return painted


def _begin(interval: Interval) -> int:
    return interval[0]


def _paint(gaps: list[tuple[int, int]], intervals: list[Interval], painted: list[Interval]) -> list[tuple[int, int]]:
    """Append to ``painted`` the parts of ``intervals`` inside ``gaps``; return the gaps left."""
    left: list[tuple[int, int]] = []
    count = len(intervals)
    index = 0
    for gap_begin, gap_end in gaps:
        cursor = gap_begin
        while index < count and intervals[index][1] <= cursor:
            index += 1
        while index < count and intervals[index][0] < gap_end:
            begin, end, lanes = intervals[index]
            if begin > cursor:
                left.append((cursor, begin))
                cursor = begin
            piece_end = min(end, gap_end)
            painted.append((cursor, piece_end, lanes))
            cursor = piece_end
            if end > gap_end:
                break  # the interval goes on into the next gap
            index += 1
        if cursor < gap_end:
            left.append((cursor, gap_end))
    return left


def _overlay(lists: Sequence[Sequence[tuple[int, int, _T]]]) -> Iterator[tuple[int, int, tuple[_T | None, ...]]]:
    """Sweep sorted, disjoint interval lists together: for each stretch covered by at least one of
    them, ``(begin, end, values)`` with each list's value there (``None`` where it has none)."""
    points = sorted({point for intervals in lists for begin, end, _ in intervals for point in (begin, end)})
    cursors = [0] * len(lists)
    for begin, end in zip(points, points[1:], strict=False):
        values: list[_T | None] = []
        for number, intervals in enumerate(lists):
            index = cursors[number]
            while index < len(intervals) and intervals[index][1] <= begin:
                index += 1
            cursors[number] = index
            values.append(intervals[index][2] if index < len(intervals) and intervals[index][0] <= begin else None)
        if any(value is not None for value in values):
            yield begin, end, tuple(values)


def _min_lanes(values: Sequence[Lanes | None]) -> Lanes:
    """The lower limit of each unit and the fewest phases among ``values`` (``None`` is no limit)."""
    amps: Decimal | None = None
    watts: Decimal | None = None
    phases: int | None = None
    for value in values:
        if value is None:
            continue
        value_amps, value_watts, value_phases = value
        if value_amps is not None and (amps is None or value_amps < amps):
            amps = value_amps
        if value_watts is not None and (watts is None or value_watts < watts):
            watts = value_watts
        if value_phases is not None and (phases is None or value_phases < phases):
            phases = value_phases
    return amps, watts, phases


# --- connector 0: the sum of the connectors ---------------------------------------------------------


def _station_totals(
    profiles: Sequence[InstalledProfile],
    number_of_connectors: int,
    sessions: Mapping[int, ConnectorSession],
    simulate_transaction: bool,
    ignored: frozenset[ChargingProfilePurposeType],
    converter: _Converter,
    window: tuple[int, int],
) -> list[Interval]:
    """The sum of connectors 1..N's Tx stacks in the requested unit, as lanes of that unit: each
    connector adds its own limit converted with its own phases, or the default limit where it has
    none; the phases are the most any connector has (libocpp's rule)."""
    per_connector = []
    for connector_id in range(1, number_of_connectors + 1):
        stack = _connector_stack(
            profiles, connector_id, sessions.get(connector_id), simulate_transaction, ignored, window
        )
        converted = [(begin, end, converter.limit(lanes)) for begin, end, lanes in stack]
        per_connector.append(_fill(converted, window, (converter.default, None)))
    totals: list[Interval] = []
    for begin, end, values in _overlay(per_connector):
        total = Decimal(0)
        phases: int | None = None
        for value in values:
            assert value is not None  # every list covers the whole window
            limit, value_phases = value
            total += limit
            if value_phases is not None and (phases is None or value_phases > phases):
                phases = value_phases
        totals.append((begin, end, converter.lanes(total, phases)))
    return totals


def _fill(intervals: list[tuple[int, int, _T]], window: tuple[int, int], filler: _T) -> list[tuple[int, int, _T]]:
    """``intervals`` with every gap of ``window`` filled with ``filler``."""
    result: list[tuple[int, int, _T]] = []
    cursor = window[0]
    for interval in intervals:
        if interval[0] > cursor:
            result.append((cursor, interval[0], filler))
        result.append(interval)
        cursor = interval[1]
    if cursor < window[1]:
        result.append((cursor, window[1], filler))
    return result


# --- units and output -------------------------------------------------------------------------------


def _floor_tenth(numerator: Decimal, denominator: Decimal = Decimal(1)) -> Decimal:
    """``numerator / denominator`` rounded down to a multiple of 0.1, exactly (``denominator`` > 0)."""
    quotient, remainder = divmod(numerator * 10, denominator)
    whole = int(quotient) - (1 if remainder < 0 else 0)  # divmod truncates towards zero
    return Decimal(whole).scaleb(-1)


class _Converter:
    """Limits of both units into the requested one (cached: a schedule repeats few limits)."""

    __slots__ = ("_cache", "_default_phases", "_voltage", "_watts", "default")

    def __init__(self, unit: ChargingRateUnitType, settings: CompositeSettings) -> None:
        self._watts = unit is ChargingRateUnitType.W
        self._voltage = settings.supply_voltage
        self._default_phases = settings.default_number_phases
        self.default = _floor_tenth(settings.default_limit_watts if self._watts else settings.default_limit_amps)
        self._cache: dict[Lanes, tuple[Decimal, int | None]] = {}

    def lanes(self, limit: Decimal, phases: int | None) -> Lanes:
        """``limit`` (in the requested unit) as lanes."""
        return (None, limit, phases) if self._watts else (limit, None, phases)

    def limit(self, lanes: Lanes) -> tuple[Decimal, int | None]:
        """The limit ``lanes`` put in the requested unit, and the phases they gave."""
        cached = self._cache.get(lanes)
        if cached is None:
            cached = self._cache[lanes] = (self._convert(lanes), lanes[2])
        return cached

    def _convert(self, lanes: Lanes) -> Decimal:
        amps, watts, phases = lanes
        factor = self._voltage * (phases or self._default_phases)
        candidates = []
        if self._watts:
            if watts is not None:
                candidates.append(_floor_tenth(watts))
            if amps is not None:
                candidates.append(_floor_tenth(amps * factor))
        else:
            if amps is not None:
                candidates.append(_floor_tenth(amps))
            if watts is not None:
                candidates.append(_floor_tenth(watts, factor))
        return min(candidates) if candidates else self.default


def _periods(
    limits: Sequence[tuple[int, int, Decimal, int | None]], window_start: int, window_end: int, default: Decimal
) -> tuple[ChargingSchedulePeriod, ...]:
    """Schedule periods relative to ``window_start``: gaps get ``default``, equal neighbours merge."""
    periods: list[ChargingSchedulePeriod] = []
    last: tuple[Decimal, int | None] | None = None
    cursor = window_start
    for begin, end, limit, phases in limits:
        if begin > cursor and last != (default, None):
            periods.append(ChargingSchedulePeriod(start_period=cursor - window_start, limit=default))
            last = (default, None)
        if last != (limit, phases):
            periods.append(ChargingSchedulePeriod(start_period=begin - window_start, limit=limit, number_phases=phases))
            last = (limit, phases)
        cursor = end
    if cursor < window_end and last != (default, None):
        periods.append(ChargingSchedulePeriod(start_period=cursor - window_start, limit=default))
    return tuple(periods)

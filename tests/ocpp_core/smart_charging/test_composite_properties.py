"""Properties of the composite schedule over arbitrary profiles, checked instant by instant.

An oracle evaluates the profiles at single instants, straight from the rules (which occurrence and
period covers the instant, which profile of each purpose wins there), with none of the interval
sweep the implementation uses. At every instant checked: the composite limit equals the oracle's,
is never above the limit of any winning profile (converted with the phases in force), and is the
default limit where nothing applies. Every result is a schema-valid GetCompositeSchedule.conf
schedule whose periods start at 0 and strictly increase.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from ocpp_core.datatypes import ChargingProfile, ChargingSchedule, ChargingSchedulePeriod
from ocpp_core.enums import (
    ChargingProfileKindType,
    ChargingProfilePurposeType,
    ChargingRateUnitType,
    GetCompositeScheduleStatus,
    RecurrencyKindType,
)
from ocpp_core.messages.smart_charging import GetCompositeScheduleResponse
from ocpp_core.smart_charging.composite import (
    CompositeSettings,
    ConnectorSession,
    InstalledProfile,
    composite_schedule,
)
from ocpp_core.validation import dump

T0 = datetime(2026, 3, 2, 12, 0, 0, tzinfo=UTC)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
CONNECTORS = 2
CP_MAX = ChargingProfilePurposeType.CHARGE_POINT_MAX_PROFILE
TX_DEFAULT = ChargingProfilePurposeType.TX_DEFAULT_PROFILE
TX = ChargingProfilePurposeType.TX_PROFILE
A = ChargingRateUnitType.A
TENTH = Decimal("0.1")
RECURRENCE = {RecurrencyKindType.DAILY: 86400, RecurrencyKindType.WEEKLY: 7 * 86400}


def seconds(value: datetime) -> int:
    return (value - EPOCH) // timedelta(seconds=1)


# --- strategies ---------------------------------------------------------------------------------------

offsets = st.integers(min_value=-3 * 86400, max_value=3 * 86400)
moments = st.builds(lambda s, ms: T0 + timedelta(seconds=s, milliseconds=ms), offsets, st.sampled_from([0, 0, 400]))
limits = st.integers(min_value=0, max_value=200_000).map(lambda tenths: Decimal(tenths).scaleb(-1))
periods = st.builds(
    lambda start, limit, phases: ChargingSchedulePeriod(start_period=start, limit=limit, number_phases=phases),
    st.integers(min_value=0, max_value=30_000) | st.just(0),
    limits,
    st.none() | st.integers(min_value=1, max_value=3),
)


@st.composite
def installed_profiles(draw: st.DrawFn) -> InstalledProfile:
    purpose = draw(st.sampled_from(list(ChargingProfilePurposeType)))
    connector = {
        CP_MAX: st.just(0),
        TX_DEFAULT: st.integers(min_value=0, max_value=CONNECTORS),
        TX: st.integers(min_value=1, max_value=CONNECTORS),
    }[purpose]
    kind = draw(st.sampled_from(list(ChargingProfileKindType)))
    recurrency = draw(st.sampled_from(list(RecurrencyKindType))) if kind is ChargingProfileKindType.RECURRING else None
    if kind is ChargingProfileKindType.RECURRING and draw(st.integers(0, 9)) == 0:
        recurrency = None  # invalid, must be ignored
    profile = ChargingProfile(
        charging_profile_id=draw(st.integers(min_value=1, max_value=10**6)),
        transaction_id=draw(st.none() | st.sampled_from([7, 8])) if purpose is TX else None,
        stack_level=draw(st.integers(min_value=0, max_value=3)),
        charging_profile_purpose=purpose,
        charging_profile_kind=kind,
        recurrency_kind=recurrency,
        valid_from=draw(st.none() | moments),
        valid_to=draw(st.none() | moments),
        charging_schedule=ChargingSchedule(
            duration=draw(st.none() | st.integers(min_value=1, max_value=10 * 86400)),
            start_schedule=draw(st.none() | moments),
            charging_rate_unit=draw(st.sampled_from(list(ChargingRateUnitType))),
            charging_schedule_period=tuple(draw(st.lists(periods, min_size=1, max_size=5))),
        ),
    )
    return InstalledProfile(connector_id=draw(connector), profile=profile)


sessions = st.dictionaries(
    st.integers(min_value=1, max_value=CONNECTORS),
    st.builds(
        lambda start, tx: ConnectorSession(start=start, transaction_id=tx), moments, st.none() | st.sampled_from([7, 8])
    ),
)
settings = st.builds(
    CompositeSettings,
    default_limit_amps=st.sampled_from([Decimal(48), Decimal(32), Decimal("16.5")]),
    default_limit_watts=st.sampled_from([Decimal(33120), Decimal(11000)]),
    default_number_phases=st.integers(min_value=1, max_value=3),
    supply_voltage=st.sampled_from([Decimal(230), Decimal(240), Decimal("230.5")]),
)


# --- the oracle ---------------------------------------------------------------------------------------


def limit_at(profile: ChargingProfile, t: int, session_start: int | None, window_start: int) -> tuple[Any, ...] | None:
    """``(amps, watts, phases)`` of ``profile`` at instant ``t``, or None where it has no limit."""
    if profile.valid_from is not None and t < seconds(profile.valid_from):
        return None
    if profile.valid_to is not None and t >= seconds(profile.valid_to):
        return None
    schedule = profile.charging_schedule
    anchor = seconds(schedule.start_schedule) if schedule.start_schedule else None
    if anchor is None and profile.valid_from is not None:
        anchor = seconds(profile.valid_from)
    length = schedule.duration
    if profile.charging_profile_kind is ChargingProfileKindType.RELATIVE:
        origin = window_start if session_start is None else session_start
    elif profile.charging_profile_kind is ChargingProfileKindType.ABSOLUTE:
        origin = window_start if anchor is None else anchor
    else:
        if profile.recurrency_kind is None:
            return None
        every = RECURRENCE[profile.recurrency_kind]
        origin = t - (t - (window_start if anchor is None else anchor)) % every
        length = every if length is None else min(length, every)
    offset = t - origin
    if offset < 0 or (length is not None and offset >= length):
        return None
    found = None
    last = -1
    for period in schedule.charging_schedule_period:
        if period.start_period <= last:
            continue  # out of order: skipped
        last = period.start_period
        if period.start_period <= offset:
            found = period
    if found is None:
        return None
    if schedule.charging_rate_unit is A:
        return (found.limit, None, found.number_phases)
    return (None, found.limit, found.number_phases)


def winners(candidates: list[tuple[tuple[int, ...], tuple[Any, ...] | None]]) -> list[tuple[Any, ...]]:
    """The limits of the highest-priority candidates that have one at this instant."""
    present = [(rank, limit) for rank, limit in candidates if limit is not None]
    if not present:
        return []
    best = max(rank for rank, _ in present)
    return [limit for rank, limit in present if rank == best]


def floor_tenth(value: Decimal) -> Decimal:
    return value.quantize(TENTH, rounding=ROUND_FLOOR)


def convert(limit: tuple[Any, ...], phases: int, unit: ChargingRateUnitType, cfg: CompositeSettings) -> Decimal:
    amps, watts, _ = limit
    if unit is A:
        return floor_tenth(amps) if amps is not None else floor_tenth(watts / (cfg.supply_voltage * phases))
    return floor_tenth(watts) if watts is not None else floor_tenth(amps * cfg.supply_voltage * phases)


def default_of(unit: ChargingRateUnitType, cfg: CompositeSettings) -> Decimal:
    return floor_tenth(cfg.default_limit_amps if unit is A else cfg.default_limit_watts)


def fewest(phases: list[int | None]) -> int | None:
    given_phases = [p for p in phases if p is not None]
    return min(given_phases) if given_phases else None


def tx_winners(profiles, connector, t, sessions_, simulate, ignored, window_start) -> list[tuple[Any, ...]]:
    session = sessions_.get(connector)
    if session is None and not simulate:
        return []
    start = seconds(session.start) if session else None
    # A connector's own TxDefault replaces the connector-0 one of its stack level (§3.13.1).
    replaced = {
        i.profile.stack_level
        for i in profiles
        if i.connector_id == connector and i.profile.charging_profile_purpose is TX_DEFAULT
    }
    candidates = []
    for installed in profiles:
        p = installed.profile
        purpose = p.charging_profile_purpose
        if purpose in ignored:
            continue
        if purpose is TX and installed.connector_id == connector:
            if p.transaction_id is not None and (session is None or session.transaction_id != p.transaction_id):
                continue
            rank: tuple[int, ...] = (1, p.stack_level)
        elif purpose is TX_DEFAULT and (
            installed.connector_id == connector or (installed.connector_id == 0 and p.stack_level not in replaced)
        ):
            rank = (0, p.stack_level)
        else:
            continue
        candidates.append((rank, limit_at(p, t, start, window_start)))
    return winners(candidates)


def cap_winners(profiles, connector, t, sessions_, ignored, window_start) -> list[tuple[Any, ...]]:
    if CP_MAX in ignored:
        return []
    session = sessions_.get(connector) if connector else None
    start = seconds(session.start) if session else None
    return winners(
        [
            ((i.profile.stack_level,), limit_at(i.profile, t, start, window_start))
            for i in profiles
            if i.connector_id == 0 and i.profile.charging_profile_purpose is CP_MAX
        ]
    )


def expected_at(profiles, connector, t, unit, sessions_, cfg, simulate, ignored, window_start):
    """``(limit, phases, winning limits)`` at instant ``t`` by the rules of the module docstring."""
    caps = cap_winners(profiles, connector, t, sessions_, ignored, window_start)
    if connector == 0:
        total = Decimal(0)
        total_phases: int | None = None
        for c in range(1, CONNECTORS + 1):
            own = tx_winners(profiles, c, t, sessions_, simulate, ignored, window_start)
            if not own:
                total += default_of(unit, cfg)
                continue
            phases = fewest([w[2] for w in own])
            total += min(convert(w, phases or cfg.default_number_phases, unit, cfg) for w in own)
            if phases is not None and (total_phases is None or phases > total_phases):
                total_phases = phases
        phases = fewest([total_phases] + [w[2] for w in caps])
        values = [total] + [convert(w, phases or cfg.default_number_phases, unit, cfg) for w in caps]
        return min(values), phases, caps
    own = tx_winners(profiles, connector, t, sessions_, simulate, ignored, window_start)
    all_winners = own + caps
    if not all_winners:
        return default_of(unit, cfg), None, []
    phases = fewest([w[2] for w in all_winners])
    return min(convert(w, phases or cfg.default_number_phases, unit, cfg) for w in all_winners), phases, all_winners


def boundaries(
    profiles: list[InstalledProfile], sessions_: dict[int, ConnectorSession], window: tuple[int, int]
) -> set[int]:
    """Every instant of the window where some profile may change its limit, found without the
    implementation's interval logic: each candidate origin's occurrences plus each period start and
    the duration, and the validity bounds."""
    low, high = window
    origins = {low} | {seconds(s.start) for s in sessions_.values()}
    found: set[int] = set()
    for installed in profiles:
        p = installed.profile
        schedule = p.charging_schedule
        own = set(origins)
        for moment in (schedule.start_schedule, p.valid_from, p.valid_to):
            if moment is not None:
                own.add(seconds(moment))
                found.add(seconds(moment))
        every = RECURRENCE.get(p.recurrency_kind) if p.recurrency_kind else None
        for origin in own:
            occurrences = [origin] if every is None else range(low - (low - origin) % every, high, every)
            for occurrence in occurrences:
                offsets_ = [period.start_period for period in schedule.charging_schedule_period]
                if schedule.duration is not None:
                    offsets_.append(schedule.duration)
                found.update(occurrence + offset for offset in offsets_)
    return {t for t in found if low <= t < high}


def in_force(schedule: ChargingSchedule, offset: int) -> ChargingSchedulePeriod:
    return [p for p in schedule.charging_schedule_period if p.start_period <= offset][-1]


# --- properties ---------------------------------------------------------------------------------------


@given(
    profiles=st.lists(installed_profiles(), max_size=8),
    connector=st.integers(min_value=0, max_value=CONNECTORS),
    start=moments,
    duration=st.integers(min_value=0, max_value=2 * 86400) | st.integers(min_value=0, max_value=600),
    unit=st.sampled_from(list(ChargingRateUnitType)),
    sessions_=sessions,
    cfg=settings,
    simulate=st.booleans(),
    ignored=st.sets(st.sampled_from(list(ChargingProfilePurposeType)), max_size=1),
    probes=st.lists(st.floats(min_value=0, max_value=1, exclude_max=True), max_size=10),
)
def test_it_matches_the_rules_at_every_instant(
    profiles, connector, start, duration, unit, sessions_, cfg, simulate, ignored, probes
) -> None:
    schedule = composite_schedule(
        profiles,
        connector_id=connector,
        start=start,
        duration=duration,
        unit=unit,
        number_of_connectors=CONNECTORS,
        sessions=sessions_,
        settings=cfg,
        simulate_transaction=simulate,
        ignored_purposes=ignored,
    )
    # Output shape: schema-valid, first period at 0, strictly increasing, inside the window.
    dump(
        GetCompositeScheduleResponse(
            status=GetCompositeScheduleStatus.ACCEPTED,
            connector_id=connector,
            schedule_start=schedule.start_schedule,
            charging_schedule=schedule,
        )
    )
    starts = [p.start_period for p in schedule.charging_schedule_period]
    assert starts[0] == 0
    assert all(a < b for a, b in zip(starts, starts[1:], strict=False))
    assert starts[-1] < max(duration, 1)
    assert schedule.duration == duration
    window_start = seconds(start.replace(microsecond=0))
    assert schedule.start_schedule == start.replace(microsecond=0)

    # Every period boundary, the second before it, and random instants of the window.
    edges = {t - window_start for t in boundaries(profiles, sessions_, (window_start, window_start + max(duration, 1)))}
    offsets_ = (
        {0} | set(starts) | edges | {s - 1 for s in set(starts) | edges if s} | {int(f * duration) for f in probes}
    )
    for offset in sorted(o for o in offsets_ if o < max(duration, 1)):
        period = in_force(schedule, offset)
        t = window_start + offset
        limit, phases, winning = expected_at(
            profiles, connector, t, unit, sessions_, cfg, simulate, ignored, window_start
        )
        assert (period.limit, period.number_phases) == (limit, phases), f"at offset {offset}"
        for winner in winning:
            assert period.limit <= convert(winner, phases or cfg.default_number_phases, unit, cfg)
        if connector and not winning:
            assert period.limit == default_of(unit, cfg)

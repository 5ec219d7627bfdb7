"""Composite schedule: one call of ``ocpp_core.smart_charging.composite.composite_schedule``.

The input is the issue's worst case: 3 purposes x 10 stack levels x 24 periods -- for connector 1
of a 2-connector station with a transaction running, 10 ChargePointMaxProfiles (Absolute, on
connector 0), 10 TxDefaultProfiles (Recurring Daily, on connector 0) and 10 TxProfiles (Relative,
on connector 1, of the running transaction), each schedule 24 periods long, limits in A and in W
mixed, the higher stack levels covering shorter spans so every level shows somewhere -- and a
24 h window in A. Time per call: ``plan.composite_calls`` calls back to back in this process,
``plan.composite_runs`` times; the median of the runs. A function that raises
``NotImplementedError`` (not written yet) is reported *not available*.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from bench.plan import Plan
from bench.report import Benchmark, Row, Target
from ocpp_core.datatypes import ChargingProfile, ChargingSchedule, ChargingSchedulePeriod
from ocpp_core.enums import (
    ChargingProfileKindType,
    ChargingProfilePurposeType,
    ChargingRateUnitType,
    RecurrencyKindType,
)
from ocpp_core.smart_charging.composite import CompositeSettings, ConnectorSession, InstalledProfile, composite_schedule

__all__ = ["profiles", "run"]

ROW = "ocpp_core composite_schedule"
TX_ID = 77
STACK_LEVELS = 10
PERIODS = 24
DAY = 24 * 3600


def _schedule(level: int, unit: ChargingRateUnitType, start: datetime | None, purpose_no: int) -> ChargingSchedule:
    # Higher levels cover shorter spans: level 9 the first 5 h, level 0 the whole day and more.
    duration = DAY - level * 7 * 3600 // 4
    step = duration // PERIODS
    base = Decimal(32 - level - purpose_no * 2) if unit is ChargingRateUnitType.A else Decimal(22000 - level * 700)
    periods = tuple(
        ChargingSchedulePeriod(start_period=i * step, limit=base - Decimal(i % 4), number_phases=3 if i % 6 else None)
        for i in range(PERIODS)
    )
    return ChargingSchedule(
        duration=duration, start_schedule=start, charging_rate_unit=unit, charging_schedule_period=periods
    )


def profiles(now: datetime) -> list[InstalledProfile]:
    """The 30 installed profiles of the benchmark."""
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    out = []
    for level in range(STACK_LEVELS):
        unit = ChargingRateUnitType.A if level % 3 else ChargingRateUnitType.W
        out.append(
            InstalledProfile(
                connector_id=0,
                profile=ChargingProfile(
                    charging_profile_id=100 + level,
                    stack_level=level,
                    charging_profile_purpose=ChargingProfilePurposeType.CHARGE_POINT_MAX_PROFILE,
                    charging_profile_kind=ChargingProfileKindType.ABSOLUTE,
                    charging_schedule=_schedule(level, unit, now - timedelta(hours=1), 0),
                ),
            )
        )
        out.append(
            InstalledProfile(
                connector_id=0,
                profile=ChargingProfile(
                    charging_profile_id=200 + level,
                    stack_level=level,
                    charging_profile_purpose=ChargingProfilePurposeType.TX_DEFAULT_PROFILE,
                    charging_profile_kind=ChargingProfileKindType.RECURRING,
                    recurrency_kind=RecurrencyKindType.DAILY,
                    valid_from=now - timedelta(days=2),
                    valid_to=now + timedelta(days=30),
                    charging_schedule=_schedule(level, unit, midnight, 1),
                ),
            )
        )
        out.append(
            InstalledProfile(
                connector_id=1,
                profile=ChargingProfile(
                    charging_profile_id=300 + level,
                    transaction_id=TX_ID,
                    stack_level=level,
                    charging_profile_purpose=ChargingProfilePurposeType.TX_PROFILE,
                    charging_profile_kind=ChargingProfileKindType.RELATIVE,
                    charging_schedule=_schedule(level, unit, None, 2),
                ),
            )
        )
    return out


def run(plan: Plan) -> Benchmark:
    row = Row(name=ROW, unit="ms", better="lower", targets=(Target(limit=2.0),))
    bench = Benchmark(
        key="composite_schedule",
        title="Composite schedule, 3 purposes x 10 stack levels x 24 periods, 24 h (time per call)",
        method=__doc__ or "",
        rows=[row],
    )
    now = datetime.now(UTC).replace(microsecond=0)
    installed = profiles(now)
    sessions = {1: ConnectorSession(start=now - timedelta(minutes=20), transaction_id=TX_ID)}
    settings = CompositeSettings()

    def call() -> ChargingSchedule:
        return composite_schedule(
            installed,
            connector_id=1,
            start=now,
            duration=DAY,
            unit=ChargingRateUnitType.A,
            number_of_connectors=2,
            sessions=sessions,
            settings=settings,
        )

    try:
        schedule = call()
    except NotImplementedError:
        row.unavailable = "composite_schedule raises NotImplementedError (not written yet)"
        return bench
    row.notes["periods in the result"] = len(schedule.charging_schedule_period)
    for _ in range(plan.composite_runs):
        started = time.perf_counter()
        for _ in range(plan.composite_calls):
            call()
        row.samples.append((time.perf_counter() - started) * 1000 / plan.composite_calls)
    return bench

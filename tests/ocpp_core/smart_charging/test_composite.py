"""The composite schedule, case by case, against schedules computed by hand.

Every case lists its profiles, the request and the expected periods as ``(startPeriod, limit)`` or
``(startPeriod, limit, numberPhases)``. Defaults unless a case says otherwise: connector 1 of 2, a
window of 400 s from T0 in A, a transaction simulated, CompositeSettings() (48 A / 33120 W, 3 phases,
230 V).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from ocpp_core.datatypes import ChargingProfile, ChargingSchedule, ChargingSchedulePeriod
from ocpp_core.enums import (
    ChargingProfileKindType,
    ChargingProfilePurposeType,
    ChargingRateUnitType,
    GetCompositeScheduleStatus,
    RecurrencyKindType,
)
from ocpp_core.errors import LocalProtocolError
from ocpp_core.messages.smart_charging import GetCompositeScheduleResponse
from ocpp_core.smart_charging.composite import (
    CompositeSettings,
    ConnectorSession,
    InstalledProfile,
    composite_schedule,
)
from ocpp_core.validation import dump

T0 = datetime(2026, 3, 2, 12, 0, 0, tzinfo=UTC)  # a Monday
A = ChargingRateUnitType.A
W = ChargingRateUnitType.W
CP_MAX = ChargingProfilePurposeType.CHARGE_POINT_MAX_PROFILE
TX_DEFAULT = ChargingProfilePurposeType.TX_DEFAULT_PROFILE
TX = ChargingProfilePurposeType.TX_PROFILE
ABSOLUTE = ChargingProfileKindType.ABSOLUTE
RELATIVE = ChargingProfileKindType.RELATIVE
RECURRING = ChargingProfileKindType.RECURRING
DAILY = RecurrencyKindType.DAILY
WEEKLY = RecurrencyKindType.WEEKLY

_ids = iter(range(1, 10_000))
_UNSET: Any = object()


def profile(
    purpose: ChargingProfilePurposeType = TX_DEFAULT,
    periods: list[tuple[Any, ...]] | None = None,
    *,
    level: int = 0,
    kind: ChargingProfileKindType = ABSOLUTE,
    start: datetime | None = _UNSET,
    duration: int | None = None,
    unit: ChargingRateUnitType = A,
    recurrency: RecurrencyKindType | None = None,
    valid_from: datetime | None = None,
    valid_to: datetime | None = None,
    transaction_id: int | None = None,
) -> ChargingProfile:
    """A profile; ``periods`` are ``(startPeriod, limit[, numberPhases])``; Absolute starts at T0."""
    if start is _UNSET:
        start = T0 if kind is ABSOLUTE else None
    return ChargingProfile(
        charging_profile_id=next(_ids),
        transaction_id=transaction_id,
        stack_level=level,
        charging_profile_purpose=purpose,
        charging_profile_kind=kind,
        recurrency_kind=recurrency,
        valid_from=valid_from,
        valid_to=valid_to,
        charging_schedule=ChargingSchedule(
            duration=duration,
            start_schedule=start,
            charging_rate_unit=unit,
            charging_schedule_period=tuple(
                ChargingSchedulePeriod(
                    start_period=p[0], limit=Decimal(str(p[1])), number_phases=p[2] if len(p) > 2 else None
                )
                for p in (periods or [(0, 16)])
            ),
        ),
    )


def on(connector_id: int, *profiles: ChargingProfile) -> list[InstalledProfile]:
    return [InstalledProfile(connector_id=connector_id, profile=p) for p in profiles]


@dataclass
class Case:
    profiles: list[InstalledProfile]
    expected: list[tuple[Any, ...]]
    connector_id: int = 1
    start: datetime = T0
    duration: int = 400
    unit: ChargingRateUnitType = A
    number_of_connectors: int = 2
    sessions: dict[int, ConnectorSession] = field(default_factory=dict)
    simulate_transaction: bool = True
    ignored_purposes: tuple[ChargingProfilePurposeType, ...] = ()
    settings: CompositeSettings = field(default_factory=CompositeSettings)

    def run(self) -> ChargingSchedule:
        return composite_schedule(
            self.profiles,
            connector_id=self.connector_id,
            start=self.start,
            duration=self.duration,
            unit=self.unit,
            number_of_connectors=self.number_of_connectors,
            sessions=self.sessions,
            settings=self.settings,
            simulate_transaction=self.simulate_transaction,
            ignored_purposes=self.ignored_purposes,
        )


def periods_of(schedule: ChargingSchedule) -> list[tuple[int, Decimal, int | None]]:
    return [(p.start_period, p.limit, p.number_phases) for p in schedule.charging_schedule_period]


def normalised(expected: list[tuple[Any, ...]]) -> list[tuple[int, Decimal, int | None]]:
    return [(e[0], Decimal(str(e[1])), e[2] if len(e) > 2 else None) for e in expected]


SUNDAY_22H = datetime(2026, 3, 1, 22, 0, tzinfo=UTC)
SESSION = {1: ConnectorSession(start=T0 - timedelta(seconds=100), transaction_id=7)}

CASES: dict[str, Case] = {
    # --- defaults -------------------------------------------------------------------------------
    "nothing installed: the default in A": Case([], [(0, 48)]),
    "nothing installed: the default in W": Case([], [(0, 33120)], unit=W),
    "nothing installed on connector 0: every connector's default, summed": Case([], [(0, 96)], connector_id=0),
    "custom default limit": Case([], [(0, 32)], settings=CompositeSettings(default_limit_amps=Decimal(32))),
    # --- Absolute -------------------------------------------------------------------------------
    "absolute starting inside the window, with a duration": Case(
        on(1, profile(periods=[(0, 10), (50, 12)], start=T0 + timedelta(seconds=100), duration=200)),
        [(0, 48), (100, 10), (150, 12), (300, 48)],
    ),
    "absolute started before the window": Case(
        on(1, profile(periods=[(0, 6), (150, 8)], start=T0 - timedelta(seconds=100))), [(0, 6), (50, 8)]
    ),
    "absolute ended before the window": Case(
        on(1, profile(periods=[(0, 6)], start=T0 - timedelta(seconds=100), duration=100)), [(0, 48)]
    ),
    "absolute without startSchedule starts at validFrom": Case(
        on(1, profile(periods=[(0, 6), (30, 8)], start=None, valid_from=T0 + timedelta(seconds=60))),
        [(0, 48), (60, 6), (90, 8)],
    ),
    "absolute without startSchedule nor validFrom starts at the window start": Case(
        on(1, profile(periods=[(0, 6), (30, 8)], start=None)), [(0, 6), (30, 8)]
    ),
    "a fractional start is floored to the second": Case(
        on(1, profile(periods=[(0, 6), (30, 8)])), [(0, 6), (30, 8)], start=T0 + timedelta(milliseconds=700)
    ),
    # --- Relative -------------------------------------------------------------------------------
    "relative to the running transaction": Case(
        on(1, profile(periods=[(0, 6), (150, 8)], kind=RELATIVE, duration=300)),
        [(0, 6), (50, 8), (200, 48)],
        sessions=SESSION,
    ),
    "relative without a transaction starts at the window start": Case(
        on(1, profile(periods=[(0, 6), (150, 8)], kind=RELATIVE, duration=300)), [(0, 6), (150, 8), (300, 48)]
    ),
    "relative connector-0 default follows each connector's own transaction": Case(
        on(0, profile(periods=[(0, 6), (150, 8)], kind=RELATIVE, duration=300)),
        [(0, 6), (50, 8), (200, 48)],
        sessions=SESSION,
    ),
    # --- validFrom / validTo ----------------------------------------------------------------------
    "validFrom and validTo clip the schedule": Case(
        on(1, profile(periods=[(0, 10)], valid_from=T0 + timedelta(seconds=50), valid_to=T0 + timedelta(seconds=250))),
        [(0, 48), (50, 10), (250, 48)],
    ),
    "validFrom inside a period moves its start": Case(
        on(1, profile(periods=[(0, 10), (100, 12)], valid_from=T0 + timedelta(seconds=30))),
        [(0, 48), (30, 10), (100, 12)],
    ),
    "validTo before the window: nothing applies": Case(
        on(1, profile(periods=[(0, 10)], valid_to=T0 - timedelta(seconds=1))), [(0, 48)]
    ),
    "validFrom after the window: nothing applies": Case(
        on(1, profile(periods=[(0, 10)], valid_from=T0 + timedelta(seconds=400))), [(0, 48)]
    ),
    "a lower stack level shows through where the higher one is not yet valid": Case(
        on(
            1,
            profile(periods=[(0, 20)], level=0),
            profile(periods=[(0, 10)], level=1, valid_from=T0 + timedelta(seconds=100)),
        ),
        [(0, 20), (100, 10)],
    ),
    # --- stacking -------------------------------------------------------------------------------
    "TC_072: stack 1 for its 150 s, then stack 0": Case(
        on(
            1,
            profile(periods=[(0, 6), (100, 8), (200, 10)], level=0, duration=400),
            profile(periods=[(0, 5)], level=1, duration=150),
        ),
        [(0, 5), (150, 8), (200, 10)],
    ),
    "the higher stack level wins even with a higher limit": Case(
        on(
            1,
            profile(periods=[(0, 6), (100, 8), (200, 10)], level=0, duration=400),
            profile(periods=[(0, 20)], level=1, duration=150),
        ),
        [(0, 20), (150, 8), (200, 10)],
    ),
    "no limit after the highest stack level's duration when nothing is below it": Case(
        on(1, profile(periods=[(0, 20)], level=3, duration=150)), [(0, 20), (150, 48)]
    ),
    "TC_066: the per-interval minimum of ChargePointMax and Tx, else TxDefault": Case(
        on(0, profile(CP_MAX, [(0, 10)], duration=86400))
        + on(
            1,
            profile(TX_DEFAULT, [(0, 16), (200, 8)], duration=400),
            profile(TX, [(0, 12), (100, 6), (250, 14)], duration=300, transaction_id=7),
        ),
        [(0, 10), (100, 6), (250, 10), (300, 8)],
        sessions=SESSION,
    ),
    "ChargePointMax stacks on its own": Case(
        on(0, profile(CP_MAX, [(0, 40)], level=0), profile(CP_MAX, [(0, 30)], level=1, duration=100)),
        [(0, 30), (100, 40)],
    ),
    "ChargePointMax on a connector other than 0 is ignored": Case(on(1, profile(CP_MAX, [(0, 10)])), [(0, 48)]),
    "TxProfile overrides TxDefault only where it has a limit": Case(
        on(1, profile(TX_DEFAULT, [(0, 16)], level=5), profile(TX, [(0, 20)], level=0, duration=100)),
        [(0, 20), (100, 16)],
    ),
    "a connector's own TxDefault beats the connector-0 one at the same stack level": Case(
        on(0, profile(TX_DEFAULT, [(0, 6)], level=1)) + on(1, profile(TX_DEFAULT, [(0, 10)], level=1)), [(0, 10)]
    ),
    # OCPP 1.6 §3.13.1: the connector's own TxDefault *replaces* the connector-0 one for it (at that
    # stack level, as any replacement): the connector-0 one does not show through where it ends.
    "a connector's own TxDefault replaces the connector-0 one at its stack level, also after it ends": Case(
        on(0, profile(TX_DEFAULT, [(0, 16)], level=1)) + on(1, profile(TX_DEFAULT, [(0, 6)], level=1, duration=100)),
        [(0, 6), (100, 48)],
    ),
    "a lower connector-0 TxDefault shows through where the connector's own one ends": Case(
        on(0, profile(TX_DEFAULT, [(0, 16)], level=1), profile(TX_DEFAULT, [(0, 20)], level=0))
        + on(1, profile(TX_DEFAULT, [(0, 6)], level=1, duration=100)),
        [(0, 6), (100, 20)],
    ),
    "the connector-0 TxDefault applies to another connector": Case(
        on(0, profile(TX_DEFAULT, [(0, 6)], level=1)) + on(1, profile(TX_DEFAULT, [(0, 10)], level=1)),
        [(0, 6)],
        connector_id=2,
    ),
    "a higher connector-0 TxDefault beats the connector's own": Case(
        on(0, profile(TX_DEFAULT, [(0, 6)], level=2)) + on(1, profile(TX_DEFAULT, [(0, 10)], level=1)), [(0, 6)]
    ),
    "profiles tied on stack level: the lower limit at each instant": Case(
        on(1, profile(TX_DEFAULT, [(0, 10)], level=1, duration=200), profile(TX_DEFAULT, [(0, 8), (100, 12)], level=1)),
        [(0, 8), (100, 10), (200, 12)],
    ),
    "a lower level fills the gaps on both sides of a higher one": Case(
        on(
            1,
            profile(TX_DEFAULT, [(0, 6)], level=2, start=T0 + timedelta(seconds=10), duration=40),
            profile(TX_DEFAULT, [(0, 8), (20, 9), (30, 8)], level=1, duration=400),
        ),
        [(0, 8), (10, 6), (50, 8)],
    ),
    "tied profiles with a gap between them": Case(
        on(
            1,
            profile(TX_DEFAULT, [(0, 10)], level=1, duration=100),
            profile(TX_DEFAULT, [(0, 8)], level=1, start=T0 + timedelta(seconds=200)),
        ),
        [(0, 10), (100, 48), (200, 8)],
    ),
    "equal neighbours merge": Case(on(1, profile(periods=[(0, 10), (100, 10), (200, 10, 3)])), [(0, 10), (200, 10, 3)]),
    # --- transactions ---------------------------------------------------------------------------
    "a TxProfile for another transaction is ignored": Case(
        on(1, profile(TX_DEFAULT, [(0, 16)]), profile(TX, [(0, 6)], transaction_id=8)), [(0, 16)], sessions=SESSION
    ),
    "a TxProfile for the running transaction applies": Case(
        on(1, profile(TX_DEFAULT, [(0, 16)]), profile(TX, [(0, 6)], transaction_id=7)), [(0, 6)], sessions=SESSION
    ),
    "a TxProfile with a transactionId needs a transaction even when one is simulated": Case(
        on(1, profile(TX_DEFAULT, [(0, 16)]), profile(TX, [(0, 6)], transaction_id=7)), [(0, 16)]
    ),
    "a TxProfile without transactionId applies to a simulated transaction": Case(
        on(1, profile(TX_DEFAULT, [(0, 16)]), profile(TX, [(0, 6)])), [(0, 6)]
    ),
    "a TxProfile of another connector is ignored": Case(on(2, profile(TX, [(0, 6)])), [(0, 48)]),
    "not simulated and no transaction: only ChargePointMax counts": Case(
        on(0, profile(CP_MAX, [(0, 40)])) + on(1, profile(TX_DEFAULT, [(0, 16)]), profile(TX, [(0, 6)])),
        [(0, 40)],
        simulate_transaction=False,
    ),
    "not simulated with a transaction: Tx counts": Case(
        on(0, profile(CP_MAX, [(0, 40)])) + on(1, profile(TX_DEFAULT, [(0, 16)])),
        [(0, 16)],
        simulate_transaction=False,
        sessions=SESSION,
    ),
    "ignored purposes are left out": Case(
        on(0, profile(CP_MAX, [(0, 10)])) + on(1, profile(TX_DEFAULT, [(0, 16)]), profile(TX, [(0, 6)], duration=100)),
        [(0, 16)],
        ignored_purposes=(CP_MAX, TX),
    ),
    # --- recurring ------------------------------------------------------------------------------
    "daily recurrence across midnight": Case(
        on(
            1,
            profile(
                periods=[(0, 16), (3600, 10), (7200, 20)],
                kind=RECURRING,
                recurrency=DAILY,
                start=datetime(2026, 2, 1, 22, 0, tzinfo=UTC),
                duration=4 * 3600,
            ),
        ),
        [(0, 10), (3600, 20), (10800, 48)],
        start=datetime(2026, 3, 2, 23, 0, tzinfo=UTC),
        duration=4 * 3600,
    ),
    "daily recurrence without duration: the last period lasts until the next occurrence": Case(
        on(
            1,
            profile(
                periods=[(0, 32), (12 * 3600, 8)],
                kind=RECURRING,
                recurrency=DAILY,
                start=datetime(2026, 1, 1, 6, 0, tzinfo=UTC),
            ),
        ),
        [(0, 32), (3600, 8), (13 * 3600, 32)],
        start=datetime(2026, 3, 2, 17, 0, tzinfo=UTC),
        duration=14 * 3600,
    ),
    "daily recurrence anchored in the future repeats at its time of day": Case(
        on(
            1,
            profile(
                periods=[(0, 10)],
                kind=RECURRING,
                recurrency=DAILY,
                start=T0 + timedelta(days=3, hours=1),
                duration=1800,
            ),
        ),
        [(0, 48), (3600, 10), (5400, 48)],
        duration=7200,
    ),
    "a recurring duration longer than the recurrence is clipped to it": Case(
        on(
            1,
            profile(
                periods=[(0, 10), (90000, 20)],
                kind=RECURRING,
                recurrency=DAILY,
                start=datetime(2026, 1, 1, 12, 0, tzinfo=UTC),
                duration=200000,
            ),
        ),
        [(0, 10)],
        start=T0 - timedelta(hours=1),
        duration=7200,
    ),
    "weekly recurrence across the week boundary": Case(
        on(
            1,
            profile(
                periods=[(0, 10), (7200, 20)],
                kind=RECURRING,
                recurrency=WEEKLY,
                start=SUNDAY_22H,
                duration=4 * 3600,
            ),
        ),
        [(0, 48), (3600, 10), (10800, 20), (18000, 48)],
        start=SUNDAY_22H + timedelta(days=7, hours=-1),
        duration=6 * 3600,
    ),
    "weekly recurrence is idle on other days": Case(
        on(1, profile(periods=[(0, 10)], kind=RECURRING, recurrency=WEEKLY, start=SUNDAY_22H, duration=4 * 3600)),
        [(0, 48)],
        start=SUNDAY_22H + timedelta(days=3),
        duration=86400,
    ),
    "a recurring profile without recurrencyKind is ignored": Case(
        on(1, profile(periods=[(0, 10)], kind=RECURRING, start=T0)), [(0, 48)]
    ),
    # --- units ----------------------------------------------------------------------------------
    "W into A with the default 3 phases": Case(on(1, profile(periods=[(0, 6900)], unit=W)), [(0, 10)]),
    "W into A with the period's phases, rounded down": Case(
        on(1, profile(periods=[(0, 7000, 1)], unit=W)), [(0, "30.4", 1)]
    ),
    "A into W with the period's phases": Case(on(1, profile(periods=[(0, 16, 1)])), [(0, 3680, 1)], unit=W),
    "A into W with the default phases": Case(on(1, profile(periods=[(0, 16)])), [(0, 11040)], unit=W),
    "numberPhases 0 counts as not given": Case(on(1, profile(periods=[(0, 6900, 0)], unit=W)), [(0, 10)]),
    "a conversion rounds down to 0.1": Case(on(1, profile(periods=[(0, 1000)], unit=W)), [(0, "1.4")]),
    "mixed lanes in A: the lower after conversion": Case(
        on(0, profile(CP_MAX, [(0, 11000)], unit=W)) + on(1, profile(periods=[(0, 20, 3), (100, 12, 3)])),
        [(0, "15.9", 3), (100, 12, 3)],
    ),
    "mixed lanes in W: the lower after conversion": Case(
        on(0, profile(CP_MAX, [(0, 11000)], unit=W)) + on(1, profile(periods=[(0, 20, 3), (100, 12, 3)])),
        [(0, 11000, 3), (100, 8280, 3)],
        unit=W,
    ),
    "the phases in force convert every lane": Case(
        on(0, profile(CP_MAX, [(0, 32, 1)])) + on(1, profile(periods=[(0, 6900)], unit=W)), [(0, 30, 1)]
    ),
    "settings: supply voltage and default phases": Case(
        on(1, profile(periods=[(0, 7200)], unit=W)),
        [(0, 30)],
        settings=CompositeSettings(supply_voltage=Decimal(240), default_number_phases=1),
    ),
    # --- connector 0 ----------------------------------------------------------------------------
    "connector 0: a connector-0 TxDefault counts once per connector": Case(
        on(0, profile(TX_DEFAULT, [(0, 16)])), [(0, 32)], connector_id=0
    ),
    "connector 0: the sum capped by ChargePointMax": Case(
        on(0, profile(TX_DEFAULT, [(0, 16)]), profile(CP_MAX, [(0, 20)])), [(0, 20)], connector_id=0
    ),
    "connector 0: a connector without a limit adds the default": Case(
        on(1, profile(TX_DEFAULT, [(0, 10)])), [(0, 58)], connector_id=0
    ),
    "connector 0: each connector converted with its own phases": Case(
        on(1, profile(TX_DEFAULT, [(0, 6900)], unit=W)) + on(2, profile(TX_DEFAULT, [(0, 16, 1)])),
        [(0, 74, 1)],
        connector_id=0,
        number_of_connectors=3,
    ),
    "connector 0: the sum has the most phases any connector gives": Case(
        on(1, profile(TX_DEFAULT, [(0, 10, 1)])) + on(2, profile(TX_DEFAULT, [(0, 16, 3)])),
        [(0, 26, 3)],
        connector_id=0,
    ),
    "connector 0: ChargePointMax phases convert the cap": Case(
        on(0, profile(CP_MAX, [(0, 3680, 1)], unit=W)) + on(1, profile(TX_DEFAULT, [(0, 10, 3)])),
        [(0, 16, 1)],
        connector_id=0,
    ),
    "connector 0: a connector adds the default before its profile starts": Case(
        on(1, profile(TX_DEFAULT, [(0, 10)], start=T0 + timedelta(seconds=100))), [(0, 96), (100, 58)], connector_id=0
    ),
    "connector 0: over time": Case(
        on(0, profile(CP_MAX, [(0, 60)])) + on(1, profile(TX, [(0, 10), (100, 20)], duration=200)),
        [(0, 58), (100, 60)],
        connector_id=0,
    ),
    "connector 0 in W": Case(on(1, profile(TX_DEFAULT, [(0, 10)])), [(0, 6900 + 33120)], connector_id=0, unit=W),
    # --- odd schedules --------------------------------------------------------------------------
    "a first period after 0 leaves no limit before it": Case(
        on(1, profile(periods=[(100, 10), (200, 12)])), [(0, 48), (100, 10), (200, 12)]
    ),
    "periods out of order are skipped": Case(
        on(1, profile(periods=[(100, 10), (50, 8), (200, 12)])), [(0, 48), (100, 10), (200, 12)]
    ),
    "a negative startPeriod is skipped": Case(on(1, profile(periods=[(-5, 10)])), [(0, 48)]),
    "a repeated startPeriod is skipped": Case(
        on(1, profile(periods=[(0, 10), (0, 8), (100, 12)])), [(0, 10), (100, 12)]
    ),
    # --- duration 0 -----------------------------------------------------------------------------
    "duration 0: the limit in force at the start": Case(
        on(0, profile(CP_MAX, [(0, 10), (1, 20)])), [(0, 10)], duration=0
    ),
    "duration 0 with nothing installed: the default": Case([], [(0, 48)], duration=0),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_it_computes_the_schedule_by_hand(case: Case) -> None:
    schedule = case.run()
    assert periods_of(schedule) == normalised(case.expected)
    assert schedule.duration == case.duration
    assert schedule.charging_rate_unit is case.unit
    assert schedule.start_schedule == case.start.replace(microsecond=0)


@pytest.mark.parametrize(
    "name",
    [
        "TC_066: the per-interval minimum of ChargePointMax and Tx, else TxDefault",
        "duration 0: the limit in force at the start",
        "mixed lanes in A: the lower after conversion",
    ],
)
def test_it_answers_a_schema_valid_get_composite_schedule(name: str) -> None:
    case = CASES[name]
    schedule = case.run()
    payload = dump(
        GetCompositeScheduleResponse(
            status=GetCompositeScheduleStatus.ACCEPTED,
            connector_id=case.connector_id,
            schedule_start=schedule.start_schedule,
            charging_schedule=schedule,
        )
    )
    assert payload["chargingSchedule"]["chargingSchedulePeriod"][0]["startPeriod"] == 0
    assert payload["chargingSchedule"]["duration"] == case.duration


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"duration": -1}, "duration -1 is negative"),
        ({"number_of_connectors": -1, "connector_id": 0}, "number_of_connectors -1 is negative"),
        ({"connector_id": 3}, "connector 3 is not in 0..2"),
        ({"connector_id": -1}, "connector -1 is not in 0..2"),
        ({"settings": CompositeSettings(supply_voltage=Decimal(0))}, "supply_voltage 0 is not positive"),
        ({"settings": CompositeSettings(default_number_phases=0)}, "default_number_phases 0 is not positive"),
    ],
)
def test_it_rejects_bad_arguments_by_name(changes: dict[str, Any], message: str) -> None:
    arguments: dict[str, Any] = {
        "connector_id": 1,
        "start": T0,
        "duration": 400,
        "unit": A,
        "number_of_connectors": 2,
        "sessions": {},
        "settings": CompositeSettings(),
    }
    with pytest.raises(LocalProtocolError, match=message):
        composite_schedule([], **(arguments | changes))

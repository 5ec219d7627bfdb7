"""Charts drawn by the server as inline SVG: no script, nothing fetched, scales with the page.

Each chart is an ``<svg role="img">`` with a ``<title>`` and a ``<desc>`` that says in words what
it shows (range and peak, or each step of a schedule), so a screen reader gets the gist too.

* :func:`line_chart` -- meter readings over time (a transaction's power and energy);
* :func:`step_chart` -- a limit that holds from one time to the next (a composite charging
  schedule); :func:`schedule_steps` turns a :class:`~ocpp_core.datatypes.ChargingSchedule` into
  its steps within a time window.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from ocpp_core.datatypes import ChargingSchedule

__all__ = ["Step", "line_chart", "nice_ceiling", "schedule_steps", "step_chart"]

_ids = itertools.count(1)

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 16, 36


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10^n at or above ``value`` (an axis maximum)."""
    if value <= 0:
        return 1.0
    exponent = math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        candidate = step * 10**exponent
        if candidate >= value * (1 - 1e-9):
            return float(candidate)
    return float(10 ** (exponent + 1))  # pragma: no cover  (the loop ends at 10)


def _number(value: float) -> str:
    return f"{value:.0f}" if abs(value) >= 100 or value == int(value) else f"{value:.2f}".rstrip("0").rstrip(".")


def line_chart(
    points: Sequence[tuple[datetime, Decimal | float]],
    *,
    title: str,
    unit: str,
    css_class: str = "",
    scale: float = 1.0,
) -> SafeString:
    """A line chart of ``points`` (time, value × ``scale`` in ``unit``); a short note when empty."""
    if not points:
        return mark_safe(f'<p class="chart-empty">{escape(title)}: no readings.</p>')
    chart_id = f"chart-{next(_ids)}"
    times = [t for t, _ in points]
    values = [float(v) * scale for _, v in points]
    start, end = times[0], times[-1]
    span = max((end - start).total_seconds(), 1.0)
    low = min(0.0, min(values))
    high = nice_ceiling(max(values)) if max(values) > 0 else 1.0
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(when: datetime) -> float:
        return LEFT + plot_w * (when - start).total_seconds() / span

    def y(value: float) -> float:
        return TOP + plot_h * (1 - (value - low) / (high - low))

    parts = [
        f'<svg class="chart {escape(css_class)}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d" preserveAspectRatio="xMidYMid meet">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">{escape(_describe(times, values, unit))}</desc>',
    ]
    for i in range(5):  # horizontal grid lines with their values
        value = low + (high - low) * i / 4
        gy = y(value)
        parts.append(f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{gy:.1f}" y2="{gy:.1f}"/>')
        parts.append(
            f'<text class="axis" x="{LEFT - 6}" y="{gy + 4:.1f}" text-anchor="end">{escape(_number(value))}</text>'
        )
    parts.append(f'<text class="axis unit" x="4" y="{TOP + 4}">{escape(unit)}</text>')
    ticks = (
        ((start, "start"), (start + (end - start) / 2, "middle"), (end, "end")) if end > start else ((start, "start"),)
    )
    for when, anchor in ticks:
        parts.append(
            f'<text class="axis" x="{x(when):.1f}" y="{HEIGHT - 12}" text-anchor="{anchor}">{when:%H:%M:%S}</text>'
        )
    coordinates = " ".join(f"{x(t):.1f},{y(v):.1f}" for t, v in zip(times, values, strict=True))
    parts.append(f'<polyline class="line" points="{coordinates}"/>')
    if len(points) == 1:
        parts.append(f'<circle class="dot" cx="{x(times[0]):.1f}" cy="{y(values[0]):.1f}" r="3"/>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text in it is escaped above


def _describe(times: list[datetime], values: list[float], unit: str) -> str:
    return (
        f"{len(values)} readings from {times[0]:%H:%M:%S} to {times[-1]:%H:%M:%S} UTC; "
        f"first {_number(values[0])} {unit}, last {_number(values[-1])} {unit}, peak {_number(max(values))} {unit}."
    )


# --- step charts (charging schedules) ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Step:
    """A limit in force from ``start`` to ``end`` (``number_phases`` as the schedule says, or None)."""

    start: datetime
    end: datetime
    limit: float
    number_phases: int | None = None


def schedule_steps(schedule: ChargingSchedule, *, start: datetime, end: datetime) -> list[Step]:
    """The steps of ``schedule`` between ``start`` and ``end`` (clipped to that window).

    Periods count from the schedule's ``start_schedule`` (``start`` when it has none); each lasts
    until the next one begins, the last until the schedule's ``duration`` ends (or the window
    does, without a duration). Outside every period the schedule sets no limit: no step.
    """
    base = schedule.start_schedule or start
    periods = sorted(schedule.charging_schedule_period, key=lambda p: p.start_period)
    schedule_end = base + timedelta(seconds=schedule.duration) if schedule.duration is not None else end
    steps = []
    for i, period in enumerate(periods):
        begin = base + timedelta(seconds=period.start_period)
        finish = base + timedelta(seconds=periods[i + 1].start_period) if i + 1 < len(periods) else schedule_end
        begin, finish = max(begin, start), min(finish, end, schedule_end)
        if finish > begin:
            steps.append(Step(begin, finish, float(period.limit), period.number_phases))
    return steps


def _clock_ticks(start: datetime, end: datetime, hours: int) -> list[tuple[datetime, str]]:
    """Time-axis ticks: ``start`` ("now"), then every ``hours`` on the UTC clock (midnight shows the date).

    Ticks closer than a third of a step to either end are left out, so no labels overlap.
    """
    step = timedelta(hours=hours)
    ticks = [(start, "now")]
    first = start.replace(minute=0, second=0, microsecond=0)
    first += timedelta(hours=(hours - first.hour % hours) % hours)
    when = first if first > start else first + step
    while when < end - step / 3:
        if when - start >= step / 3:
            ticks.append((when, f"{when:%d %b}" if when.hour == 0 else f"{when:%H:%M}"))
        when += step
    return ticks


def _clock(when: datetime, start: datetime) -> str:
    """``HH:MM``, with ``+1d`` when the time is on a later day than ``start``."""
    days = (when.date() - start.date()).days
    return f"{when:%H:%M}" + (f" +{days}d" if days else "")


def step_chart(
    steps: Sequence[Step],
    *,
    start: datetime,
    end: datetime,
    title: str,
    unit: str,
    css_class: str = "",
    scale: float = 1.0,
    tick_hours: int = 3,
) -> SafeString:
    """A step chart of ``steps`` (value × ``scale`` in ``unit``) over ``start``..``end`` (UTC)."""
    if not steps:
        return mark_safe(f'<p class="chart-empty">{escape(title)}: no limit in this period.</p>')
    chart_id = f"chart-{next(_ids)}"
    span = max((end - start).total_seconds(), 1.0)
    values = [step.limit * scale for step in steps]
    high = nice_ceiling(max(values)) if max(values) > 0 else 1.0
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(when: datetime) -> float:
        return LEFT + plot_w * (when - start).total_seconds() / span

    def y(value: float) -> float:
        return TOP + plot_h * (1 - value / high)

    parts = [
        f'<svg class="chart step {escape(css_class)}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d" preserveAspectRatio="xMidYMid meet">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">{escape(_describe_steps(steps, start, unit, scale))}</desc>',
    ]
    for i in range(5):
        value = high * i / 4
        gy = y(value)
        parts.append(f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{gy:.1f}" y2="{gy:.1f}"/>')
        parts.append(
            f'<text class="axis" x="{LEFT - 6}" y="{gy + 4:.1f}" text-anchor="end">{escape(_number(value))}</text>'
        )
    parts.append(f'<text class="axis unit" x="4" y="{TOP + 4}">{escape(unit)}</text>')
    parts.append(f'<text class="axis unit" x="4" y="{HEIGHT - 12}">UTC</text>')
    for when, label in _clock_ticks(start, end, tick_hours):
        parts.append(f'<line class="tick" x1="{x(when):.1f}" x2="{x(when):.1f}" y1="{TOP}" y2="{HEIGHT - BOTTOM}"/>')
        anchor = "start" if when == start else "middle"
        parts.append(
            f'<text class="axis" x="{x(when):.1f}" y="{HEIGHT - 12}" text-anchor="{anchor}">{escape(label)}</text>'
        )
    path: list[str] = []
    previous: Step | None = None
    for step, value in zip(steps, values, strict=True):
        x0, x1, top = x(step.start), x(step.end), y(value)
        parts.append(
            f'<rect class="area" x="{x0:.1f}" y="{top:.1f}" width="{max(x1 - x0, 0.5):.1f}" '
            f'height="{max(y(0) - top, 0):.1f}"/>'
        )
        if previous is not None and previous.end == step.start:
            path.append(f"V{top:.1f}H{x1:.1f}")
        else:
            path.append(f"M{x0:.1f},{top:.1f}H{x1:.1f}")
        previous = step
    parts.append(f'<path class="line" d="{"".join(path)}"/>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text in it is escaped above


#: Steps spelled out in a chart's description before it summarises the rest.
DESCRIBED_STEPS = 8


def _describe_steps(steps: Sequence[Step], start: datetime, unit: str, scale: float) -> str:
    said = [
        f"{_number(step.limit * scale)} {unit} from {_clock(step.start, start)} to {_clock(step.end, start)}"
        for step in steps[:DESCRIBED_STEPS]
    ]
    more = f"; and {len(steps) - DESCRIBED_STEPS} more steps" if len(steps) > DESCRIBED_STEPS else ""
    peak = max(step.limit for step in steps) * scale
    return f"Limit (UTC times): {'; '.join(said)}{more}. Highest {_number(peak)} {unit}."

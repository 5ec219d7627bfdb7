"""Line charts drawn by the server as inline SVG: no script, nothing fetched, scales with the page.

Each chart is an ``<svg role="img">`` with a ``<title>`` and a ``<desc>`` that says in words what
the line shows (range and peak), so a screen reader gets the gist too.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

__all__ = ["line_chart", "nice_ceiling"]

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

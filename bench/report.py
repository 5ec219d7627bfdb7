"""Results of a bench run: rows of medians, ratios against peers, targets, the table and the JSON.

A benchmark returns a :class:`Benchmark`: one :class:`Row` per contender (or per measured
quantity), each holding every sample of the run; the median is what is compared. A row may be
*not available* (its contender raised ``NotImplementedError``, or could not run) and then has no
samples and a reason instead.

A :class:`Target` says what a row must reach: an absolute bound (``value <= 2 ms``) or a ratio to
another row of the same benchmark (``>= 2x`` the ``ocpp`` package). :func:`evaluate` works out the
ratios and whether each target is met; :func:`render_table` prints them, :func:`to_json` gives
what ``bench/results/latest.json`` holds.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["Benchmark", "Row", "Target", "evaluate", "render_table", "to_json"]

Better = Literal["higher", "lower"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Target:
    """What a row must reach.

    With ``versus`` the row's median divided by that row's median must be ``>= ratio`` (for a
    higher-is-better quantity); without it the median itself must be ``<= limit`` (lower is
    better) or ``>= limit`` (higher is better).
    """

    versus: str | None = None
    ratio: float | None = None
    limit: float | None = None

    def describe(self, better: Better, unit: str) -> str:
        if self.versus is not None:
            return f">= {self.ratio:g}x {self.versus}"
        sign = "<=" if better == "lower" else ">="
        return f"{sign} {self.limit:g} {unit}"


@dataclass(slots=True, kw_only=True)
class Row:
    """One contender's (or one quantity's) samples in a benchmark."""

    name: str
    unit: str
    better: Better
    samples: list[float] = field(default_factory=list)
    targets: tuple[Target, ...] = ()
    #: Set when the contender could not run (e.g. it raises NotImplementedError).
    unavailable: str | None = None
    #: Facts about the run that are not speeds (counts, order kept, ...), shown under the table.
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def median(self) -> float | None:
        return statistics.median(self.samples) if self.samples and self.unavailable is None else None


@dataclass(slots=True, kw_only=True)
class Benchmark:
    """One benchmark of the issue's table: its rows and how it was measured."""

    key: str
    title: str
    method: str
    rows: list[Row] = field(default_factory=list)
    #: Checks that are not about speed (0 lost, order kept); a failed one fails the benchmark.
    checks: dict[str, bool] = field(default_factory=dict)
    #: The rows are contenders doing the same work: show each one's ratio to the others.
    compare: bool = False

    def row(self, name: str) -> Row:
        return next(r for r in self.rows if r.name == name)


@dataclass(frozen=True, slots=True)
class Verdict:
    """A target of a row, worked out."""

    row: str
    target: str
    value: float | None
    met: bool | None  # None: cannot tell (a row is not available)


def _check(bench: Benchmark, row: Row, target: Target) -> Verdict:
    text = target.describe(row.better, row.unit)
    median = row.median
    if target.versus is not None:
        other = bench.row(target.versus).median
        if median is None or other is None or other == 0:
            return Verdict(row.name, text, None, None)
        ratio = median / other
        assert target.ratio is not None
        met = ratio >= target.ratio if row.better == "higher" else ratio <= target.ratio
        return Verdict(row.name, text, ratio, met)
    assert target.limit is not None
    if median is None:
        return Verdict(row.name, text, None, None)
    met = median <= target.limit if row.better == "lower" else median >= target.limit
    return Verdict(row.name, text, median, met)


def evaluate(bench: Benchmark) -> list[Verdict]:
    """Every target of every row of ``bench``."""
    return [_check(bench, row, target) for row in bench.rows for target in row.targets]


def _number(value: float | None) -> str:
    if value is None:
        return "n/a"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


def _ratios(bench: Benchmark, row: Row) -> str:
    """``row`` against every other available row of a higher-is-better benchmark."""
    median = row.median
    if median is None or not bench.compare:
        return ""
    parts = []
    for other in bench.rows:
        if other is row or other.unit != row.unit or other.median in (None, 0):
            continue
        assert other.median is not None
        parts.append(f"{median / other.median:.2f}x {other.name}")
    return ", ".join(parts)


def render_table(benchmarks: list[Benchmark]) -> str:
    """The human-readable summary: one block per benchmark, medians, ratios, targets."""
    lines: list[str] = []
    for bench in benchmarks:
        lines.append(f"== {bench.title}")
        width = max((len(r.name) for r in bench.rows), default=10)
        for row in bench.rows:
            if row.unavailable is not None:
                lines.append(f"  {row.name:<{width}}  not available: {row.unavailable}")
                continue
            median = _number(row.median)
            spread = f"[{_number(min(row.samples))} .. {_number(max(row.samples))}]" if row.samples else ""
            ratios = _ratios(bench, row)
            ratio_text = f"  ({ratios})" if ratios else ""
            lines.append(
                f"  {row.name:<{width}}  median {median:>9} {row.unit:<6} n={len(row.samples):<3} {spread}{ratio_text}"
            )
            for key, value in row.notes.items():
                lines.append(f"  {'':<{width}}    {key}: {value}")
        for verdict in evaluate(bench):
            state = {True: "MET", False: "MISSED", None: "n/a"}[verdict.met]
            lines.append(f"  target {verdict.row} {verdict.target}: {_number(verdict.value)} -> {state}")
        for check, ok in bench.checks.items():
            lines.append(f"  check {check}: {'ok' if ok else 'FAILED'}")
        lines.append("")
    return "\n".join(lines)


def to_json(benchmarks: list[Benchmark], meta: dict[str, Any]) -> str:
    """The machine-readable results (``bench/results/latest.json``)."""
    out: dict[str, Any] = {"meta": meta, "benchmarks": {}}
    for bench in benchmarks:
        out["benchmarks"][bench.key] = {
            "title": bench.title,
            "method": bench.method,
            "rows": [
                {
                    "name": row.name,
                    "unit": row.unit,
                    "better": row.better,
                    "median": row.median,
                    "samples": row.samples,
                    "available": row.unavailable is None,
                    "unavailable": row.unavailable,
                    "notes": row.notes,
                }
                for row in bench.rows
            ],
            "targets": [{"row": v.row, "target": v.target, "value": v.value, "met": v.met} for v in evaluate(bench)],
            "checks": bench.checks,
        }
    return json.dumps(out, indent=2, default=str)

"""How big a bench run is: the full run of ``make bench`` or the smoke run of ``BENCH_QUICK=1``.

The full run is sized to finish in a few minutes on 2 cores; the quick run only proves that every
benchmark runs end to end and produces numbers (its numbers are not worth comparing).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["Plan"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Plan:
    """Sizes of every benchmark, and where it may write its temporary files."""

    quick: bool
    work: Path
    #: Run every ``runstation`` under pyinstrument (text reports in ``work/profiles``).
    profile: bool = False

    @property
    def profile_dir(self) -> Path | None:
        """Where pyinstrument's reports go when profiling (``None``: not profiling)."""
        return self.work / "profiles" if self.profile else None

    # RPC and full-station round trips: rounds x contenders, each measuring `seconds`.
    @property
    def rounds(self) -> int:
        return 1 if self.quick else 5

    @property
    def seconds(self) -> float:
        return 0.5 if self.quick else 2.0

    @property
    def warmup(self) -> float:
        return 0.1 if self.quick else 0.5

    @property
    def backlog_messages(self) -> int:
        return 200 if self.quick else 10_000

    @property
    def backlog_runs(self) -> int:
        return 1 if self.quick else 3

    @property
    def composite_calls(self) -> int:
        return 5 if self.quick else 200

    @property
    def composite_runs(self) -> int:
        return 1 if self.quick else 5

    @property
    def trace_rows(self) -> int:
        return 2_000 if self.quick else 200_000

    @property
    def trace_requests(self) -> int:
        return 2 if self.quick else 15

    @property
    def memory_messages(self) -> int:
        return 200 if self.quick else 10_000

    @property
    def cold_starts(self) -> int:
        return 1 if self.quick else 5

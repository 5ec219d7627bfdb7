"""``python -m bench [NAME ...] [--quick] [--out FILE] [--profile]`` -- see ``bench/README.md``.

Runs the benchmarks (all, or those named), prints the table of medians, ratios and targets, and
writes the JSON (default ``bench/results/latest.json``). ``BENCH_QUICK=1`` is ``--quick``: a smoke
run with tiny sizes. Exit status: 0 when every benchmark ran and every check (nothing lost, no
CALLERROR, ...) held -- whether speed targets are met is reported, not an error; 1 otherwise.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import backlog, cold_start, composite, memory, rpc, station_round_trips, trace_pages
from bench.plan import Plan
from bench.procs import ROOT
from bench.report import Benchmark, Row, render_table, to_json

#: name -> (the benchmark keys it produces, runner)
BENCHMARKS: dict[str, tuple[tuple[str, ...], Callable[[Plan], Benchmark | list[Benchmark]]]] = {
    "rpc": (("rpc_round_trips",), rpc.run),
    "station": (("station_round_trips", "station_trigger_round_trips"), station_round_trips.run),
    "backlog": (("offline_backlog",), backlog.run),
    "composite": (("composite_schedule",), composite.run),
    "trace": (("trace_pages",), trace_pages.run),
    "memory": (("memory",), memory.run),
    "cold_start": (("cold_start",), cold_start.run),
}

DEFAULT_OUT = ROOT / "bench" / "results" / "latest.json"


def _meta(plan: Plan, started: float) -> dict[str, Any]:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False, timeout=10
        ).stdout.strip()
    except OSError:
        commit = ""
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "quick": plan.quick,
        "seconds": round(time.monotonic() - started, 1),
        "commit": commit,
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "load_average": os.getloadavg(),
    }


def _failed(keys: tuple[str, ...], exc: BaseException) -> list[Benchmark]:
    reason = f"{type(exc).__name__}: {exc}"
    return [
        Benchmark(
            key=key,
            title=key,
            method="the benchmark failed to run",
            rows=[Row(name="benchmark", unit="", better="higher", unavailable=reason)],
            checks={"the benchmark ran": False},
        )
        for key in keys
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description="Benchmarks against peers, on loopback.")
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"run only these: {', '.join(BENCHMARKS)}")
    parser.add_argument("--quick", action="store_true", default=os.environ.get("BENCH_QUICK", "") not in ("", "0"))
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"the JSON file (default {DEFAULT_OUT})")
    parser.add_argument("--profile", action="store_true", help="run every runstation under pyinstrument")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data dirs and logs")
    args = parser.parse_args(argv)
    unknown = [name for name in args.names if name not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)} (choose from {', '.join(BENCHMARKS)})")
    names = args.names or list(BENCHMARKS)
    work = Path(tempfile.mkdtemp(prefix="ocpp-bench-"))
    plan = Plan(quick=args.quick, work=work, profile=args.profile)
    started = time.monotonic()
    results: list[Benchmark] = []
    try:
        for name in names:
            keys, runner = BENCHMARKS[name]
            print(f"-- {name} ...", file=sys.stderr, flush=True)
            began = time.monotonic()
            try:
                outcome = runner(plan)
            except Exception as exc:
                traceback.print_exc()
                results += _failed(keys, exc)
            else:
                results += outcome if isinstance(outcome, list) else [outcome]
            print(f"   {name}: {time.monotonic() - began:.1f} s", file=sys.stderr, flush=True)
    finally:
        if args.keep or args.profile:
            print(f"data dirs and logs kept in {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(render_table(results))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(to_json(results, _meta(plan, started)) + "\n")
    print(f"results written to {args.out}")
    return 0 if all(all(b.checks.values()) for b in results) else 1


if __name__ == "__main__":
    sys.exit(main())

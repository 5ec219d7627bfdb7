"""Cold start: from starting ``manage.py runstation`` to its BootNotification at the central system.

Each run copies a migrated data dir (not timed), notes ``time.monotonic()`` just before it spawns
``python manage.py runstation`` and takes the ``time.monotonic()`` at which the bench central
system (another process; the clock is system-wide on Linux) received the BootNotification: the
interpreter start, Django's setup, the migration check, daphne, the engine's build from the
database and the websocket handshake. The Python files are already compiled (``.pyc``) and in the
page cache, as on a station that restarts; a first, untimed start makes sure of that.
"""

from __future__ import annotations

from bench.plan import Plan
from bench.procs import CP_ID, CsmsProcess, StationProcess, fresh_data_dir, station_config
from bench.report import Benchmark, Row, Target

__all__ = ["run"]

ROW = "runstation"


def _start(plan: Plan, csms: CsmsProcess, name: str) -> float:
    data_dir = fresh_data_dir(plan.work, "cold-start-data")
    cp_id = f"{CP_ID}-{name}"
    with StationProcess(data_dir, station_config(csms.url, ChargePointId=cp_id)) as station:
        boot = csms.command("boot_time", wait=90, cp=cp_id, timeout=60)
        return float(boot["t"]) - station.started_at


def run(plan: Plan) -> Benchmark:
    bench = Benchmark(
        key="cold_start",
        title="Cold start to BootNotification sent",
        method=__doc__ or "",
        rows=[Row(name=ROW, unit="s", better="lower", targets=(Target(limit=3.0),))],
    )
    with CsmsProcess() as csms:
        _start(plan, csms, "warm-up")
        for run_no in range(plan.cold_starts):
            bench.row(ROW).samples.append(_start(plan, csms, str(run_no)))
    return bench

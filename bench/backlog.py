"""Offline backlog: queued transaction messages drained after the station reconnects.

The backlog is built once per bench run (``bench.prefill backlog``): ``plan.backlog_messages``
MeterValues of one transaction in the station's persistent queue, written through the station's
own store with the engine's ``QueuePut`` operations -- what a station holds after a long time
offline. Each run copies that data dir and starts ``runstation`` on it while the bench central
system refuses every handshake (HTTP 503: the station is offline); once the station's control
API answers (the station is built and its queue loaded), the central system lets it in. The time
runs from the accepted handshake to the moment the central system has written its answer to the
last MeterValues: BootNotification, then the whole backlog one CALL at a time, each deleted from
the queue (SQLite) and both frames traced. The central system checks that every message arrived,
once, in ``seq`` order. The station process's CPU time per message (all threads, from ``/proc``)
is shown too: it depends much less on what else the machine runs than the rate does.
"""

from __future__ import annotations

import shutil

from bench.plan import Plan
from bench.procs import (
    CP_ID,
    BenchError,
    CsmsProcess,
    StationProcess,
    cpu_seconds,
    fresh_data_dir,
    run_json,
    station_config,
    station_env,
)
from bench.report import Benchmark, Row, Target

__all__ = ["run"]

ROW = "runstation drain"


def run(plan: Plan) -> Benchmark:
    count = plan.backlog_messages
    bench = Benchmark(
        key="offline_backlog",
        title=f"Offline backlog: {count:,} queued transaction messages drained after reconnect",
        method=__doc__ or "",
        rows=[Row(name=ROW, unit="msg/s", better="higher", targets=(Target(limit=500),))],
    )
    template = fresh_data_dir(plan.work, "backlog-template")
    run_json(["-m", "bench.prefill", "backlog", f"--count={count}"], timeout=300, env=station_env(template))
    all_ok = True
    with CsmsProcess() as csms:
        for run_no in range(plan.backlog_runs):
            data_dir = plan.work / f"backlog-{run_no}"
            if data_dir.exists():
                shutil.rmtree(data_dir)
            shutil.copytree(template, data_dir)
            csms.command("gate", open=False)
            config = station_config(csms.url, ChargePointId=f"{CP_ID}-{run_no}", RetryBackoffWaitMinimum=1)
            with StationProcess(data_dir, config, profile_dir=plan.profile_dir) as station:
                status = station.wait_api(timeout=120)
                if status["connected"]:
                    raise BenchError("the station connected through a closed gate")
                used = cpu_seconds(station.pid)
                csms.command("gate", open=True)
                result = csms.command("backlog", wait=660, cp=f"{CP_ID}-{run_no}", expect=count, timeout=600)
                used = cpu_seconds(station.pid) - used
            seconds = result["last_answer_at"] - result["connected_at"]
            bench.row(ROW).samples.append(count / seconds)
            ok = (
                result["complete"]
                and result["count"] == count
                and result["distinct"] == count
                and result["in_order"]
                and result["first"] == 1
                and result["last"] == count
            )
            all_ok = all_ok and bool(ok)
            bench.row(ROW).notes[f"run {run_no + 1}"] = (
                f"{result['count']} received ({result['distinct']} distinct), in order: {result['in_order']}, "
                f"{seconds:.2f} s, station CPU {used * 1000 / count:.2f} ms/msg; msg/s by tenth of the drain: {result['rates_by_tenth']}"
            )
    bench.checks[f"all {count:,} messages arrived, once each, in order (every run)"] = all_ok
    return bench

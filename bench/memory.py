"""Memory: the resident set of ``runstation`` idle with 2 simulated connectors, and after traffic.

``runstation`` (the demo configuration: 2 simulated connectors, trace on, SQLite) connects to the
bench central system, boots and reports its connectors; after 2 s of quiet its RSS is read from
``/proc/<pid>/status`` (``VmRSS``) -- *idle*. Then the central system sends ``plan.memory_messages``
CALLs, one at a time: half GetConfiguration, half TriggerMessage(Heartbeat) (each of those also
makes the station send a Heartbeat, answered), so every path a frame takes (inbound CALL, outbound
CALL, trace, queue) runs thousands of times; after 2 s of quiet the RSS is read again -- *after*.
The growth is after minus idle; ``VmHWM`` (the peak) is shown too. One station, one run: the
numbers are sizes, not speeds, and barely vary.
"""

from __future__ import annotations

import time

from bench.plan import Plan
from bench.procs import CP_ID, CsmsProcess, StationProcess, fresh_data_dir, rss_kib, station_config
from bench.report import Benchmark, Row, Target

__all__ = ["run"]

QUIET_SECONDS = 2.0


def run(plan: Plan) -> Benchmark:
    messages = plan.memory_messages
    idle = Row(name="RSS idle", unit="MB", better="lower", targets=(Target(limit=100),))
    after = Row(name=f"RSS after {messages:,} CALLs", unit="MB", better="lower", targets=(Target(limit=100),))
    growth = Row(name="growth", unit="MB", better="lower", targets=(Target(limit=10),))
    bench = Benchmark(
        key="memory",
        title="Memory: RSS of runstation idle with 2 simulated connectors, and after traffic",
        method=__doc__ or "",
        rows=[idle, after, growth],
    )
    errors = 0
    with CsmsProcess() as csms:
        data_dir = fresh_data_dir(plan.work, "memory-data")
        with StationProcess(data_dir, station_config(csms.url), profile_dir=plan.profile_dir) as station:
            station.wait_http()
            csms.command("wait_ready", wait=90, cp=CP_ID, quiet=1.0, timeout=60)
            time.sleep(QUIET_SECONDS)
            idle_kib, _ = rss_kib(station.pid)
            for action in ("GetConfiguration", "TriggerHeartbeat"):
                result = csms.command("fire", wait=900, cp=CP_ID, action=action, count=messages // 2)
                errors += int(result["errors"])
            time.sleep(QUIET_SECONDS)
            after_kib, peak_kib = rss_kib(station.pid)
    idle.samples.append(idle_kib / 1024)
    after.samples.append(after_kib / 1024)
    growth.samples.append((after_kib - idle_kib) / 1024)
    after.notes["peak (VmHWM)"] = f"{peak_kib / 1024:.1f} MB"
    bench.checks["no CALLERROR or invalid frame"] = errors == 0
    return bench

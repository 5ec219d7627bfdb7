"""Message-trace pages of the dashboard over a trace of ``plan.trace_rows`` rows.

``bench.prefill trace`` fills a data dir with the trace of a busy station (request/answer pairs,
one frame a second) and a logged-in dashboard user; ``runstation`` serves it (no central system
configured, so nothing else runs). Each page is requested ``plan.trace_requests`` times, after
two untimed requests, over one keep-alive HTTP connection on loopback; the time is from sending
the request to the last byte of the answer: the server's whole work (daphne, Django, the queries,
the template) plus a loopback hop. Every answer must be 200 with the expected rows.

Pages: the first page (the 50 newest frames), a page filtered by action (MeterValues), one
filtered by direction and a rare action (RemoteStartTransaction from the central system), and
one filtered by text (an idTag present in 2 frames near the oldest end, so the filter reads the
whole table: the worst case of the text filter, which has no index).
"""

from __future__ import annotations

import http.client
import statistics
import time

from bench.plan import Plan
from bench.prefill import RARE_TAG
from bench.procs import BenchError, StationProcess, fresh_data_dir, run_json, station_config, station_env
from bench.report import Benchmark, Row, Target

__all__ = ["PAGES", "run"]

#: row name -> query string of the page (the keys of ``bench.prefill``'s "matching")
PAGES: dict[str, str] = {
    "first page": "",
    "filtered: action MeterValues": "action=MeterValues",
    "filtered: direction in, action RemoteStartTransaction": "direction=in&action=RemoteStartTransaction",
    "filtered: text (rare idTag, full scan)": f"text={RARE_TAG}",
}
PAGE_SIZE = 50


def _rows_on(body: bytes) -> int:
    return body.count(b'<tr id="f')


def run(plan: Plan) -> Benchmark:
    bench = Benchmark(
        key="trace_pages",
        title=f"Message-trace pages with {plan.trace_rows:,} rows (server time)",
        method=__doc__ or "",
        rows=[Row(name=name, unit="ms", better="lower", targets=(Target(limit=100),)) for name in PAGES],
    )
    data_dir = fresh_data_dir(plan.work, "trace-data")
    login = run_json(
        ["-m", "bench.prefill", "trace", f"--rows={plan.trace_rows}"], timeout=600, env=station_env(data_dir)
    )
    cookie = f"{login['cookie']}={login['session']}"
    all_ok = True
    with StationProcess(data_dir, station_config(None), profile_dir=plan.profile_dir) as station:
        station.wait_api()
        connection = http.client.HTTPConnection("127.0.0.1", station.port, timeout=60)
        try:
            for name, query in PAGES.items():
                path = f"/trace/?{query}" if query else "/trace/"
                expected = min(PAGE_SIZE, login["matching"].get(query, plan.trace_rows))
                times = []
                for attempt in range(2 + plan.trace_requests):
                    started = time.perf_counter()
                    connection.request("GET", path, headers={"Cookie": cookie})
                    response = connection.getresponse()
                    body = response.read()
                    elapsed = (time.perf_counter() - started) * 1000
                    if response.status != 200:
                        raise BenchError(f"GET {path}: HTTP {response.status}: {body[:500]!r}")
                    rows = _rows_on(body)
                    all_ok = all_ok and rows == expected
                    if attempt >= 2:
                        times.append(elapsed)
                bench.row(name).samples.extend(times)
                bench.row(name).notes["rows on the page"] = rows
                bench.row(name).notes["p90"] = (
                    f"{statistics.quantiles(times, n=10)[-1]:.1f} ms" if len(times) > 1 else "-"
                )
        finally:
            connection.close()
    bench.checks["every page answered 200 with the expected rows"] = all_ok
    return bench

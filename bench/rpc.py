"""RPC round trips/s: our ``ocpp_core`` driver against the ``ocpp`` package and raw ``websockets``.

Method (``peers.md`` §1.5): one websocket connection on 127.0.0.1, one Heartbeat CALL at a time,
the central system in its own process (``bench/csms.py``, the same one for every contender,
validating both directions), each charge point in its own process (``bench/chargepoints.py``).
The contenders take turns, round after round (A B C A B C ...), so a slow phase of the machine
hits all of them; each turn measures ``plan.seconds`` after ``plan.warmup`` not counted. The
median of a contender's turns is its number. Each client also reports the CPU time its process
used per round trip (all threads): a number that depends much less on what else the machine runs.
"""

from __future__ import annotations

import statistics

from bench.plan import Plan
from bench.procs import CsmsProcess, run_json
from bench.report import Benchmark, Row, Target

__all__ = ["CONTENDERS", "run"]

#: kind -> row name
CONTENDERS = {"ours": "ocpp_core driver", "ocpp": "ocpp package", "raw": "raw websockets"}


def run(plan: Plan) -> Benchmark:
    bench = Benchmark(
        key="rpc_round_trips",
        title="RPC round trips/s (Heartbeat loop, validation on both sides)",
        method=__doc__ or "",
        compare=True,
        rows=[
            Row(
                name=CONTENDERS["ours"],
                unit="rt/s",
                better="higher",
                targets=(
                    Target(versus=CONTENDERS["ocpp"], ratio=2.0),
                    Target(versus=CONTENDERS["raw"], ratio=0.6),
                ),
            ),
            Row(name=CONTENDERS["ocpp"], unit="rt/s", better="higher"),
            Row(name=CONTENDERS["raw"], unit="rt/s", better="higher"),
        ],
    )
    errors = 0
    cpu: dict[str, list[float]] = {name: [] for name in CONTENDERS.values()}
    with CsmsProcess() as csms:
        for round_no in range(plan.rounds):
            for kind, name in CONTENDERS.items():
                result = run_json(
                    [
                        "-m",
                        "bench.chargepoints",
                        "rpc",
                        f"--kind={kind}",
                        f"--url={csms.url}",
                        f"--cp=RPC-{kind}-{round_no}",
                        f"--seconds={plan.seconds}",
                        f"--warmup={plan.warmup}",
                    ],
                    timeout=60 + plan.seconds,
                )
                errors += int(result["errors"])
                bench.row(name).samples.append(result["count"] / result["elapsed"])
                cpu[name].append(result["cpu"] * 1000 / max(result["count"], 1))
    for name, values in cpu.items():
        bench.row(name).notes["client CPU per round trip"] = f"{statistics.median(values):.3f} ms"
    bench.checks["no CALLERROR or failed round trip"] = errors == 0
    return bench

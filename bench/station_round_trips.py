"""Full-station round trips/s: ``runstation`` against a charge point on the ``ocpp`` package.

The station sends its own CALLs on its own schedule (a Heartbeat a minute), so the round trips
are driven from the central system's side: the bench central system fires CALLs at the charge
point one at a time and counts the answers. Two kinds of round trip, each its own benchmark:

* **GetConfiguration(HeartbeatInterval)** -- a CALL from the central system, validated, handled
  and answered by the station. In ``runstation`` that is the whole inbound path: websocket,
  the engine's parse and validation, the configuration registry, the answer's validation, and
  the message trace (both frames stored in SQLite) before the next CALL can come.
* **TriggerMessage(Heartbeat)** -- the TriggerMessage.conf, then the Heartbeat CALL the charge
  point sends and the central system's answer: both directions, with the station's outbound
  queue and the trace of four frames, per round.

The peer is the ``ocpp`` package's ``ChargePoint`` with its defaults answering the same CALLs
(``bench.chargepoints responder``): protocol handling and validation only, no persistence, no
trace. ``runstation`` runs as shipped: validation, SQLite persistence and the trace on. Both
charge points are connected to the same central system process at once and take turns, round
after round; each turn measures ``plan.seconds`` after ``plan.warmup``. The median of the turns
is the number. The CPU time each charge point's process used per round trip (all threads, from
``/proc``; resolution 10 ms per turn) is shown too: it depends much less on the machine's load.
"""

from __future__ import annotations

import statistics

from bench.plan import Plan
from bench.procs import CP_ID, CsmsProcess, StationProcess, cpu_seconds, fresh_data_dir, spawned, station_config
from bench.report import Benchmark, Row, Target

__all__ = ["ACTIONS", "run"]

STATION = "runstation"
PEER = "ocpp package"
PEER_ID = "CP-OCPP-PKG"
#: CSMS command action -> (benchmark key, title)
ACTIONS = {
    "GetConfiguration": ("station_round_trips", "Full-station round trips/s: GetConfiguration fired by the CSMS"),
    "TriggerHeartbeat": (
        "station_trigger_round_trips",
        "Full-station round trips/s: TriggerMessage(Heartbeat) + the Heartbeat it causes",
    ),
}


def run(plan: Plan) -> list[Benchmark]:
    benches = {
        action: Benchmark(
            key=key,
            title=title,
            method=__doc__ or "",
            compare=True,
            rows=[
                Row(name=STATION, unit="rt/s", better="higher", targets=(Target(versus=PEER, ratio=1.5),)),
                Row(name=PEER, unit="rt/s", better="higher"),
            ],
        )
        for action, (key, title) in ACTIONS.items()
    }
    errors = 0
    cpu: dict[tuple[str, str], list[float]] = {(a, n): [] for a in benches for n in (STATION, PEER)}
    with CsmsProcess() as csms:
        data_dir = fresh_data_dir(plan.work, "station-rt-data")
        with StationProcess(data_dir, station_config(csms.url), profile_dir=plan.profile_dir) as station:
            station.wait_http()
            csms.command("wait_ready", wait=90, cp=CP_ID, quiet=1.0, timeout=60)
            peer_args = ["-m", "bench.chargepoints", "responder", f"--url={csms.url}", f"--cp={PEER_ID}"]
            with spawned(peer_args) as peer:
                csms.command("wait_ready", cp=PEER_ID, quiet=0.3, timeout=30)
                for _ in range(plan.rounds):
                    for action, bench in benches.items():
                        for name, cp_id, pid in ((STATION, CP_ID, station.pid), (PEER, PEER_ID, peer.pid)):
                            used = cpu_seconds(pid)
                            result = csms.command(
                                "fire",
                                wait=120 + plan.seconds,
                                cp=cp_id,
                                action=action,
                                seconds=plan.seconds,
                                warmup=plan.warmup,
                            )
                            errors += int(result["errors"])
                            used = cpu_seconds(pid) - used
                            bench.row(name).samples.append(result["count"] / result["elapsed"])
                            round_trips = result["count"] + result["warmup_count"]
                            cpu[action, name].append(used * 1000 / max(round_trips, 1))
    for (action, name), values in cpu.items():
        benches[action].row(name).notes["charge point CPU per round trip"] = f"{statistics.median(values):.3f} ms"
    for bench in benches.values():
        bench.checks["no CALLERROR or invalid frame"] = errors == 0
    return list(benches.values())

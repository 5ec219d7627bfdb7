"""A harness that plays the station's hardware and, on request, a cooperative central system.

:class:`StationHarness` extends :class:`tests.ocpp_core.helpers.Harness`:

* **hardware** -- every ``LockConnector`` is answered ``True`` and every ``Unlock`` ``"Unlocked"``
  as soon as it comes out of the engine (``lock_ok`` / ``unlock_result`` change that per
  connector; ``hold_hardware`` keeps them in ``held`` until :meth:`release`). A simple meter
  per connector has an energy register that rises while the engine offers energy (between
  ``ResumeCharging`` and ``PauseCharging``) and the EV takes it; a ``MeterSample`` is fed before
  every clock step when ``metering`` is on.
* **clock** -- :meth:`advance` walks through every deadline of the engine on the way, so timers
  fire at their time, and fails if a deadline does not move (the driver would spin); :meth:`run`
  does the same while answering every CALL;
* **central system** -- :meth:`play` answers every CALL of ours the way a cooperative central
  system would (``tag_status`` and ``tag_parent`` say what to answer for an idTag) and returns a
  one-line description of every frame on the wire, in order (:func:`describe`).

Each frame the engine writes is checked against our schemas (requests, and replies to the central
system's CALLs) and collected in ``wire``. :meth:`restart` is a power cycle: a new station built
from the stored snapshot. :func:`station` builds a booted two-connector station.
"""

from __future__ import annotations

import itertools
import typing
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from ocpp_core import validation
from ocpp_core.chargepoint import ChargePoint
from ocpp_core.commands import HardwareCommand, LockConnector, PauseCharging, ResumeCharging, Unlock
from ocpp_core.config import ConfigRegistry
from ocpp_core.inputs import (
    EvResumed,
    EvSuspended,
    FaultCleared,
    FaultRaised,
    HardwareInput,
    MeterReading,
    MeterSample,
    PlugIn,
    TokenPresented,
    Unplug,
)
from ocpp_core.storage import Snapshot
from tests.ocpp_core.helpers import BASE_CONFIG, Harness, config

__all__ = ["StationHarness", "describe", "station"]

_HARDWARE_COMMANDS = typing.get_args(HardwareCommand)


def describe(frame: list[Any]) -> str:
    """A one-line description of a frame, for asserting the order of what went on the wire."""
    if frame[0] == 3:
        payload = frame[2]
        return f"conf {payload['status']}" if "status" in payload else f"conf {sorted(payload)}"
    if frame[0] == 4:
        return f"error {frame[2]}"
    action: str = frame[2]
    p = frame[3]
    if action == "StatusNotification":
        text = f"SN {p['connectorId']} {p['status']}"
        return text if p["errorCode"] == "NoError" else f"{text} {p['errorCode']}"
    if action == "StartTransaction":
        return f"StartTransaction {p['connectorId']} {p['idTag']}"
    if action == "StopTransaction":
        return f"StopTransaction {p['transactionId']} {p.get('reason', 'Local')}"
    if action == "Authorize":
        return f"Authorize {p['idTag']}"
    if action == "MeterValues":
        contexts = sorted({s.get("context", "Sample.Periodic") for v in p["meterValue"] for s in v["sampledValue"]})
        return f"MeterValues {p['connectorId']} {p.get('transactionId', '-')} {','.join(contexts)}"
    return action


class StationHarness(Harness):
    """A :class:`Harness` whose hardware answers by itself; see the module docstring."""

    def __init__(
        self,
        data: dict[str, Any] | None = None,
        snapshot: Snapshot | None = None,
        *,
        generation: str = "a",
        now: datetime | None = None,
    ) -> None:
        super().__init__(data, snapshot)
        self.data = data or BASE_CONFIG
        self.generation = generation
        # Unique ids (and so transaction keys) differ per generation, as uuids differ per run.
        counter = itertools.count(1)
        self.cp = ChargePoint(
            ConfigRegistry.from_json(self.data, (snapshot or Snapshot()).config_overlay),
            snapshot,
            id_factory=lambda: f"{generation}{next(counter)}",
        )
        if now is not None:
            self.now = now
        count = self.cp.config.get_int("NumberOfConnectors") or 0
        self.connector_ids = range(1, count + 1)
        self.lock_ok: dict[int, bool] = {}
        self.unlock_result: dict[int, str] = {}
        self.hold_hardware = False
        self.held: list[Any] = []
        self.commands: list[Any] = []
        self.locked: dict[int, bool] = dict.fromkeys(self.connector_ids, False)
        self.plugged: dict[int, bool] = dict.fromkeys(self.connector_ids, False)
        self.ev_suspended: dict[int, bool] = dict.fromkeys(self.connector_ids, False)
        self.offering: dict[int, bool] = dict.fromkeys(self.connector_ids, False)
        self.energy: dict[int, Decimal] = {n: Decimal(1000 * n) for n in self.connector_ids}
        self.rate_wh_per_s = Decimal(2)
        self.metering = True
        self.wire: list[list[Any]] = []
        self.tag_status: dict[str, str] = {}
        self.tag_parent: dict[str, str] = {}
        self.transaction_ids: Iterator[int] = itertools.count(1)
        self._seen_events = 0
        self._cs_calls: dict[str, str] = {}

    # -- outputs -------------------------------------------------------------------------------
    def flush(self) -> list[list[Any]]:
        """Drain the engine, answering hardware commands until none is left; check every frame."""
        frames: list[list[Any]] = []
        for _ in range(100):
            frames += super().flush()
            new, self._seen_events = self.all_events[self._seen_events :], len(self.all_events)
            results = [r for r in (self._hardware(e) for e in new if isinstance(e, _HARDWARE_COMMANDS)) if r]
            if not results:
                break
            for ref, result in results:
                self.cp.hardware_result(ref, result, self.now)
        else:  # pragma: no cover - only when the engine loops
            raise AssertionError("hardware commands keep coming")
        for frame in frames:
            self._check(frame)
        self.wire += frames
        return frames

    def _check(self, frame: list[Any]) -> None:
        if frame[0] == 2:
            validation.validate(frame[2], "request", frame[3])
        elif frame[0] == 3 and frame[1] in self._cs_calls:
            validation.validate(self._cs_calls.pop(frame[1]), "response", frame[2])

    def _hardware(self, command: Any) -> tuple[str, Any] | None:
        self.commands.append(command)
        if isinstance(command, ResumeCharging):
            self.offering[command.connector_id] = True
        elif isinstance(command, PauseCharging):
            self.offering[command.connector_id] = False
        elif not isinstance(command, LockConnector | Unlock):
            return None
        elif self.hold_hardware:
            self.held.append(command)
        elif isinstance(command, LockConnector):
            return command.ref, self.lock(command)
        else:
            return command.ref, self.unlock(command)
        return None

    def lock(self, command: LockConnector) -> bool:
        ok = self.lock_ok.get(command.connector_id, True)
        self.locked[command.connector_id] = ok
        return ok

    def unlock(self, command: Unlock) -> str:
        result = self.unlock_result.get(command.connector_id, "Unlocked")
        if result == "Unlocked":
            self.locked[command.connector_id] = False
        return result

    def release(self) -> list[list[Any]]:
        """Answer the held hardware commands (``hold_hardware``), oldest first."""
        held, self.held = self.held, []
        for command in held:
            result = self.lock(command) if isinstance(command, LockConnector) else self.unlock(command)
            self.cp.hardware_result(command.ref, result, self.now)
        return self.flush()

    def commands_of(self, kind: type) -> list[Any]:
        return [c for c in self.commands if isinstance(c, kind)]

    # -- hardware inputs -----------------------------------------------------------------------
    def hw(self, event: HardwareInput) -> list[list[Any]]:
        self.cp.handle_input(event, self.now)
        return self.flush()

    def sample(self, n: int) -> list[list[Any]]:
        """Feed the meter of connector ``n`` as it reads now."""
        readings = (
            MeterReading(measurand="Energy.Active.Import.Register", value=self.energy[n], unit="Wh"),
            MeterReading(measurand="Power.Active.Import", value=Decimal(7200 if self._flowing(n) else 0), unit="W"),
        )
        return self.hw(MeterSample(connector_id=n, timestamp=self.now, readings=readings))

    def _flowing(self, n: int) -> bool:
        return self.offering[n] and self.plugged[n] and not self.ev_suspended[n]

    def plug(self, n: int) -> list[list[Any]]:
        self.plugged[n] = True
        frames = self.sample(n) if self.metering else []
        return frames + self.hw(PlugIn(connector_id=n))

    def unplug(self, n: int) -> list[list[Any]]:
        self.plugged[n] = False
        return self.hw(Unplug(connector_id=n))

    def token(self, n: int, tag: str) -> list[list[Any]]:
        return self.hw(TokenPresented(connector_id=n, id_tag=tag))

    def ev_suspend(self, n: int) -> list[list[Any]]:
        self.ev_suspended[n] = True
        return self.hw(EvSuspended(connector_id=n))

    def ev_resume(self, n: int) -> list[list[Any]]:
        self.ev_suspended[n] = False
        return self.hw(EvResumed(connector_id=n))

    def fault(self, n: int, code: str = "GroundFailure", fault_id: str = "f1", *, is_fault: bool = True):
        return self.hw(FaultRaised(connector_id=n, error_code=code, fault_id=fault_id, is_fault=is_fault))

    def clear_fault(self, n: int, fault_id: str | None = "f1") -> list[list[Any]]:
        return self.hw(FaultCleared(connector_id=n, fault_id=fault_id))

    # -- clock ---------------------------------------------------------------------------------
    def advance(self, seconds: float) -> list[list[Any]]:
        """Move the clock ``seconds`` on, ticking at every deadline on the way (meter fed first)."""
        return self._walk(seconds, lambda frames: frames)

    def run(self, seconds: float) -> list[str]:
        """:meth:`advance`, answering every CALL on the way like :meth:`play`; the descriptions."""
        seen: list[str] = []

        def answer(frames: list[list[Any]]) -> list[list[Any]]:
            seen.extend(self.play(frames))
            return []

        self._walk(seconds, answer)
        return seen

    def _walk(self, seconds: float, take: Callable[[list[list[Any]]], list[list[Any]]]) -> list[list[Any]]:
        target = self.now + timedelta(seconds=seconds)
        frames: list[list[Any]] = []
        for _ in range(10_000):
            due = self.cp.next_deadline()
            if due is None or due > target:
                break
            frames += take(self._step_to(max(due, self.now)))
            again = self.cp.next_deadline()
            # The driver sleeps until next_deadline(): one that does not move would make it spin.
            assert again is None or again > self.now, f"deadline {again} did not move after a tick at {self.now}"
        else:  # pragma: no cover - only when the engine loops
            raise AssertionError("too many deadlines")
        return frames + take(self._step_to(target))

    def _step_to(self, when: datetime) -> list[list[Any]]:
        elapsed = Decimal(str((when - self.now).total_seconds()))
        frames: list[list[Any]] = []
        for n in self.connector_ids:
            if self._flowing(n):
                self.energy[n] += self.rate_wh_per_s * elapsed
        self.now = when
        if self.metering:
            for n in self.connector_ids:
                frames += self.sample(n)
        self.cp.tick(self.now)
        return frames + self.flush()

    # -- the central system --------------------------------------------------------------------
    def call(self, action: str, payload: dict[str, Any], unique_id: str = "cs-1") -> list[list[Any]]:
        self._cs_calls[unique_id] = action
        return super().call(action, payload, unique_id)

    def id_tag_info(self, tag: str) -> dict[str, Any]:
        info: dict[str, Any] = {"status": self.tag_status.get(tag, "Accepted")}
        if tag in self.tag_parent:
            info["parentIdTag"] = self.tag_parent[tag]
        return info

    def response_for(self, frame: list[Any]) -> dict[str, Any]:
        """What a cooperative central system answers to our CALL ``frame``."""
        action, payload = frame[2], frame[3]
        if action == "StatusNotification":
            self.statuses.append(payload)
            return {}
        if action == "Authorize":
            return {"idTagInfo": self.id_tag_info(payload["idTag"])}
        if action == "StartTransaction":
            return {"transactionId": next(self.transaction_ids), "idTagInfo": self.id_tag_info(payload["idTag"])}
        if action == "StopTransaction" and "idTag" in payload:
            return {"idTagInfo": self.id_tag_info(payload["idTag"])}
        if action == "Heartbeat":
            return {"currentTime": "2026-03-01T12:00:00Z"}
        if action == "BootNotification":
            return {"currentTime": "2026-03-01T12:00:00Z", "interval": 60, "status": "Accepted"}
        return {}

    def play(self, frames: list[list[Any]]) -> list[str]:
        """Answer every CALL of ours (see :meth:`response_for`) until the engine is quiet.

        Returns the description of every frame, ours and the answers' follow-ups, in wire order.
        """
        seen: list[str] = []
        queue = list(frames)
        while queue:
            frame = queue.pop(0)
            seen.append(describe(frame))
            if frame[0] == 2:
                queue += self.answer(frame, self.response_for(frame))
        return seen

    def answer_start(self, frame: list[Any], status: str = "Accepted", transaction_id: int = 1, **info: Any):
        assert frame[2] == "StartTransaction", frame
        return self.answer(frame, {"transactionId": transaction_id, "idTagInfo": {"status": status, **info}})

    def answer_authorize(self, frame: list[Any], status: str = "Accepted", **info: Any) -> list[list[Any]]:
        assert frame[2] == "Authorize", frame
        return self.answer(frame, {"idTagInfo": {"status": status, **info}})

    def answer_stop(self, frame: list[Any], status: str | None = None) -> list[list[Any]]:
        assert frame[2] == "StopTransaction", frame
        return self.answer(frame, {"idTagInfo": {"status": status}} if status else {})

    # -- whole scenarios -----------------------------------------------------------------------
    def charging(self, n: int = 1, tag: str = "TAG1") -> int:
        """Plug in and present ``tag`` on connector ``n`` with everything accepted; the transactionId."""
        self.play(self.plug(n))
        seen = self.play(self.token(n, tag))
        assert f"StartTransaction {n} {tag}" in seen, seen
        tx = self.cp.sessions.transaction_on(n)
        assert tx is not None and tx.transaction_id is not None
        return tx.transaction_id

    def restart(self, *, data: dict[str, Any] | None = None) -> StationHarness:
        """A new station built from what this one stored (a power cycle), not yet connected."""
        generation = chr(ord(self.generation) + 1)
        return StationHarness(data or self.data, self.store.snapshot(), generation=generation, now=self.now)


def station(*, booted: bool = True, sections: dict[str, dict[str, Any]] | None = None, **core: Any) -> StationHarness:
    """A two-connector station with the Core keys ``core`` (MeterValueSampleInterval 0 unless given),
    booted (BootNotification Accepted, status burst answered) unless ``booted`` is False."""
    h = StationHarness(config(Core={"MeterValueSampleInterval": 0, **core}, **(sections or {})))
    if booted:
        h.play(h.boot(interval=86400))  # no heartbeats in the way
    return h

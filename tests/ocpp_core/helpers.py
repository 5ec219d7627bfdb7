"""A harness for the sans-I/O engine: feed frames in, read frames, storage ops and events out."""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from ocpp_core.chargepoint import ChargePoint
from ocpp_core.config import ConfigRegistry
from ocpp_core.storage import MemoryStore, Snapshot

T0 = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)

BASE_CONFIG: dict[str, Any] = {
    "Internal": {
        "ChargePointId": "CP1",
        "CentralSystemURI": "ws://127.0.0.1:9000/",
        "ChargeBoxSerialNumber": "SN-0001",
        "ChargePointModel": "Model",
        "ChargePointVendor": "Vendor",
        "FirmwareVersion": "1.0.0",
    },
    "Core": {
        "HeartbeatInterval": 60,
        "MeterValueSampleInterval": 10,
        "NumberOfConnectors": 2,
        "TransactionMessageAttempts": 3,
        "TransactionMessageRetryInterval": 10,
        "SupportedFeatureProfiles": "Core,FirmwareManagement,LocalAuthListManagement,Reservation,SmartCharging,RemoteTrigger",
    },
    "Security": {"SecurityProfile": 0},
}


def config(**sections: dict[str, Any]) -> dict[str, Any]:
    """BASE_CONFIG with the given sections' keys merged in."""
    data = copy.deepcopy(BASE_CONFIG)
    for section, keys in sections.items():
        data.setdefault(section, {}).update(keys)
    return data


class Harness:
    """Drives one ChargePoint with a fake clock; frames come out as parsed JSON lists."""

    def __init__(self, data: dict[str, Any] | None = None, snapshot: Snapshot | None = None) -> None:
        self.store = MemoryStore(snapshot)
        counter = itertools.count(1)
        self.cp = ChargePoint(
            ConfigRegistry.from_json(data or BASE_CONFIG, (snapshot or Snapshot()).config_overlay),
            snapshot,
            id_factory=lambda: f"m{next(counter)}",
        )
        self.now = T0
        self.all_events: list[Any] = []
        self.statuses: list[dict[str, Any]] = []

    # -- outputs -------------------------------------------------------------------------------
    def flush(self) -> list[list[Any]]:
        ops = self.cp.storage_ops()
        if ops:
            asyncio.run(self.store.apply(ops))
        self.all_events.extend(self.cp.events())
        return [json.loads(text) for text in self.cp.data_to_send()]

    def events_of(self, kind: type) -> list[Any]:
        self.flush_events()
        return [e for e in self.all_events if isinstance(e, kind)]

    def flush_events(self) -> None:
        self.all_events.extend(self.cp.events())

    # -- inputs --------------------------------------------------------------------------------
    def connect(self) -> list[list[Any]]:
        self.cp.connection_made(self.now)
        return self.flush()

    def disconnect(self) -> list[list[Any]]:
        self.cp.connection_lost(self.now)
        return self.flush()

    def advance(self, seconds: float) -> list[list[Any]]:
        self.now += timedelta(seconds=seconds)
        self.cp.tick(self.now)
        return self.flush()

    def receive(self, frame: list[Any] | str) -> list[list[Any]]:
        self.cp.receive_text(frame if isinstance(frame, str) else json.dumps(frame), self.now)
        return self.flush()

    def answer(self, call: list[Any], payload: dict[str, Any]) -> list[list[Any]]:
        assert call[0] == 2, call
        return self.receive([3, call[1], payload])

    def call(self, action: str, payload: dict[str, Any], unique_id: str = "cs-1") -> list[list[Any]]:
        return self.receive([2, unique_id, action, payload])

    def boot(self, status: str = "Accepted", interval: int = 60) -> list[list[Any]]:
        """Connect and answer the BootNotification (and the StatusNotifications that follow an
        acceptance); returns what came after them."""
        (boot,) = self.connect()
        assert boot[2] == "BootNotification"
        return self.settle(
            self.answer(boot, {"status": status, "currentTime": "2026-03-01T12:00:00Z", "interval": interval})
        )

    def settle(self, frames: list[list[Any]]) -> list[list[Any]]:
        """Answer StatusNotification CALLs (recording them in ``statuses``) until something else comes."""
        while frames and frames[0][0] == 2 and frames[0][2] == "StatusNotification":
            call, rest = frames[0], frames[1:]
            self.statuses.append(call[3])
            frames = rest + self.answer(call, {})
        return frames

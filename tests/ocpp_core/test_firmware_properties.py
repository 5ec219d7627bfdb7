"""Hypothesis over the firmware and diagnostics jobs: any sequence of requests, transfer and
installation outcomes, clock steps, connection losses, transactions and power cycles keeps the
engine consistent (every frame valid, deadlines moving -- the harness checks both -- and the
invariants below)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from hypothesis import event, given, settings
from hypothesis import strategies as st

from ocpp_core.commands import InstallFirmware, ResetStation
from ocpp_core.events import DownloadFirmware, UploadDiagnostics
from ocpp_core.firmware import Phase
from ocpp_core.timeutil import format_datetime
from tests.ocpp_core.station_harness import StationHarness, station

OPS = st.sampled_from(
    [
        "update now",
        "update now",
        "update later",
        "diagnostics",
        "download ok",
        "download ok",
        "download fails",
        "install ok",
        "install ok",
        "install fails",
        "upload ok",
        "upload fails",
        "advance",
        "disconnect",
        "connect",
        "charge",
        "stop",
        "trigger",
        "power cycle",
    ]
)

_SETTLED = (None, Phase.SCHEDULED, Phase.DOWNLOADING)


class Run:
    def __init__(self) -> None:
        self.h: StationHarness = station()
        self.online = True
        self.installs_seen = 0

    def call(self, action: str, payload: dict[str, Any]) -> None:
        if self.online:
            self.h.play(self.h.call(action, payload, f"cs-{len(self.h.wire)}"))

    def last(self, kind: type) -> Any:
        found = self.h.events_of(kind)
        return found[-1] if found else None

    def step(self, op: str) -> None:
        h, fw = self.h, self.h.cp.firmware
        job = fw.firmware
        if op.startswith("update"):
            later = timedelta(seconds=45 if op == "update later" else 0)
            retrieve = format_datetime(h.now + later)
            self.call("UpdateFirmware", {"location": "http://f.example/fw.bin", "retrieveDate": retrieve, "retries": 1})
        elif op == "diagnostics":
            self.call("GetDiagnostics", {"location": "ftp://f.example/up/", "retries": 1, "retryInterval": 5})
        elif op.startswith("download") and job is not None and job.phase is Phase.DOWNLOADING and job.ref:
            fw.download_finished(job.ref, h.now, path="/fw.bin", error=None if op == "download ok" else "refused")
        elif op.startswith("install") and job is not None and job.phase is Phase.INSTALLING and job.ref:
            fw.install_finished(job.ref, h.now, version="2.0", error=None if op == "install ok" else "bad image")
        elif op.startswith("upload") and fw.diagnostics is not None and fw.diagnostics.ref:
            fw.upload_finished(fw.diagnostics.ref, h.now, error=None if op == "upload ok" else "refused")
        elif op == "advance":
            h.run(20) if self.online else h.advance(20)
            return
        elif op == "disconnect" and self.online:
            h.disconnect()
            self.online = False
        elif op == "connect" and not self.online:
            self.online = True
            h.play(h.connect())
        elif op == "charge" and self.online and h.cp.sessions.startable(1) and not h.plugged[1]:
            h.play(h.plug(1))
            h.play(h.token(1, "TAG1"))
        elif op == "stop" and h.plugged[1]:
            h.play(h.unplug(1))
        elif op == "trigger":
            self.call("TriggerMessage", {"requestedMessage": "FirmwareStatusNotification"})
        elif op == "power cycle" or h.events_of(ResetStation):
            before = job
            self.h = h.restart()
            self.h.play(self.h.boot(interval=86400))
            self.online = True
            after = self.h.cp.firmware.firmware
            if before is not None and before.phase is Phase.REBOOTING:
                assert after is None or after.phase is Phase.INSTALLED
            else:
                assert after == before
            return
        h.play(h.flush())
        h.run(0) if self.online else h.advance(0)  # what is due now runs at once, as under the driver

    def check(self) -> None:
        h = self.h
        job = h.cp.firmware.firmware
        event(f"phase {job.phase.value if job else None}")
        if job is None or job.phase in _SETTLED:
            operative = {n: h.cp.sessions.availability.operative(n) for n in (1, 2)}
            pending = {n: h.cp.sessions.sessions[n].scheduled for n in (1, 2)}
            assert operative == {1: True, 2: True} and pending == {1: None, 2: None}, (job, operative, pending)
        installs = h.commands_of(InstallFirmware)
        if len(installs) > self.installs_seen:
            self.installs_seen = len(installs)
            assert h.cp.sessions.transaction_on(1) is None, "an installation began during a transaction"
        for download in h.events_of(DownloadFirmware):
            assert download.location == "http://f.example/fw.bin"
        for upload in h.events_of(UploadDiagnostics):
            assert upload.file_name.startswith("diagnostics-CP1-")
        view = h.cp.firmware.status_view()
        assert (view["firmware"]["job"] is None) == (job is None)


@settings(max_examples=200, deadline=None)
@given(ops=st.lists(OPS, max_size=40))
def test_it_stays_consistent_whatever_happens(ops):
    run = Run()
    for op in ops:
        run.step(op)
        run.check()

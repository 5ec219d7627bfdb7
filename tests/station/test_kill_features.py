"""SIGKILL right after an acknowledgement: the durable state of the features survives a restart.

``tests/station/test_kill.py`` does this for transactions; here it is charging profiles,
reservations and firmware updates (DESIGN.md: nothing acknowledged is ever lost). Each case waits
for the central system to receive the station's CALLRESULT, SIGKILLs the real ``runstation``
process at once -- the station journals a step's changes before it writes that step's frames, so
the answer on the wire is the promise being tested -- restarts it on the same data dir and checks
on the wire that the state is still there (or still gone).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from ocpp.v16 import call

from tests import csms as _csms
from tests.csms import TIMEOUT, Frame, TestCentralSystem
from tests.station import octt
from tests.station.octt import (
    CP_ID,
    OFFLINE_RECONNECT,
    boot_accepted,
    calls,
    go_offline,
    last_seq,
    running_station,
    status_of,
    status_seen,
    wait_status,
)
from tests.station.test_octt_reservation import reserve_now
from tests.station.test_octt_smart_charging import (
    charging_profile,
    composite,
    periods,
    set_profile,
    whole_second,
    wire_time,
)

csms = _csms.csms
migrated_template = octt.migrated_template

pytestmark = pytest.mark.xdist_group("station-processes")

#: The demo configuration's limit when no profile applies (the hardware maximum).
NO_LIMIT = Decimal(48)


def station_max(pid: int, amps: int) -> dict[str, object]:
    """A ChargePointMaxProfile of ``amps`` that began an hour ago and lasts a day."""
    return charging_profile(
        pid,
        "ChargePointMaxProfile",
        [(0, amps)],
        kind="Absolute",
        start=whole_second(-timedelta(hours=1)),
        duration=86400,
    )


async def status_burst(csms: TestCentralSystem) -> tuple[Frame, list[tuple[int, str]]]:
    """The next BootNotification and the StatusNotifications of connectors 0..2 that follow it.

    Counted from the BootNotification, not from a mark taken after the kill: what the killed
    station wrote just before (the status after a .conf) may still be read after that mark.
    """
    boot = await boot_accepted(csms)
    return boot, [status_of(f) for f in calls(csms, "StatusNotification", after=boot.seq)]


# ----------------------------------------------------------------------------- smart charging


async def test_it_keeps_charging_profiles_acknowledged_just_before_a_kill(
    tmp_path, csms: TestCentralSystem, migrated_template
):
    async with running_station(tmp_path, csms, migrated_template) as station:
        await boot_accepted(csms)
        assert await set_profile(csms, 0, station_max(60, 16)) == "Accepted"
        assert await set_profile(csms, 1, charging_profile(61, "TxDefaultProfile", [(0, 10)])) == "Accepted"
        station.kill()

    async with running_station(tmp_path, csms, migrated_template, data_dir=station.data_dir, name="restarted"):
        await boot_accepted(csms)
        answer = await composite(csms, 1, 600)
        assert answer["status"] == "Accepted" and answer["connectorId"] == 1
        assert answer["chargingSchedule"]["chargingRateUnit"] == "A"
        assert periods(answer) == [(0, Decimal(10))]  # the TxDefaultProfile, under the station's 16 A
        assert periods(await composite(csms, 2, 600)) == [(0, Decimal(16))]  # only the ChargePointMaxProfile


async def test_it_keeps_a_profile_cleared_just_before_a_kill_cleared(
    tmp_path, csms: TestCentralSystem, migrated_template
):
    async with running_station(tmp_path, csms, migrated_template) as station:
        await boot_accepted(csms)
        assert await set_profile(csms, 0, station_max(62, 16)) == "Accepted"
        assert await set_profile(csms, 1, charging_profile(63, "TxDefaultProfile", [(0, 10)])) == "Accepted"
        assert periods(await composite(csms, 1, 600)) == [(0, Decimal(10))]
        result = await csms.call(CP_ID, call.ClearChargingProfile(id=63))
        assert result.status == "Accepted"
        station.kill()

    async with running_station(tmp_path, csms, migrated_template, data_dir=station.data_dir, name="restarted"):
        await boot_accepted(csms)
        assert periods(await composite(csms, 1, 600)) == [(0, Decimal(16))]  # the TxDefaultProfile is gone
        result = await csms.call(CP_ID, call.ClearChargingProfile(id=63))
        assert result.status == "Unknown"
        result = await csms.call(
            CP_ID, call.ClearChargingProfile(connector_id=0, charging_profile_purpose="ChargePointMaxProfile")
        )
        assert result.status == "Accepted"  # the profile not cleared is still installed
        assert periods(await composite(csms, 1, 600)) == [(0, NO_LIMIT)]


# ----------------------------------------------------------------------------- reservations


async def test_it_keeps_a_reservation_acknowledged_just_before_a_kill(
    tmp_path, csms: TestCentralSystem, migrated_template
):
    async with running_station(tmp_path, csms, migrated_template) as station:
        await boot_accepted(csms)
        assert await reserve_now(csms, 2, reservation_id=71) == "Accepted"
        station.kill()

    async with running_station(tmp_path, csms, migrated_template, data_dir=station.data_dir, name="restarted"):
        _, statuses = await status_burst(csms)
        assert statuses == [(0, "Available"), (1, "Available"), (2, "Reserved")]
        mark = last_seq(csms)
        result = await csms.call(CP_ID, call.CancelReservation(reservation_id=71))
        assert result.status == "Accepted"
        await wait_status(csms, 2, "Available", after=mark)


async def test_it_keeps_a_reservation_cancelled_just_before_a_kill_cancelled(
    tmp_path, csms: TestCentralSystem, migrated_template
):
    async with running_station(tmp_path, csms, migrated_template) as station:
        await boot_accepted(csms)
        mark = last_seq(csms)
        assert await reserve_now(csms, 2, reservation_id=72) == "Accepted"
        await wait_status(csms, 2, "Reserved", after=mark)
        result = await csms.call(CP_ID, call.CancelReservation(reservation_id=72))
        assert result.status == "Accepted"
        station.kill()

    async with running_station(tmp_path, csms, migrated_template, data_dir=station.data_dir, name="restarted"):
        _, statuses = await status_burst(csms)
        assert statuses == [(0, "Available"), (1, "Available"), (2, "Available")]
        result = await csms.call(CP_ID, call.CancelReservation(reservation_id=72))
        assert result.status == "Rejected"


async def test_it_drops_a_reservation_that_expired_while_the_station_was_down(
    tmp_path, csms: TestCentralSystem, migrated_template
):
    async with running_station(tmp_path, csms, migrated_template) as station:
        await boot_accepted(csms)
        expiry = datetime.now(UTC) + timedelta(seconds=2)
        assert await reserve_now(csms, 2, reservation_id=73, expiry_date=expiry.isoformat()) == "Accepted"
        station.kill()
    # The station is down: no frame can tell when the expiry has passed, only the clock.
    await asyncio.sleep(max(0.0, (expiry - datetime.now(UTC)).total_seconds()))

    async with running_station(tmp_path, csms, migrated_template, data_dir=station.data_dir, name="restarted"):
        boot, statuses = await status_burst(csms)
        assert statuses == [(0, "Available"), (1, "Available"), (2, "Available")]
        result = await csms.call(CP_ID, call.CancelReservation(reservation_id=73))
        assert result.status == "Rejected"
        assert status_seen(csms, 2, "Reserved", after=boot.seq) == []


# ----------------------------------------------------------------------------- firmware

#: A firmware image the simulator installs as version 2.0.0 (its first line names the version).
IMAGE = b"SIMFW 2.0.0\nthe new firmware\n"


class FirmwareServer(ThreadingHTTPServer):
    """Serves :data:`IMAGE` on loopback -- after closing the first ``unreachable`` connections
    without an answer, the way a server that cannot be reached leaves a download without one.

    The image itself is held back until :meth:`release`: a test lets the download finish only
    once it has seen on the wire what must come first.
    """

    daemon_threads = True

    def __init__(self, unreachable: int, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(("127.0.0.1", 0), _FirmwareHandler)
        self.unreachable = unreachable
        #: Every GET, in order: when it came and how it is answered ("dropped" or "200").
        self.requests: list[tuple[datetime, str]] = []
        self.released = threading.Event()
        self._loop = loop
        self._changed = asyncio.Event()

    def record(self, answer: str) -> None:
        """Called from the server's thread for every GET."""
        self.requests.append((datetime.now(UTC), answer))
        self._loop.call_soon_threadsafe(self._changed.set)

    def release(self) -> None:
        """Answer the GETs that get the image (those waiting and those to come)."""
        self.released.set()

    async def wait_requests(self, n: int, *, timeout: float = TIMEOUT) -> None:  # noqa: ASYNC109
        """Wait until ``n`` GETs have come."""
        async with asyncio.timeout(timeout):
            while len(self.requests) < n:
                self._changed.clear()
                await self._changed.wait()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/firmware/simfw-2.0.0.bin"

    @property
    def answers(self) -> list[str]:
        return [answer for _, answer in self.requests]


class _FirmwareHandler(BaseHTTPRequestHandler):
    server: FirmwareServer

    def do_GET(self) -> None:
        if len(self.server.requests) < self.server.unreachable:
            self.server.record("dropped")
            return  # no answer; HTTP/1.0: the connection is closed
        self.server.record("200")
        if not self.server.released.wait(timeout=60):
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(IMAGE)))
        self.end_headers()
        self.wfile.write(IMAGE)

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def firmware_server(*, unreachable: int) -> Iterator[FirmwareServer]:
    server = FirmwareServer(unreachable, asyncio.get_running_loop())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.release()
        server.shutdown()
        server.server_close()
        thread.join()


async def wait_firmware_status(csms: TestCentralSystem, status: str, *, after: int, timeout: float = TIMEOUT) -> Frame:  # noqa: ASYNC109
    """The next FirmwareStatusNotification(``status``) received after sequence number ``after``."""
    return await csms.wait_frame(
        lambda f: (
            f.action == "FirmwareStatusNotification"
            and f.message_type == 2
            and f.seq > after
            and f.payload["status"] == status
        ),
        timeout=timeout,
    )


async def test_it_performs_an_update_acknowledged_just_before_a_kill(
    tmp_path, csms: TestCentralSystem, migrated_template
):
    with firmware_server(unreachable=1) as server:
        async with running_station(tmp_path, csms, migrated_template) as station:
            await boot_accepted(csms)
            retrieve = whole_second(timedelta(seconds=3))  # 2 to 3 s ahead (after the kill), exact on the wire
            request = call.UpdateFirmware(
                location=server.url, retrieve_date=wire_time(retrieve), retries=1, retry_interval=1
            )
            await csms.call(CP_ID, request)  # UpdateFirmware.conf is empty: received is acknowledged
            station.kill()
        assert calls(csms, "FirmwareStatusNotification") == [] and server.requests == []

        async with running_station(tmp_path, csms, migrated_template, data_dir=station.data_dir, name="restarted"):
            boot = await boot_accepted(csms)
            downloading = await wait_firmware_status(csms, "Downloading", after=boot.seq, timeout=3 * TIMEOUT)
            server.release()  # the first attempt gets no answer; the retry, retryInterval later, the image
            downloaded = await wait_firmware_status(csms, "Downloaded", after=downloading.seq, timeout=3 * TIMEOUT)
            installing = await wait_firmware_status(csms, "Installing", after=downloaded.seq)
            reboot = await boot_accepted(csms, timeout=3 * TIMEOUT)
            installed = await wait_firmware_status(csms, "Installed", after=reboot.seq)

    assert server.answers == ["dropped", "200"]
    assert server.requests[0][0] >= retrieve, "the retrieveDate was kept"
    assert boot.seq < downloading.seq < installing.seq < reboot.seq < installed.seq
    assert [status_of(f) for f in calls(csms, "StatusNotification", after=installing.seq)] == [
        (0, "Available"),
        (1, "Available"),  # the connectors the update took are given back after the reboot
        (2, "Available"),
    ]
    assert boot.payload["firmwareVersion"] == "0.1.0"
    assert reboot.payload["firmwareVersion"] == "2.0.0"
    assert [f.payload["status"] for f in calls(csms, "FirmwareStatusNotification")] == [
        "Downloading",
        "Downloaded",
        "Installing",
        "Installed",
    ]


async def test_it_reports_a_status_owed_while_offline_after_a_kill(
    tmp_path, csms: TestCentralSystem, migrated_template
):
    """The download begins offline, so Downloading is owed (ocpp_core.firmware: "Notifications");
    after a SIGKILL and a restart the central system still hears it, before Downloaded."""
    with firmware_server(unreachable=1) as server:
        async with running_station(tmp_path, csms, migrated_template, overrides=OFFLINE_RECONNECT) as station:
            await boot_accepted(csms)
            retrieve = whole_second(timedelta(seconds=4))  # 3 to 4 s ahead: offline by then
            request = call.UpdateFirmware(
                location=server.url, retrieve_date=wire_time(retrieve), retries=1, retry_interval=1
            )
            await csms.call(CP_ID, request)
            await go_offline(station, csms)
            await server.wait_requests(1, timeout=3 * TIMEOUT)  # the download began: Downloading is owed
            station.kill()
        assert calls(csms, "FirmwareStatusNotification") == []

        csms.known_ids = None
        async with running_station(tmp_path, csms, migrated_template, data_dir=station.data_dir, name="restarted"):
            boot = await boot_accepted(csms, timeout=3 * TIMEOUT)
            downloading = await wait_firmware_status(csms, "Downloading", after=boot.seq, timeout=3 * TIMEOUT)
            server.release()
            downloaded = await wait_firmware_status(csms, "Downloaded", after=downloading.seq, timeout=3 * TIMEOUT)

    assert boot.seq < downloading.seq < downloaded.seq
    assert server.answers == ["dropped", "200"]
    assert [f.payload["status"] for f in calls(csms, "FirmwareStatusNotification")] == ["Downloading", "Downloaded"]

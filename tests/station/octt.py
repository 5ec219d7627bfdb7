"""End-to-end harness: the real station process against the independent test central system.

A test runs ``manage.py runstation`` in a subprocess (its own data dir, a copy of a database
migrated once per session), pointed at a :class:`tests.csms.TestCentralSystem` on loopback, and
drives it through the control API exactly as an outside program would::

    async with running_station(tmp_path, csms, template) as station:
        await csms.wait_for("BootNotification")
        await station.post("/api/v1/connectors/1/plug")
        ...

Waiting is event-driven on the central-system side (``csms.wait_for`` / ``csms.wait_frame``);
only the subprocess's readiness and, where no frame can tell, the station's own view
(:meth:`StationUnderTest.wait_until`, e.g. "the station noticed it is offline") are polled, with a
bounded deadline.

The OCTT helpers below build the composite states of the OCTT document (*Charging* = plug in +
present identification + StartTransaction + StatusNotification Charging), take the station
offline and back (:func:`go_offline` / :func:`go_online`: the central system drops the connection
and answers 404 to the reconnect attempts until it lets the station in again) and pick out the
frames a case asserts on.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import shutil
import signal
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from ocpp.v16 import call

from tests.conftest import ROOT, StationProcess, free_port, manage, station_env
from tests.csms import TIMEOUT, ConnectionRecord, Frame, TestCentralSystem

__all__ = [
    "CP_ID",
    "DEMO_CONFIG",
    "OFFLINE_RECONNECT",
    "Charging",
    "StationUnderTest",
    "answer_to",
    "answered",
    "barrier",
    "boot_accepted",
    "cache_id_tag",
    "calls",
    "go_offline",
    "go_online",
    "last_seq",
    "merge",
    "migrated_template",
    "parse_time",
    "running_station",
    "start_charging",
    "status_of",
    "status_seen",
    "wait_answer",
    "wait_status",
]

#: The demo configuration's charge point id.
CP_ID = "CP-DEMO-1"

DEMO_CONFIG: dict[str, Any] = json.loads((ROOT / "fixtures" / "demo-config.json").read_text())

#: Reconnect at once in tests (the defaults wait 3 s plus up to 10 s of random delay).
FAST_RECONNECT = {"RetryBackoffWaitMinimum": 0, "RetryBackoffRandomRange": 0, "RetryBackoffRepeatTimes": 0}


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir with a migrated SQLite database, copied by every station of the session."""
    data_dir = tmp_path_factory.mktemp("template") / "data"
    result = manage("migrate", "--noinput", "-v0", env=station_env(data_dir))
    assert result.returncode == 0, result.stderr
    return data_dir


def status_of(frame: Frame) -> tuple[int, str]:
    """(connectorId, status) of a StatusNotification frame."""
    return frame.payload["connectorId"], frame.payload["status"]


class StationUnderTest:
    """A running ``runstation`` process and its control API."""

    def __init__(self, process: StationProcess, port: int, token: str, data_dir: Path, config_path: Path) -> None:
        self.process = process
        self.port = port
        self.api_token = token
        self.data_dir = data_dir
        self.config_path = config_path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _request(self, method: str, path: str, body: Any | None) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.base_url + path,
            data=data,
            method=method,
            headers={"Authorization": f"Bearer {self.api_token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=15) as response:
                raw = response.read()
                return response.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            return exc.code, json.loads(raw) if raw else None

    async def request(self, method: str, path: str, body: Any | None = None) -> tuple[int, Any]:
        return await asyncio.to_thread(self._request, method, path, body)

    async def post(self, path: str, body: Any | None = None, *, expect: int = 202) -> Any:
        status, answer = await self.request("POST", path, body)
        assert status == expect, (status, answer, self.process.output()[-3000:])
        return answer

    async def get(self, path: str) -> Any:
        status, answer = await self.request("GET", path)
        assert status == 200, (status, answer)
        return answer

    async def plug(self, n: int) -> None:
        await self.post(f"/api/v1/connectors/{n}/plug")

    async def unplug(self, n: int) -> None:
        await self.post(f"/api/v1/connectors/{n}/unplug")

    async def token(self, n: int, id_tag: str) -> None:
        await self.post(f"/api/v1/connectors/{n}/present-token", {"id_tag": id_tag})

    async def knobs(self, n: int, **knobs: Any) -> None:
        status, answer = await self.request("PATCH", f"/api/v1/connectors/{n}/simulator", knobs)
        assert status in (200, 202), (status, answer)

    async def stop(self, sig: int = signal.SIGTERM) -> int:
        return await asyncio.to_thread(self.process.stop, sig)

    def kill(self) -> None:
        self.process.kill()

    async def connector(self, n: int) -> dict[str, Any]:
        """Connector ``n`` as ``GET /api/v1/station`` shows it."""
        body = await self.get("/api/v1/station")
        return next(c for c in body["connectors"] if c["connector_id"] == n)

    async def fault(self, n: int, error_code: str, info: str = "") -> None:
        body = {"error_code": error_code, **({"info": info} if info else {})}
        await self.post(f"/api/v1/connectors/{n}/faults", body)

    async def clear_faults(self, n: int) -> None:
        status, answer = await self.request("DELETE", f"/api/v1/connectors/{n}/faults")
        assert status in (200, 202, 204), (status, answer)

    async def wait_until(
        self,
        predicate: Callable[[dict[str, Any]], bool],
        *,
        timeout: float = TIMEOUT,  # noqa: ASYNC109
        what: str = "state",
    ) -> dict[str, Any]:
        """Poll ``GET /api/v1/station`` until ``predicate(body)`` holds (an upper bound, not a delay).

        Only for what no frame can show, e.g. that the station noticed a lost connection.
        """
        deadline = time.monotonic() + timeout
        while True:
            body: dict[str, Any] = await self.get("/api/v1/station")
            if predicate(body):
                return body
            if time.monotonic() > deadline:
                raise TimeoutError(f"station: no {what} within {timeout} s: {body}")
            await asyncio.sleep(0.05)


def merge(*parts: dict[str, dict[str, Any]] | None) -> dict[str, dict[str, Any]]:
    """Config overrides merged section by section (later parts win)."""
    result: dict[str, dict[str, Any]] = {}
    for part in parts:
        for section, keys in (part or {}).items():
            result.setdefault(section, {}).update(keys)
    return result


def station_config(csms: TestCentralSystem, overrides: dict[str, dict[str, Any]] | None) -> dict[str, Any]:
    config = copy.deepcopy(DEMO_CONFIG)
    config["Internal"]["CentralSystemURI"] = csms.url
    config["Internal"].update(FAST_RECONNECT)
    for section, keys in (overrides or {}).items():
        config.setdefault(section, {}).update(keys)
    return config


@contextlib.asynccontextmanager
async def running_station(
    tmp_path: Path,
    csms: TestCentralSystem,
    template: Path,
    *,
    overrides: dict[str, dict[str, Any]] | None = None,
    data_dir: Path | None = None,
    name: str = "station",
) -> AsyncIterator[StationUnderTest]:
    """Start a station connected to ``csms``; ``data_dir`` reuses an earlier station's state."""
    if data_dir is None:
        data_dir = tmp_path / f"{name}-data"
        shutil.copytree(template, data_dir)
    config_path = tmp_path / f"{name}-config.json"
    config_path.write_text(json.dumps(station_config(csms, overrides)))
    port = free_port()
    env = station_env(data_dir, STATION_API_TOKEN="test-token", STATION_SIMULATOR_SAMPLE_SECONDS="1")
    log_path = tmp_path / f"{name}-{port}.log"
    process = StationProcess(
        ["runstation", "--config", str(config_path), "--http", f"127.0.0.1:{port}"], env=env, log_path=log_path
    )
    try:
        await asyncio.to_thread(process.wait_serving, port)
        yield StationUnderTest(process, port, "test-token", data_dir, config_path)
    except BaseException as exc:
        # A wait that timed out on the central-system side says nothing of why: the station's log does.
        exc.add_note(f"station log ({log_path}):\n{process.output()[-20000:]}")
        raise
    finally:
        process.kill()


# ---------------------------------------------------------------------------------------------
# OCTT helpers

#: Reconnect attempts once a second while offline (FAST_RECONNECT would hammer the 404s).
OFFLINE_RECONNECT: dict[str, dict[str, Any]] = {"Internal": {"RetryBackoffWaitMinimum": 1}}


def parse_time(text: str) -> datetime:
    """An OCPP dateTime (``...Z`` or with an offset) as an aware datetime."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def last_seq(csms: TestCentralSystem) -> int:
    """The sequence number of the newest frame or handshake so far (a mark for ``after=``)."""
    return max([-1, *(f.seq for f in csms.frames), *(c.seq for c in csms.connections)])


def calls(csms: TestCentralSystem, action: str | None = None, *, after: int = -1) -> list[Frame]:
    """CALLs the station sent (of ``action``), received after frame sequence number ``after``."""
    return [f for f in csms.received(action, cp_id=CP_ID) if f.message_type == 2 and f.seq > after]


def status_seen(csms: TestCentralSystem, connector: int, status: str, *, after: int = -1) -> list[Frame]:
    """StatusNotifications of ``(connector, status)`` received after sequence number ``after``."""
    return [f for f in calls(csms, "StatusNotification", after=after) if status_of(f) == (connector, status)]


async def wait_status(
    csms: TestCentralSystem,
    connector: int,
    status: str,
    *,
    error_code: str | None = None,
    after: int = -1,
    timeout: float = TIMEOUT,  # noqa: ASYNC109
) -> Frame:
    """The next StatusNotification(connector, status[, errorCode]) not yet handed out."""

    def match(f: Frame) -> bool:
        return (
            f.action == "StatusNotification"
            and f.message_type == 2
            and f.seq > after
            and status_of(f) == (connector, status)
            and (error_code is None or f.payload.get("errorCode") == error_code)
        )

    return await csms.wait_frame(match, timeout=timeout)


def answer_to(csms: TestCentralSystem, frame: Frame) -> Frame | None:
    """The CALLRESULT/CALLERROR the central system sent for the station's CALL ``frame``, if sent yet."""
    return next(
        (
            f
            for f in csms.frames
            if f.direction == "sent"
            and f.cp_id == frame.cp_id
            and f.message_type in (3, 4)
            and f.unique_id == frame.unique_id
            and f.seq > frame.seq
        ),
        None,
    )


async def wait_answer(csms: TestCentralSystem, frame: Frame, *, timeout: float = TIMEOUT) -> Frame:  # noqa: ASYNC109
    """Wait until the central system has written its answer to ``frame`` (so a CALL sent now follows it)."""
    found: Frame = await csms._wait(lambda: answer_to(csms, frame), timeout, f"answer to {frame.action}")
    return found


async def answered(csms: TestCentralSystem, *, timeout: float = TIMEOUT) -> None:  # noqa: ASYNC109
    """Wait until the central system has written its answer to every CALL the station sent so far.

    Before a CALL after which the station closes the connection at once (Reset): the ``ocpp``
    package's receive loop ends when an answer cannot be written any more, and whatever the
    station sent just before closing (the Reset.conf) would then never be read.
    """
    for frame in calls(csms):
        if frame.action not in csms.ignore_actions:
            await wait_answer(csms, frame, timeout=timeout)


async def barrier(csms: TestCentralSystem) -> None:
    """A GetConfiguration round trip: a CALL answered earlier has had its follow-up now.

    The station handles frames in order and runs a CALL's follow-up work (what needs no hardware)
    right after writing its answer, so every frame of that work precedes the answer to this CALL.
    """
    await csms.call(CP_ID, call.GetConfiguration(key=["HeartbeatInterval"]))


async def boot_accepted(csms: TestCentralSystem, *, connectors: int = 2, timeout: float = TIMEOUT) -> Frame:  # noqa: ASYNC109
    """Wait for the next BootNotification and the StatusNotification of connector 0..N after it."""
    boot = await csms.wait_for("BootNotification", cp_id=CP_ID, timeout=timeout)
    for n in range(connectors + 1):

        def status_of_n(f: Frame, n: int = n) -> bool:
            return (
                f.action == "StatusNotification"
                and f.message_type == 2
                and f.seq > boot.seq
                and f.payload["connectorId"] == n
            )

        await csms.wait_frame(status_of_n, timeout=timeout)
    return boot


@dataclass(frozen=True, slots=True)
class Charging:
    """The OCTT *Charging* state reached by :func:`start_charging`."""

    connector: int
    id_tag: str
    start: Frame
    transaction_id: int


async def start_charging(
    station: StationUnderTest, csms: TestCentralSystem, connector: int = 1, id_tag: str = "TAG-0001"
) -> Charging:
    """Plug in, present ``id_tag``: Authorize, StartTransaction and StatusNotification(Charging)."""
    mark = last_seq(csms)
    await station.plug(connector)
    await wait_status(csms, connector, "Preparing", after=mark)
    await station.token(connector, id_tag)
    start = await csms.wait_frame(
        lambda f: (
            f.action == "StartTransaction"
            and f.message_type == 2
            and f.seq > mark
            and f.payload["connectorId"] == connector
        )
    )
    assert start.payload["idTag"] == id_tag
    await wait_status(csms, connector, "Charging", after=mark)
    answer = await wait_answer(csms, start)
    return Charging(connector, id_tag, start, int(answer.payload["transactionId"]))


async def go_offline(station: StationUnderTest, csms: TestCentralSystem) -> int:
    """Drop the station's connection and refuse (404) its reconnects; returns the frame sequence mark.

    Returns once the station itself reports ``connected: false``, so what the test does next
    happens offline.
    """
    csms.known_ids = frozenset()
    mark = last_seq(csms)
    await csms.drop(CP_ID)
    await station.wait_until(
        lambda body: body["connected"] is False, what="notice of the connection closed by the central system"
    )
    return mark


async def go_online(csms: TestCentralSystem, *, timeout: float = 3 * TIMEOUT) -> ConnectionRecord:  # noqa: ASYNC109
    """Let the station in again; returns its new (accepted) connection."""
    newest = max((c.seq for c in csms.connections if c.accepted), default=-1)
    csms.known_ids = None
    while True:
        record = await csms.wait_connected(CP_ID, timeout=timeout)
        if record.seq > newest:
            return record


async def cache_id_tag(station: StationUnderTest, csms: TestCentralSystem, id_tag: str) -> None:
    """Put ``id_tag`` in the authorization cache: Authorize it (identification first), then cancel.

    Presenting the same identification again while the connector waits for the cable cancels the
    incipient session (erratum 3.21, B1): Preparing, then Available.
    """
    mark = last_seq(csms)
    await station.token(1, id_tag)
    authorize = await csms.wait_frame(lambda f: f.action == "Authorize" and f.seq > mark and f.message_type == 2)
    assert authorize.payload == {"idTag": id_tag}
    await wait_status(csms, 1, "Preparing", after=mark)
    await station.token(1, id_tag)
    await wait_status(csms, 1, "Available", after=mark)

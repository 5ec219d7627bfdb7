"""The split deployment: daphne (web) + ``manage.py ocpp_worker`` + Redis channel layer + PostgreSQL.

End to end: both processes run for real against a PostgreSQL database of their own and the local
Redis; the worker talks to the independent test central system; the test drives a charging
session through the *web* process's control API, which forwards to the worker
(station/remote.py). In process: the forwarding protocol over a real Redis channel layer.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.cookiejar
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from ocpp.v16 import call

from station import runtime
from station.remote import ControlServer, DeploymentNames, RemoteController, StatusBoard, install_web_controller
from tests import csms as _csms
from tests.conftest import (
    POSTGRES_URL,
    REDIS_URL,
    ROOT,
    StationProcess,
    check_postgres,
    check_redis,
    free_port,
    manage,
    require_service,
    station_env,
)
from tests.csms import TIMEOUT, TestCentralSystem
from tests.station.octt import CP_ID, StationUnderTest, answer_to, boot_accepted, station_config, wait_status

csms = _csms.csms

pytestmark = pytest.mark.services

TOKEN = "split-token"


class CommandProcess(StationProcess):
    """Any command (here: daphne) in the background, with StationProcess's waiting and stopping."""

    def __init__(self, argv: list[str], *, env: dict[str, str], log_path: Path) -> None:
        self.log_path = log_path
        self._log = log_path.open("w")
        self.proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT)


def _admin_url() -> str:
    return urlunsplit(urlsplit(POSTGRES_URL)._replace(scheme="postgresql", path="/postgres"))


@pytest.fixture
def postgres_database() -> Iterator[str]:
    """A PostgreSQL database of this test's own (created empty, dropped afterwards): its URL."""
    require_service(f"PostgreSQL ({POSTGRES_URL})", check_postgres)
    require_service(f"Redis ({REDIS_URL})", check_redis)
    import psycopg

    name = f"station_split_{os.getpid()}_{secrets.token_hex(4)}"
    with psycopg.connect(_admin_url(), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(urlsplit(POSTGRES_URL)._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(_admin_url(), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def api_status(web: StationUnderTest, *, want: int, timeout: float = 3 * TIMEOUT) -> Any:  # noqa: ASYNC109
    """Poll ``GET /api/v1/station`` on the web process until it answers ``want`` (bounded)."""
    deadline = time.monotonic() + timeout
    while True:
        status, body = await web.request("GET", "/api/v1/station")
        if status == want:
            return body
        if time.monotonic() > deadline:
            raise TimeoutError(f"GET /api/v1/station: {status} {body}, not {want}, after {timeout} s")
        await asyncio.sleep(0.05)


def postgres_transactions(url: str) -> list[tuple[Any, ...]]:
    import psycopg

    with psycopg.connect(urlunsplit(urlsplit(url)._replace(scheme="postgresql"))) as connection:
        return connection.execute(
            "SELECT transaction_id, connector_id, id_tag, meter_start, meter_stop, acknowledged"
            " FROM station_transaction ORDER BY id"
        ).fetchall()


@pytest.mark.xdist_group("station-processes")
async def test_a_charging_session_through_the_web_process_and_the_worker(
    tmp_path, csms: TestCentralSystem, postgres_database
):
    data_dir = tmp_path / "data"
    env = station_env(
        data_dir,
        DATABASE_URL=postgres_database,
        STATION_CHANNEL_LAYER="redis",
        REDIS_URL=REDIS_URL,
        STATION_API_TOKEN=TOKEN,
        STATION_SIMULATOR_SAMPLE_SECONDS="1",
    )
    migrated = await asyncio.to_thread(manage, "migrate", "--noinput", "-v0", env=env)
    assert migrated.returncode == 0, migrated.stderr
    config_path = tmp_path / "config.json"
    config_path.write_text(json.dumps(station_config(csms, None)))
    port = free_port()
    worker = StationProcess(["ocpp_worker", "--config", str(config_path)], env=env, log_path=tmp_path / "worker.log")
    daphne = CommandProcess(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "station.asgi:application"],
        env=env,
        log_path=tmp_path / "web.log",
    )
    web = StationUnderTest(daphne, port, TOKEN, data_dir, config_path)
    try:
        await boot_accepted(csms, timeout=6 * TIMEOUT)
        await asyncio.to_thread(daphne.wait_for_port, port)
        body = await api_status(web, want=200)
        assert body["charge_point_id"] == CP_ID and body["registration_status"] == "Accepted"
        assert [c["connector_id"] for c in body["connectors"]] == [0, 1, 2]

        # Errors come back from the worker's Station with their status codes.
        await web.post("/api/v1/connectors/9/plug", expect=404)
        await web.post("/api/v1/connectors/1/present-token", {"id_tag": ""}, expect=400)  # checked by the web

        await web.plug(1)
        await wait_status(csms, 1, "Preparing")
        assert (await web.connector(1))["plugged"] is True  # published before the action's reply
        conflict = await web.post("/api/v1/connectors/1/plug", expect=409)
        assert "already plugged" in conflict["error"]

        await web.token(1, "TAG-0001")
        authorize = await csms.wait_for("Authorize", cp_id=CP_ID)
        assert authorize.payload == {"idTag": "TAG-0001"}
        start = await csms.wait_for("StartTransaction", cp_id=CP_ID)
        await wait_status(csms, 1, "Charging")
        body = await web.wait_until(lambda b: b["connectors"][1]["status"] == "Charging", what="Charging")
        answer = answer_to(csms, start)
        assert answer is not None
        transaction_id = answer.payload["transactionId"]
        assert body["connectors"][1]["transaction_id"] == transaction_id

        await web.token(1, "TAG-0001")
        stop = await csms.wait_for("StopTransaction", cp_id=CP_ID)
        assert stop.payload["transactionId"] == transaction_id and "reason" not in stop.payload
        await wait_status(csms, 1, "Finishing")

        deadline = time.monotonic() + 2 * TIMEOUT
        while not (rows := await web.get("/api/v1/transactions")) or not rows[0]["acknowledged"]:
            assert time.monotonic() < deadline, rows
            await asyncio.sleep(0.05)
        assert rows[0]["transaction_id"] == transaction_id and rows[0]["meter_stop"] == stop.payload["meterStop"]
        # ... read from PostgreSQL, where the worker wrote it.
        [stored] = await asyncio.to_thread(postgres_transactions, postgres_database)
        assert stored == (
            transaction_id,
            1,
            "TAG-0001",
            start.payload["meterStart"],
            stop.payload["meterStop"],
            True,
        )

        # The dashboard of the web process: its engine pages ask the worker.
        made = await asyncio.to_thread(
            manage, "dashboard_user", "op", "--role", "operator", env={**env, "STATION_USER_PASSWORD": PASSWORD}
        )
        assert made.returncode == 0, made.stderr
        browser = await asyncio.to_thread(DashboardSession.login, port, "op", PASSWORD)
        page = await asyncio.to_thread(browser.get, "/configuration/")
        assert 'id="key-HeartbeatInterval"' in page and "split deployment" not in page
        saved = await asyncio.to_thread(browser.post, "/configuration/HeartbeatInterval/", {"value": "77"})
        assert "HeartbeatInterval = &#x27;77&#x27;." in saved  # the message on the page redirected to
        result = await csms.call(CP_ID, call.GetConfiguration(key=["HeartbeatInterval"]))
        assert result.configuration_key == [{"key": "HeartbeatInterval", "readonly": False, "value": "77"}]
        assert "Composite schedules" in await asyncio.to_thread(browser.get, "/charging-profiles/")

        # The worker stops: the web process keeps serving, and says the worker is gone.
        assert await asyncio.to_thread(worker.stop, signal.SIGTERM) == 0
        status, gone = await web.request("GET", "/api/v1/station")
        assert (status, "does not answer" in gone["error"]) == (503, True)
        assert (await web.get("/api/v1/transactions"))[0]["transaction_id"] == transaction_id
        assert await asyncio.to_thread(daphne.stop, signal.SIGTERM) == 0
    finally:
        worker.kill()
        daphne.kill()
    for process in (worker, daphne):
        assert "Traceback" not in process.output(), process.output()


PASSWORD = "split-Passphrase-2026"


class DashboardSession:
    """A logged-in browser session on the web process's dashboard (cookies, CSRF token), over HTTP."""

    def __init__(self, port: int) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    @classmethod
    def login(cls, port: int, username: str, password: str) -> DashboardSession:
        session = cls(port)
        session.get("/accounts/login/")
        overview = session.post("/accounts/login/", {"username": username, "password": password})
        assert "Log out" in overview or "logout" in overview, overview[:2000]
        return session

    def _csrf(self) -> str:
        return str(next(c.value for c in self.cookies if c.name == "csrftoken"))

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=3 * TIMEOUT) as response:
            return str(response.read().decode())

    def post(self, path: str, fields: dict[str, str]) -> str:
        """A plain form post (no htmx); follows the redirect to the page showing the outcome."""
        body = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": self._csrf()}).encode()
        request = urllib.request.Request(self.base + path, data=body, method="POST")
        with self.opener.open(request, timeout=3 * TIMEOUT) as response:
            return str(response.read().decode())


# --- the forwarding protocol, in process, over a real Redis channel layer ------------------------


class RecordingController:
    """Stands for the worker's Station: records calls, raises what a test asks for."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []
        self.raises: Exception | None = None
        self.status: dict[str, Any] = {"charge_point_id": "CP-X", "connected": True, "connectors": []}

    def station_status(self) -> dict[str, Any]:
        return self.status

    def __getattr__(self, name: str) -> Any:
        async def action(*args: Any, **kwargs: Any) -> None:
            self.calls.append((name, args, kwargs))
            if name == "plug":
                self.status = {**self.status, "plugged": args or kwargs}
            if self.raises is not None:
                raise self.raises

        return action


@contextlib.asynccontextmanager
async def redis_pair(
    controller: Any, *, serve: bool = True, forward_timeout: float = 2.0
) -> AsyncIterator[RemoteController]:
    """A RemoteController and (unless ``serve`` is false) a ControlServer on a private Redis namespace."""
    require_service(f"Redis ({REDIS_URL})", check_redis)
    from channels_redis.core import RedisChannelLayer

    tag = secrets.token_hex(6)
    names = DeploymentNames(control=f"station.control.test{tag}", status_key=f"station:status:test{tag}")
    web_layer = RedisChannelLayer(hosts=[REDIS_URL], prefix=f"test{tag}")
    worker_layer = RedisChannelLayer(hosts=[REDIS_URL], prefix=f"test{tag}")
    remote = RemoteController(layer=web_layer, names=names, url=REDIS_URL, timeout=forward_timeout)
    server = ControlServer(layer=worker_layer, names=names, url=REDIS_URL, controller=lambda: controller)
    task = asyncio.ensure_future(server.run()) if serve else None
    try:
        yield remote
    finally:
        if task is not None:
            task.cancel()
            await asyncio.wait({task})
        await web_layer.flush()
        await web_layer.close_pools()
        await worker_layer.close_pools()
        remote.board.close()


async def wait_published(remote: RemoteController, predicate: Any) -> dict[str, Any]:
    deadline = time.monotonic() + TIMEOUT
    while True:
        with contextlib.suppress(runtime.StationNotRunning):
            status = await remote.astation_status()
            if predicate(status):
                return status
        assert time.monotonic() < deadline, "no status published"
        await asyncio.sleep(0.02)


async def test_actions_are_forwarded_and_the_status_is_published():
    controller = RecordingController()
    async with redis_pair(controller) as remote:
        assert (await wait_published(remote, bool))["charge_point_id"] == "CP-X"
        await remote.plug(2)
        await remote.present_token(1, "TAG-1")
        await remote.raise_fault(0, "GroundFailure", "")
        await remote.simulator_knobs(1, power_w=7400, lock_fails=False)
        assert controller.calls == [
            ("plug", (), {"n": 2}),
            ("present_token", (), {"n": 1, "id_tag": "TAG-1"}),
            ("raise_fault", (), {"n": 0, "error_code": "GroundFailure", "info": ""}),
            ("simulator_knobs", (), {"n": 1, "power_w": 7400, "lock_fails": False}),
        ]
        # The status changed by an action is published before the action is answered.
        assert remote.station_status()["plugged"] == {"n": 2}


@pytest.mark.parametrize(
    ("raised", "expected"),
    [
        (runtime.UnknownConnector("connector 9 does not exist"), runtime.UnknownConnector),
        (runtime.ActionConflict("connector 1 is already plugged"), runtime.ActionConflict),
        (ValueError("id_tag: too long"), ValueError),
        (runtime.StationNotRunning("restarting"), runtime.StationNotRunning),
        (KeyError("bug"), RuntimeError),
    ],
)
async def test_the_worker_s_errors_come_back_as_the_same_kind(raised, expected):
    controller = RecordingController()
    controller.raises = raised
    async with redis_pair(controller) as remote:
        with pytest.raises(expected) as caught:
            await remote.unplug(1)
        assert type(caught.value) is expected
        if expected is not RuntimeError:
            assert str(caught.value) == str(raised)


async def test_no_worker_means_503_and_a_late_request_is_not_carried_out():
    controller = RecordingController()
    async with redis_pair(controller, serve=False, forward_timeout=0.3) as remote:
        with pytest.raises(runtime.StationNotRunning, match="the OCPP worker does not answer"):
            remote.station_status()
        with pytest.raises(runtime.StationNotRunning, match=r"does not answer \(no reply within 0.3 s\)"):
            await remote.plug(1)
        # A worker that comes up later finds the expired request and drops it.
        server = ControlServer(layer=remote.layer, names=remote.names, url=REDIS_URL, controller=lambda: controller)
        task = asyncio.ensure_future(server.run())
        try:
            await wait_published(remote, bool)
            await remote.unplug(2)  # served after the stale plug was taken off the channel
            assert controller.calls == [("unplug", (), {"n": 2})]
        finally:
            task.cancel()
            await asyncio.wait({task})
        # A worker that stops withdraws its status.
        with pytest.raises(runtime.StationNotRunning):
            remote.station_status()


async def test_a_status_expires_when_the_worker_stops_refreshing_it():
    require_service(f"Redis ({REDIS_URL})", check_redis)
    board = StatusBoard(REDIS_URL, f"station:status:test{secrets.token_hex(6)}")
    try:
        board.publish({"connected": True})
        assert board.read() == {"connected": True}
        ttl = board._client.ttl(board.key)
        assert 0 < ttl <= 6  # gone within STATUS_TTL seconds unless republished
    finally:
        board.withdraw()
        board.close()


def test_the_web_process_forwards_only_with_the_redis_layer(settings):
    try:
        assert install_web_controller() is False
        with pytest.raises(runtime.StationNotRunning):
            runtime.get_controller()
        settings.CHANNEL_LAYERS = {
            "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [REDIS_URL]}}
        }
        assert install_web_controller() is True
        assert isinstance(runtime.get_controller(), RemoteController)
    finally:
        runtime.set_controller(None)

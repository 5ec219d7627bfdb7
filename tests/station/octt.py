"""End-to-end harness: the real station process against the independent test central system.

A test runs ``manage.py runstation`` in a subprocess (its own data dir, a copy of a database
migrated once per session), pointed at a :class:`tests.csms.TestCentralSystem` on loopback, and
drives it through the control API exactly as an outside program would::

    async with running_station(tmp_path, csms, template) as station:
        await csms.wait_for("BootNotification")
        await station.post("/api/v1/connectors/1/plug")
        ...

Waiting is event-driven on the central-system side (``csms.wait_for`` / ``csms.wait_frame``);
only the subprocess's readiness is polled, with a bounded deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import shutil
import signal
import urllib.error
import urllib.request
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, StationProcess, free_port, manage, station_env
from tests.csms import Frame, TestCentralSystem

__all__ = ["DEMO_CONFIG", "StationUnderTest", "migrated_template", "running_station", "status_of"]

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
        await asyncio.to_thread(process.wait_for_port, port)
        yield StationUnderTest(process, port, "test-token", data_dir, config_path)
    finally:
        process.kill()

"""Shared test helpers: temporary data dirs, station subprocesses, local services."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: Where the local PostgreSQL is (trust auth); the tests create and drop their own databases there.
POSTGRES_URL = os.environ.get("STATION_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("STATION_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
#: Environment variables of the developer's shell that would change what a station subprocess does.
_STATION_VARIABLES = (
    "STATION_DATA_DIR",
    "STATION_API_TOKEN",
    "DATABASE_URL",
    "STATION_CHANNEL_LAYER",
    "REDIS_URL",
    "STATION_DEBUG",
)


def require_service(name: str, check: Callable[[], object]) -> None:
    """Skip (fail under ``CI=true``) when the local service ``name`` does not answer ``check()``."""
    try:
        check()
    except Exception as exc:
        message = f"{name} is not available here: {type(exc).__name__}: {exc}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{message} (required when CI=true)")
        pytest.skip(message)


def check_postgres() -> None:
    import psycopg

    # The maintenance database: the one pytest-django connects to when it creates test databases.
    url = urlunsplit(urlsplit(POSTGRES_URL)._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(url, connect_timeout=3):
        pass


def check_redis() -> None:
    parts = urlsplit(REDIS_URL)
    with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), timeout=3) as sock:
        sock.sendall(b"PING\r\n")
        if not sock.recv(16).startswith(b"+PONG"):
            raise ConnectionError("Redis did not answer PING")


@contextlib.asynccontextmanager
async def ocpp_client(url: str, charge_point_id: str) -> AsyncIterator[Any]:
    """An independent charge point (the `ocpp` package's) connected to the central system at ``url``."""
    from ocpp.v16 import ChargePoint
    from websockets.asyncio.client import connect
    from websockets.typing import Subprotocol

    async with connect(url + charge_point_id, subprotocols=[Subprotocol("ocpp1.6")]) as websocket:
        client = ChargePoint(charge_point_id, websocket)
        reader = asyncio.create_task(client.start())
        try:
            yield client
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def station_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a station subprocess using ``data_dir`` (SQLite, memory channel layer)."""
    env = {k: v for k, v in os.environ.items() if k not in _STATION_VARIABLES}
    return {**env, "STATION_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1", **extra}


def manage(*args: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run ``manage.py args`` to completion."""
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


class StationProcess:
    """A ``manage.py`` command running in the background, its output going to a log file.

    (A file, not a pipe: a full pipe would block the server.)
    """

    def __init__(self, args: list[str], *, env: dict[str, str], log_path: Path) -> None:
        self.log_path = log_path
        self._log = log_path.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT
        )

    def output(self) -> str:
        return self.log_path.read_text()

    def _check_alive(self, waiting_for: str) -> None:
        if self.proc.poll() is not None:
            pytest.fail(f"exited with {self.proc.returncode} while waiting for {waiting_for}:\n{self.output()}")

    def wait_for_port(self, port: int, host: str = "127.0.0.1", timeout: float = 30) -> None:
        """Poll until ``host:port`` accepts connections (fail if the process exits first)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._check_alive(f"port {port}")
            try:
                with socket.create_connection((host, port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        pytest.fail(f"nothing listens on {host}:{port} after {timeout} s:\n{self.output()}")

    def wait_serving(self, port: int, host: str = "127.0.0.1", timeout: float = 30) -> str:
        """Wait for the station's own "Listening on" line for ``host:port``; returns the log.

        Not a connect to the port: a port picked by :func:`free_port` can be taken by another
        process (or be reached by a TCP self-connect) before the station binds it.
        """
        return self.wait_for_output(f"Listening on http://{host}:{port}/", timeout)

    def wait_for_output(self, text: str, timeout: float = 30) -> str:
        """Poll the log until it contains ``text``; returns the log."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            output = self.output()
            if text in output:
                return output
            self._check_alive(repr(text))
            time.sleep(0.05)
        pytest.fail(f"{text!r} not in the output after {timeout} s:\n{self.output()}")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20) -> int:
        """Send ``sig`` and wait for the exit code (killing it after ``timeout``)."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                pytest.fail(f"did not stop within {timeout} s of signal {sig}:\n{self.output()}")
        self._log.close()
        return self.proc.returncode

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._log.close()


@pytest.fixture
def station_data_dir(tmp_path: Path, settings) -> Path:
    """A fresh, empty ``STATION_DATA_DIR`` for this test (also applied to the in-process settings)."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    settings.STATION_DATA_DIR = data_dir
    settings.STATION_API_TOKEN_FILE = data_dir / "api-token"
    settings.STATION_API_TOKEN = None
    return data_dir


@pytest.fixture
def migrated_data_dir(tmp_path: Path) -> Path:
    """A data dir whose SQLite database has been migrated (by a subprocess)."""
    data_dir = tmp_path / "data"
    result = manage("migrate", "--noinput", "-v0", env=station_env(data_dir))
    assert result.returncode == 0, result.stderr
    return data_dir


@pytest.fixture
def start_station(tmp_path: Path) -> Iterator[Callable[..., StationProcess]]:
    """Start ``manage.py <args>`` in the background; whatever is still running is stopped at the end."""
    started: list[StationProcess] = []

    def start(*args: str, env: dict[str, str]) -> StationProcess:
        process = StationProcess(list(args), env=env, log_path=tmp_path / f"station-{len(started)}.log")
        started.append(process)
        return process

    yield start
    for process in started:
        process.kill()


# Hypothesis: no per-example deadline (the suite runs on 2 loaded cores; speed is measured in bench/).
from hypothesis import settings as _hypothesis_settings  # noqa: E402

_hypothesis_settings.register_profile("station", deadline=None)
_hypothesis_settings.load_profile("station")

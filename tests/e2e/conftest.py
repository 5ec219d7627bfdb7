"""Browser tests: Playwright on Debian's Chromium against a real ``runstation`` process.

Run in their own pytest process (``make test-e2e``; ../shared/STACK.md §5: sync Playwright leaves
an event loop behind that breaks later async tests). Playwright cannot download its own browser
here, so the launch arguments point at ``/usr/bin/chromium``.

Session fixtures: :func:`central_system` (the independent test central system,
:class:`tests.csms.TestCentralSystem`, on its own event loop in a thread) and :func:`dashboard`
(a migrated data dir, a dashboard user made by ``manage.py ensure_admin``, and ``runstation``
connected to that central system). The station runs with the project's settings once they list
the dashboard.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
import urllib.request
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import ROOT, StationProcess, free_port, manage, station_env
from tests.csms import TestCentralSystem

# The sync Playwright fixtures run an event loop in this thread; the ORM would refuse to work.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

CP_ID = "CP-DEMO-1"
API_TOKEN = "e2e-token-0123456789"
USER, PASSWORD = "operator", "e2e-Passphrase-2026"
#: A second account that may only look (``manage.py dashboard_user viewer --role viewer``).
VIEWER = "viewer"
#: Seconds the browser waits for something to appear (an upper bound, not a delay).
WAIT_S = float(os.environ.get("STATION_E2E_WAIT", "20"))

T = TypeVar("T")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_type_launch_args, "executable_path": "/usr/bin/chromium", "args": CHROMIUM_ARGS}


class CentralSystemThread:
    """A :class:`TestCentralSystem` running on an event loop of its own (the tests are sync)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="test-csms", daemon=True)
        self._thread.start()
        self.csms: TestCentralSystem = self.run(self._start())

    async def _start(self) -> TestCentralSystem:
        return await TestCentralSystem().start()

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float = 30) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def call(self, payload: Any) -> Any:
        """Send a CALL to the station and return its answer."""
        return self.run(self.csms.call(CP_ID, payload))

    def close(self) -> None:
        self.run(self.csms.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)
        self.loop.close()


@pytest.fixture(scope="session")
def central_system() -> Iterator[CentralSystemThread]:
    server = CentralSystemThread()
    yield server
    server.close()


@dataclass
class Dashboard:
    url: str
    process: StationProcess
    central_system: CentralSystemThread

    def api(self, method: str, path: str, body: Any | None = None) -> int:
        """Call the control API; returns the HTTP status."""
        request = urllib.request.Request(
            self.url + path,
            data=None if body is None else json.dumps(body).encode(),
            method=method,
            headers={"Authorization": f"Bearer {API_TOKEN}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=15) as response:
            return int(response.status)


@pytest.fixture(scope="session")
def dashboard(tmp_path_factory: pytest.TempPathFactory, central_system: CentralSystemThread) -> Iterator[Dashboard]:
    base = tmp_path_factory.mktemp("e2e")
    data_dir = base / "data"
    env = station_env(
        data_dir,
        DJANGO_SETTINGS_MODULE="station.settings",
        STATION_API_TOKEN=API_TOKEN,
        STATION_SIMULATOR_SAMPLE_SECONDS="1",
    )
    migrated = manage("migrate", "--noinput", "-v0", env=env)
    assert migrated.returncode == 0, migrated.stderr
    admin = manage("ensure_admin", env={**env, "STATION_ADMIN_USER": USER, "STATION_ADMIN_PASSWORD": PASSWORD})
    assert admin.returncode == 0, admin.stderr
    viewer = manage("dashboard_user", VIEWER, "--role", "viewer", env={**env, "STATION_USER_PASSWORD": PASSWORD})
    assert viewer.returncode == 0, viewer.stderr
    config = json.loads((ROOT / "fixtures" / "demo-config.json").read_text())
    config["Internal"].update(
        CentralSystemURI=central_system.csms.url,
        RetryBackoffWaitMinimum=0,
        RetryBackoffRandomRange=0,
        RetryBackoffRepeatTimes=0,
    )
    config_path = base / "config.json"
    config_path.write_text(json.dumps(config))
    port = free_port()
    process = StationProcess(
        ["runstation", "--config", str(config_path), "--http", f"127.0.0.1:{port}"],
        env=env,
        log_path=base / "station.log",
    )
    try:
        process.wait_serving(port)
        central_system.run(central_system.csms.wait_for("BootNotification", cp_id=CP_ID))
        yield Dashboard(f"http://127.0.0.1:{port}", process, central_system)
    finally:
        process.stop()


@pytest.fixture
def screenshots(output_path: str) -> Path:
    """Where this test's screenshots go (pytest-playwright's per-test directory under test-results/)."""
    path = Path(output_path)
    path.mkdir(parents=True, exist_ok=True)
    return path


def log_in(page: Page, dashboard: Dashboard, user: str) -> Page:
    """Log ``user`` in through the login form; the overview is shown."""
    page.set_default_timeout(WAIT_S * 1000)
    page.goto(dashboard.url + "/")
    expect(page).to_have_url(f"{dashboard.url}/accounts/login/?next=/")
    page.get_by_label("User name").fill(user)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Overview", level=1)).to_be_visible()
    return page


@pytest.fixture
def operator_page(page: Page, dashboard: Dashboard) -> Page:
    """A browser page logged in to the dashboard as an operator (the superuser ``ensure_admin`` made)."""
    return log_in(page, dashboard, USER)


@pytest.fixture
def viewer_page(page: Page, dashboard: Dashboard) -> Page:
    """A browser page logged in as a viewer (may look, not change)."""
    return log_in(page, dashboard, VIEWER)

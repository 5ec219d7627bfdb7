"""``manage.py runstation`` and ``manage.py ocpp_worker`` as real processes with their own data dirs."""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from typing import Any

import pytest
from ocpp.v16 import call

from tests.conftest import ROOT, free_port, manage, ocpp_client, station_env


def get_json(url: str, token: str) -> tuple[int, Any]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def printed_tokens(output: str) -> list[str]:
    return re.findall(r"^Control API token: (\S+)$", output, flags=re.MULTILINE)


def test_it_serves_the_station_prints_the_token_once_and_stops_on_sigterm(migrated_data_dir, start_station):
    env = station_env(migrated_data_dir)
    port = free_port()
    first = start_station("runstation", "--http", f"127.0.0.1:{port}", env=env)
    output = first.wait_serving(port)
    [token] = printed_tokens(output)
    assert (migrated_data_dir / "api-token").read_text().strip() == token

    status, body = get_json(f"http://127.0.0.1:{port}/api/v1/station", token)
    assert status == 200
    assert body["charge_point_id"] == "CP-DEMO-1"
    assert [c["connector_id"] for c in body["connectors"]] == [0, 1, 2]
    assert get_json(f"http://127.0.0.1:{port}/api/v1/station", "wrong")[0] == 401
    assert first.stop(signal.SIGTERM) == 0

    second = start_station("runstation", "--http", f"127.0.0.1:{port}", "--id", "CP-OTHER", env=env)
    output = second.wait_serving(port)
    assert printed_tokens(output) == []
    status, body = get_json(f"http://127.0.0.1:{port}/api/v1/station", token)
    assert (status, body["charge_point_id"]) == (200, "CP-OTHER")
    assert second.stop(signal.SIGTERM) == 0
    assert "Traceback" not in first.output() + second.output()


def test_it_stops_on_sigint(migrated_data_dir, start_station):
    port = free_port()
    station = start_station("runstation", "--http", f"127.0.0.1:{port}", env=station_env(migrated_data_dir))
    station.wait_serving(port)
    assert station.stop(signal.SIGINT) == 0


def test_it_uses_the_token_from_the_environment(migrated_data_dir, start_station):
    port = free_port()
    station = start_station(
        "runstation", "--http", f"127.0.0.1:{port}", env=station_env(migrated_data_dir, STATION_API_TOKEN="env-token-1")
    )
    station.wait_serving(port)
    assert get_json(f"http://127.0.0.1:{port}/api/v1/station", "env-token-1")[0] == 200
    assert station.stop() == 0
    assert printed_tokens(station.output()) == []
    assert not (migrated_data_dir / "api-token").exists()


async def test_it_starts_the_demo_central_system_when_none_is_configured(migrated_data_dir, start_station):
    port = free_port()
    station = start_station(
        "runstation", "--http", f"127.0.0.1:{port}", "--demo-csms-if-unconfigured", env=station_env(migrated_data_dir)
    )
    output = station.wait_for_output("demo-csms: listening on ")
    demo_url = re.search(r"demo-csms: listening on (ws://127\.0\.0\.1:\d+/)", output)
    assert demo_url is not None

    async with ocpp_client(demo_url[1], "CP-TEST") as client:
        response = await client.call(call.BootNotification(charge_point_model="Model", charge_point_vendor="Vendor"))
    assert response.status == "Accepted"
    station.wait_for_output("demo-csms: CP-TEST → BootNotification")
    assert station.stop() == 0


def test_it_does_not_start_the_demo_when_a_central_system_is_given(migrated_data_dir, start_station):
    port = free_port()
    args = ["--http", f"127.0.0.1:{port}", "--demo-csms-if-unconfigured", "--csms-url", "ws://127.0.0.1:9/"]
    station = start_station("runstation", *args, env=station_env(migrated_data_dir))
    station.wait_serving(port)
    assert station.stop() == 0
    assert "demo-csms" not in station.output()


def test_it_refuses_a_missing_config_file(tmp_path):
    result = manage("runstation", "--config", str(tmp_path / "nope.json"), env=station_env(tmp_path / "data"))
    assert result.returncode == 2
    assert f"--config {tmp_path / 'nope.json'}: no such file" in result.stderr


def test_it_refuses_a_config_file_that_is_not_json(tmp_path):
    config = tmp_path / "config.json"
    config.write_text("{not json")
    result = manage("runstation", "--config", str(config), env=station_env(tmp_path / "data"))
    assert result.returncode == 2
    assert "not a readable JSON file" in result.stderr


def test_it_refuses_a_bad_http_address(tmp_path):
    result = manage("runstation", "--http", "localhost", env=station_env(tmp_path / "data"))
    assert result.returncode == 2
    assert "argument --http: 'localhost' is not HOST:PORT" in result.stderr


def test_it_refuses_an_unmigrated_database(tmp_path):
    result = manage("runstation", "--http", f"127.0.0.1:{free_port()}", env=station_env(tmp_path / "data"))
    assert result.returncode == 2
    assert "run `manage.py migrate` first" in result.stderr


def test_it_exits_1_when_it_cannot_listen(migrated_data_dir):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = manage("runstation", "--http", f"127.0.0.1:{port}", env=station_env(migrated_data_dir))
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr


def test_it_exits_1_when_the_station_crashes(tmp_path):
    # The web server with a station task that fails: the error is logged and the process exits 1.
    script = (
        "import django, os\n"
        "os.environ['DJANGO_SETTINGS_MODULE'] = 'station.settings'\n"
        "django.setup()\n"
        "from station.management.commands.runstation import Command\n"
        "async def station():\n"
        "    raise RuntimeError('the relay is on fire')\n"
        f"raise SystemExit(1 if Command().serve('127.0.0.1', {free_port()}, station(), verbosity=1) else 0)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=station_env(tmp_path / "data"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "the station crashed" in result.stderr
    assert "RuntimeError: the relay is on fire" in result.stderr


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_the_worker_runs_until_signalled(migrated_data_dir, start_station, sig):
    worker = start_station("ocpp_worker", env=station_env(migrated_data_dir))
    worker.wait_for_output("SIGTERM or SIGINT stops")
    assert worker.stop(sig) == 0
    assert "stopped" in worker.output()
    assert "Traceback" not in worker.output()


def test_the_worker_refuses_a_missing_config_file(tmp_path):
    result = manage("ocpp_worker", "--config", str(tmp_path / "nope.json"), env=station_env(tmp_path / "data"))
    assert result.returncode == 2
    assert "no such file" in result.stderr

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from station import settings as station_settings
from tests.conftest import REDIS_URL, check_redis, manage, require_service, station_env


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("TRUE", True), (" on ", True), ("0", False), ("no", False)]
)
def test_it_reads_booleans(monkeypatch, raw, expected):
    monkeypatch.setenv("STATION_DEBUG", raw)
    assert station_settings.env_bool("STATION_DEBUG", not expected) is expected


def test_it_refuses_a_bad_boolean(monkeypatch):
    monkeypatch.setenv("STATION_DEBUG", "maybe")
    with pytest.raises(ImproperlyConfigured, match=r"STATION_DEBUG='maybe' is not a boolean"):
        station_settings.env_bool("STATION_DEBUG", False)


def test_it_reads_integers_with_a_minimum(monkeypatch):
    monkeypatch.setenv("STATION_TRACE_MAX_ROWS", "500")
    assert station_settings.env_int("STATION_TRACE_MAX_ROWS", 1, minimum=1) == 500
    monkeypatch.setenv("STATION_TRACE_MAX_ROWS", "lots")
    with pytest.raises(ImproperlyConfigured, match="STATION_TRACE_MAX_ROWS='lots' is not an integer"):
        station_settings.env_int("STATION_TRACE_MAX_ROWS", 1, minimum=1)
    monkeypatch.setenv("STATION_TRACE_MAX_ROWS", "0")
    with pytest.raises(ImproperlyConfigured, match="STATION_TRACE_MAX_ROWS=0 is below the minimum 1"):
        station_settings.env_int("STATION_TRACE_MAX_ROWS", 1, minimum=1)


def test_it_refuses_an_unknown_channel_layer(monkeypatch):
    monkeypatch.setenv("STATION_CHANNEL_LAYER", "kafka")
    with pytest.raises(ImproperlyConfigured, match="STATION_CHANNEL_LAYER='kafka' is not one of memory, redis"):
        station_settings.env_choice("STATION_CHANNEL_LAYER", "memory", ("memory", "redis"))


def test_it_refuses_an_empty_host_list(monkeypatch):
    monkeypatch.setenv("STATION_ALLOWED_HOSTS", " , ")
    with pytest.raises(ImproperlyConfigured, match="STATION_ALLOWED_HOSTS is set but lists nothing"):
        station_settings.env_list("STATION_ALLOWED_HOSTS", ["localhost"])


def test_it_refuses_a_token_with_spaces_without_echoing_it(monkeypatch):
    monkeypatch.setenv("STATION_API_TOKEN", "sec ret")
    with pytest.raises(ImproperlyConfigured, match="STATION_API_TOKEN must be") as info:
        station_settings.env_secret("STATION_API_TOKEN")
    assert "sec ret" not in str(info.value)


def test_it_parses_a_postgres_url():
    config = station_settings.database_from_url("postgres://user:p%40ss@db.example:6543/station?sslmode=require")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["NAME"], config["USER"], config["PASSWORD"]) == ("station", "user", "p@ss")
    assert (config["HOST"], config["PORT"], config["OPTIONS"]) == ("db.example", "6543", {"sslmode": "require"})


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://user:hunter2@host/db", "scheme 'mysql' is not supported"),
        ("postgres://user:hunter2@host:5432/", "the database name is missing"),
        ("postgres://user:hunter2@host:99999/db", "the port is not a number"),
    ],
)
def test_it_refuses_a_bad_database_url_without_echoing_the_password(url, message):
    with pytest.raises(ImproperlyConfigured, match=message) as info:
        station_settings.database_from_url(url)
    assert "hunter2" not in str(info.value)


def test_it_builds_both_channel_layers():
    memory = station_settings.channel_layers("memory", "redis://127.0.0.1:6379/0")
    assert memory["default"]["BACKEND"] == "channels.layers.InMemoryChannelLayer"
    redis = station_settings.channel_layers("redis", "redis://127.0.0.1:6379/3")
    assert redis["default"] == {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {"hosts": ["redis://127.0.0.1:6379/3"]},
    }
    with pytest.raises(ImproperlyConfigured, match="REDIS_URL must start with"):
        station_settings.channel_layers("redis", "http://127.0.0.1:6379")


def _load_settings(data_dir: Path, **env: str):
    code = "from django.conf import settings; print(settings.DATABASES['default']['NAME'])"
    return manage("shell", "-v0", "-c", code, env=station_env(data_dir, **env))


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("STATION_DEBUG", "maybe"),
        ("STATION_CHANNEL_LAYER", "kafka"),
        ("DATABASE_URL", "mysql://root@localhost/station"),
        ("STATION_TRACE_MAX_ROWS", "-5"),
    ],
)
def test_it_refuses_to_start_with_a_bad_variable(tmp_path, variable, value):
    result = _load_settings(tmp_path / "data", **{variable: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert variable in result.stderr


def test_it_keeps_everything_in_the_data_dir(tmp_path):
    data_dir = tmp_path / "nested" / "data"
    result = _load_settings(data_dir)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(data_dir / "station.sqlite3")
    secret_key = data_dir / "secret-key"
    assert stat.S_IMODE(secret_key.stat().st_mode) == 0o600
    first = secret_key.read_text()
    assert _load_settings(data_dir).returncode == 0
    assert secret_key.read_text() == first  # generated once, then reused


def test_it_opens_sqlite_in_wal_mode(tmp_path):
    code = (
        "from django.db import connection\n"
        "with connection.cursor() as c:\n"
        "    for pragma in ('journal_mode', 'synchronous', 'busy_timeout'):\n"
        "        c.execute(f'PRAGMA {pragma}'); print(c.fetchone()[0])\n"
    )
    result = manage("shell", "-v0", "-c", code, env=station_env(tmp_path / "data"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["wal", "1", "5000"]  # synchronous 1 = NORMAL


@pytest.mark.services
async def test_the_redis_channel_layer_carries_messages():
    require_service(f"Redis ({REDIS_URL})", check_redis)
    from channels_redis.core import RedisChannelLayer

    layer = RedisChannelLayer(**station_settings.channel_layers("redis", REDIS_URL)["default"]["CONFIG"])
    try:
        channel = await layer.new_channel()
        await layer.send(channel, {"type": "station.test", "n": 1})
        assert await layer.receive(channel) == {"type": "station.test", "n": 1}
    finally:
        await layer.close_pools()


@pytest.mark.parametrize(
    ("argv", "name"),
    [
        (["manage.py", "runstation", "--config", "c.json"], "station.log"),
        (["manage.py", "ocpp_worker"], "station.log"),
        (["/venv/bin/daphne", "station.asgi:application"], "web.log"),
        (["manage.py", "migrate"], "web.log"),
        (["manage.py"], "web.log"),
    ],
)
def test_each_process_has_a_log_file_of_its_own(argv, name):
    assert station_settings.default_log_name(argv) == name


def test_the_station_and_the_web_process_write_different_log_files(tmp_path):
    code = "from django.conf import settings; print(settings.STATION_LOG_FILE)"
    result = manage("shell", "-v0", "-c", code, env=station_env(tmp_path / "data"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(tmp_path / "data" / "logs" / "web.log")

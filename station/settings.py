"""Django settings, read from the environment.

| variable | meaning | default |
|---|---|---|
| ``STATION_DATA_DIR`` | all persistent state: SQLite database, secret key, API token, ... | ``<project>/data`` |
| ``DATABASE_URL`` | ``postgres://user:password@host:port/name`` selects PostgreSQL | SQLite in the data dir |
| ``STATION_CHANNEL_LAYER`` | ``memory`` (one process) or ``redis`` (split deployment) | ``memory`` |
| ``REDIS_URL`` | the Redis server of the ``redis`` channel layer | ``redis://127.0.0.1:6379/0`` |
| ``STATION_DEBUG`` | Django's DEBUG | off |
| ``STATION_ALLOWED_HOSTS`` | comma-separated host names | ``localhost,127.0.0.1,[::1]`` |
| ``STATION_API_TOKEN`` | the control API's bearer token | generated into the data dir |
| ``STATION_TRACE_MAX_ROWS`` | message trace rows kept | ``200000`` |
| ``STATION_TRACE_MAX_AGE_DAYS`` | message trace rows older than this many days are deleted (> 0) | unset: no age limit |
| ``STATION_TRACE_CONSOLE`` | also log every frame to the console | off |
| ``STATION_SIMULATOR_SAMPLE_SECONDS`` | seconds between the simulator's meter samples (> 0) | ``5`` |
| ``STATION_LOG_FILE`` | the application log (rotated; read into diagnostics bundles); ``off`` for none; one file per process | ``<data>/logs/station.log`` (``runstation``, ``ocpp_worker``), ``<data>/logs/web.log`` (any other process) |

A bad value raises ``ImproperlyConfigured`` naming the variable (never echoing a secret).
"""

from __future__ import annotations

import math
import os
import secrets
import sys
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

from station.auth_token import read_or_create_secret

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean: use 1/0, true/false, yes/no or on/off")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={value} is below the minimum {minimum}")
    return value


def env_float(name: str, default: float, *, above: float | None = None) -> float:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = float(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a number") from None
    if not math.isfinite(value):
        raise ImproperlyConfigured(f"{name}={raw!r} is not a finite number")
    if above is not None and value <= above:
        raise ImproperlyConfigured(f"{name}={value} must be greater than {above}")
    return value


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = os.environ.get(name, "").strip().lower() or default
    if value not in choices:
        raise ImproperlyConfigured(f"{name}={value!r} is not one of {', '.join(choices)}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    items = [item.strip() for item in raw.split(",") if item.strip()]
    if not items:
        raise ImproperlyConfigured(f"{name} is set but lists nothing (comma-separated values expected)")
    return items


def env_path(name: str, default: Path) -> Path:
    raw = os.environ.get(name, "").strip()
    return Path(raw).expanduser().resolve() if raw else default


#: The management commands that run the station (and so write its log, ``station.log``).
STATION_COMMANDS = ("runstation", "ocpp_worker")


def default_log_name(argv: list[str]) -> str:
    """``station.log`` for a process running the station, ``web.log`` for any other (daphne in the
    split deployment, other commands): two processes never rotate the same file."""
    return "station.log" if len(argv) > 1 and argv[1] in STATION_COMMANDS else "web.log"


def env_secret(name: str) -> str | None:
    """A secret from the environment; never echoed in errors."""
    raw = os.environ.get(name)
    if raw is None:
        return None
    if not raw.strip() or not raw.isascii() or any(c.isspace() or not c.isprintable() for c in raw):
        raise ImproperlyConfigured(f"{name} must be non-empty printable ASCII without spaces")
    return raw


def database_from_url(url: str) -> dict[str, Any]:
    """Django ``DATABASES`` entry for ``postgres://user:password@host:port/name?option=value``."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("postgres", "postgresql"):
        raise ImproperlyConfigured(
            f"DATABASE_URL: scheme {parts.scheme!r} is not supported; use postgres://user:password@host:port/name"
        )
    name = unquote(parts.path.lstrip("/"))
    if not name or "/" in name:
        raise ImproperlyConfigured("DATABASE_URL: the database name is missing (postgres://user@host:port/NAME)")
    try:
        port = parts.port
    except ValueError:
        raise ImproperlyConfigured("DATABASE_URL: the port is not a number between 0 and 65535") from None
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": unquote(parts.hostname or ""),
        "PORT": str(port or ""),
        "OPTIONS": dict(parse_qsl(parts.query)),
        "CONN_HEALTH_CHECKS": True,
    }


def sqlite_database(path: Path) -> dict[str, Any]:
    """The embedded database: WAL, synchronous=NORMAL, BEGIN IMMEDIATE (STACK.md §4)."""
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": path,
        "OPTIONS": {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
            "transaction_mode": "IMMEDIATE",
        },
    }


def channel_layers(kind: str, redis_url: str) -> dict[str, Any]:
    if kind == "memory":
        return {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    if urlsplit(redis_url).scheme not in ("redis", "rediss", "unix"):
        raise ImproperlyConfigured("REDIS_URL must start with redis://, rediss:// or unix://")
    return {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [redis_url]}}}


# --- data dir and secrets ---------------------------------------------------------------------

STATION_DATA_DIR = env_path("STATION_DATA_DIR", BASE_DIR / "data")
try:
    STATION_DATA_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
except OSError as exc:
    raise ImproperlyConfigured(f"STATION_DATA_DIR={str(STATION_DATA_DIR)!r} cannot be created: {exc}") from None

try:
    SECRET_KEY, _ = read_or_create_secret(STATION_DATA_DIR / "secret-key", lambda: secrets.token_urlsafe(50))
except (OSError, ValueError) as exc:
    raise ImproperlyConfigured(f"STATION_DATA_DIR: the secret key cannot be read or created: {exc}") from None
STATION_API_TOKEN = env_secret("STATION_API_TOKEN")
STATION_API_TOKEN_FILE = STATION_DATA_DIR / "api-token"
STATION_TRACE_MAX_ROWS = env_int("STATION_TRACE_MAX_ROWS", 200_000, minimum=1)
#: Days of message trace kept (None: no age limit, only STATION_TRACE_MAX_ROWS).
STATION_TRACE_MAX_AGE_DAYS: float | None = (
    env_float("STATION_TRACE_MAX_AGE_DAYS", 0.0, above=0)
    if os.environ.get("STATION_TRACE_MAX_AGE_DAYS", "").strip()
    else None
)
STATION_TRACE_CONSOLE = env_bool("STATION_TRACE_CONSOLE", False)
STATION_SIMULATOR_SAMPLE_SECONDS = env_float("STATION_SIMULATOR_SAMPLE_SECONDS", 5.0, above=0)
STATION_DEFAULT_CONFIG = BASE_DIR / "fixtures" / "demo-config.json"
#: The application log file (None: not written); station/diagnostics.py reads it into bundles.
STATION_LOG_FILE: Path | None = (
    None
    if os.environ.get("STATION_LOG_FILE", "").strip().lower() == "off"
    else env_path("STATION_LOG_FILE", STATION_DATA_DIR / "logs" / default_log_name(sys.argv))
)
if STATION_LOG_FILE is not None:
    try:
        STATION_LOG_FILE.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise ImproperlyConfigured(
            f"STATION_LOG_FILE={str(STATION_LOG_FILE)!r}: its directory cannot be created: {exc}"
        ) from None

# --- Django -----------------------------------------------------------------------------------

DEBUG = env_bool("STATION_DEBUG", False)
ALLOWED_HOSTS = env_list("STATION_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])

INSTALLED_APPS = [
    "daphne",
    "channels",
    "django_htmx",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "station",
    "station.dashboard",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "station.urls"
ASGI_APPLICATION = "station.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

_database_url = os.environ.get("DATABASE_URL", "").strip()
DATABASES = {
    "default": database_from_url(_database_url)
    if _database_url
    else sqlite_database(STATION_DATA_DIR / "station.sqlite3")
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CHANNEL_LAYERS = channel_layers(
    env_choice("STATION_CHANNEL_LAYER", "memory", ("memory", "redis")),
    os.environ.get("REDIS_URL", "").strip() or "redis://127.0.0.1:6379/0",
)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]

_LOG_HANDLERS: dict[str, dict[str, Any]] = {"console": {"class": "logging.StreamHandler", "formatter": "plain"}}
if STATION_LOG_FILE is not None:
    _LOG_HANDLERS["file"] = {
        "class": "logging.handlers.RotatingFileHandler",
        "filename": str(STATION_LOG_FILE),
        "maxBytes": 5 * 1024 * 1024,
        "backupCount": 3,
        "encoding": "utf-8",
        "delay": True,
        "formatter": "utc",
    }

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        # one record per line, starting with its UTC time: diagnostics bundles select by time
        "utc": {"()": "station.diagnostics.UtcFormatter", "fmt": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": _LOG_HANDLERS,
    "root": {"handlers": list(_LOG_HANDLERS), "level": "WARNING"},
    "loggers": {
        "station": {"level": "INFO"},
        "ocpp_core": {"level": "INFO"},
    },
}

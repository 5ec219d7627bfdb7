"""Secret files under the data dir, and the control API's bearer token.

The token comes from ``STATION_API_TOKEN`` if set; otherwise one is generated on first start, kept
in ``<STATION_DATA_DIR>/api-token`` (mode 0600) and printed once by the command that created it.
Tokens are compared with :func:`hmac.compare_digest` only, and never logged.
"""

from __future__ import annotations

import contextlib
import hmac
import os
import secrets
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest

__all__ = ["api_token", "ensure_api_token", "read_or_create_secret", "request_has_token"]


def read_or_create_secret(path: Path, make: Callable[[], str]) -> tuple[str, bool]:
    """The secret stored in ``path``, creating it with ``make()`` if the file does not exist.

    Returns ``(secret, created)``. Creation is atomic: the secret is written to a private temporary
    file which is then hard-linked to ``path``, so two processes starting together agree on one
    secret and no reader ever sees a half-written file.
    """
    with contextlib.suppress(FileNotFoundError):
        return _read(path), False
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as file:
            file.write(make() + "\n")
        try:
            os.link(tmp, path)
        except FileExistsError:  # another process won the race: use its secret
            return _read(path), False
    finally:
        tmp.unlink()
    return _read(path), True


def _read(path: Path) -> str:
    value = path.read_text(encoding="ascii").strip()
    if not value:
        raise ValueError(f"{path} is empty: delete it to have a new secret generated")
    return value


def _generate_token() -> str:
    return secrets.token_urlsafe(32)


_cache: dict[Path, str] = {}


def ensure_api_token() -> tuple[str, bool]:
    """The API token, and whether it was generated just now (the caller then prints it once)."""
    if settings.STATION_API_TOKEN is not None:
        return settings.STATION_API_TOKEN, False
    path = Path(settings.STATION_API_TOKEN_FILE)
    token, created = read_or_create_secret(path, _generate_token)
    _cache[path] = token
    return token, created


def api_token() -> str:
    """The API token (generated silently if no command has done it yet)."""
    if settings.STATION_API_TOKEN is not None:
        return settings.STATION_API_TOKEN
    path = Path(settings.STATION_API_TOKEN_FILE)
    token = _cache.get(path)
    if token is None:
        token, _ = ensure_api_token()
    return token


def request_has_token(request: HttpRequest) -> bool:
    """Whether ``request`` carries ``Authorization: Bearer <the API token>``."""
    scheme, _, given = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        return False
    return hmac.compare_digest(given.strip().encode(), api_token().encode())

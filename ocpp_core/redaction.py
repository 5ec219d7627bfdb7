"""Masking secrets in frames before they reach any log or trace.

The AuthorizationKey is write-only (OCPP-J 1.6 §6.2.2, Security Whitepaper A01): it travels once,
in a ChangeConfiguration CALL, and must never appear in the message trace or a log. A transfer
location (UpdateFirmware, GetDiagnostics, SignedUpdateFirmware, GetLog) may carry a password in
its URL (``ftp://user:secret@host/...``): the password is masked, the rest of the URL kept.
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["MASK", "SECRET_KEYS", "redact_frame", "redact_url"]

MASK = "***"
#: Configuration keys whose values are secrets (compared case-insensitively).
SECRET_KEYS = frozenset({"authorizationkey"})


#: CALLs whose payload holds a transfer location, and the path to it.
_LOCATIONS: dict[str, tuple[str, ...]] = {
    "UpdateFirmware": ("location",),
    "GetDiagnostics": ("location",),
    "SignedUpdateFirmware": ("firmware", "location"),
    "GetLog": ("log", "remoteLocation"),
}
#: scheme://user:password@ -- the password part.
_URL_PASSWORD = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://[^/@:]*:)([^/]*)@")  # greedy: to the last @


def redact_url(url: str) -> str:
    """``url`` with the password of its user information masked."""
    return _URL_PASSWORD.sub(lambda m: f"{m.group(1)}{MASK}@", url, count=1)


def _redact_location(items: list[Any]) -> bool:
    path = _LOCATIONS[items[2]]
    holder: Any = items[3]
    for name in path[:-1]:
        holder = holder.get(name) if isinstance(holder, dict) else None
    if not isinstance(holder, dict) or not isinstance(holder.get(path[-1]), str):
        return False
    masked = redact_url(holder[path[-1]])
    if masked == holder[path[-1]]:
        return False
    holder[path[-1]] = masked
    return True


def redact_frame(text: str) -> str:
    """``text`` with secret values masked; unchanged when it holds none (or is not a frame)."""
    location = "@" in text and any(action in text for action in _LOCATIONS)
    if "ChangeConfiguration" not in text and not location:
        return text
    try:
        items: Any = json.loads(text)
    except ValueError:
        return text
    if (
        location
        and isinstance(items, list)
        and len(items) == 4
        and items[0] == 2
        and items[2] in _LOCATIONS
        and isinstance(items[3], dict)
        and _redact_location(items)
    ):
        return json.dumps(items, separators=(",", ":"), ensure_ascii=False)
    if (
        isinstance(items, list)
        and len(items) == 4
        and items[0] == 2
        and items[2] == "ChangeConfiguration"
        and isinstance(items[3], dict)
        and str(items[3].get("key", "")).casefold() in SECRET_KEYS
        and "value" in items[3]
    ):
        items[3] = {**items[3], "value": MASK}
        return json.dumps(items, separators=(",", ":"), ensure_ascii=False)
    return text

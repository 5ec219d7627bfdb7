"""Masking secrets in frames before they reach any log or trace.

The AuthorizationKey is write-only (OCPP-J 1.6 §6.2.2, Security Whitepaper A01): it travels once,
in a ChangeConfiguration CALL, and must never appear in the message trace or a log.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["MASK", "SECRET_KEYS", "redact_frame"]

MASK = "***"
#: Configuration keys whose values are secrets (compared case-insensitively).
SECRET_KEYS = frozenset({"authorizationkey"})


def redact_frame(text: str) -> str:
    """``text`` with secret values masked; unchanged when it holds none (or is not a frame)."""
    if "ChangeConfiguration" not in text:
        return text
    try:
        items: Any = json.loads(text)
    except ValueError:
        return text
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

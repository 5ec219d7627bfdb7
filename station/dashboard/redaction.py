"""Masking credentials in text the dashboard shows (firmware and diagnostics locations, job details).

A firmware or diagnostics location is a URL chosen by the central system, and may carry
credentials: ``ftp://user:password@host/file`` or ``https://host/file?token=...``. The dashboard
shows the URL with the password and such query values replaced by ``***``, and masks the values
of fields whose names say they are secret.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import fields as dataclass_fields
from dataclasses import is_dataclass
from datetime import datetime
from enum import Enum
from typing import Any

__all__ = ["MASK", "describe", "redact_url"]

MASK = "***"

#: ``scheme://user:password@`` -- the password part (any character but ``@``, ``/`` and spaces).
_USERINFO = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^:/@\s]*:)(?P<secret>[^@/\s]*)(?=@)")
#: Query parameters whose values are secret.
_QUERY = re.compile(
    r"(?P<head>[?&;](?:password|passwd|pwd|pass|secret|token|access_token|auth|key|apikey|api_key|sig|signature)=)"
    r"(?P<secret>[^&;#\s]*)",
    re.IGNORECASE,
)
#: Field names whose values are never shown.
_SECRET_NAMES = re.compile(r"password|passwd|secret|token|credential|private|authorization_?key", re.IGNORECASE)


def redact_url(text: str) -> str:
    """``text`` with URL passwords and secret query values replaced by :data:`MASK`."""
    text = _USERINFO.sub(lambda m: m.group("head") + (MASK if m.group("secret") else ""), text)
    return _QUERY.sub(lambda m: m.group("head") + (MASK if m.group("secret") else ""), text)


def _label(name: str) -> str:
    return name.replace("_", " ").strip().capitalize()


def _show(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S UTC") if value.utcoffset() is not None else value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(_show(item) for item in value) or "—"
    return redact_url(str(value))


def describe(job: Any) -> list[tuple[str, str]]:
    """(label, text) pairs of a job's fields (a mapping or a dataclass), secrets masked."""
    if job is None:
        return []
    if is_dataclass(job) and not isinstance(job, type):
        fields: Mapping[str, Any] = {f.name: getattr(job, f.name) for f in dataclass_fields(job)}
    elif isinstance(job, Mapping):
        fields = job
    else:
        return [("Details", _show(job))]
    return [
        (_label(str(name)), MASK if _SECRET_NAMES.search(str(name)) and value not in (None, "") else _show(value))
        for name, value in fields.items()
    ]

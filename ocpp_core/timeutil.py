"""Date-time helpers: OCPP uses RFC 3339 date-times; the engine works in aware UTC datetimes."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

__all__ = ["earliest", "format_datetime", "parse_datetime", "to_utc"]

# RFC 3339 date-time (the JSON schema "date-time" format): date, 'T', time, optional fraction, offset.
_RFC3339 = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


def parse_datetime(text: str) -> datetime:
    """Parse an RFC 3339 date-time into an aware UTC datetime; ``ValueError`` if it is not one."""
    match = _RFC3339.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not an RFC 3339 date-time")
    offset = match.group(8)
    if offset in ("Z", "z") or (offset[1:3] <= "23" and offset[4:6] <= "59"):  # fromisoformat allows +00:60
        try:
            # The C parser reads nearly every RFC 3339 text (5x faster; every CALL has a timestamp).
            return datetime.fromisoformat(text).astimezone(UTC)
        except ValueError:
            pass  # 't' or 'z', a leap second, or a field out of range: read field by field
    return _parse_match(text, match)


def _parse_match(text: str, match: re.Match[str]) -> datetime:
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    fraction, offset = match.group(7), match.group(8)
    micro = int((fraction[1:] + "000000")[:6]) if fraction else 0
    leap = second == 60  # RFC 3339 allows a leap second; Python does not
    value = datetime(year, month, day, hour, minute, 59 if leap else second, micro)
    if offset in ("Z", "z"):
        tz_delta = timedelta(0)
    else:
        sign = 1 if offset[0] == "+" else -1
        oh, om = int(offset[1:3]), int(offset[4:6])
        if oh > 23 or om > 59:
            raise ValueError(f"{text!r} has an invalid UTC offset")
        tz_delta = sign * timedelta(hours=oh, minutes=om)
    result = (value - tz_delta).replace(tzinfo=UTC)
    return result + timedelta(seconds=1) if leap else result


def earliest(*times: datetime | None) -> datetime | None:
    """The earliest of ``times`` that is not None (None if all are).

    The engine's timers ask this on every step (``ChargePoint.next_deadline``): a plain loop is
    several times cheaper than ``min()`` over a generator with a default.
    """
    best: datetime | None = None
    for time in times:
        if time is not None and (best is None or time < best):
            best = time
    return best


def to_utc(value: datetime) -> datetime:
    """``value`` as an aware UTC datetime (naive values are taken as UTC)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def format_datetime(value: datetime) -> str:
    """RFC 3339 text in UTC with a ``Z`` suffix and millisecond precision."""
    v = to_utc(value)
    return (
        f"{v.year:04d}-{v.month:02d}-{v.day:02d}T{v.hour:02d}:{v.minute:02d}:{v.second:02d}."
        f"{v.microsecond // 1000:03d}Z"
    )

"""Template filters of the dashboard: ``{% load dashboard_tags %}``.

* ``user|can_operate`` -- may this user change things (:mod:`station.dashboard.permissions`)?
* ``user|role`` -- ``"operator"`` or ``"viewer"``.
* ``text|redact_url`` -- a URL with any password in it replaced by ``***``.
* ``when|at:"Y-m-d H:i:s"`` -- a time as ``<time>``, written in UTC with that format;
  ``static/station/times.js`` rewrites it in the browser's time zone when the user chose local
  times (the toggle in the header), and every ``<span class="tz">UTC</span>`` label with it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django import template
from django.utils.dateformat import format as date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString

from station.dashboard.permissions import is_operator, role_of
from station.dashboard.redaction import redact_url

register = template.Library()


@register.filter
def can_operate(user: Any) -> bool:
    return is_operator(user)


@register.filter
def role(user: Any) -> str:
    return role_of(user)


@register.filter(name="redact_url")
def redact_url_filter(value: Any) -> str:
    return redact_url("" if value is None else str(value))


#: The formats ``times.js`` knows how to write in local time (Django ``date`` format strings).
TIME_FORMATS = frozenset({"Y-m-d H:i:s.v", "Y-m-d H:i:s", "Y-m-d H:i", "H:i:s", "H:i"})


@register.filter
def at(value: Any, fmt: str = "Y-m-d H:i:s") -> SafeString | str:
    """``value`` (an aware datetime) as ``<time datetime=ISO data-fmt=fmt>`` with its UTC text."""
    if not isinstance(value, datetime):
        return ""
    if fmt not in TIME_FORMATS:
        raise template.TemplateSyntaxError(f"at: unknown time format {fmt!r} (one of {sorted(TIME_FORMATS)})")
    utc = value.astimezone(UTC)
    # "v" (milliseconds) is times.js's; Django's date format has microseconds ("u") only.
    text = date_format(utc, fmt[:-1] + "u")[:-3] if fmt.endswith("v") else date_format(utc, fmt)
    return format_html('<time datetime="{}" data-fmt="{}">{}</time>', utc.isoformat(timespec="milliseconds"), fmt, text)

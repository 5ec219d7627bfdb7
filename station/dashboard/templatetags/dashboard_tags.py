"""Template filters of the dashboard: ``{% load dashboard_tags %}``.

* ``user|can_operate`` -- may this user change things (:mod:`station.dashboard.permissions`)?
* ``user|role`` -- ``"operator"`` or ``"viewer"``.
* ``text|redact_url`` -- a URL with any password in it replaced by ``***``.
"""

from __future__ import annotations

from typing import Any

from django import template

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

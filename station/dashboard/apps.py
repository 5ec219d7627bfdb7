from __future__ import annotations

from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "station.dashboard"
    label = "dashboard"
    verbose_name = "Operator dashboard"
    default_auto_field = "django.db.models.BigAutoField"

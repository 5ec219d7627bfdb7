from __future__ import annotations

from django.apps import AppConfig


class StationConfig(AppConfig):
    name = "station"
    verbose_name = "OCPP station"
    default_auto_field = "django.db.models.BigAutoField"

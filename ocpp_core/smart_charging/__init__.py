"""Smart Charging: installed charging profiles, composite schedules and the limit in force."""

from __future__ import annotations

from ocpp_core.smart_charging.manager import SmartCharging

__all__ = ["SmartCharging"]

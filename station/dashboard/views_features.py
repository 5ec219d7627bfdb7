"""The feature components' pages: charging profiles with the composite schedules; firmware and diagnostics.

Both read the engine wherever the station runs (the ``smart_charging`` and ``firmware`` queries
of :mod:`.station_queries`, through :func:`station.dashboard.control.ask_sync`): what the engine
holds is the truth, and neither is stored in a form the database can show. When no station
answers they say so (503), as the configuration page does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ocpp_core.datatypes import ChargingProfile, ChargingSchedule
from ocpp_core.enums import ChargingProfilePurposeType, ChargingRateUnitType
from ocpp_core.wire import from_wire
from station.dashboard import control
from station.dashboard.charts import Step, schedule_steps, step_chart
from station.dashboard.live import hms
from station.dashboard.redaction import describe, redact_url
from station.dashboard.views import HtmxHttpRequest, page_context, read_status

#: The composite schedules cover this much time from now.
SCHEDULE_WINDOW = timedelta(hours=24)

PURPOSES = (
    (ChargingProfilePurposeType.CHARGE_POINT_MAX_PROFILE, "Station maximum (ChargePointMaxProfile)"),
    (ChargingProfilePurposeType.TX_DEFAULT_PROFILE, "Default for transactions (TxDefaultProfile)"),
    (ChargingProfilePurposeType.TX_PROFILE, "Transaction (TxProfile)"),
)


# --- charging profiles ---------------------------------------------------------------------------


def _unit(unit: ChargingRateUnitType) -> tuple[str, float]:
    """The unit shown for a rate unit, and the factor to it (watts are shown as kW)."""
    return ("kW", 0.001) if unit is ChargingRateUnitType.W else ("A", 1.0)


def _amount(value: float, unit: ChargingRateUnitType) -> str:
    shown, scale = _unit(unit)
    number = float(value) * scale
    return f"{number:.3f}".rstrip("0").rstrip(".") + f" {shown}"


@dataclass(frozen=True, slots=True)
class ProfileDetail:
    """One installed profile as its table shows it."""

    connector_id: int
    profile: ChargingProfile
    unit: str
    periods: list[dict[str, Any]]
    duration: str
    min_rate: str

    @property
    def anchor(self) -> str:
        return f"profile-{self.connector_id}-{self.profile.charging_profile_id}"


def profile_detail(connector_id: int, profile: ChargingProfile) -> ProfileDetail:
    schedule = profile.charging_schedule
    unit = schedule.charging_rate_unit
    base = schedule.start_schedule
    periods = [
        {
            "offset": f"+{hms(period.start_period)}",
            "at": base + timedelta(seconds=period.start_period) if base is not None else None,
            "limit": _amount(float(period.limit), unit),
            "number_phases": period.number_phases,
        }
        for period in sorted(schedule.charging_schedule_period, key=lambda p: p.start_period)
    ]
    return ProfileDetail(
        connector_id=connector_id,
        profile=profile,
        unit=_unit(unit)[0],
        periods=periods,
        duration=hms(schedule.duration) if schedule.duration is not None else "open-ended",
        min_rate=_amount(float(schedule.min_charging_rate), unit) if schedule.min_charging_rate is not None else "—",
    )


def group_profiles(installed: list[tuple[int, ChargingProfile]]) -> list[dict[str, Any]]:
    """Profiles by connector (0, the station, first), then purpose, then stack level (highest first)."""
    connectors: dict[int, list[tuple[int, ChargingProfile]]] = {}
    for connector_id, profile in installed:
        connectors.setdefault(connector_id, []).append((connector_id, profile))
    groups = []
    for connector_id in sorted(connectors):
        purposes = []
        for purpose, label in PURPOSES:
            of_purpose = sorted(
                (p for p in connectors[connector_id] if p[1].charging_profile_purpose is purpose),
                key=lambda p: (-p[1].stack_level, p[1].charging_profile_id),
            )
            if of_purpose:
                purposes.append(
                    {"purpose": purpose.value, "label": label, "profiles": [profile_detail(*p) for p in of_purpose]}
                )
        groups.append({"connector_id": connector_id, "purposes": purposes})
    return groups


@dataclass(frozen=True, slots=True)
class CompositeView:
    """The composite schedule of one connector over the window, drawn and tabulated."""

    connector_id: int
    schedule: ChargingSchedule | None
    steps: list[Step]
    chart: str
    unit: str
    error: str = ""

    @property
    def rows(self) -> list[dict[str, Any]]:
        scale = _unit(self.schedule.charging_rate_unit)[1] if self.schedule is not None else 1.0
        return [
            {
                "start": step.start,
                "end": step.end,
                "limit": f"{step.limit * scale:.3f}".rstrip("0").rstrip(".") + f" {self.unit}",
                "number_phases": step.number_phases,
            }
            for step in self.steps
        ]


def composite_view(
    connector_id: int, schedule: ChargingSchedule | None, *, start: datetime, error: str = ""
) -> CompositeView:
    end = start + SCHEDULE_WINDOW
    name = "the whole station" if connector_id == 0 else f"connector {connector_id}"
    if schedule is None:
        return CompositeView(connector_id, None, [], "", "", error)
    unit, scale = _unit(schedule.charging_rate_unit)
    steps = schedule_steps(schedule, start=start, end=end)
    chart = step_chart(
        steps,
        start=start,
        end=end,
        title=f"Composite schedule of {name}, next 24 hours ({unit})",
        unit=unit,
        scale=scale,
        css_class="schedule",
    )
    return CompositeView(connector_id, schedule, steps, chart, unit, error)


def smart_charging_context(answer: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """The ``smart_charging`` query's answer as the page shows it."""
    installed = [
        (int(item["connector_id"]), from_wire(ChargingProfile, item["profile"])) for item in answer["installed"]
    ]
    composites = []
    for item in answer["composites"]:
        schedule = from_wire(ChargingSchedule, item["schedule"]) if item["schedule"] is not None else None
        composites.append(composite_view(int(item["connector_id"]), schedule, start=now, error=item["error"]))
    return {
        "profile_groups": group_profiles(installed),
        "profile_count": len(installed),
        "composites": composites,
        "window_start": now,
        "window_end": now + SCHEDULE_WINDOW,
        "smart_charging_supported": bool(answer["supported"]),
    }


@login_required
@require_GET
def charging_profiles(request: HtmxHttpRequest) -> HttpResponse:
    status = read_status()
    now = datetime.now(UTC).replace(microsecond=0)
    try:
        answer = control.ask_sync("smart_charging", start=now, duration=int(SCHEDULE_WINDOW.total_seconds()))
    except control.StationUnavailable as exc:
        context = page_context("charging-profiles", status, unavailable=str(exc))
        return render(request, "station/charging_profiles.html", context, status=503)
    context = page_context("charging-profiles", status, **smart_charging_context(answer, now))
    return render(request, "station/charging_profiles.html", context)


# --- firmware and diagnostics --------------------------------------------------------------------


def _job_state(raw: Any) -> dict[str, Any]:
    state = raw if isinstance(raw, Mapping) else {}
    extra = {k: v for k, v in state.items() if k not in ("status", "job")}
    return {
        "status": str(state.get("status") or "Idle"),
        "job": describe(state.get("job")),
        "details": describe(extra) if extra else [],
    }


def firmware_context(view: Mapping[str, Any]) -> dict[str, Any]:
    """``status_view()`` as the page shows it: secrets in locations masked, times as datetimes."""
    history = []
    for item in view.get("history") or ():
        if not isinstance(item, Mapping):
            continue
        time = item.get("time")
        history.append(
            {
                "time": time if isinstance(time, datetime) else None,
                "kind": str(item.get("kind") or ""),
                "status": str(item.get("status") or ""),
                "detail": redact_url(str(item.get("detail") or "")),
            }
        )
    return {
        "jobs": [
            ("Firmware", "firmware", _job_state(view.get("firmware"))),
            ("Diagnostics", "diagnostics", _job_state(view.get("diagnostics"))),
        ],
        "history": history,
    }


def firmware_page(state: Mapping[str, Any]) -> dict[str, Any]:
    """The firmware page's context from the ``firmware`` query's answer."""
    return {"firmware_version": state.get("firmware_version"), **firmware_context(state.get("view") or {})}


@login_required
@require_GET
def firmware(request: HtmxHttpRequest) -> HttpResponse:
    status = read_status()
    try:
        state = control.ask_sync("firmware")
    except control.StationUnavailable as exc:
        context = page_context("firmware", status, unavailable=str(exc))
        return render(request, "station/firmware.html", context, status=503)
    context = page_context("firmware", status, **firmware_page(state))
    return render(request, "station/firmware.html", context)

"""The firmware and diagnostics jobs: their data, the checks of a request, the journaled JSON form.

:class:`FirmwareJob` and :class:`DiagnosticsJob` are what :class:`ocpp_core.firmware.FirmwareManager`
keeps for an accepted UpdateFirmware / GetDiagnostics; :class:`Phase` is where an update is (the
phases are explained in the :mod:`ocpp_core.firmware` docstring). This module holds no logic of the
state machine and no state. It checks a request (:func:`retry_settings`, :func:`new_diagnostics_job`,
:func:`scheme_refusal`), turns a job into the JSON-compatible dict journaled in a
:class:`~ocpp_core.storage.FeatureStateSet` and back (:func:`job_json`, :func:`firmware_job_from_json`,
:func:`diagnostics_job_from_json`), and shows jobs and history on the dashboard (:func:`job_view`,
:func:`history_entry`, :func:`history_view`) with the passwords of URLs masked (:func:`masked`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import fields as dataclass_fields
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from ocpp_core.enums import FirmwareStatus
from ocpp_core.errors import PropertyConstraintViolation
from ocpp_core.timeutil import format_datetime, parse_datetime, to_utc

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from ocpp_core.messages.firmware import GetDiagnosticsRequest

__all__ = [
    "DEFAULT_RETRIES",
    "DEFAULT_RETRY_INTERVAL",
    "PHASE_STATUS",
    "DiagnosticsJob",
    "FirmwareJob",
    "Job",
    "Phase",
    "diagnostics_job_from_json",
    "firmware_job_from_json",
    "history_entry",
    "history_view",
    "job_json",
    "job_view",
    "masked",
    "new_diagnostics_job",
    "retry_settings",
    "scheme_refusal",
]

#: Retries of a download/upload when the request gives none ("left to the Charge Point").
DEFAULT_RETRIES = 1
#: Seconds between attempts when the request gives no retryInterval.
DEFAULT_RETRY_INTERVAL = 30


class Phase(StrEnum):
    """Where a firmware update is (see the :mod:`ocpp_core.firmware` docstring)."""

    SCHEDULED = "Scheduled"
    DOWNLOADING = "Downloading"
    DOWNLOADED = "Downloaded"
    INSTALLING = "Installing"
    REBOOTING = "Rebooting"
    INSTALLED = "Installed"


#: What TriggerMessage(FirmwareStatusNotification) reports in each phase.
PHASE_STATUS = {
    Phase.SCHEDULED: FirmwareStatus.IDLE,
    Phase.DOWNLOADING: FirmwareStatus.DOWNLOADING,
    Phase.DOWNLOADED: FirmwareStatus.DOWNLOADED,
    Phase.INSTALLING: FirmwareStatus.INSTALLING,
    Phase.REBOOTING: FirmwareStatus.INSTALLING,
    Phase.INSTALLED: FirmwareStatus.INSTALLED,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class FirmwareJob:
    """An accepted UpdateFirmware.

    ``attempts`` counts the downloads started; ``ref`` is the attempt (or installation) whose
    outcome is awaited, None between attempts; ``next_at`` is when the next attempt is due.
    """

    job_id: int
    location: str
    retrieve_date: datetime
    retries: int
    retry_interval: int
    phase: Phase
    attempts: int = 0
    ref: str | None = None
    next_at: datetime | None = None
    path: str | None = None
    taken: tuple[int, ...] = ()
    version: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class DiagnosticsJob:
    """An accepted GetDiagnostics (``attempts``, ``ref``, ``next_at`` as in :class:`FirmwareJob`)."""

    job_id: int
    location: str
    file_name: str
    start_time: datetime | None
    stop_time: datetime | None
    retries: int
    retry_interval: int
    attempts: int = 0
    ref: str | None = None
    next_at: datetime | None = None


Job = FirmwareJob | DiagnosticsJob


def retry_settings(retries: int | None, interval: int | None) -> tuple[int, int]:
    """A request's (retries, retryInterval), defaults filled in; :class:`PropertyConstraintViolation`
    for a negative one."""
    if retries is not None and retries < 0:
        raise PropertyConstraintViolation(f"retries must not be negative, not {retries}")
    if interval is not None and interval < 0:
        raise PropertyConstraintViolation(f"retryInterval must not be negative, not {interval}")
    return (
        DEFAULT_RETRIES if retries is None else retries,
        DEFAULT_RETRY_INTERVAL if interval is None else interval,
    )


def new_diagnostics_job(request: GetDiagnosticsRequest, charge_point_id: str | None, now: datetime) -> DiagnosticsJob:
    """The job for a GetDiagnostics (``job_id`` 0: numbered when accepted), its file named
    ``diagnostics-<charge point id>-<now>.zip``.

    Raises :class:`PropertyConstraintViolation` for a negative retries or retryInterval, or a
    stopTime before the startTime.
    """
    retries, interval = retry_settings(request.retries, request.retry_interval)
    start = to_utc(request.start_time) if request.start_time is not None else None
    stop = to_utc(request.stop_time) if request.stop_time is not None else None
    if start is not None and stop is not None and stop < start:
        raise PropertyConstraintViolation("GetDiagnostics: stopTime is before startTime")
    cp_id = re.sub(r"[^A-Za-z0-9._-]", "_", charge_point_id or "station")[:120]
    return DiagnosticsJob(
        job_id=0,
        location=request.location,
        file_name=f"diagnostics-{cp_id}-{to_utc(now):%Y%m%dT%H%M%SZ}.zip",
        start_time=start,
        stop_time=stop,
        retries=retries,
        retry_interval=interval,
    )


def scheme_refusal(location: str, allowed: Sequence[str]) -> str | None:
    """Why ``location`` cannot be used (its scheme is not in ``allowed``), or None when it can."""
    scheme = location.split(":", 1)[0].upper() if ":" in location else ""
    if scheme not in {p.strip().upper() for p in allowed}:
        return f"{scheme or 'no'} scheme: not among SupportedFileTransferProtocols ({','.join(allowed)})"
    return None


# --- job (de)serialisation: JSON-compatible dicts for FeatureStateSet ---------------------------

_TIMES = ("retrieve_date", "next_at", "start_time", "stop_time")


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return format_datetime(value)
    return list(value) if isinstance(value, tuple) else value.value if isinstance(value, Phase) else value


def job_json(job: Job | None) -> dict[str, Any] | None:
    return None if job is None else {f.name: _json_value(getattr(job, f.name)) for f in dataclass_fields(job)}


def _fields(raw: dict[str, Any]) -> dict[str, Any]:
    values = dict(raw)
    for name in _TIMES:
        if values.get(name) is not None:
            values[name] = parse_datetime(values[name])
    return values


def firmware_job_from_json(raw: Any) -> FirmwareJob | None:
    if not isinstance(raw, dict):
        return None
    values = _fields(raw)
    values["phase"] = Phase(values["phase"])
    values["taken"] = tuple(values.get("taken") or ())
    return FirmwareJob(**values)


def diagnostics_job_from_json(raw: Any) -> DiagnosticsJob | None:
    return DiagnosticsJob(**_fields(raw)) if isinstance(raw, dict) else None


_PASSWORD = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^:/@\s]*:)[^@/\s]+(?=@)")


def masked(text: str) -> str:
    """``text`` with the passwords of URLs in it (``ftp://user:password@host``) replaced by ``***``."""
    return _PASSWORD.sub(r"\g<head>***", text)


def job_view(job: Job | None) -> dict[str, Any] | None:
    """The job for the dashboard: plain values, times as datetimes, no password."""
    if job is None:
        return None
    view = {k: v for k, v in (job_json(job) or {}).items() if v not in (None, [], ())}
    view["location"] = masked(job.location)
    for name in _TIMES:
        if name in view:
            view[name] = getattr(job, name)
    view["attempts"] = f"{job.attempts} of {job.retries + 1}"
    return view


# --- the history shown on the dashboard ------------------------------------------------------------


def history_entry(kind: str, status: str, detail: str, now: datetime) -> dict[str, Any]:
    """One journaled history entry: JSON-compatible, the detail without passwords, at most 500 characters."""
    return {"time": format_datetime(now), "kind": kind, "status": status, "detail": masked(detail)[:500]}


def history_view(entries: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """``entries`` for the dashboard: times as datetimes, newest first."""
    history = [{**item, "time": parse_datetime(item["time"])} for item in entries]
    history.sort(key=lambda item: item["time"], reverse=True)
    return history

"""Payloads of the FirmwareManagement profile (OCPP 1.6 edition 2)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ocpp_core.datatypes import CiString255, Uri
from ocpp_core.enums import DiagnosticsStatus, FirmwareStatus

__all__ = [
    "DiagnosticsStatusNotificationRequest",
    "DiagnosticsStatusNotificationResponse",
    "FirmwareStatusNotificationRequest",
    "FirmwareStatusNotificationResponse",
    "GetDiagnosticsRequest",
    "GetDiagnosticsResponse",
    "UpdateFirmwareRequest",
    "UpdateFirmwareResponse",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class GetDiagnosticsRequest:
    """GetDiagnostics.req (CS → CP): upload diagnostics to ``location``; intervals in seconds."""

    location: Uri
    retries: int | None = None
    retry_interval: int | None = None
    start_time: datetime | None = None
    stop_time: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class GetDiagnosticsResponse:
    """GetDiagnostics.conf; no ``file_name`` means no diagnostics are available."""

    file_name: CiString255 | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class DiagnosticsStatusNotificationRequest:
    """DiagnosticsStatusNotification.req (CP → CS)."""

    status: DiagnosticsStatus


@dataclass(frozen=True, slots=True, kw_only=True)
class DiagnosticsStatusNotificationResponse:
    """DiagnosticsStatusNotification.conf: empty."""


@dataclass(frozen=True, slots=True, kw_only=True)
class FirmwareStatusNotificationRequest:
    """FirmwareStatusNotification.req (CP → CS)."""

    status: FirmwareStatus


@dataclass(frozen=True, slots=True, kw_only=True)
class FirmwareStatusNotificationResponse:
    """FirmwareStatusNotification.conf: empty."""


@dataclass(frozen=True, slots=True, kw_only=True)
class UpdateFirmwareRequest:
    """UpdateFirmware.req (CS → CP): fetch firmware from ``location`` at ``retrieve_date``."""

    location: Uri
    retries: int | None = None
    retrieve_date: datetime
    retry_interval: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class UpdateFirmwareResponse:
    """UpdateFirmware.conf: empty."""

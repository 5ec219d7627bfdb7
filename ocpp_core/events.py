"""What the engine tells the application (``ChargePoint.events()``).

Hardware commands (``ocpp_core.commands``) are emitted among these events too, and so are the
file transfers the Firmware Management feature asks for (:class:`DownloadFirmware`,
:class:`UploadDiagnostics`): each is ONE attempt, whose outcome the application reports back
with ``ChargePoint.firmware.download_finished`` / ``upload_finished`` (inside a driver step); the
engine keeps the schedule, the retries and the status notifications.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ocpp_core.commands import HardwareCommand

__all__ = [
    "AuthorizationRefused",
    "CallIgnored",
    "ClockSync",
    "ConfigurationChanged",
    "ConnectionStateChanged",
    "DownloadFirmware",
    "Event",
    "MessageDropped",
    "PeerProtocolViolation",
    "ReconnectRequested",
    "RegistrationChanged",
    "ResponseReceived",
    "UploadDiagnostics",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class ConnectionStateChanged:
    """The websocket to the central system opened or closed."""

    connected: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class RegistrationChanged:
    """The registration state changed (``state`` is a ``RegState`` value, ``status`` the OCPP one)."""

    state: str
    status: str | None
    interval: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ClockSync:
    """The central system told the time (BootNotification.conf / Heartbeat.conf)."""

    current_time: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class ConfigurationChanged:
    """A configuration key changed (by the central system or locally)."""

    key: str
    value: Any
    source: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ReconnectRequested:
    """The connection must be closed and opened again after ``delay`` seconds (new credentials ...)."""

    delay: float
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageDropped:
    """An outgoing CALL was given up (attempts used up, or discarded while offline)."""

    action: str
    unique_id: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ResponseReceived:
    """A CALL of ours was answered: ``response`` is the typed payload, or None with an ``error``."""

    action: str
    unique_id: str
    response: Any
    error: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PeerProtocolViolation:
    """The central system sent something invalid (already answered with a CALLERROR if possible)."""

    description: str
    frame: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CallIgnored:
    """A CALL was not answered because the registration state forbids answering (Rejected)."""

    action: str
    unique_id: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthorizationRefused:
    """An identification presented at ``connector_id`` was not accepted (or cannot start now)."""

    connector_id: int
    id_tag: str
    status: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DownloadFirmware:
    """Download the firmware image at ``location`` once (attempt number ``attempt``, from 1).

    The application stores the file where it likes and reports
    ``cp.firmware.download_finished(ref, now, path=...)`` or ``(ref, now, error=...)``.
    ``location`` may carry credentials (``ftp://user:password@host/...``): never log it as is.
    """

    ref: str
    location: str
    attempt: int


@dataclass(frozen=True, slots=True, kw_only=True)
class UploadDiagnostics:
    """Build the diagnostics file ``file_name`` and upload it into the directory ``location``, once.

    ``start_time`` / ``stop_time`` bound what the file covers (None: unbounded). The application
    reports ``cp.firmware.upload_finished(ref, now)`` or ``(ref, now, error=...)``.
    ``location`` may carry credentials: never log it as is.
    """

    ref: str
    location: str
    file_name: str
    start_time: datetime | None
    stop_time: datetime | None
    attempt: int


Event = (
    ConnectionStateChanged
    | RegistrationChanged
    | ClockSync
    | ConfigurationChanged
    | ReconnectRequested
    | MessageDropped
    | ResponseReceived
    | PeerProtocolViolation
    | CallIgnored
    | AuthorizationRefused
    | DownloadFirmware
    | UploadDiagnostics
    | HardwareCommand
)

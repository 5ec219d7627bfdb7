"""What the charge point asks of the hardware: the libocpp callbacks as values.

The engine never calls hardware itself (it is sans-I/O). It emits these commands among its
events; the station's driver executes them on the adapter (``hardware.base.Adapter``). A command
that must report a result (``Unlock``) carries ``ref``; the driver hands the result back with
``ChargePoint.hardware_result(ref, result)`` -- except ``InstallFirmware``, whose outcome goes to
``ChargePoint.firmware.install_finished(ref, now, ...)`` (the Firmware Management feature).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

__all__ = [
    "DisableConnector",
    "EnableConnector",
    "HardwareCommand",
    "InstallFirmware",
    "LockConnector",
    "PauseCharging",
    "ResetStation",
    "ResumeCharging",
    "SetChargingLimit",
    "Unlock",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class EnableConnector:
    """Make ``connector_id`` (0 = the whole station) operative."""

    connector_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class DisableConnector:
    """Make ``connector_id`` (0 = the whole station) inoperative."""

    connector_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class LockConnector:
    """Lock the cable of ``connector_id`` before energy flows; the result is True (locked) or False."""

    connector_id: int
    ref: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Unlock:
    """Unlock the cable of ``connector_id``; the result is an UnlockStatus wire value."""

    connector_id: int
    ref: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PauseCharging:
    """Stop offering energy on ``connector_id`` (SuspendedEVSE)."""

    connector_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ResumeCharging:
    """Offer energy again on ``connector_id``."""

    connector_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class SetChargingLimit:
    """Apply a limit to ``connector_id``: ``limit`` in ``unit`` ("A" per phase or "W" total)."""

    connector_id: int
    limit: Decimal | None
    unit: str
    number_phases: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ResetStation:
    """Restart the station: ``kind`` is ``"Soft"`` or ``"Hard"``."""

    kind: str


@dataclass(frozen=True, slots=True, kw_only=True)
class InstallFirmware:
    """Install the firmware image at ``path`` (a local file the application downloaded).

    The adapter answers with the version now installed (or None when it cannot tell) or fails
    with ``HardwareError``; the application reports either to
    ``ChargePoint.firmware.install_finished(ref, now, version=..., error=...)``. The engine asks
    for the reboot that activates the new firmware afterwards (``ResetStation``).
    """

    ref: str
    path: str


HardwareCommand = (
    EnableConnector
    | DisableConnector
    | LockConnector
    | Unlock
    | PauseCharging
    | ResumeCharging
    | SetChargingLimit
    | ResetStation
    | InstallFirmware
)

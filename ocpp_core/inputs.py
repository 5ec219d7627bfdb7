"""What the hardware tells the charge point: the events an adapter reports.

These are the libocpp ``on_*`` handlers as values. An adapter (``hardware/``) produces them; the
station feeds them to :class:`ocpp_core.chargepoint.ChargePoint`. Connector 0 means the whole
station where that makes sense (faults, meter of the grid connection).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from ocpp_core.errors import LocalProtocolError

__all__ = [
    "EvResumed",
    "EvSuspended",
    "FaultCleared",
    "FaultRaised",
    "HardwareInput",
    "MeterReading",
    "MeterSample",
    "PlugIn",
    "TokenPresented",
    "Unplug",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class PlugIn:
    """The EV's cable was plugged in at ``connector_id``."""

    connector_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Unplug:
    """The EV side was disconnected at ``connector_id``."""

    connector_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class TokenPresented:
    """An identification (RFID card, app, button) was presented at ``connector_id``."""

    connector_id: int
    id_tag: str

    def __post_init__(self) -> None:
        if not 0 < len(self.id_tag) <= 20:
            raise LocalProtocolError(f"id_tag {self.id_tag!r} must be 1..20 characters (IdToken)")


@dataclass(frozen=True, slots=True, kw_only=True)
class EvSuspended:
    """The EV stopped drawing energy (SuspendedEV)."""

    connector_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class EvResumed:
    """The EV draws energy again."""

    connector_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class FaultRaised:
    """An error was raised; ``is_fault`` errors make the connector Faulted, others are warnings.

    ``error_code`` is a ChargePointErrorCode wire value (``"GroundFailure"``, ...).
    ``fault_id`` identifies the error so it can be cleared alone (libocpp's uuid).
    """

    connector_id: int
    error_code: str
    fault_id: str
    is_fault: bool = True
    info: str | None = None
    vendor_id: str | None = None
    vendor_error_code: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class FaultCleared:
    """The error ``fault_id`` (or every error when ``fault_id`` is None) was cleared."""

    connector_id: int
    fault_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MeterReading:
    """One measured value.

    ``measurand`` is a Measurand wire value, ``phase`` a Phase wire value or None for the total,
    ``location`` a Location wire value, ``unit`` a UnitOfMeasure wire value.
    """

    measurand: str
    value: Decimal
    unit: str
    phase: str | None = None
    location: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MeterSample:
    """The meter of ``connector_id`` read at ``timestamp``; replaces the previous sample."""

    connector_id: int
    timestamp: datetime
    readings: tuple[MeterReading, ...] = field(default_factory=tuple)

    def reading(self, measurand: str, phase: str | None = None) -> MeterReading | None:
        """The reading of ``measurand`` for ``phase`` (None = total), if the meter gave one."""
        for item in self.readings:
            if item.measurand == measurand and item.phase == phase:
                return item
        return None


HardwareInput = PlugIn | Unplug | TokenPresented | EvSuspended | EvResumed | FaultRaised | FaultCleared | MeterSample

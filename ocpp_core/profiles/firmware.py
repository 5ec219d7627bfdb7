"""Firmware Management profile: UpdateFirmware, GetDiagnostics.

Both delegate to :class:`ocpp_core.firmware.FirmwareManager`: the request is checked while it is
handled (a negative retries/retryInterval, or a stopTime before the startTime, is answered with
CALLERROR PropertyConstraintViolation and changes nothing); the job is kept, and the first
status notification sent, after the .conf.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from ocpp_core.messages.firmware import (
    GetDiagnosticsRequest,
    GetDiagnosticsResponse,
    UpdateFirmwareRequest,
    UpdateFirmwareResponse,
)

if TYPE_CHECKING:
    from ocpp_core import rpc
    from ocpp_core.chargepoint import ChargePoint, Handler, Reply

__all__ = ["HANDLERS"]


def update_firmware(cp: ChargePoint, request: UpdateFirmwareRequest, call: rpc.Call, now: datetime) -> Reply:
    return UpdateFirmwareResponse(), cp.firmware.update_firmware(request, now)


def get_diagnostics(cp: ChargePoint, request: GetDiagnosticsRequest, call: rpc.Call, now: datetime) -> Reply:
    file_name, after = cp.firmware.get_diagnostics(request, now)
    return GetDiagnosticsResponse(file_name=file_name), after


HANDLERS: dict[str, Handler] = {
    "UpdateFirmware": update_firmware,
    "GetDiagnostics": get_diagnostics,
}

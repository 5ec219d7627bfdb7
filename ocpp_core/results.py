"""What the engine does with the answers to its own CALLs.

:data:`RESULT_HANDLERS` maps an action to the function run with its CALLRESULT (validated and
typed); :data:`FAILURE_HANDLERS` to the function run when it failed (CALLERROR, timeout, invalid
answer, connection lost). Both tables are complete here, features included: an answer goes to the
component that sent the CALL (e.g. ``cp.firmware`` for its status notifications).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ocpp_core.events import ClockSync
from ocpp_core.messages.core import (
    AuthorizeResponse,
    HeartbeatResponse,
    StartTransactionResponse,
    StopTransactionResponse,
)
from ocpp_core.storage import QueuedMessage

if TYPE_CHECKING:
    from ocpp_core.chargepoint import ChargePoint

__all__ = ["FAILURE_HANDLERS", "RESULT_HANDLERS"]

ResultHandler = Callable[["ChargePoint", QueuedMessage, Any, datetime], None]
FailureHandler = Callable[["ChargePoint", QueuedMessage, str, datetime], None]


def _on_boot_result(cp: ChargePoint, message: QueuedMessage, response: Any, now: datetime) -> None:
    cp.on_boot_response(response, now)


def _on_boot_failure(cp: ChargePoint, message: QueuedMessage, reason: str, now: datetime) -> None:
    cp.boot_failed(now)


def _on_heartbeat_result(cp: ChargePoint, message: QueuedMessage, response: HeartbeatResponse, now: datetime) -> None:
    cp.emit(ClockSync(current_time=response.current_time))


def _on_authorize_result(cp: ChargePoint, message: QueuedMessage, response: AuthorizeResponse, now: datetime) -> None:
    cp.sessions.on_authorize_result(message, response.id_tag_info, now)


def _on_authorize_failure(cp: ChargePoint, message: QueuedMessage, reason: str, now: datetime) -> None:
    cp.sessions.on_authorize_result(message, None, now)


def _on_start_result(
    cp: ChargePoint, message: QueuedMessage, response: StartTransactionResponse, now: datetime
) -> None:
    cp.sessions.on_start_result(message, response.transaction_id, response.id_tag_info, now)


def _on_start_failure(cp: ChargePoint, message: QueuedMessage, reason: str, now: datetime) -> None:
    if not any(m.seq == message.seq for m in cp.outbox.pending()):  # given up, not retried
        cp.sessions.on_start_result(message, None, None, now)


def _on_stop_result(cp: ChargePoint, message: QueuedMessage, response: StopTransactionResponse, now: datetime) -> None:
    cp.sessions.on_stop_result(message, response.id_tag_info, now)


def _on_stop_failure(cp: ChargePoint, message: QueuedMessage, reason: str, now: datetime) -> None:
    if not any(m.seq == message.seq for m in cp.outbox.pending()):
        cp.sessions.on_stop_result(message, None, now)


def _on_firmware_notification_result(cp: ChargePoint, message: QueuedMessage, response: Any, now: datetime) -> None:
    cp.firmware.notification_settled(message, None, now)


def _on_firmware_notification_failure(cp: ChargePoint, message: QueuedMessage, reason: str, now: datetime) -> None:
    cp.firmware.notification_settled(message, reason, now)


RESULT_HANDLERS: dict[str, ResultHandler] = {
    "BootNotification": _on_boot_result,
    "Heartbeat": _on_heartbeat_result,
    "Authorize": _on_authorize_result,
    "StartTransaction": _on_start_result,
    "StopTransaction": _on_stop_result,
    "FirmwareStatusNotification": _on_firmware_notification_result,
    "DiagnosticsStatusNotification": _on_firmware_notification_result,
}
FAILURE_HANDLERS: dict[str, FailureHandler] = {
    "BootNotification": _on_boot_failure,
    "Authorize": _on_authorize_failure,
    "StartTransaction": _on_start_failure,
    "StopTransaction": _on_stop_failure,
    "FirmwareStatusNotification": _on_firmware_notification_failure,
    "DiagnosticsStatusNotification": _on_firmware_notification_failure,
}

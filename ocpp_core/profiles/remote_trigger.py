"""Remote Trigger profile: TriggerMessage.

The .conf goes out first; the requested message is queued by the callable returned with the
response, which the engine runs once the response frame is written (OCPP 1.6 §5.17).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from ocpp_core.enums import MessageTrigger, TriggerMessageStatus
from ocpp_core.messages.core import HeartbeatRequest
from ocpp_core.messages.remote_trigger import TriggerMessageRequest, TriggerMessageResponse

if TYPE_CHECKING:
    from ocpp_core import rpc
    from ocpp_core.chargepoint import ChargePoint, Handler, Reply

__all__ = ["HANDLERS"]


def trigger_message(cp: ChargePoint, request: TriggerMessageRequest, call: rpc.Call, now: datetime) -> Reply:
    trigger = request.requested_message
    connector = request.connector_id
    if connector is not None and not 0 <= connector <= (cp.config.get_int("NumberOfConnectors") or 0):
        return TriggerMessageResponse(status=TriggerMessageStatus.REJECTED)
    action: Callable[[datetime], None] | None = None
    if trigger is MessageTrigger.BOOT_NOTIFICATION:
        # Recommended after acceptance: reject until the next reboot (errata 3.35/3.40) -- but the
        # OCTT expects the trigger to work; we follow the base text and send it.
        def action(when: datetime) -> None:
            cp.send_boot_notification(when, triggered=True)
    elif trigger is MessageTrigger.HEARTBEAT:

        def action(when: datetime) -> None:
            cp.send(HeartbeatRequest(), when, triggered=True)
    else:
        trigger_handler = cp.trigger_handlers.get(trigger.value)
        if trigger_handler is None:
            return TriggerMessageResponse(status=TriggerMessageStatus.NOT_IMPLEMENTED)
        result = trigger_handler(connector)
        if result is None:
            return TriggerMessageResponse(status=TriggerMessageStatus.REJECTED)
        action = result
    return TriggerMessageResponse(status=TriggerMessageStatus.ACCEPTED), action


HANDLERS: dict[str, Handler] = {"TriggerMessage": trigger_message}

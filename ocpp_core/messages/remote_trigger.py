"""Payloads of the RemoteTrigger profile (OCPP 1.6 edition 2)."""

from __future__ import annotations

from dataclasses import dataclass

from ocpp_core.enums import MessageTrigger, TriggerMessageStatus

__all__ = ["TriggerMessageRequest", "TriggerMessageResponse"]


@dataclass(frozen=True, slots=True, kw_only=True)
class TriggerMessageRequest:
    """TriggerMessage.req (CS → CP): send ``requested_message`` now."""

    requested_message: MessageTrigger
    connector_id: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class TriggerMessageResponse:
    """TriggerMessage.conf."""

    status: TriggerMessageStatus

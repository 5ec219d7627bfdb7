"""Payloads of the Core profile (OCPP 1.6 edition 2): one request and one response class per action.

Field names are the snake_case forms of the wire names (see :mod:`ocpp_core.wire`); the annotations
carry every schema constraint (see :mod:`ocpp_core.datatypes`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from ocpp_core.datatypes import (
    ChargingProfile,
    CiString20,
    CiString25,
    CiString50,
    CiString255,
    CiString500,
    IdTagInfo,
    IdToken,
    KeyValue,
    MeterValue,
    MinItems,
    TransactionData,
)
from ocpp_core.enums import (
    AvailabilityStatus,
    AvailabilityType,
    ChargePointErrorCode,
    ChargePointStatus,
    ClearCacheStatus,
    ConfigurationStatus,
    DataTransferStatus,
    Reason,
    RegistrationStatus,
    RemoteStartStopStatus,
    ResetStatus,
    ResetType,
    UnlockStatus,
)

__all__ = [
    "AuthorizeRequest",
    "AuthorizeResponse",
    "BootNotificationRequest",
    "BootNotificationResponse",
    "ChangeAvailabilityRequest",
    "ChangeAvailabilityResponse",
    "ChangeConfigurationRequest",
    "ChangeConfigurationResponse",
    "ClearCacheRequest",
    "ClearCacheResponse",
    "DataTransferRequest",
    "DataTransferResponse",
    "GetConfigurationRequest",
    "GetConfigurationResponse",
    "HeartbeatRequest",
    "HeartbeatResponse",
    "MeterValuesRequest",
    "MeterValuesResponse",
    "RemoteStartTransactionRequest",
    "RemoteStartTransactionResponse",
    "RemoteStopTransactionRequest",
    "RemoteStopTransactionResponse",
    "ResetRequest",
    "ResetResponse",
    "StartTransactionRequest",
    "StartTransactionResponse",
    "StatusNotificationRequest",
    "StatusNotificationResponse",
    "StopTransactionRequest",
    "StopTransactionResponse",
    "UnlockConnectorRequest",
    "UnlockConnectorResponse",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthorizeRequest:
    """Authorize.req (CP → CS): may this idTag charge?"""

    id_tag: IdToken


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthorizeResponse:
    """Authorize.conf."""

    id_tag_info: IdTagInfo


@dataclass(frozen=True, slots=True, kw_only=True)
class BootNotificationRequest:
    """BootNotification.req (CP → CS): who we are, after every boot."""

    charge_point_vendor: CiString20
    charge_point_model: CiString20
    charge_point_serial_number: CiString25 | None = None
    charge_box_serial_number: CiString25 | None = None
    firmware_version: CiString50 | None = None
    iccid: CiString20 | None = None
    imsi: CiString20 | None = None
    meter_type: CiString25 | None = None
    meter_serial_number: CiString25 | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class BootNotificationResponse:
    """BootNotification.conf: registration status, the CS clock and the heartbeat/retry interval (s)."""

    status: RegistrationStatus
    current_time: datetime
    interval: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ChangeAvailabilityRequest:
    """ChangeAvailability.req (CS → CP); connector 0 is the whole charge point."""

    connector_id: int
    type: AvailabilityType


@dataclass(frozen=True, slots=True, kw_only=True)
class ChangeAvailabilityResponse:
    """ChangeAvailability.conf."""

    status: AvailabilityStatus


@dataclass(frozen=True, slots=True, kw_only=True)
class ChangeConfigurationRequest:
    """ChangeConfiguration.req (CS → CP)."""

    key: CiString50
    value: CiString500


@dataclass(frozen=True, slots=True, kw_only=True)
class ChangeConfigurationResponse:
    """ChangeConfiguration.conf."""

    status: ConfigurationStatus


@dataclass(frozen=True, slots=True, kw_only=True)
class ClearCacheRequest:
    """ClearCache.req (CS → CP): empty."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ClearCacheResponse:
    """ClearCache.conf."""

    status: ClearCacheStatus


@dataclass(frozen=True, slots=True, kw_only=True)
class DataTransferRequest:
    """DataTransfer.req (either direction): vendor-specific data."""

    vendor_id: CiString255
    message_id: CiString50 | None = None
    data: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class DataTransferResponse:
    """DataTransfer.conf."""

    status: DataTransferStatus
    data: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class GetConfigurationRequest:
    """GetConfiguration.req (CS → CP); no ``key`` (or an empty one) asks for every key."""

    key: tuple[CiString50, ...] | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class GetConfigurationResponse:
    """GetConfiguration.conf."""

    configuration_key: tuple[KeyValue, ...] | None = None
    unknown_key: tuple[CiString50, ...] | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class HeartbeatRequest:
    """Heartbeat.req (CP → CS): empty."""


@dataclass(frozen=True, slots=True, kw_only=True)
class HeartbeatResponse:
    """Heartbeat.conf: the CS clock."""

    current_time: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class MeterValuesRequest:
    """MeterValues.req (CP → CS)."""

    connector_id: int
    transaction_id: int | None = None
    meter_value: Annotated[tuple[MeterValue, ...], MinItems(1)]


@dataclass(frozen=True, slots=True, kw_only=True)
class MeterValuesResponse:
    """MeterValues.conf: empty."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RemoteStartTransactionRequest:
    """RemoteStartTransaction.req (CS → CP)."""

    connector_id: int | None = None
    id_tag: IdToken
    charging_profile: ChargingProfile | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RemoteStartTransactionResponse:
    """RemoteStartTransaction.conf."""

    status: RemoteStartStopStatus


@dataclass(frozen=True, slots=True, kw_only=True)
class RemoteStopTransactionRequest:
    """RemoteStopTransaction.req (CS → CP)."""

    transaction_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class RemoteStopTransactionResponse:
    """RemoteStopTransaction.conf."""

    status: RemoteStartStopStatus


@dataclass(frozen=True, slots=True, kw_only=True)
class ResetRequest:
    """Reset.req (CS → CP)."""

    type: ResetType


@dataclass(frozen=True, slots=True, kw_only=True)
class ResetResponse:
    """Reset.conf."""

    status: ResetStatus


@dataclass(frozen=True, slots=True, kw_only=True)
class StartTransactionRequest:
    """StartTransaction.req (CP → CS); ``meter_start`` in Wh."""

    connector_id: int
    id_tag: IdToken
    meter_start: int
    reservation_id: int | None = None
    timestamp: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class StartTransactionResponse:
    """StartTransaction.conf."""

    id_tag_info: IdTagInfo
    transaction_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusNotificationRequest:
    """StatusNotification.req (CP → CS)."""

    connector_id: int
    error_code: ChargePointErrorCode
    info: CiString50 | None = None
    status: ChargePointStatus
    timestamp: datetime | None = None
    vendor_id: CiString255 | None = None
    vendor_error_code: CiString50 | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusNotificationResponse:
    """StatusNotification.conf: empty."""


@dataclass(frozen=True, slots=True, kw_only=True)
class StopTransactionRequest:
    """StopTransaction.req (CP → CS); ``meter_stop`` in Wh, no ``reason`` means ``Local``."""

    id_tag: IdToken | None = None
    meter_stop: int
    timestamp: datetime
    transaction_id: int
    reason: Reason | None = None
    transaction_data: tuple[TransactionData, ...] | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class StopTransactionResponse:
    """StopTransaction.conf."""

    id_tag_info: IdTagInfo | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class UnlockConnectorRequest:
    """UnlockConnector.req (CS → CP)."""

    connector_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class UnlockConnectorResponse:
    """UnlockConnector.conf."""

    status: UnlockStatus

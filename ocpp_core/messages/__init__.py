"""Payload classes of every OCPP 1.6 action, and the :data:`ACTIONS` registry.

One module per feature profile (``core``, ``firmware``, ``local_auth``, ``reservation``,
``smart_charging``, ``remote_trigger``, ``security``) holds one ``<Action>Request`` and one
``<Action>Response`` class per action; all of them are re-exported here.

:data:`ACTIONS` maps each action name to its :class:`ActionSpec`: the request and response classes,
the feature profile and who sends the request. It is the one table the engine, the schema generator
and the validators iterate over.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Literal

from ocpp_core.enums import Action, FeatureProfile
from ocpp_core.messages.core import (
    AuthorizeRequest,
    AuthorizeResponse,
    BootNotificationRequest,
    BootNotificationResponse,
    ChangeAvailabilityRequest,
    ChangeAvailabilityResponse,
    ChangeConfigurationRequest,
    ChangeConfigurationResponse,
    ClearCacheRequest,
    ClearCacheResponse,
    DataTransferRequest,
    DataTransferResponse,
    GetConfigurationRequest,
    GetConfigurationResponse,
    HeartbeatRequest,
    HeartbeatResponse,
    MeterValuesRequest,
    MeterValuesResponse,
    RemoteStartTransactionRequest,
    RemoteStartTransactionResponse,
    RemoteStopTransactionRequest,
    RemoteStopTransactionResponse,
    ResetRequest,
    ResetResponse,
    StartTransactionRequest,
    StartTransactionResponse,
    StatusNotificationRequest,
    StatusNotificationResponse,
    StopTransactionRequest,
    StopTransactionResponse,
    UnlockConnectorRequest,
    UnlockConnectorResponse,
)
from ocpp_core.messages.firmware import (
    DiagnosticsStatusNotificationRequest,
    DiagnosticsStatusNotificationResponse,
    FirmwareStatusNotificationRequest,
    FirmwareStatusNotificationResponse,
    GetDiagnosticsRequest,
    GetDiagnosticsResponse,
    UpdateFirmwareRequest,
    UpdateFirmwareResponse,
)
from ocpp_core.messages.local_auth import (
    GetLocalListVersionRequest,
    GetLocalListVersionResponse,
    SendLocalListRequest,
    SendLocalListResponse,
)
from ocpp_core.messages.remote_trigger import (
    TriggerMessageRequest,
    TriggerMessageResponse,
)
from ocpp_core.messages.reservation import (
    CancelReservationRequest,
    CancelReservationResponse,
    ReserveNowRequest,
    ReserveNowResponse,
)
from ocpp_core.messages.security import (
    CertificateSignedRequest,
    CertificateSignedResponse,
    DeleteCertificateRequest,
    DeleteCertificateResponse,
    ExtendedTriggerMessageRequest,
    ExtendedTriggerMessageResponse,
    GetInstalledCertificateIdsRequest,
    GetInstalledCertificateIdsResponse,
    GetLogRequest,
    GetLogResponse,
    InstallCertificateRequest,
    InstallCertificateResponse,
    LogStatusNotificationRequest,
    LogStatusNotificationResponse,
    SecurityEventNotificationRequest,
    SecurityEventNotificationResponse,
    SignCertificateRequest,
    SignCertificateResponse,
    SignedFirmwareStatusNotificationRequest,
    SignedFirmwareStatusNotificationResponse,
    SignedUpdateFirmwareRequest,
    SignedUpdateFirmwareResponse,
)
from ocpp_core.messages.smart_charging import (
    ClearChargingProfileRequest,
    ClearChargingProfileResponse,
    GetCompositeScheduleRequest,
    GetCompositeScheduleResponse,
    SetChargingProfileRequest,
    SetChargingProfileResponse,
)

__all__ = [
    "ACTIONS",
    "ActionSpec",
    "AuthorizeRequest",
    "AuthorizeResponse",
    "BootNotificationRequest",
    "BootNotificationResponse",
    "CancelReservationRequest",
    "CancelReservationResponse",
    "CertificateSignedRequest",
    "CertificateSignedResponse",
    "ChangeAvailabilityRequest",
    "ChangeAvailabilityResponse",
    "ChangeConfigurationRequest",
    "ChangeConfigurationResponse",
    "ClearCacheRequest",
    "ClearCacheResponse",
    "ClearChargingProfileRequest",
    "ClearChargingProfileResponse",
    "DataTransferRequest",
    "DataTransferResponse",
    "DeleteCertificateRequest",
    "DeleteCertificateResponse",
    "DiagnosticsStatusNotificationRequest",
    "DiagnosticsStatusNotificationResponse",
    "ExtendedTriggerMessageRequest",
    "ExtendedTriggerMessageResponse",
    "FirmwareStatusNotificationRequest",
    "FirmwareStatusNotificationResponse",
    "GetCompositeScheduleRequest",
    "GetCompositeScheduleResponse",
    "GetConfigurationRequest",
    "GetConfigurationResponse",
    "GetDiagnosticsRequest",
    "GetDiagnosticsResponse",
    "GetInstalledCertificateIdsRequest",
    "GetInstalledCertificateIdsResponse",
    "GetLocalListVersionRequest",
    "GetLocalListVersionResponse",
    "GetLogRequest",
    "GetLogResponse",
    "HeartbeatRequest",
    "HeartbeatResponse",
    "InstallCertificateRequest",
    "InstallCertificateResponse",
    "Kind",
    "LogStatusNotificationRequest",
    "LogStatusNotificationResponse",
    "MeterValuesRequest",
    "MeterValuesResponse",
    "RemoteStartTransactionRequest",
    "RemoteStartTransactionResponse",
    "RemoteStopTransactionRequest",
    "RemoteStopTransactionResponse",
    "ReserveNowRequest",
    "ReserveNowResponse",
    "ResetRequest",
    "ResetResponse",
    "SecurityEventNotificationRequest",
    "SecurityEventNotificationResponse",
    "SendLocalListRequest",
    "SendLocalListResponse",
    "Sender",
    "SetChargingProfileRequest",
    "SetChargingProfileResponse",
    "SignCertificateRequest",
    "SignCertificateResponse",
    "SignedFirmwareStatusNotificationRequest",
    "SignedFirmwareStatusNotificationResponse",
    "SignedUpdateFirmwareRequest",
    "SignedUpdateFirmwareResponse",
    "StartTransactionRequest",
    "StartTransactionResponse",
    "StatusNotificationRequest",
    "StatusNotificationResponse",
    "StopTransactionRequest",
    "StopTransactionResponse",
    "TriggerMessageRequest",
    "TriggerMessageResponse",
    "UnlockConnectorRequest",
    "UnlockConnectorResponse",
    "UpdateFirmwareRequest",
    "UpdateFirmwareResponse",
]

Kind = Literal["request", "response"]
"""Which payload of an action: the CALL's (``"request"``) or the CALLRESULT's (``"response"``)."""


class Sender(StrEnum):
    """Who sends an action's request (CALL)."""

    CHARGE_POINT = "ChargePoint"
    CENTRAL_SYSTEM = "CentralSystem"
    BOTH = "Both"


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionSpec:
    """What the engine knows about one action."""

    action: Action
    request: type
    response: type
    profile: FeatureProfile
    sender: Sender

    def payload_class(self, kind: Kind) -> type:
        """The request or the response class."""
        return self.request if kind == "request" else self.response


_CP = Sender.CHARGE_POINT
_CS = Sender.CENTRAL_SYSTEM
_CORE = FeatureProfile.CORE
_FIRMWARE = FeatureProfile.FIRMWARE_MANAGEMENT
_LOCAL_AUTH = FeatureProfile.LOCAL_AUTH_LIST_MANAGEMENT
_RESERVATION = FeatureProfile.RESERVATION
_SMART = FeatureProfile.SMART_CHARGING
_TRIGGER = FeatureProfile.REMOTE_TRIGGER
_SECURITY = FeatureProfile.SECURITY

_TABLE: tuple[tuple[Action, type, type, FeatureProfile, Sender], ...] = (
    (Action.AUTHORIZE, AuthorizeRequest, AuthorizeResponse, _CORE, _CP),
    (Action.BOOT_NOTIFICATION, BootNotificationRequest, BootNotificationResponse, _CORE, _CP),
    (Action.CHANGE_AVAILABILITY, ChangeAvailabilityRequest, ChangeAvailabilityResponse, _CORE, _CS),
    (Action.CHANGE_CONFIGURATION, ChangeConfigurationRequest, ChangeConfigurationResponse, _CORE, _CS),
    (Action.CLEAR_CACHE, ClearCacheRequest, ClearCacheResponse, _CORE, _CS),
    (Action.DATA_TRANSFER, DataTransferRequest, DataTransferResponse, _CORE, Sender.BOTH),
    (Action.GET_CONFIGURATION, GetConfigurationRequest, GetConfigurationResponse, _CORE, _CS),
    (Action.HEARTBEAT, HeartbeatRequest, HeartbeatResponse, _CORE, _CP),
    (Action.METER_VALUES, MeterValuesRequest, MeterValuesResponse, _CORE, _CP),
    (Action.REMOTE_START_TRANSACTION, RemoteStartTransactionRequest, RemoteStartTransactionResponse, _CORE, _CS),
    (Action.REMOTE_STOP_TRANSACTION, RemoteStopTransactionRequest, RemoteStopTransactionResponse, _CORE, _CS),
    (Action.RESET, ResetRequest, ResetResponse, _CORE, _CS),
    (Action.START_TRANSACTION, StartTransactionRequest, StartTransactionResponse, _CORE, _CP),
    (Action.STATUS_NOTIFICATION, StatusNotificationRequest, StatusNotificationResponse, _CORE, _CP),
    (Action.STOP_TRANSACTION, StopTransactionRequest, StopTransactionResponse, _CORE, _CP),
    (Action.UNLOCK_CONNECTOR, UnlockConnectorRequest, UnlockConnectorResponse, _CORE, _CS),
    (Action.GET_DIAGNOSTICS, GetDiagnosticsRequest, GetDiagnosticsResponse, _FIRMWARE, _CS),
    (
        Action.DIAGNOSTICS_STATUS_NOTIFICATION,
        DiagnosticsStatusNotificationRequest,
        DiagnosticsStatusNotificationResponse,
        _FIRMWARE,
        _CP,
    ),
    (
        Action.FIRMWARE_STATUS_NOTIFICATION,
        FirmwareStatusNotificationRequest,
        FirmwareStatusNotificationResponse,
        _FIRMWARE,
        _CP,
    ),
    (Action.UPDATE_FIRMWARE, UpdateFirmwareRequest, UpdateFirmwareResponse, _FIRMWARE, _CS),
    (Action.GET_LOCAL_LIST_VERSION, GetLocalListVersionRequest, GetLocalListVersionResponse, _LOCAL_AUTH, _CS),
    (Action.SEND_LOCAL_LIST, SendLocalListRequest, SendLocalListResponse, _LOCAL_AUTH, _CS),
    (Action.CANCEL_RESERVATION, CancelReservationRequest, CancelReservationResponse, _RESERVATION, _CS),
    (Action.RESERVE_NOW, ReserveNowRequest, ReserveNowResponse, _RESERVATION, _CS),
    (Action.CLEAR_CHARGING_PROFILE, ClearChargingProfileRequest, ClearChargingProfileResponse, _SMART, _CS),
    (Action.GET_COMPOSITE_SCHEDULE, GetCompositeScheduleRequest, GetCompositeScheduleResponse, _SMART, _CS),
    (Action.SET_CHARGING_PROFILE, SetChargingProfileRequest, SetChargingProfileResponse, _SMART, _CS),
    (Action.TRIGGER_MESSAGE, TriggerMessageRequest, TriggerMessageResponse, _TRIGGER, _CS),
    (Action.CERTIFICATE_SIGNED, CertificateSignedRequest, CertificateSignedResponse, _SECURITY, _CS),
    (Action.DELETE_CERTIFICATE, DeleteCertificateRequest, DeleteCertificateResponse, _SECURITY, _CS),
    (
        Action.EXTENDED_TRIGGER_MESSAGE,
        ExtendedTriggerMessageRequest,
        ExtendedTriggerMessageResponse,
        _SECURITY,
        _CS,
    ),
    (
        Action.GET_INSTALLED_CERTIFICATE_IDS,
        GetInstalledCertificateIdsRequest,
        GetInstalledCertificateIdsResponse,
        _SECURITY,
        _CS,
    ),
    (Action.GET_LOG, GetLogRequest, GetLogResponse, _SECURITY, _CS),
    (Action.INSTALL_CERTIFICATE, InstallCertificateRequest, InstallCertificateResponse, _SECURITY, _CS),
    (
        Action.LOG_STATUS_NOTIFICATION,
        LogStatusNotificationRequest,
        LogStatusNotificationResponse,
        _SECURITY,
        _CP,
    ),
    (
        Action.SECURITY_EVENT_NOTIFICATION,
        SecurityEventNotificationRequest,
        SecurityEventNotificationResponse,
        _SECURITY,
        _CP,
    ),
    (Action.SIGN_CERTIFICATE, SignCertificateRequest, SignCertificateResponse, _SECURITY, _CP),
    (
        Action.SIGNED_FIRMWARE_STATUS_NOTIFICATION,
        SignedFirmwareStatusNotificationRequest,
        SignedFirmwareStatusNotificationResponse,
        _SECURITY,
        _CP,
    ),
    (Action.SIGNED_UPDATE_FIRMWARE, SignedUpdateFirmwareRequest, SignedUpdateFirmwareResponse, _SECURITY, _CS),
)

ACTIONS: MappingProxyType[str, ActionSpec] = MappingProxyType(
    {
        action: ActionSpec(action=action, request=request, response=response, profile=profile, sender=sender)
        for action, request, response, profile, sender in _TABLE
    }
)
"""Every OCPP 1.6 action (edition 2 and Security Whitepaper) by its wire name."""

"""Payloads of the 11 messages of "Improved security for OCPP 1.6-J" (Security Whitepaper, edition 3)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from ocpp_core.datatypes import (
    CertificateHashData,
    Firmware,
    LogParameters,
    MinItems,
    String50,
    String255,
    String5500,
    String10000,
)
from ocpp_core.enums import (
    CertificateSignedStatus,
    CertificateUse,
    DeleteCertificateStatus,
    ExtendedMessageTrigger,
    GenericStatus,
    GetInstalledCertificateStatus,
    InstallCertificateStatus,
    LogStatus,
    LogType,
    SignedFirmwareStatus,
    TriggerMessageStatus,
    UpdateFirmwareStatus,
    UploadLogStatus,
)

__all__ = [
    "CertificateSignedRequest",
    "CertificateSignedResponse",
    "DeleteCertificateRequest",
    "DeleteCertificateResponse",
    "ExtendedTriggerMessageRequest",
    "ExtendedTriggerMessageResponse",
    "GetInstalledCertificateIdsRequest",
    "GetInstalledCertificateIdsResponse",
    "GetLogRequest",
    "GetLogResponse",
    "InstallCertificateRequest",
    "InstallCertificateResponse",
    "LogStatusNotificationRequest",
    "LogStatusNotificationResponse",
    "SecurityEventNotificationRequest",
    "SecurityEventNotificationResponse",
    "SignCertificateRequest",
    "SignCertificateResponse",
    "SignedFirmwareStatusNotificationRequest",
    "SignedFirmwareStatusNotificationResponse",
    "SignedUpdateFirmwareRequest",
    "SignedUpdateFirmwareResponse",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class CertificateSignedRequest:
    """CertificateSigned.req (CS → CP): the signed charge point certificate chain, PEM."""

    certificate_chain: String10000


@dataclass(frozen=True, slots=True, kw_only=True)
class CertificateSignedResponse:
    """CertificateSigned.conf."""

    status: CertificateSignedStatus


@dataclass(frozen=True, slots=True, kw_only=True)
class DeleteCertificateRequest:
    """DeleteCertificate.req (CS → CP)."""

    certificate_hash_data: CertificateHashData


@dataclass(frozen=True, slots=True, kw_only=True)
class DeleteCertificateResponse:
    """DeleteCertificate.conf."""

    status: DeleteCertificateStatus


@dataclass(frozen=True, slots=True, kw_only=True)
class ExtendedTriggerMessageRequest:
    """ExtendedTriggerMessage.req (CS → CP)."""

    requested_message: ExtendedMessageTrigger
    connector_id: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ExtendedTriggerMessageResponse:
    """ExtendedTriggerMessage.conf."""

    status: TriggerMessageStatus


@dataclass(frozen=True, slots=True, kw_only=True)
class GetInstalledCertificateIdsRequest:
    """GetInstalledCertificateIds.req (CS → CP)."""

    certificate_type: CertificateUse


@dataclass(frozen=True, slots=True, kw_only=True)
class GetInstalledCertificateIdsResponse:
    """GetInstalledCertificateIds.conf; ``certificate_hash_data``, when present, is not empty."""

    certificate_hash_data: Annotated[tuple[CertificateHashData, ...], MinItems(1)] | None = None
    status: GetInstalledCertificateStatus


@dataclass(frozen=True, slots=True, kw_only=True)
class GetLogRequest:
    """GetLog.req (CS → CP): upload a diagnostics or security log."""

    log: LogParameters
    log_type: LogType
    request_id: int
    retries: int | None = None
    retry_interval: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class GetLogResponse:
    """GetLog.conf."""

    status: LogStatus
    filename: String255 | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class InstallCertificateRequest:
    """InstallCertificate.req (CS → CP): a root certificate, PEM."""

    certificate_type: CertificateUse
    certificate: String5500


@dataclass(frozen=True, slots=True, kw_only=True)
class InstallCertificateResponse:
    """InstallCertificate.conf."""

    status: InstallCertificateStatus


@dataclass(frozen=True, slots=True, kw_only=True)
class LogStatusNotificationRequest:
    """LogStatusNotification.req (CP → CS)."""

    status: UploadLogStatus
    request_id: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class LogStatusNotificationResponse:
    """LogStatusNotification.conf: empty."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SecurityEventNotificationRequest:
    """SecurityEventNotification.req (CP → CS): ``type`` is the security event name."""

    type: String50
    timestamp: datetime
    tech_info: String255 | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SecurityEventNotificationResponse:
    """SecurityEventNotification.conf: empty."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SignCertificateRequest:
    """SignCertificate.req (CP → CS): a PEM PKCS#10 certificate signing request."""

    csr: String5500


@dataclass(frozen=True, slots=True, kw_only=True)
class SignCertificateResponse:
    """SignCertificate.conf."""

    status: GenericStatus


@dataclass(frozen=True, slots=True, kw_only=True)
class SignedFirmwareStatusNotificationRequest:
    """SignedFirmwareStatusNotification.req (CP → CS); ``request_id`` is mandatory unless ``Idle``."""

    status: SignedFirmwareStatus
    request_id: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SignedFirmwareStatusNotificationResponse:
    """SignedFirmwareStatusNotification.conf: empty."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SignedUpdateFirmwareRequest:
    """SignedUpdateFirmware.req (CS → CP)."""

    retries: int | None = None
    retry_interval: int | None = None
    request_id: int
    firmware: Firmware


@dataclass(frozen=True, slots=True, kw_only=True)
class SignedUpdateFirmwareResponse:
    """SignedUpdateFirmware.conf."""

    status: UpdateFirmwareStatus

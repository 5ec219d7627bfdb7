"""Payloads of the LocalAuthListManagement profile (OCPP 1.6 edition 2)."""

from __future__ import annotations

from dataclasses import dataclass

from ocpp_core.datatypes import AuthorizationData
from ocpp_core.enums import UpdateStatus, UpdateType

__all__ = [
    "GetLocalListVersionRequest",
    "GetLocalListVersionResponse",
    "SendLocalListRequest",
    "SendLocalListResponse",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class GetLocalListVersionRequest:
    """GetLocalListVersion.req (CS → CP): empty."""


@dataclass(frozen=True, slots=True, kw_only=True)
class GetLocalListVersionResponse:
    """GetLocalListVersion.conf; 0 means an empty list, -1 no list support."""

    list_version: int


@dataclass(frozen=True, slots=True, kw_only=True)
class SendLocalListRequest:
    """SendLocalList.req (CS → CP): a full list or a differential update."""

    list_version: int
    local_authorization_list: tuple[AuthorizationData, ...] | None = None
    update_type: UpdateType


@dataclass(frozen=True, slots=True, kw_only=True)
class SendLocalListResponse:
    """SendLocalList.conf."""

    status: UpdateStatus

"""Core profile: handlers of the central system's CALLs.

Session-related requests (RemoteStart/Stop, Reset, UnlockConnector, ChangeAvailability, ClearCache)
delegate to :class:`ocpp_core.sessions.SessionManager`. Whatever they cause on the wire follows
their .conf: starting, stopping and resetting run after the response is written, UnlockConnector
answers once the hardware did (and stops the transaction after that), and the StatusNotifications
of a ChangeAvailability are flushed after it.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from ocpp_core.datatypes import KeyValue
from ocpp_core.enums import (
    AvailabilityStatus,
    AvailabilityType,
    ChargingProfilePurposeType,
    ClearCacheStatus,
    ConfigurationStatus,
    DataTransferStatus,
    Reason,
    RemoteStartStopStatus,
    ResetStatus,
    UnlockStatus,
)
from ocpp_core.messages.core import (
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
    RemoteStartTransactionRequest,
    RemoteStartTransactionResponse,
    RemoteStopTransactionRequest,
    RemoteStopTransactionResponse,
    ResetRequest,
    ResetResponse,
    UnlockConnectorRequest,
    UnlockConnectorResponse,
)

if TYPE_CHECKING:
    from ocpp_core import rpc
    from ocpp_core.chargepoint import ChargePoint, Handler, Reply

__all__ = ["HANDLERS"]


def get_configuration(cp: ChargePoint, request: GetConfigurationRequest, call: rpc.Call, now: datetime) -> Reply:
    known, unknown = cp.config.get_configuration(list(request.key) if request.key else None)
    return GetConfigurationResponse(
        configuration_key=tuple(KeyValue(key=k["key"], readonly=k["readonly"], value=k.get("value")) for k in known)
        or None,
        unknown_key=tuple(unknown) or None,
    )


def change_configuration(cp: ChargePoint, request: ChangeConfigurationRequest, call: rpc.Call, now: datetime) -> Reply:
    result, after = cp.prepare_configuration_change(request.key, request.value, source="CentralSystem")
    response = ChangeConfigurationResponse(status=ConfigurationStatus(result.status))
    return (response, after) if after is not None else response


def data_transfer(cp: ChargePoint, request: DataTransferRequest, call: rpc.Call, now: datetime) -> Reply:
    handlers = cp.data_transfer_handlers
    specific = handlers.get((request.vendor_id, request.message_id))
    generic = handlers.get((request.vendor_id, None))
    if specific is None and generic is None:
        known_vendor = any(vendor == request.vendor_id for vendor, _ in handlers)
        unknown = DataTransferStatus.UNKNOWN_MESSAGE_ID if known_vendor else DataTransferStatus.UNKNOWN_VENDOR_ID
        return DataTransferResponse(status=unknown)
    handler = specific or generic
    assert handler is not None
    status, data = handler(request.message_id, request.data)
    return DataTransferResponse(status=DataTransferStatus(status), data=data)


def remote_start(cp: ChargePoint, request: RemoteStartTransactionRequest, call: rpc.Call, now: datetime) -> Reply:
    """RemoteStartTransaction; a TxProfile that comes along (OCPP 1.6 §5.11) is checked now and
    installed for the connector when the transaction starts (``cp.smart_charging``). Without the
    SmartCharging profile the chargingProfile is ignored."""
    rejected = RemoteStartTransactionResponse(status=RemoteStartStopStatus.REJECTED)
    profile = request.charging_profile
    if profile is not None and (
        profile.charging_profile_purpose is not ChargingProfilePurposeType.TX_PROFILE
        or profile.transaction_id is not None
    ):
        return rejected  # OCTT TC_060: only a TxProfile without transactionId may come along
    connector_id = cp.sessions.connector_for_remote_start(request.connector_id, request.id_tag, now)
    if connector_id is None:
        return rejected
    if not cp.smart_charging.enabled:
        profile = None
    elif profile is not None and cp.smart_charging.remote_start_problem(connector_id, profile, now) is not None:
        return rejected

    def start(when: datetime) -> None:
        if profile is not None:
            cp.smart_charging.hold_for_transaction(connector_id, request.id_tag, profile)
        cp.sessions.grant_remote(connector_id, request.id_tag, when)

    return RemoteStartTransactionResponse(status=RemoteStartStopStatus.ACCEPTED), start


def remote_stop(cp: ChargePoint, request: RemoteStopTransactionRequest, call: rpc.Call, now: datetime) -> Reply:
    connector_id = cp.sessions.connector_of_transaction(request.transaction_id)
    if connector_id is None:
        return RemoteStopTransactionResponse(status=RemoteStartStopStatus.REJECTED)

    def stop(when: datetime) -> None:
        cp.sessions.stop_transaction(connector_id, Reason.REMOTE, when)

    return RemoteStopTransactionResponse(status=RemoteStartStopStatus.ACCEPTED), stop


def reset(cp: ChargePoint, request: ResetRequest, call: rpc.Call, now: datetime) -> Reply:
    kind = request.type.value

    def begin(when: datetime) -> None:
        cp.sessions.begin_reset(kind, when)

    return ResetResponse(status=ResetStatus.ACCEPTED), begin


def unlock_connector(cp: ChargePoint, request: UnlockConnectorRequest, call: rpc.Call, now: datetime) -> Reply:
    connector_id = request.connector_id
    if connector_id not in cp.sessions.sessions:
        return UnlockConnectorResponse(status=UnlockStatus.NOT_SUPPORTED)  # unknown connector (TC_031)
    return cp.sessions.unlock_requested(connector_id, now)


def change_availability(cp: ChargePoint, request: ChangeAvailabilityRequest, call: rpc.Call, now: datetime) -> Reply:
    operative = request.type is AvailabilityType.OPERATIVE
    status = cp.sessions.change_availability(request.connector_id, operative, now)
    # The connectors changed now; their StatusNotifications go after the .conf.
    return ChangeAvailabilityResponse(status=AvailabilityStatus(status)), cp.sessions.flush_status


def clear_cache(cp: ChargePoint, request: ClearCacheRequest, call: rpc.Call, now: datetime) -> Reply:
    accepted = cp.sessions.authorizer.clear_cache()
    return ClearCacheResponse(status=ClearCacheStatus.ACCEPTED if accepted else ClearCacheStatus.REJECTED)


HANDLERS: dict[str, Handler] = {
    "RemoteStartTransaction": remote_start,
    "RemoteStopTransaction": remote_stop,
    "Reset": reset,
    "UnlockConnector": unlock_connector,
    "ChangeAvailability": change_availability,
    "ClearCache": clear_cache,
    "GetConfiguration": get_configuration,
    "ChangeConfiguration": change_configuration,
    "DataTransfer": data_transfer,
}

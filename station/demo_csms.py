"""A small demo central system, so ``make run`` shows a working station with nothing else to set up.

Built on the independent ``ocpp`` package (its ``v16.ChargePoint`` as the central-system side) and
``websockets``; the ``ocpp1.6`` subprotocol is required. It accepts every charge point, answers
every charge-point-initiated action a station sends in normal operation, and logs one readable line
per message received. Tokens starting with ``INVALID`` are refused; every other token is accepted.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from ocpp import routing
from ocpp.v16 import ChargePoint, call_result
from ocpp.v16.datatypes import IdTagInfo
from ocpp.v16.enums import Action, AuthorizationStatus, DataTransferStatus, RegistrationStatus
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

__all__ = ["DemoCentralSystem", "serve_demo_csms"]

log = logging.getLogger(__name__)

Handler = Callable[..., Any]
#: ``ocpp.routing.on`` with a type (the package ships none).
on: Callable[[Action], Callable[[Handler], Handler]] = routing.on

HEARTBEAT_INTERVAL = 300


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _id_tag_info(id_tag: str) -> IdTagInfo:
    refused = id_tag.upper().startswith("INVALID")
    return IdTagInfo(status=AuthorizationStatus.invalid if refused else AuthorizationStatus.accepted)


class DemoCentralSystem:
    """State shared by every connected charge point: the transaction id counter."""

    def __init__(self) -> None:
        self._transaction_ids = itertools.count(1)

    def next_transaction_id(self) -> int:
        return next(self._transaction_ids)

    async def handle(self, websocket: ServerConnection) -> None:
        path = websocket.request.path if websocket.request is not None else "/"
        charge_point_id = path.rstrip("/").rsplit("/", 1)[-1] or "unknown"
        log.info("demo-csms: %s connected", charge_point_id)
        try:
            await DemoSession(charge_point_id, websocket, self).start()
        except ConnectionClosed:
            pass
        finally:
            log.info("demo-csms: %s disconnected", charge_point_id)


class DemoSession(ChargePoint):  # type: ignore[misc]  # ocpp ships no type information
    def __init__(self, charge_point_id: str, websocket: ServerConnection, central: DemoCentralSystem) -> None:
        super().__init__(charge_point_id, websocket)
        self.central = central

    def _log(self, action: str, details: str = "") -> None:
        log.info("demo-csms: %s → %s%s", self.id, action, f" {details}" if details else "")

    @on(Action.boot_notification)
    def on_boot_notification(self, charge_point_vendor: str, charge_point_model: str, **_: Any) -> Any:
        self._log("BootNotification", f"vendor={charge_point_vendor} model={charge_point_model}")
        return call_result.BootNotification(
            current_time=_now(), interval=HEARTBEAT_INTERVAL, status=RegistrationStatus.accepted
        )

    @on(Action.heartbeat)
    def on_heartbeat(self) -> Any:
        self._log("Heartbeat")
        return call_result.Heartbeat(current_time=_now())

    @on(Action.status_notification)
    def on_status_notification(self, connector_id: int, error_code: str, status: str, **_: Any) -> Any:
        self._log("StatusNotification", f"connector={connector_id} status={status} errorCode={error_code}")
        return call_result.StatusNotification()

    @on(Action.authorize)
    def on_authorize(self, id_tag: str) -> Any:
        info = _id_tag_info(id_tag)
        self._log("Authorize", f"idTag={id_tag} → {info.status}")
        return call_result.Authorize(id_tag_info=info)

    @on(Action.start_transaction)
    def on_start_transaction(self, connector_id: int, id_tag: str, meter_start: int, **_: Any) -> Any:
        transaction_id = self.central.next_transaction_id()
        info = _id_tag_info(id_tag)
        self._log(
            "StartTransaction",
            f"connector={connector_id} idTag={id_tag} meterStart={meter_start} → transactionId={transaction_id} {info.status}",
        )
        return call_result.StartTransaction(transaction_id=transaction_id, id_tag_info=info)

    @on(Action.stop_transaction)
    def on_stop_transaction(
        self, transaction_id: int, meter_stop: int, id_tag: str | None = None, reason: str | None = None, **_: Any
    ) -> Any:
        self._log(
            "StopTransaction", f"transactionId={transaction_id} meterStop={meter_stop} reason={reason or 'Local'}"
        )
        return call_result.StopTransaction(id_tag_info=_id_tag_info(id_tag) if id_tag else None)

    @on(Action.meter_values)
    def on_meter_values(self, connector_id: int, meter_value: list[dict[str, Any]], **kwargs: Any) -> Any:
        samples = sum(len(value.get("sampled_value", [])) for value in meter_value)
        transaction = kwargs.get("transaction_id")
        self._log("MeterValues", f"connector={connector_id} transactionId={transaction} samples={samples}")
        return call_result.MeterValues()

    @on(Action.data_transfer)
    def on_data_transfer(self, vendor_id: str, **kwargs: Any) -> Any:
        self._log("DataTransfer", f"vendorId={vendor_id} messageId={kwargs.get('message_id')}")
        return call_result.DataTransfer(status=DataTransferStatus.unknown_vendor_id)

    @on(Action.security_event_notification)
    def on_security_event_notification(self, **kwargs: Any) -> Any:
        self._log("SecurityEventNotification", f"type={kwargs.get('type')}")
        return call_result.SecurityEventNotification()


async def serve_demo_csms(host: str = "127.0.0.1", port: int = 0) -> tuple[Server, str]:
    """Start the demo central system; returns the server and its URL (port 0 picks a free port)."""
    central = DemoCentralSystem()
    server = await serve(central.handle, host, port, subprotocols=[Subprotocol("ocpp1.6")])
    bound_port = next(iter(server.sockets)).getsockname()[1]
    url = f"ws://{host}:{bound_port}/"
    log.info("demo-csms: listening on %s", url)
    return server, url

"""Optional feature components plugged into the engine.

Theory of operation
-------------------
The Core profile lives in :class:`~ocpp_core.sessions.SessionManager`. The other feature
profiles that keep state of their own -- smart charging, reservations, firmware and diagnostics
-- are each one :class:`Feature` held by the :class:`~ocpp_core.chargepoint.ChargePoint` (as
``cp.smart_charging``, ``cp.reservations``, ``cp.firmware``). The engine calls every feature's
hooks at fixed points, so a feature never needs the engine to know its internals:

* :meth:`Feature.take_ops` after every input, with the engine's own storage operations;
* :meth:`Feature.next_deadline` / :meth:`Feature.tick` with the engine's timers (they run
  whether or not the central system is connected);
* :meth:`Feature.on_started` once, at the first input after construction (restore state);
* :meth:`Feature.on_registered` after BootNotification Accepted and after each reconnect;
* :meth:`Feature.on_connection_changed` when the websocket opens or closes;
* :meth:`Feature.on_configuration_changed` after a configuration key changed;
* :meth:`Feature.on_transaction_started` / :meth:`Feature.on_transaction_id` /
  :meth:`Feature.on_transaction_stopped` from the session manager;
* :meth:`Feature.on_identification_refused` when an idTag presented or sent to start or stop a
  transaction was refused.

The central system's CALLs reach a feature through the profile handler modules
(``ocpp_core/profiles/``), which call the feature's methods.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ocpp_core.chargepoint import ChargePoint
    from ocpp_core.storage import Snapshot, StorageOp

__all__ = ["Feature"]


class Feature:
    """Base of the engine's feature components; every hook does nothing by default."""

    def __init__(self, cp: ChargePoint, snapshot: Snapshot) -> None:
        self.cp = cp
        self._ops: list[StorageOp] = []

    def journal(self, op: StorageOp) -> None:
        """Record a durable change, applied with the step's other storage operations."""
        self._ops.append(op)

    def take_ops(self) -> list[StorageOp]:
        ops, self._ops = self._ops, []
        return ops

    def next_deadline(self) -> datetime | None:
        return None

    def tick(self, now: datetime) -> None:
        """Run what is due at ``now``."""

    def on_started(self, now: datetime) -> None:
        """The engine received its first input: restore what the snapshot held."""

    def on_registered(self, now: datetime, *, reconnect: bool) -> None:
        """BootNotification was accepted, or the connection came back after acceptance."""

    def on_connection_changed(self, connected: bool, now: datetime) -> None:
        """The websocket to the central system opened or closed."""

    def on_configuration_changed(self, key: str, now: datetime) -> None:
        """Configuration key ``key`` was changed (by the central system or locally)."""

    def on_transaction_started(self, connector_id: int, tx: Any, now: datetime) -> None:
        """A transaction started locally on ``connector_id`` (its StartTransaction is queued)."""

    def on_transaction_id(self, connector_id: int, tx: Any, now: datetime) -> None:
        """StartTransaction.conf gave the transaction on ``connector_id`` its transactionId."""

    def on_transaction_stopped(self, connector_id: int, tx: Any, now: datetime) -> None:
        """The transaction on ``connector_id`` stopped (its StopTransaction is queued)."""

    def on_identification_refused(self, connector_id: int, id_tag: str) -> None:
        """``id_tag`` was refused on ``connector_id`` (no transaction starts or stops for it)."""

"""The outgoing message queue.

Theory of operation
-------------------
Every CALL the charge point sends goes through :class:`Outbox`. It keeps two lanes:

* the **transaction lane** -- StartTransaction, StopTransaction, MeterValues and
  SecurityEventNotification -- a strict FIFO whose messages are persisted (a ``QueuePut`` storage
  operation is emitted when a message is queued, and a ``QueueDelete`` once it is answered or
  given up), survive restarts, wait while offline or before BootNotification is Accepted, and are
  retried per TransactionMessageAttempts / TransactionMessageRetryInterval: after the n-th failed
  transmission (CALLERROR or timeout) the message waits ``n x interval`` and goes again with a
  new unique id, until the attempts are used up;
* the **normal lane** -- everything else -- kept in memory only. While disconnected or not yet
  Accepted, a normal message is discarded when pushed (the caller learns it at once), except a
  BootNotification and messages sent in reply to a TriggerMessage, which are never gated.

Choosing the next message: a BootNotification always goes first; otherwise the eligible head of
either lane with the lower ``seq`` (creation order) goes. At most one CALL is in flight: that is
the engine's rule, the queue only hands out candidates. A message in flight when the connection
drops goes back to the head of its lane without counting as an attempt.

``seq`` numbers are allocated here and continue after a restart from the largest persisted one.
Transaction messages may carry a ``tx_key``; :meth:`Outbox.patch_transaction_id` writes the
transactionId the central system assigned into every queued message of that transaction.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from ocpp_core.storage import QueueDelete, QueuedMessage, QueuePut, StorageOp

__all__ = ["BOOT_ACTION", "TRANSACTION_ACTIONS", "Outbox"]

TRANSACTION_ACTIONS = frozenset({"StartTransaction", "StopTransaction", "MeterValues", "SecurityEventNotification"})
BOOT_ACTION = "BootNotification"


class Outbox:
    """Two-lane outgoing queue with persistence operations and retry bookkeeping."""

    def __init__(self, restored: Iterable[QueuedMessage], id_factory: Callable[[], str]) -> None:
        self._id_factory = id_factory
        restored = sorted(restored, key=lambda m: m.seq)
        # Restored messages were in flight or queued when we stopped: all go again, in order.
        self._tx: deque[QueuedMessage] = deque(m for m in restored if m.transactional)
        self._normal: deque[QueuedMessage] = deque(m for m in restored if not m.transactional)
        self._next_seq = (restored[-1].seq + 1) if restored else 1
        self._ops: list[StorageOp] = []
        # Messages sent in reply to a TriggerMessage bypass registration gating.
        self._triggered: set[int] = set()

    # -- storage -------------------------------------------------------------------------------
    def take_ops(self) -> list[StorageOp]:
        """The storage operations produced since the last call."""
        ops, self._ops = self._ops, []
        return ops

    def _persist(self, message: QueuedMessage) -> None:
        if message.transactional:
            self._ops.append(QueuePut(message=message))

    # -- pushing -------------------------------------------------------------------------------
    def push(
        self,
        action: str,
        payload: dict[str, Any],
        now: datetime,
        *,
        can_send_normal: bool,
        triggered: bool = False,
        tx_key: str | None = None,
    ) -> QueuedMessage | None:
        """Queue a CALL. Returns the queued message, or None if a normal message was discarded.

        ``can_send_normal`` says whether normal messages may be sent now (connected and
        registered); when False a normal message is discarded unless it is a BootNotification
        or ``triggered``.
        """
        transactional = action in TRANSACTION_ACTIONS
        if not transactional and not can_send_normal and action != BOOT_ACTION and not triggered:
            return None
        message = QueuedMessage(
            seq=self._next_seq,
            unique_id=self._id_factory(),
            action=action,
            payload=payload,
            transactional=transactional,
            created_at=now,
            tx_key=tx_key,
        )
        self._next_seq += 1
        if triggered:
            self._triggered.add(message.seq)
        if transactional:
            self._tx.append(message)
            self._persist(message)
        elif action == BOOT_ACTION:
            # Only one BootNotification waits at a time; it goes before everything else.
            self._normal = deque(m for m in self._normal if m.action != BOOT_ACTION)
            self._normal.appendleft(message)
        else:
            self._normal.append(message)
        return message

    # -- choosing ------------------------------------------------------------------------------
    def next_message(self, now: datetime, *, registered: bool) -> QueuedMessage | None:
        """The message to send next, or None. ``registered`` = BootNotification Accepted."""
        normal = self._first_eligible_normal(registered)
        if normal is not None and normal.action == BOOT_ACTION:
            return normal
        tx = self._tx[0] if self._tx else None
        if tx is not None and not (registered or tx.seq in self._triggered):
            tx = None
        if tx is not None and tx.not_before is not None and tx.not_before > now:
            tx = None
        if normal is None:
            return tx
        if tx is None:
            return normal
        return tx if tx.seq < normal.seq else normal

    def _first_eligible_normal(self, registered: bool) -> QueuedMessage | None:
        for message in self._normal:
            if registered or message.action == BOOT_ACTION or message.seq in self._triggered:
                return message
        return None

    def next_wakeup(self) -> datetime | None:
        """When the head of the transaction lane becomes eligible, if it waits for a retry."""
        if self._tx and self._tx[0].not_before is not None:
            return self._tx[0].not_before
        return None

    # -- outcomes ------------------------------------------------------------------------------
    def _remove(self, message: QueuedMessage) -> None:
        lane = self._tx if message.transactional else self._normal
        for index, queued in enumerate(lane):
            if queued.seq == message.seq:
                del lane[index]
                break
        self._triggered.discard(message.seq)
        if message.transactional:
            self._ops.append(QueueDelete(seq=message.seq))

    def answered(self, message: QueuedMessage) -> None:
        """``message`` got its CALLRESULT: it leaves the queue for good."""
        self._remove(message)

    def failed(self, message: QueuedMessage, now: datetime, *, attempts: int, retry_interval: int) -> bool:
        """``message`` failed (CALLERROR or timeout). Returns True if it will be retried.

        Transaction messages are retried until ``attempts`` transmissions were made, waiting
        ``retry_interval x transmissions`` seconds; other messages are dropped at once.
        """
        if not message.transactional:
            self._remove(message)
            return False
        transmissions = message.attempts + 1
        if transmissions >= max(attempts, 1):
            self._remove(message)
            return False
        retry = replace(
            message,
            attempts=transmissions,
            unique_id=self._id_factory(),
            not_before=now + timedelta(seconds=retry_interval * transmissions),
        )
        self._replace(retry)
        return True

    def interrupted(self, message: QueuedMessage) -> None:
        """The connection dropped while ``message`` was in flight: it stays at its place.

        A normal message is dropped (it described a moment that has passed); a transaction
        message will go again with a new unique id, without counting as an attempt.
        """
        if not message.transactional:
            self._remove(message)
            return
        self._replace(replace(message, unique_id=self._id_factory()))

    def _replace(self, message: QueuedMessage) -> None:
        lane = self._tx if message.transactional else self._normal
        for index, queued in enumerate(lane):
            if queued.seq == message.seq:
                lane[index] = message
                break
        self._persist(message)

    def drop_normal(self) -> list[QueuedMessage]:
        """Discard every normal message (connection lost). Returns what was dropped."""
        dropped = [m for m in self._normal if m.action != BOOT_ACTION]
        self._normal = deque(m for m in self._normal if m.action == BOOT_ACTION)
        for message in dropped:
            self._triggered.discard(message.seq)
        return dropped

    def patch_transaction_id(self, tx_key: str, transaction_id: int) -> None:
        """Write ``transaction_id`` into every queued message of the transaction ``tx_key``."""
        for message in list(self._tx):
            if message.tx_key == tx_key and message.action in ("StopTransaction", "MeterValues"):
                payload = dict(message.payload)
                payload["transactionId"] = transaction_id
                self._replace(replace(message, payload=payload))

    # -- inspection ----------------------------------------------------------------------------
    def pending(self) -> list[QueuedMessage]:
        """Every queued message, transaction lane first, in order."""
        return [*self._tx, *self._normal]

    def __len__(self) -> int:
        return len(self._tx) + len(self._normal)

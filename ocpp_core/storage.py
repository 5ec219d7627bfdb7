"""The storage interface: how the engine's durable state reaches a database.

Theory of operation
-------------------
The engine keeps its state in memory and describes every durable change as a *storage
operation* (a frozen dataclass below). After each input the driver takes the operations with
``ChargePoint.storage_ops()`` and applies them with ``await store.apply(ops)`` -- atomically, all
or nothing -- **before** it sends the frames of that step. That is what makes "persisted before
sent" hold for transaction messages. At start the driver calls ``await store.load()`` and builds
the engine from the :class:`Snapshot`.

:class:`MemoryStore` implements the interface in memory for tests; the station implements it on
the Django ORM (``station/store.py``).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Protocol

__all__ = [
    "ConfigSet",
    "MemoryStore",
    "QueueDelete",
    "QueuePut",
    "QueuedMessage",
    "Snapshot",
    "StorageOp",
    "Store",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class QueuedMessage:
    """A CALL waiting in the message queue (or in flight) until its CALLRESULT arrives.

    ``seq`` orders the queue and never changes; ``unique_id`` changes on every retry.
    ``tx_key`` links a transaction message to the local transaction it belongs to, so its
    ``transactionId`` can be patched when StartTransaction.conf arrives.
    """

    seq: int
    unique_id: str
    action: str
    payload: dict[str, Any]
    transactional: bool
    created_at: datetime
    attempts: int = 0
    not_before: datetime | None = None
    tx_key: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class QueuePut:
    """Insert or replace (by ``seq``) a queued message."""

    message: QueuedMessage


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueDelete:
    """Remove the queued message ``seq`` (answered, or given up)."""

    seq: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ConfigSet:
    """Persist a changed configuration key (the overlay over the config file)."""

    section: str
    key: str
    value: Any


StorageOp = QueuePut | QueueDelete | ConfigSet


@dataclass(frozen=True, slots=True, kw_only=True)
class Snapshot:
    """Everything durable, as loaded at start."""

    queue: tuple[QueuedMessage, ...] = ()
    config_overlay: dict[str, dict[str, Any]] = field(default_factory=dict)


class Store(Protocol):
    """Durable storage of the engine's state."""

    async def load(self) -> Snapshot:
        """Everything stored so far."""
        ...

    async def apply(self, ops: Sequence[StorageOp]) -> None:
        """Apply ``ops`` in order, atomically."""
        ...


class MemoryStore:
    """A :class:`Store` in memory, for tests and for ``ocpp_core`` used alone."""

    def __init__(self, snapshot: Snapshot | None = None) -> None:
        self._queue: dict[int, QueuedMessage] = {}
        self._config: dict[str, dict[str, Any]] = {}
        self.applied: list[StorageOp] = []
        if snapshot is not None:
            self._queue = {m.seq: m for m in snapshot.queue}
            self._config = copy.deepcopy(snapshot.config_overlay)

    def snapshot(self) -> Snapshot:
        """The current state, as :meth:`load` would return it."""
        return Snapshot(
            queue=tuple(sorted(self._queue.values(), key=lambda m: m.seq)),
            config_overlay=copy.deepcopy(self._config),
        )

    async def load(self) -> Snapshot:
        return self.snapshot()

    async def apply(self, ops: Sequence[StorageOp]) -> None:
        queue = dict(self._queue)
        config = copy.deepcopy(self._config)
        for op in ops:
            if isinstance(op, QueuePut):
                queue[op.message.seq] = replace(op.message, payload=copy.deepcopy(op.message.payload))
            elif isinstance(op, QueueDelete):
                queue.pop(op.seq, None)
            else:
                config.setdefault(op.section, {})[op.key] = copy.deepcopy(op.value)
        self._queue, self._config = queue, config
        self.applied.extend(ops)

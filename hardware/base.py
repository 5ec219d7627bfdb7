"""The driver interface between the station and the charger hardware.

The engine (:mod:`ocpp_core`) is sans-I/O: it never touches hardware. It emits the commands of
:mod:`ocpp_core.commands`; the station's driver executes them on an :class:`Adapter`. The other
way round, an adapter reports what the hardware observed (plug, token, fault, meter sample: the
events of :mod:`ocpp_core.inputs`) to its subscribers, and the station feeds them to the engine.

An adapter is anything that has the methods of :class:`Adapter` (a ``typing.Protocol``). Most
adapters subclass :class:`AdapterBase`, which keeps the subscriber list, reports events in order
and implements :meth:`Adapter.execute` once on top of the specific methods.

Errors: a command that the hardware could not carry out raises :class:`HardwareError`. Its
``permanent`` flag tells the driver whether trying again can help: False for a failure that may
pass (a lock that jammed, a busy bus), True for one that cannot (a command the hardware does not
support, a value it never accepts). :class:`UnknownConnector` is the permanent error for a
connector id the hardware does not have.

Firmware and diagnostics: :meth:`Adapter.install_firmware` installs an image the station
downloaded and :meth:`Adapter.collect_logs` hands over what the hardware knows about itself for a
diagnostics bundle. :class:`AdapterBase` implements both for hardware that can do neither (the
installation fails with a permanent :class:`HardwareError`; there are no logs).
"""

from __future__ import annotations

import abc
import collections
import logging
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import Protocol, assert_never, runtime_checkable

from ocpp_core.commands import (
    DisableConnector,
    EnableConnector,
    HardwareCommand,
    InstallFirmware,
    LockConnector,
    PauseCharging,
    ResetStation,
    ResumeCharging,
    SetChargingLimit,
    Unlock,
)
from ocpp_core.inputs import HardwareInput, MeterSample

__all__ = [
    "Adapter",
    "AdapterBase",
    "HardwareError",
    "Subscriber",
    "UnknownConnector",
    "execute_command",
]

logger = logging.getLogger(__name__)

Subscriber = Callable[[HardwareInput], Awaitable[None] | None]
"""A receiver of reported events: a plain function or a coroutine function."""


class HardwareError(Exception):
    """The hardware could not carry out a command.

    ``permanent`` is True when retrying the same command cannot succeed (the hardware does not
    support it, the connector does not exist), False when it may (a transient failure).
    """

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class UnknownConnector(HardwareError, LookupError):
    """The hardware has no connector with that id (the control API answers 404)."""

    def __init__(self, connector_id: object) -> None:
        super().__init__(f"unknown connector {connector_id!r}", permanent=True)
        self.connector_id = connector_id


@runtime_checkable
class Adapter(Protocol):
    """What the station needs from a charger's hardware.

    Connector ids start at 1; connector 0 means the whole station where a method says so.
    Command methods (``enable`` ... ``reset``) raise :class:`HardwareError` when the hardware
    cannot carry the command out, and :class:`UnknownConnector` for an id it does not have.
    Events are reported to the subscribers in the order they happened, each subscriber awaited
    before the next one is called.
    """

    def connector_ids(self) -> tuple[int, ...]:
        """The ids of the physical connectors, ascending (never 0)."""
        ...

    def has_fixed_cable(self, connector_id: int) -> bool:
        """True when ``connector_id`` has a cable attached to the station (it cannot be unlocked)."""
        ...

    def subscribe(self, callback: Subscriber) -> None:
        """Report every future event to ``callback`` (after the subscribers already there)."""
        ...

    async def start(self) -> None:
        """Begin reporting: open devices, start periodic meter sampling."""
        ...

    async def stop(self) -> None:
        """Stop reporting and release the hardware; calling it twice is harmless."""
        ...

    async def sample(self, connector_id: int) -> MeterSample | None:
        """Read the meter of ``connector_id`` now (None: this connector has no meter).

        Used for TriggerMessage(MeterValues) and for the transaction's begin and end values.
        The sample is returned, not reported to the subscribers.
        """
        ...

    async def enable(self, connector_id: int) -> None:
        """Make ``connector_id`` (0 = the whole station) operative."""
        ...

    async def disable(self, connector_id: int) -> None:
        """Make ``connector_id`` (0 = the whole station) inoperative: no energy flows."""
        ...

    async def lock(self, connector_id: int) -> None:
        """Lock the cable in the socket of ``connector_id``; raise :class:`HardwareError` on failure.

        With a fixed cable there is nothing to lock and this succeeds.
        """
        ...

    async def unlock(self, connector_id: int) -> str:
        """Unlock the cable of ``connector_id``: ``"Unlocked"``, ``"UnlockFailed"`` or ``"NotSupported"``.

        The value is an UnlockStatus wire value; a fixed cable answers ``"NotSupported"``.
        """
        ...

    async def pause_charging(self, connector_id: int) -> None:
        """Stop offering energy on ``connector_id`` (0 = every connector)."""
        ...

    async def resume_charging(self, connector_id: int) -> None:
        """Offer energy on ``connector_id`` (0 = every connector), within the applied limit."""
        ...

    async def set_limit(self, connector_id: int, limit: Decimal | None, unit: str, number_phases: int | None) -> None:
        """Apply a charging limit to ``connector_id`` (0 = the whole station).

        ``limit`` is in ``unit``: ``"A"`` per phase or ``"W"`` in total; None removes the limit.
        ``number_phases`` (1..3, None = as many as the EV uses) caps the phases used.
        """
        ...

    async def reset(self, kind: str) -> None:
        """Restart the station hardware: ``kind`` is ``"Soft"`` or ``"Hard"``."""
        ...

    async def install_firmware(self, path: Path) -> str | None:
        """Install the firmware image at ``path``; returns the version now installed (None: the
        hardware cannot tell). Raises :class:`HardwareError` when the image cannot be installed.

        The new firmware runs after the reboot the station asks for next (``reset("Hard")``).
        """
        ...

    async def collect_logs(self) -> dict[str, bytes]:
        """What the hardware can tell about itself for a diagnostics bundle: file name -> content."""
        ...

    async def execute(self, command: HardwareCommand) -> object | None:
        """Carry out ``command``; the result of a command that has one (``Unlock``: the status,
        ``InstallFirmware``: the version), else None."""
        ...


async def execute_command(adapter: Adapter, command: HardwareCommand) -> object | None:
    """Dispatch ``command`` to the matching method of ``adapter`` and return its result.

    ``Unlock`` returns the UnlockStatus wire value, ``InstallFirmware`` the version installed (or
    None); every other command returns None.
    """
    match command:
        case EnableConnector(connector_id=connector_id):
            await adapter.enable(connector_id)
        case DisableConnector(connector_id=connector_id):
            await adapter.disable(connector_id)
        case LockConnector(connector_id=connector_id):
            await adapter.lock(connector_id)
        case Unlock(connector_id=connector_id):
            return await adapter.unlock(connector_id)
        case PauseCharging(connector_id=connector_id):
            await adapter.pause_charging(connector_id)
        case ResumeCharging(connector_id=connector_id):
            await adapter.resume_charging(connector_id)
        case SetChargingLimit():
            await adapter.set_limit(command.connector_id, command.limit, command.unit, command.number_phases)
        case ResetStation(kind=kind):
            await adapter.reset(kind)
        case InstallFirmware(path=path):
            return await adapter.install_firmware(Path(path))
        case _:
            assert_never(command)
    return None


class AdapterBase(abc.ABC):
    """A base for adapters: subscribers, in-order reporting, and :meth:`execute`.

    Subclasses implement the hardware methods; ``start``/``stop`` default to doing nothing.
    """

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []
        self._pending: collections.deque[HardwareInput] = collections.deque()
        self._delivering = False

    def subscribe(self, callback: Subscriber) -> None:
        self._subscribers.append(callback)

    async def report(self, *events: HardwareInput) -> None:
        """Hand ``events`` to every subscriber, in order, awaiting coroutine subscribers.

        Events reported while others are being delivered (by a subscriber that acts on the
        adapter, or by another task) are queued behind them and delivered by the call already
        delivering, so every subscriber sees every event in one global order and a subscriber
        may call the adapter without deadlocking. A subscriber that raises is logged and the
        delivery goes on: one broken receiver must not starve the others.
        """
        self._pending.extend(events)
        if self._delivering:
            return
        self._delivering = True
        try:
            while self._pending:
                event = self._pending.popleft()
                for callback in list(self._subscribers):
                    try:
                        result = callback(event)
                        if result is not None:
                            await result
                    except Exception:
                        logger.exception("subscriber %r failed on %r", callback, event)
        finally:
            self._delivering = False

    async def execute(self, command: HardwareCommand) -> object | None:
        return await execute_command(self, command)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def install_firmware(self, path: Path) -> str | None:
        """Hardware without firmware installation: always fails (permanently)."""
        raise HardwareError("this hardware cannot install firmware", permanent=True)

    async def collect_logs(self) -> dict[str, bytes]:
        """Hardware without logs of its own: nothing."""
        return {}

    @abc.abstractmethod
    def connector_ids(self) -> tuple[int, ...]: ...

    @abc.abstractmethod
    def has_fixed_cable(self, connector_id: int) -> bool: ...

    @abc.abstractmethod
    async def sample(self, connector_id: int) -> MeterSample | None: ...

    @abc.abstractmethod
    async def enable(self, connector_id: int) -> None: ...

    @abc.abstractmethod
    async def disable(self, connector_id: int) -> None: ...

    @abc.abstractmethod
    async def lock(self, connector_id: int) -> None: ...

    @abc.abstractmethod
    async def unlock(self, connector_id: int) -> str: ...

    @abc.abstractmethod
    async def pause_charging(self, connector_id: int) -> None: ...

    @abc.abstractmethod
    async def resume_charging(self, connector_id: int) -> None: ...

    @abc.abstractmethod
    async def set_limit(
        self, connector_id: int, limit: Decimal | None, unit: str, number_phases: int | None
    ) -> None: ...

    @abc.abstractmethod
    async def reset(self, kind: str) -> None: ...

"""The simulated charger adapter: connectors, cables, locks, EVs, faults, firmware, the control API.

Theory of operation
-------------------

* Deterministic. Time comes from the injected ``clock`` only; the periodic sampling waits with the
  injected ``sleep``. Nothing is random. Energies and powers are exact fractions internally and
  are rounded only when a reading is built, so two simulators fed the same inputs at the same
  clock readings report identical samples.
* Energy is integrated lazily before any change of state (a control call, a command, a sample),
  up to ``clock()``. Energy flows on a connector when the station and the connector are enabled,
  the engine has resumed charging (``resume_charging``; ``pause_charging`` stops it), no fault is
  active, and a plugged EV wants it; the power, energy, SoC and meter-sample rules are in
  :mod:`hardware.simulator_physics`, which holds the physics this adapter inherits.
* The cable lock is independent of energy flow: the engine decides when to lock. A fixed cable
  has no lock: ``lock`` succeeds and ``unlock`` answers ``NotSupported``.
* Control methods (the control API) validate before they change anything: an unknown connector
  raises :class:`~hardware.base.UnknownConnector` (404), an impossible action in the current state
  :class:`SimulatorStateError` (409), a bad value ``ValueError`` naming the field (400). Connector
  0 is the station: it takes faults and tokens (a station-wide reader), but has no cable or EV
  (plug, unplug, EV suspend/resume and knobs on it are state errors).
* Every state change the hardware would observe is reported to the subscribers as an
  :mod:`ocpp_core.inputs` event, in order.
* Firmware: :meth:`SimulatorAdapter.install_firmware` "installs" an image by recording its
  version, which the station then reports. An image whose first line is ``SIMFW <version>`` has
  that version (a ``SIMFW`` line without a valid version is a corrupt image); any other non-empty
  file takes the version from its name (``firmware-2.1.bin`` → ``firmware-2.1``). An empty or
  missing image, a corrupt one, or the knob ``firmware_install_fails`` make the installation fail.

Connector 0 has no meter (``sample(0)`` is None).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any, TypeVar

from hardware.base import AdapterBase, HardwareError, UnknownConnector
from hardware.simulator_physics import (
    NOMINAL_VOLTAGE,
    Connector,
    Fault,
    Limit,
    SimulatorPhysics,
    floor_decimal,
    round_decimal,
)
from ocpp_core.enums import ChargePointErrorCode, UnlockStatus
from ocpp_core.inputs import (
    EvResumed,
    EvSuspended,
    FaultCleared,
    FaultRaised,
    HardwareInput,
    MeterSample,
    PlugIn,
    TokenPresented,
    Unplug,
)

__all__ = ["CHARGE_POINT_ERROR_CODES", "NOMINAL_VOLTAGE", "SimulatorAdapter", "SimulatorStateError"]

logger = logging.getLogger(__name__)

_T = TypeVar("_T")

CHARGE_POINT_ERROR_CODES = frozenset(ChargePointErrorCode) - {ChargePointErrorCode.NO_ERROR}
"""The ChargePointErrorCode wire values a fault may carry (``NoError`` is not a fault)."""

_MAX_INFO = 50  # StatusNotification.info is a CiString50
_MAX_ID_TAG = 20  # IdToken is a CiString20
_MAX_VERSION = 50  # BootNotification.firmwareVersion is a CiString50
_VERSION = re.compile(rf"[!-~]{{1,{_MAX_VERSION}}}")  # printable ASCII, no spaces


class SimulatorStateError(Exception):
    """The action is impossible in the simulated hardware's current state (the control API: 409)."""


def _number(name: str, value: object, *, minimum: Fraction | None = None, positive: bool = False) -> Fraction:
    """``value`` (int, float or Decimal) as an exact fraction; ``ValueError`` naming ``name`` if bad."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ValueError(f"{name} must be a number, not {value!r}")
    # repr: a float 0.1 means 1/10 here, not the nearest binary fraction.
    exact = Decimal(repr(value)) if isinstance(value, float) else value
    if isinstance(exact, Decimal) and not exact.is_finite():
        raise ValueError(f"{name} must be a finite number, not {value!r}")
    number = Fraction(exact)
    if positive and number <= 0:
        raise ValueError(f"{name} must be greater than 0, not {value!r}")
    if minimum is not None and number < minimum:
        raise ValueError(f"{name} must be at least {minimum}, not {value!r}")
    return number


def _whole(value: object) -> bool:
    """An int and not a bool (JSON true is no connector id)."""
    return type(value) is int


def _text(value: object, max_length: int) -> bool:
    return isinstance(value, str) and len(value) <= max_length


def _is_station(connector_id: object) -> bool:
    return _whole(connector_id) and connector_id == 0


def _flag(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{name} must be true or false, not {value!r}")
    return value


def _default_clock() -> datetime:
    return datetime.now(UTC)


class SimulatorAdapter(SimulatorPhysics, AdapterBase):
    """A deterministic simulated charger with ``connectors`` connectors (ids 1..N).

    ``clock`` returns aware datetimes; ``sleep`` waits a number of seconds (both default to the
    real ones). ``sample_interval`` is the period, in seconds, of the meter samples pushed to the
    subscribers once :meth:`start` ran. ``fixed_cable`` and ``power_w`` (the EV's maximum draw)
    are the initial knobs of every connector; ``phases`` is the number of phases of the supply
    and the EVs; ``max_current_a`` the rating of each connector; ``energy_wh`` the initial import
    register of each meter; ``battery_wh`` and ``initial_soc`` describe every arriving EV;
    ``ambient_c`` the temperature of an idle station.
    """

    def __init__(
        self,
        connectors: int = 1,
        *,
        clock: Callable[[], datetime] = _default_clock,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        sample_interval: float = 5.0,
        fixed_cable: bool = False,
        power_w: int | float | Decimal = 11000,
        phases: int = 3,
        max_current_a: int | float | Decimal = 32,
        energy_wh: int | float | Decimal = 0,
        battery_wh: int | float | Decimal = 60000,
        initial_soc: int | float | Decimal = 20,
        ambient_c: int | float | Decimal = 25,
        firmware_version: str | None = None,
    ) -> None:
        super().__init__()
        if not _whole(connectors) or connectors < 1:
            raise ValueError(f"connectors must be a whole number of at least 1, not {connectors!r}")
        if isinstance(phases, bool) or phases not in (1, 2, 3):
            raise ValueError(f"phases must be 1, 2 or 3, not {phases!r}")
        self._sample_interval = float(_number("sample_interval", sample_interval, positive=True))
        ev_power_w = _number("power_w", power_w, minimum=Fraction(0))
        register = _number("energy_wh", energy_wh, minimum=Fraction(0))
        self._max_current_a = _number("max_current_a", max_current_a, minimum=Fraction(0))
        self._battery_wh = _number("battery_wh", battery_wh, positive=True)
        self._initial_soc = _number("initial_soc", initial_soc, minimum=Fraction(0))
        if self._initial_soc > 100:
            raise ValueError(f"initial_soc must be at most 100, not {initial_soc!r}")
        self._ambient_c = _number("ambient_c", ambient_c)
        fixed = _flag("fixed_cable", fixed_cable)
        self._clock = clock
        self._sleep = sleep
        self._phases = phases
        self._last = self._now()
        self._connectors = {
            n: Connector(
                connector_id=n,
                fixed_cable=fixed,
                ev_power_w=ev_power_w,
                energy_wh=[register / phases] * phases,
            )
            for n in range(1, connectors + 1)
        }
        self._station_enabled = True
        self._station_limit: Limit | None = None
        self._station_faults: dict[str, Fault] = {}
        self._fault_count = 0
        self._reset_count = 0
        self._last_reset: str | None = None
        self._outbox: list[HardwareInput] = []
        self._sampler: asyncio.Task[None] | None = None
        self.firmware_version = firmware_version
        #: Knob: the next firmware installations fail.
        self.firmware_install_fails = False
        self._firmware_installs = 0

    # -- the Adapter interface -------------------------------------------------------------

    def connector_ids(self) -> tuple[int, ...]:
        return tuple(self._connectors)

    def has_fixed_cable(self, connector_id: int) -> bool:
        return self._connector(connector_id).fixed_cable

    async def start(self) -> None:
        """Start pushing a meter sample of every connector each ``sample_interval`` seconds."""
        if self._sampler is None or self._sampler.done():
            self._sampler = asyncio.get_running_loop().create_task(self._run_sampler(), name="simulator-sampler")

    async def stop(self) -> None:
        sampler, self._sampler = self._sampler, None
        if sampler is not None:
            sampler.cancel()
            await asyncio.wait({sampler})

    async def sample(self, connector_id: int) -> MeterSample | None:
        if _is_station(connector_id):
            return None
        connector = self._connector(connector_id)
        return await self._step(lambda: self._meter_sample(connector, self._last))

    async def enable(self, connector_id: int) -> None:
        await self._step(lambda: self._set_enabled(connector_id, True))

    async def disable(self, connector_id: int) -> None:
        await self._step(lambda: self._set_enabled(connector_id, False))

    async def lock(self, connector_id: int) -> None:
        connector = self._connector(connector_id)

        def change() -> None:
            if connector.fixed_cable:
                return
            if connector.lock_fails:
                raise HardwareError(f"connector {connector_id}: the cable lock failed to close", permanent=False)
            connector.locked = True

        await self._step(change)

    async def unlock(self, connector_id: int) -> str:
        connector = self._connector(connector_id)

        def change() -> str:
            if connector.fixed_cable:
                return UnlockStatus.NOT_SUPPORTED
            if connector.unlock_fails:
                return UnlockStatus.UNLOCK_FAILED
            connector.locked = False
            return UnlockStatus.UNLOCKED

        return await self._step(change)

    async def pause_charging(self, connector_id: int) -> None:
        await self._step(lambda: self._set_delivery(connector_id, False))

    async def resume_charging(self, connector_id: int) -> None:
        await self._step(lambda: self._set_delivery(connector_id, True))

    async def set_limit(self, connector_id: int, limit: Decimal | None, unit: str, number_phases: int | None) -> None:
        if not _is_station(connector_id):
            self._connector(connector_id)
        if unit not in ("A", "W"):
            raise HardwareError(f"limit unit must be 'A' or 'W', not {unit!r}", permanent=True)
        if number_phases is not None and number_phases not in (1, 2, 3):
            raise HardwareError(f"number_phases must be 1, 2 or 3, not {number_phases!r}", permanent=True)
        new: Limit | None = None
        if limit is not None:
            if not limit.is_finite() or limit < 0:
                raise HardwareError(f"limit must be a number of at least 0, not {limit!r}", permanent=True)
            new = Limit(value=Fraction(limit), unit=unit, number_phases=number_phases)

        def change() -> None:
            if _is_station(connector_id):
                self._station_limit = new
            else:
                self._connectors[connector_id].limit = new

        await self._step(change)

    async def reset(self, kind: str) -> None:
        """Simulate a reboot: energy delivery stops and limits are dropped; plugs and faults stay."""
        if kind not in ("Soft", "Hard"):
            raise HardwareError(f"reset kind must be 'Soft' or 'Hard', not {kind!r}", permanent=True)

        def change() -> None:
            for connector in self._connectors.values():
                connector.delivery_enabled = False
                connector.limit = None
            self._station_limit = None
            self._reset_count += 1
            self._last_reset = kind

        await self._step(change)

    async def install_firmware(self, path: Path) -> str | None:
        """Install the image at ``path`` (see the module docstring); returns its version."""
        try:
            image = await asyncio.to_thread(path.read_bytes)
        except OSError as exc:
            raise HardwareError(f"the firmware image cannot be read: {exc.strerror or exc}", permanent=True) from None
        first = image.split(b"\n", 1)[0].strip()
        if not image.strip():
            raise HardwareError("the firmware image is empty", permanent=True)
        if first.startswith(b"SIMFW"):
            version = first[len(b"SIMFW") :].strip().decode("ascii", "replace")
            if not _VERSION.fullmatch(version):
                raise HardwareError("the firmware image is corrupt (invalid SIMFW header)", permanent=True)
        else:
            version = (path.stem or "unknown")[:_MAX_VERSION]
        if self.firmware_install_fails:
            raise HardwareError("the firmware installation failed (simulated)", permanent=False)

        def change() -> str:
            self.firmware_version = version
            self._firmware_installs += 1
            return version

        return await self._step(change)

    async def collect_logs(self) -> dict[str, bytes]:
        """The simulated state of the station and of every connector, as ``simulator.json``."""
        state = [self.snapshot(0), *(self.snapshot(n) for n in self._connectors)]
        return {"simulator.json": json.dumps(state, indent=2, sort_keys=True).encode()}

    # -- control methods (the control API) --------------------------------------------------

    async def plug(self, connector_id: int) -> None:
        """The EV's cable is plugged in; reports :class:`PlugIn`."""
        connector = self._cable_connector(connector_id)

        def change() -> None:
            if connector.plugged:
                raise SimulatorStateError(f"connector {connector_id} is already plugged")
            connector.plugged = True
            connector.ev_suspended = False
            connector.session_wh = Fraction(0)
            self._outbox.append(PlugIn(connector_id=connector_id))

        await self._step(change)

    async def unplug(self, connector_id: int) -> None:
        """The EV side is disconnected; reports :class:`Unplug`."""
        connector = self._cable_connector(connector_id)

        def change() -> None:
            if not connector.plugged:
                raise SimulatorStateError(f"connector {connector_id} is not plugged")
            connector.plugged = False
            connector.ev_suspended = False
            self._outbox.append(Unplug(connector_id=connector_id))

        await self._step(change)

    async def present_token(self, connector_id: int, id_tag: str) -> None:
        """An identification is presented at the connector (0: at the station's reader); reports :class:`TokenPresented`."""
        if not _is_station(connector_id):  # a reader for the whole station
            self._connector(connector_id)
        if not _text(id_tag, _MAX_ID_TAG) or not id_tag:
            raise ValueError(f"id_tag must be a string of 1 to {_MAX_ID_TAG} characters, not {id_tag!r}")
        await self._step(lambda: self._outbox.append(TokenPresented(connector_id=connector_id, id_tag=id_tag)))

    async def ev_suspend(self, connector_id: int) -> None:
        """The EV stops drawing energy; reports :class:`EvSuspended`."""
        connector = self._cable_connector(connector_id)

        def change() -> None:
            if not connector.plugged:
                raise SimulatorStateError(f"connector {connector_id} has no EV plugged")
            if connector.ev_suspended:
                raise SimulatorStateError(f"the EV on connector {connector_id} is already suspended")
            connector.ev_suspended = True
            self._outbox.append(EvSuspended(connector_id=connector_id))

        await self._step(change)

    async def ev_resume(self, connector_id: int) -> None:
        """The EV draws energy again; reports :class:`EvResumed`."""
        connector = self._cable_connector(connector_id)

        def change() -> None:
            if not connector.plugged:
                raise SimulatorStateError(f"connector {connector_id} has no EV plugged")
            if not connector.ev_suspended:
                raise SimulatorStateError(f"the EV on connector {connector_id} is not suspended")
            connector.ev_suspended = False
            self._outbox.append(EvResumed(connector_id=connector_id))

        await self._step(change)

    async def raise_fault(
        self, connector_id: int, error_code: str, info: str | None = None, *, is_fault: bool = True
    ) -> str:
        """Raise an error on the connector (0 = the whole station); reports :class:`FaultRaised`.

        ``error_code`` is a ChargePointErrorCode wire value other than ``NoError``. A fault
        (``is_fault``) stops the energy; a mere error (``is_fault=False``) is a warning.
        Returns the new fault's id.
        """
        faults = self._faults(connector_id)
        if not _text(error_code, _MAX_INFO) or error_code not in CHARGE_POINT_ERROR_CODES:
            raise ValueError(f"error_code must be a ChargePointErrorCode other than NoError, not {error_code!r}")
        if info is not None and not _text(info, _MAX_INFO):
            raise ValueError(f"info must be a string of at most {_MAX_INFO} characters, not {info!r}")
        _flag("is_fault", is_fault)

        def change() -> str:
            self._fault_count += 1
            fault = Fault(
                fault_id=f"sim-{connector_id}-{self._fault_count}", error_code=error_code, info=info, is_fault=is_fault
            )
            faults[fault.fault_id] = fault
            self._outbox.append(
                FaultRaised(
                    connector_id=connector_id,
                    error_code=error_code,
                    fault_id=fault.fault_id,
                    is_fault=is_fault,
                    info=info,
                )
            )
            return fault.fault_id

        return await self._step(change)

    async def clear_faults(self, connector_id: int) -> int:
        """Clear every error on the connector (0 = the station); reports :class:`FaultCleared`.

        Returns how many were cleared; with none active nothing is reported.
        """
        faults = self._faults(connector_id)

        def change() -> int:
            count = len(faults)
            if count:
                faults.clear()
                self._outbox.append(FaultCleared(connector_id=connector_id, fault_id=None))
            return count

        return await self._step(change)

    async def set_knobs(
        self,
        connector_id: int,
        *,
        fixed_cable: bool | None = None,
        lock_fails: bool | None = None,
        unlock_fails: bool | None = None,
        power_w: int | float | Decimal | None = None,
    ) -> None:
        """Change the simulation of one connector; None leaves a knob as it is.

        ``power_w`` is the most the EV draws (W). ``fixed_cable`` cannot change while plugged.
        Every value is checked before any is applied.
        """
        connector = self._cable_connector(connector_id)
        fixed = None if fixed_cable is None else _flag("fixed_cable", fixed_cable)
        lock = None if lock_fails is None else _flag("lock_fails", lock_fails)
        unlock = None if unlock_fails is None else _flag("unlock_fails", unlock_fails)
        power = None if power_w is None else _number("power_w", power_w, minimum=Fraction(0))

        def change() -> None:
            if fixed is not None and fixed != connector.fixed_cable:
                if connector.plugged:
                    raise SimulatorStateError(f"connector {connector_id}: fixed_cable cannot change while plugged")
                connector.fixed_cable = fixed
                connector.locked = False
            if lock is not None:
                connector.lock_fails = lock
            if unlock is not None:
                connector.unlock_fails = unlock
            if power is not None:
                connector.ev_power_w = power

        await self._step(change)

    def snapshot(self, connector_id: int) -> dict[str, Any]:
        """The simulated state of the connector (0 = the station) as JSON-ready values."""
        if _is_station(connector_id):
            return {
                "connector_id": 0,
                "enabled": self._station_enabled,
                "limit": self._limit_dict(self._station_limit),
                "faults": self._faults_list(self._station_faults),
                "reset_count": self._reset_count,
                "last_reset": self._last_reset,
                "firmware_version": self.firmware_version,
                "firmware_installs": self._firmware_installs,
            }
        connector = self._connector(connector_id)
        # Read-only: project the integration up to now without committing it.
        added, full = self._progress(self._now()).get(connector_id, (Fraction(0), False))
        powers = {} if full else self._powers()
        power = powers.get(connector_id, Fraction(0))
        energy = sum(connector.energy_wh, Fraction(0)) + added
        session = connector.session_wh + added
        return {
            "connector_id": connector_id,
            "plugged": connector.plugged,
            "locked": connector.locked,
            "fixed_cable": connector.fixed_cable,
            "ev_suspended": connector.ev_suspended or full,
            "enabled": connector.enabled and self._station_enabled,
            "delivery_enabled": connector.delivery_enabled,
            "delivering": power > 0,
            "power_w": float(round_decimal(power, 1)),
            "energy_wh": float(floor_decimal(energy, 1)),
            "soc_percent": float(floor_decimal(self._soc(session), 1)) if connector.plugged else None,
            "limit": self._limit_dict(connector.limit),
            "faults": self._faults_list(connector.faults),
            "knobs": {
                "fixed_cable": connector.fixed_cable,
                "lock_fails": connector.lock_fails,
                "unlock_fails": connector.unlock_fails,
                "power_w": float(connector.ev_power_w),
            },
        }

    # -- internals ---------------------------------------------------------------------------

    def _now(self) -> datetime:
        now = self._clock()
        if now.tzinfo is None:
            raise ValueError(f"clock must return an aware datetime, not {now!r}")
        return now

    def _connector(self, connector_id: int) -> Connector:
        if not _whole(connector_id) or connector_id not in self._connectors:
            raise UnknownConnector(connector_id)
        return self._connectors[connector_id]

    def _cable_connector(self, connector_id: int) -> Connector:
        """The connector for an action on its cable or EV; connector 0 (the station) has neither."""
        if _is_station(connector_id):
            raise SimulatorStateError("connector 0 is the whole station: it has no cable and no EV")
        return self._connector(connector_id)

    def _faults(self, connector_id: int) -> dict[str, Fault]:
        if _is_station(connector_id):
            return self._station_faults
        return self._connector(connector_id).faults

    def _targets(self, connector_id: int) -> list[Connector]:
        if _is_station(connector_id):
            return list(self._connectors.values())
        return [self._connector(connector_id)]

    def _set_enabled(self, connector_id: int, enabled: bool) -> None:
        if _is_station(connector_id):
            self._station_enabled = enabled
        else:
            self._connector(connector_id).enabled = enabled

    def _set_delivery(self, connector_id: int, enabled: bool) -> None:
        for connector in self._targets(connector_id):
            connector.delivery_enabled = enabled

    async def _step(self, change: Callable[[], _T]) -> _T:
        """Integrate up to now, apply ``change``, then report what happened (even if it raised)."""
        try:
            self._advance(self._now())
            return change()
        finally:
            events, self._outbox = self._outbox, []
            await self.report(*events)

    async def _run_sampler(self) -> None:
        while True:
            await self._sleep(self._sample_interval)
            try:
                await self._step(
                    lambda: self._outbox.extend(self._meter_sample(c, self._last) for c in self._connectors.values())
                )
            except Exception:  # a broken clock must not end the sampling for good
                logger.exception("simulator: meter sampling failed")

    @staticmethod
    def _limit_dict(limit: Limit | None) -> dict[str, Any] | None:
        if limit is None:
            return None
        return {"value": float(limit.value), "unit": limit.unit, "number_phases": limit.number_phases}

    @staticmethod
    def _faults_list(faults: dict[str, Fault]) -> list[dict[str, Any]]:
        return [
            {"fault_id": f.fault_id, "error_code": f.error_code, "info": f.info, "is_fault": f.is_fault}
            for f in faults.values()
        ]

"""The simulated charger's state and electrical physics: power, energy, SoC and meter samples.

:class:`~hardware.simulator.SimulatorAdapter` keeps its state in the records defined here
(:class:`Connector`, :class:`Limit`, :class:`Fault`) and inherits the physics from
:class:`SimulatorPhysics`; this module holds no I/O and never reads the clock (every method takes
``now`` or works on the state as it is).

Theory of operation
-------------------

* Energies and powers are exact fractions; they are rounded only when a reading is built
  (registers rounded down, so rounding never makes them decrease; the rest half-even).
* Energy is integrated lazily: the adapter calls :meth:`SimulatorPhysics._advance` with the
  current time before any change of state, which adds each connector's power from the last
  integration up to ``now``; power is constant between two changes. A ``now`` before the last
  integration integrates nothing, so the registers never decrease (nor do the samples'
  timestamps).
* Energy flows on a connector when all of these hold: the station and the connector are enabled,
  the engine has resumed charging, no fault (``is_fault``) is active on the connector or on
  connector 0, an EV is plugged, it is not suspended and its battery is not full. The EV then
  draws ``min(power_w knob, offered)`` where the offer is the connector's rating
  (``max_current_a``) capped by the connector's limit (in A: ``A × 230 V × phases``; in W: as
  is). A limit on connector 0 caps the station's total, shared out water-filling (no connector
  gets more than it asks; the rest is split equally).
* SoC: a plugged EV arrives with ``initial_soc`` percent of a ``battery_wh`` battery and gains
  what it draws. When it is full it stops drawing and :class:`~ocpp_core.inputs.EvSuspended` is
  reported.

Meter samples carry, per connector: Energy.Active.Import.Register (total and per phase, Wh),
Power.Active.Import (total and per phase, W), Current.Import, Voltage and Frequency (per phase),
Current.Offered (A), Power.Offered (W), Temperature (Celsius, Body) and, with an EV plugged, SoC
(Percent, EV). OCPP 1.6 has no unit for hertz: Frequency readings carry the unit ``""``, which
the engine leaves out of the SampledValue.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction

from ocpp_core.inputs import EvSuspended, HardwareInput, MeterReading, MeterSample

__all__ = [
    "NOMINAL_VOLTAGE",
    "Connector",
    "Fault",
    "Limit",
    "SimulatorPhysics",
    "floor_decimal",
    "round_decimal",
    "share",
]

NOMINAL_VOLTAGE = 230
"""Volts between a phase and neutral; converts a current limit into power."""

_PHASE_NAMES = ("L1", "L2", "L3")


@dataclass(slots=True)
class Limit:
    """A charging limit set on a connector (or on connector 0, the station)."""

    value: Fraction
    unit: str
    number_phases: int | None


@dataclass(frozen=True, slots=True)
class Fault:
    """An active error; ``is_fault`` ones stop the energy, the others are warnings."""

    fault_id: str
    error_code: str
    info: str | None
    is_fault: bool


@dataclass(slots=True)
class Connector:
    """The simulated state of one connector, its cable and its EV."""

    connector_id: int
    fixed_cable: bool
    ev_power_w: Fraction
    energy_wh: list[Fraction]
    lock_fails: bool = False
    unlock_fails: bool = False
    plugged: bool = False
    locked: bool = False
    ev_suspended: bool = False
    enabled: bool = True
    delivery_enabled: bool = False
    limit: Limit | None = None
    session_wh: Fraction = Fraction(0)
    faults: dict[str, Fault] = field(default_factory=dict)


def floor_decimal(value: Fraction, places: int) -> Decimal:
    """``value`` rounded down to ``places`` decimals (registers: rounding never makes them decrease)."""
    return Decimal(math.floor(value * 10**places)).scaleb(-places)


def round_decimal(value: Fraction, places: int) -> Decimal:
    """``value`` rounded half-even to ``places`` decimals."""
    return Decimal(round(value * 10**places)).scaleb(-places)


def share(demands: dict[int, Fraction], cap: Fraction) -> dict[int, Fraction]:
    """Water-fill ``cap`` over ``demands``: none gets more than it asks, the rest is split equally."""
    shares: dict[int, Fraction] = {}
    remaining = cap
    ordered = sorted(demands.items(), key=lambda item: (item[1], item[0]))
    for index, (connector_id, demand) in enumerate(ordered):
        shares[connector_id] = min(demand, remaining / (len(ordered) - index))
        remaining -= shares[connector_id]
    return shares


class SimulatorPhysics:
    """The physics of the simulated charger, over the state its subclass (the adapter) keeps.

    The subclass sets every attribute annotated here; events the physics produces (an EV that
    got full) are appended to ``_outbox`` for the subclass to report.
    """

    _phases: int
    _max_current_a: Fraction
    _battery_wh: Fraction
    _initial_soc: Fraction
    _ambient_c: Fraction
    _last: datetime
    _connectors: dict[int, Connector]
    _station_enabled: bool
    _station_limit: Limit | None
    _station_faults: dict[str, Fault]
    _outbox: list[HardwareInput]

    def _phases_used(self, connector: Connector) -> int:
        phases = self._phases
        for limit in (connector.limit, self._station_limit):
            if limit is not None and limit.number_phases is not None:
                phases = min(phases, limit.number_phases)
        return phases

    def _offered_w(self, connector: Connector) -> Fraction:
        """The power the connector offers the EV now (0 when it offers none)."""
        faulted = any(f.is_fault for f in connector.faults.values()) or any(
            f.is_fault for f in self._station_faults.values()
        )
        if faulted or not (self._station_enabled and connector.enabled and connector.delivery_enabled):
            return Fraction(0)
        watts_per_amp = NOMINAL_VOLTAGE * self._phases_used(connector)
        offered = self._max_current_a * watts_per_amp
        for limit in (connector.limit, self._station_limit):
            if limit is not None:
                offered = min(offered, limit.value * watts_per_amp if limit.unit == "A" else limit.value)
        return offered

    def _soc(self, session_wh: Fraction) -> Fraction:
        return min(Fraction(100), self._initial_soc + session_wh * 100 / self._battery_wh)

    def _room_wh(self, connector: Connector) -> Fraction:
        """What the plugged EV's battery can still take."""
        return max(Fraction(0), (100 - self._initial_soc) * self._battery_wh / 100 - connector.session_wh)

    def _powers(self) -> dict[int, Fraction]:
        """The power each connector delivers in the present state."""
        demands = {}
        for n, connector in self._connectors.items():
            drawing = connector.plugged and not connector.ev_suspended and self._room_wh(connector) > 0
            demands[n] = min(connector.ev_power_w, self._offered_w(connector)) if drawing else Fraction(0)
        limit = self._station_limit
        if limit is None:
            return demands
        cap = limit.value * NOMINAL_VOLTAGE * self._phases if limit.unit == "A" else limit.value
        return share(demands, cap)

    def _progress(self, now: datetime) -> dict[int, tuple[Fraction, bool]]:
        """Energy each delivering connector adds from the last integration to ``now``, and whether
        its EV got full on the way. Pure: changes nothing."""
        seconds = Fraction(max(timedelta(0), now - self._last) // timedelta(microseconds=1), 1_000_000)
        progress: dict[int, tuple[Fraction, bool]] = {}
        if seconds == 0:
            return progress
        for n, power in self._powers().items():
            if power > 0:
                added, room = power * seconds / 3600, self._room_wh(self._connectors[n])
                progress[n] = (room, True) if added >= room else (added, False)
        return progress

    def _advance(self, now: datetime) -> None:
        for n, (added, full) in self._progress(now).items():
            connector = self._connectors[n]
            phases = self._phases_used(connector)
            for index in range(phases):
                connector.energy_wh[index] += added / phases
            connector.session_wh += added
            if full:
                connector.ev_suspended = True
                self._outbox.append(EvSuspended(connector_id=n))
        self._last = max(self._last, now)

    def _meter_sample(self, connector: Connector, now: datetime) -> MeterSample:
        power = self._powers()[connector.connector_id]
        used = self._phases_used(connector)
        phases = _PHASE_NAMES[: self._phases]
        phase_power = [power / used if index < used else Fraction(0) for index in range(self._phases)]
        second = int(now.timestamp())
        offered_w = self._offered_w(connector)
        readings: list[MeterReading] = []

        def add(
            measurand: str, value: Decimal, unit: str, phase: str | None = None, location: str | None = "Outlet"
        ) -> None:
            readings.append(MeterReading(measurand=measurand, value=value, unit=unit, phase=phase, location=location))

        add("Energy.Active.Import.Register", floor_decimal(sum(connector.energy_wh, Fraction(0)), 1), "Wh")
        for name, energy in zip(phases, connector.energy_wh, strict=True):
            add("Energy.Active.Import.Register", floor_decimal(energy, 1), "Wh", name)
        add("Power.Active.Import", round_decimal(power, 1), "W")
        for name, watts in zip(phases, phase_power, strict=True):
            add("Power.Active.Import", round_decimal(watts, 1), "W", name)
        for name, watts in zip(phases, phase_power, strict=True):
            add("Current.Import", round_decimal(watts / NOMINAL_VOLTAGE, 2), "A", name)
        for index, (name, watts) in enumerate(zip(phases, phase_power, strict=True)):
            # ±0.4 V that moves with the clock second, less a 10 mΩ drop under load.
            wobble = Fraction((second + 7 * index + 3 * connector.connector_id) % 9 - 4, 10)
            add("Voltage", round_decimal(NOMINAL_VOLTAGE + wobble - watts / NOMINAL_VOLTAGE / 100, 1), "V", name)
        for name in phases:  # OCPP 1.6 has no unit for hertz: "" (the engine leaves it out)
            add("Frequency", round_decimal(50 + Fraction(second % 5 - 2, 100), 2), "", name, None)
        add("Current.Offered", round_decimal(offered_w / (NOMINAL_VOLTAGE * used), 2), "A")
        add("Power.Offered", round_decimal(offered_w, 1), "W")
        # the enclosure warms by 0.6 °C per kW delivered
        add("Temperature", round_decimal(self._ambient_c + power * Fraction(6, 10_000), 1), "Celsius", location="Body")
        if connector.plugged:
            add("SoC", floor_decimal(self._soc(connector.session_wh), 1), "Percent", location="EV")
        return MeterSample(connector_id=connector.connector_id, timestamp=now, readings=tuple(readings))

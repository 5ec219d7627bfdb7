"""Charger hardware behind one driver interface; the simulator first.

Imports the standard library and :mod:`ocpp_core` types only (never Django). The station picks
the adapter by dotted path (:func:`load_adapter`), executes the engine's commands on it and feeds
the events it reports to the engine.
"""

from __future__ import annotations

from hardware.base import Adapter, AdapterBase, HardwareError, Subscriber, UnknownConnector, execute_command
from hardware.loader import AdapterLoadError, load_adapter
from hardware.simulator import SimulatorAdapter, SimulatorStateError

__all__ = [
    "Adapter",
    "AdapterBase",
    "AdapterLoadError",
    "HardwareError",
    "SimulatorAdapter",
    "SimulatorStateError",
    "Subscriber",
    "UnknownConnector",
    "execute_command",
    "load_adapter",
]

"""Load the adapter the settings name by dotted path.

``load_adapter("hardware.simulator.SimulatorAdapter", connectors=2)`` imports the module, takes
the attribute (a class or a factory function) and calls it with the options. ``module:attribute``
is accepted too. Any failure raises :class:`AdapterLoadError` with the path in the message, so
the settings can turn it into their own configuration error.
"""

from __future__ import annotations

import importlib
from typing import Any

from hardware.base import Adapter

__all__ = ["AdapterLoadError", "load_adapter"]


class AdapterLoadError(Exception):
    """The dotted path does not name an adapter, or the adapter refused its options."""


def _split(dotted_path: str) -> tuple[str, str]:
    if ":" in dotted_path:
        module_name, _, attribute = dotted_path.partition(":")
    else:
        module_name, _, attribute = dotted_path.rpartition(".")
    if not module_name or not attribute:
        raise AdapterLoadError(f"adapter path {dotted_path!r} is not of the form 'package.module.Class'")
    return module_name, attribute


def load_adapter(dotted_path: str, **options: Any) -> Adapter:
    """Import ``dotted_path`` (``package.module.Class``) and build the adapter with ``options``."""
    module_name, attribute = _split(dotted_path)
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise AdapterLoadError(f"adapter path {dotted_path!r}: cannot import {module_name!r}: {exc}") from exc
    try:
        factory = getattr(module, attribute)
    except AttributeError as exc:
        raise AdapterLoadError(f"adapter path {dotted_path!r}: {module_name!r} has no {attribute!r}") from exc
    if not callable(factory):
        raise AdapterLoadError(f"adapter path {dotted_path!r} does not name a class or a function")
    try:
        adapter = factory(**options)
    except (TypeError, ValueError) as exc:
        raise AdapterLoadError(f"adapter {dotted_path!r} refused its options: {exc}") from exc
    if not isinstance(adapter, Adapter):
        raise AdapterLoadError(f"adapter path {dotted_path!r} built {type(adapter).__name__}, which is not an Adapter")
    return adapter

"""The configuration registry of the engine: every OCPP 1.6 and libocpp key, config.json, and
Get/ChangeConfiguration.

Typical use::

    cfg = ConfigRegistry.from_json(json.load(file), snapshot.config_overlay)
    cfg.get_int("HeartbeatInterval")
    result = cfg.change_configuration("MeterValueSampleInterval", "30")
    if result.status in ("Accepted", "RebootRequired"):
        ops.append(ConfigSet(result.section, result.key, result.persist_value))
"""

from __future__ import annotations

from ocpp_core.config.keys import KEYS, SECTIONS, custom_key
from ocpp_core.config.keys_model import Access, ConfigValue, Exposure, KeyDef, ValueType
from ocpp_core.config.keys_security import authorization_key_bytes
from ocpp_core.config.registry import ChangeResult, ChangeStatus, ConfigEntry, ConfigRegistry, Veto

__all__ = [
    "KEYS",
    "SECTIONS",
    "Access",
    "ChangeResult",
    "ChangeStatus",
    "ConfigEntry",
    "ConfigRegistry",
    "ConfigValue",
    "Exposure",
    "KeyDef",
    "ValueType",
    "Veto",
    "authorization_key_bytes",
    "custom_key",
]

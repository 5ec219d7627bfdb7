"""Every configuration key the station knows, and the sections of libocpp's ``config.json``.

The definitions live in one module per section group (``keys_internal``, ``keys_core``,
``keys_optional_profiles``, ``keys_security``, ``keys_pricing``); this module puts them together
in :data:`KEYS`, in section order, and types the integrator's ``Custom`` keys.

Visibility (what GetConfiguration may report) is decided per section:

* ``Internal``, ``Core``, ``Security``: always;
* ``FirmwareManagement``, ``LocalAuthListManagement``, ``Reservation``, ``SmartCharging``: when the
  profile is in SupportedFeatureProfiles;
* ``PnC``, ``CostAndPrice``, ``Custom``: when the profile is in SupportedFeatureProfiles or the
  section is in the config file.
"""

from __future__ import annotations

from typing import Any

from ocpp_core.config.keys_core import CORE_KEYS, EXTRA_PROFILES, FEATURE_PROFILES
from ocpp_core.config.keys_internal import INTERNAL_KEYS
from ocpp_core.config.keys_model import (
    Access,
    ConfigValue,
    Exposure,
    InvalidValue,
    KeyDef,
    ValueType,
)
from ocpp_core.config.keys_optional_profiles import OPTIONAL_PROFILE_KEYS
from ocpp_core.config.keys_pricing import PRICING_KEYS
from ocpp_core.config.keys_security import PNC_KEYS, SECURITY_KEYS

__all__ = [
    "ALWAYS_VISIBLE_SECTIONS",
    "CLOSED_SECTIONS",
    "EXTRA_PROFILES",
    "FEATURE_PROFILES",
    "KEYS",
    "MAX_KEY_LENGTH",
    "PROFILE_GATED_SECTIONS",
    "SECTIONS",
    "Access",
    "ConfigValue",
    "Exposure",
    "KeyDef",
    "ValueType",
    "custom_key",
]

#: The sections of config.json, in the order config files and reports use.
SECTIONS = (
    "Internal",
    "Core",
    "FirmwareManagement",
    "LocalAuthListManagement",
    "Reservation",
    "SmartCharging",
    "Security",
    "PnC",
    "CostAndPrice",
    "Custom",
)

#: Sections in which a key we do not know is an error (libocpp's schemas forbid extra keys there).
CLOSED_SECTIONS = frozenset(
    {"Internal", "Core", "FirmwareManagement", "LocalAuthListManagement", "Reservation", "SmartCharging"}
)

#: Sections whose keys are always visible.
ALWAYS_VISIBLE_SECTIONS = frozenset({"Internal", "Core", "Security"})

#: Sections visible only when their profile is in SupportedFeatureProfiles.
PROFILE_GATED_SECTIONS = frozenset({"FirmwareManagement", "LocalAuthListManagement", "Reservation", "SmartCharging"})

#: An OCPP configuration key is a CiString50.
MAX_KEY_LENGTH = 50

#: Every standard key, in section order.
KEYS: tuple[KeyDef, ...] = INTERNAL_KEYS + CORE_KEYS + OPTIONAL_PROFILE_KEYS + SECURITY_KEYS + PNC_KEYS + PRICING_KEYS


def custom_key(name: str, raw: Any) -> KeyDef:
    """The definition of an integrator key of the ``Custom`` section, typed by its JSON value.

    Custom keys are writable. Raises :class:`InvalidValue` when the value has no supported type.
    """
    kind: ValueType
    if isinstance(raw, bool):
        kind = ValueType.BOOLEAN
    elif isinstance(raw, int):
        kind = ValueType.INTEGER
    elif isinstance(raw, float):
        kind = ValueType.DECIMAL
    elif isinstance(raw, str):
        kind = ValueType.STRING
    elif isinstance(raw, list):
        kind = ValueType.ARRAY
    elif isinstance(raw, dict):
        kind = ValueType.OBJECT
    else:
        raise InvalidValue("is not a boolean, number, string, array of strings or object")
    return KeyDef(
        section="Custom",
        profile="Custom",
        name=name,
        type=kind,
        access=Access.READ_WRITE,
        description="Key defined by the integrator.",
    )

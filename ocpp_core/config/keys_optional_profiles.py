"""Keys of the optional OCPP 1.6 feature profiles (§9.2–9.4 and erratum 3.88).

Sections ``FirmwareManagement``, ``LocalAuthListManagement``, ``Reservation`` and
``SmartCharging``; each is visible only when its profile is in SupportedFeatureProfiles.
"""

from __future__ import annotations

from typing import Any

from ocpp_core.config.keys_model import Access, KeyDef, ValueType, items_among

__all__ = ["OPTIONAL_PROFILE_KEYS"]

R, RW = Access.READ_ONLY, Access.READ_WRITE
BOOL, INT, CSL = ValueType.BOOLEAN, ValueType.INTEGER, ValueType.CSL


def _key(section: str, name: str, kind: ValueType, access: Access, description: str, **options: Any) -> KeyDef:
    if kind is INT:
        options.setdefault("minimum", 0)
    return KeyDef(
        section=section, profile=section, name=name, type=kind, access=access, description=description, **options
    )


OPTIONAL_PROFILE_KEYS: tuple[KeyDef, ...] = (
    _key(
        "FirmwareManagement",
        "SupportedFileTransferProtocols",
        CSL,
        R,
        "Protocols the station can use to download firmware and upload diagnostics.",
        rule=items_among(("FTP", "FTPS", "HTTP", "HTTPS"), "protocols"),
    ),
    _key(
        "LocalAuthListManagement",
        "LocalAuthListEnabled",
        BOOL,
        RW,
        "Use the local authorization list sent by the central system.",
        required=True,
        default=True,
    ),
    _key(
        "LocalAuthListManagement",
        "LocalAuthListMaxLength",
        INT,
        R,
        "Most entries the local authorization list may hold.",
        required=True,
        default=1000,
    ),
    _key(
        "LocalAuthListManagement",
        "SendLocalListMaxLength",
        INT,
        R,
        "Most entries one SendLocalList request may carry.",
        required=True,
        default=100,
    ),
    _key(
        "Reservation",
        "ReserveConnectorZeroSupported",
        BOOL,
        R,
        "Whether a reservation may be made for the station as a whole (connector 0).",
    ),
    _key(
        "SmartCharging",
        "ChargeProfileMaxStackLevel",
        INT,
        R,
        "Highest stack level a charging profile may have.",
        required=True,
        default=10,
    ),
    _key(
        "SmartCharging",
        "ChargingScheduleAllowedChargingRateUnit",
        CSL,
        R,
        "Units a charging schedule may use, Current (A) and/or Power (W); the first is the default.",
        required=True,
        default=("Current", "Power"),
        rule=items_among(("Current", "Power"), "units", non_empty=True),
    ),
    _key(
        "SmartCharging",
        "ChargingScheduleMaxPeriods",
        INT,
        R,
        "Most periods one charging schedule may have.",
        required=True,
        default=1440,
    ),
    _key(
        "SmartCharging",
        "ConnectorSwitch3to1PhaseSupported",
        BOOL,
        R,
        "Whether the station can switch from three phases to one during a transaction.",
    ),
    _key(
        "SmartCharging",
        "MaxChargingProfilesInstalled",
        INT,
        R,
        "Most charging profiles installed at the same time.",
        required=True,
        default=500,
    ),
)

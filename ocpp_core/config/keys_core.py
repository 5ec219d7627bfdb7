"""Keys of the ``Core`` section: the OCPP 1.6 Core profile keys (§9.1 and errata).

Required keys all have a default, so a partial config file works ("keys left out take
defaults"). Optional keys without a default are absent unless the file sets them: their presence
is how the station says it supports the feature (e.g. ``AuthorizationCacheEnabled``).
"""

from __future__ import annotations

from typing import Any

from ocpp_core.config.keys_model import Access, KeyDef, Lookup, ValueType, split_measurand

__all__ = ["CORE_KEYS", "EXTRA_PROFILES", "FEATURE_PROFILES", "PHASE_ROTATIONS"]

R, RW = Access.READ_ONLY, Access.READ_WRITE
BOOL, INT, CSL = ValueType.BOOLEAN, ValueType.INTEGER, ValueType.CSL

#: The six feature profiles of OCPP 1.6.
FEATURE_PROFILES = (
    "Core",
    "FirmwareManagement",
    "LocalAuthListManagement",
    "Reservation",
    "SmartCharging",
    "RemoteTrigger",
)

#: Further names libocpp accepts in SupportedFeatureProfiles (its own sections).
EXTRA_PROFILES = ("Internal", "Security", "PnC", "CostAndPrice", "Custom")

#: Values of a ConnectorPhaseRotation entry (§9.1.7).
PHASE_ROTATIONS = ("NotApplicable", "Unknown", "RST", "RTS", "SRT", "STR", "TRS", "TSR")

_MEASURAND_DEFAULT = ("Energy.Active.Import.Register",)


def _key(name: str, kind: ValueType, access: Access, description: str, **options: Any) -> KeyDef:
    if kind is INT:
        options.setdefault("minimum", 0)
    return KeyDef(
        section="Core", profile="Core", name=name, type=kind, access=access, description=description, **options
    )


def _measurand_list(value: tuple[str, ...], lookup: Lookup) -> str | None:
    """Every item is a measurand (optionally with a phase) that SupportedMeasurands lists."""
    parsed = [(item, split_measurand(item)) for item in value]
    unknown = [item for item, measurand in parsed if measurand is None]
    if unknown:
        return f"has unknown measurands {', '.join(unknown)}"
    supported = lookup.get("SupportedMeasurands")
    if not isinstance(supported, tuple):
        return None
    bases = {(split_measurand(item) or (item, None))[0] for item in supported}
    missing = [item for item, measurand in parsed if measurand is not None and measurand[0] not in bases]
    return f"is not a subset of SupportedMeasurands (not supported: {', '.join(missing)})" if missing else None


def _phase_rotation(value: tuple[str, ...], lookup: Lookup) -> str | None:
    """Entries ``<connector>.<rotation>``, one per connector, connector ≤ NumberOfConnectors."""
    connectors = lookup.get("NumberOfConnectors")
    seen: set[int] = set()
    for item in value:
        number, dot, rotation = item.partition(".")
        if not (dot and number.isascii() and number.isdigit() and len(number) <= 4 and rotation in PHASE_ROTATIONS):
            return f"has an invalid entry {item!r} (expected <connector>.<{'|'.join(PHASE_ROTATIONS)}>)"
        connector = int(number)
        if isinstance(connectors, int) and connector > connectors:
            return f"names connector {connector} but NumberOfConnectors is {connectors}"
        if connector in seen:
            return f"names connector {connector} twice"
        seen.add(connector)
    return None


def _profiles(value: tuple[str, ...], lookup: Lookup) -> str | None:
    allowed = FEATURE_PROFILES + EXTRA_PROFILES
    unknown = [item for item in value if item not in allowed]
    if unknown:
        return f"has unknown feature profiles {', '.join(unknown)} (allowed: {', '.join(allowed)})"
    return None if "Core" in value else "does not include Core"


CORE_KEYS: tuple[KeyDef, ...] = (
    _key(
        "AllowOfflineTxForUnknownId",
        BOOL,
        RW,
        "While offline, let an unknown token start charging.",
    ),
    _key(
        "AuthorizationCacheEnabled",
        BOOL,
        RW,
        "Remember the answers to Authorize requests and use them later.",
    ),
    _key(
        "AuthorizeRemoteTxRequests",
        BOOL,
        RW,
        "Authorize the token of a remote start like a token presented locally.",
        required=True,
        default=False,
    ),
    _key("BlinkRepeat", INT, RW, "How many times the station's light blinks when it signals."),
    _key(
        "ClockAlignedDataInterval",
        INT,
        RW,
        "Seconds between clock-aligned meter readings, counted from midnight; 0 sends none.",
        required=True,
        default=0,
    ),
    _key(
        "ConnectionTimeOut",
        INT,
        RW,
        "Seconds a started session waits for the cable before it is cancelled.",
        required=True,
        default=60,
    ),
    _key(
        "ConnectorPhaseRotation",
        CSL,
        RW,
        "Wiring phase order of each connector, as <connector>.<rotation> items.",
        required=True,
        default=("0.Unknown",),
        rule=_phase_rotation,
        max_items_key="ConnectorPhaseRotationMaxLength",
    ),
    _key("ConnectorPhaseRotationMaxLength", INT, R, "Most items ConnectorPhaseRotation may hold."),
    _key(
        "GetConfigurationMaxKeys",
        INT,
        R,
        "Most keys one GetConfiguration request may ask for.",
        required=True,
        default=100,
    ),
    _key(
        "HeartbeatInterval",
        INT,
        RW,
        "Seconds of silence after which the station sends a Heartbeat.",
        required=True,
        default=3600,
    ),
    _key("LightIntensity", INT, RW, "Brightness of the station's lights in percent.", maximum=100),
    _key(
        "LocalAuthorizeOffline",
        BOOL,
        RW,
        "While offline, start charging for tokens found in the local list or cache.",
        required=True,
        default=True,
    ),
    _key(
        "LocalPreAuthorize",
        BOOL,
        RW,
        "While online, start charging for locally known tokens without waiting for Authorize.",
        required=True,
        default=False,
    ),
    _key(
        "MaxEnergyOnInvalidId",
        INT,
        RW,
        "Watt-hours still delivered after a running transaction's token turns out invalid.",
    ),
    _key("MessageTimeout", INT, RW, "Seconds to wait for the answer to a request (erratum 3.82).", minimum=1),
    _key(
        "MeterValuesAlignedData",
        CSL,
        RW,
        "Measurands of the clock-aligned meter readings.",
        required=True,
        default=_MEASURAND_DEFAULT,
        rule=_measurand_list,
        max_items_key="MeterValuesAlignedDataMaxLength",
    ),
    _key("MeterValuesAlignedDataMaxLength", INT, R, "Most items MeterValuesAlignedData may hold."),
    _key(
        "MeterValuesSampledData",
        CSL,
        RW,
        "Measurands of the periodic meter readings during a transaction.",
        required=True,
        default=_MEASURAND_DEFAULT,
        rule=_measurand_list,
        max_items_key="MeterValuesSampledDataMaxLength",
    ),
    _key("MeterValuesSampledDataMaxLength", INT, R, "Most items MeterValuesSampledData may hold."),
    _key(
        "MeterValueSampleInterval",
        INT,
        RW,
        "Seconds between periodic meter readings during a transaction; 0 sends none.",
        required=True,
        default=60,
    ),
    _key(
        "MinimumStatusDuration",
        INT,
        RW,
        "Seconds a connector status must last before it is reported.",
    ),
    _key(
        "NumberOfConnectors",
        INT,
        R,
        "How many connectors the station has, not counting connector 0.",
        required=True,
        default=1,
    ),
    _key(
        "ResetRetries",
        INT,
        RW,
        "How many times a failed reset is tried again.",
        required=True,
        default=1,
    ),
    _key(
        "StopTransactionOnEVSideDisconnect",
        BOOL,
        RW,
        "Stop the transaction when the cable is pulled out of the vehicle.",
    ),
    _key(
        "StopTransactionOnInvalidId",
        BOOL,
        RW,
        "Stop a running transaction whose token the central system does not accept.",
        required=True,
        default=True,
    ),
    _key(
        "StopTransactionMaxMeterValues",
        INT,
        R,
        "Most meter values put in a StopTransaction; middle ones go first (erratum 3.89).",
    ),
    _key(
        "StopTxnAlignedData",
        CSL,
        RW,
        "Clock-aligned measurands included in the StopTransaction data.",
        required=True,
        default=_MEASURAND_DEFAULT,
        rule=_measurand_list,
        max_items_key="StopTxnAlignedDataMaxLength",
    ),
    _key("StopTxnAlignedDataMaxLength", INT, R, "Most items StopTxnAlignedData may hold."),
    _key(
        "StopTxnSampledData",
        CSL,
        RW,
        "Sampled measurands included in the StopTransaction data.",
        required=True,
        default=_MEASURAND_DEFAULT,
        rule=_measurand_list,
        max_items_key="StopTxnSampledDataMaxLength",
    ),
    _key("StopTxnSampledDataMaxLength", INT, R, "Most items StopTxnSampledData may hold."),
    _key(
        "SupportedFeatureProfiles",
        CSL,
        R,
        "Feature profiles the station implements; Core is always among them.",
        required=True,
        default=FEATURE_PROFILES,
        rule=_profiles,
        max_items_key="SupportedFeatureProfilesMaxLength",
    ),
    _key("SupportedFeatureProfilesMaxLength", INT, R, "Most items SupportedFeatureProfiles may hold."),
    _key(
        "TransactionMessageAttempts",
        INT,
        RW,
        "How many times a transaction message is sent before it is given up.",
        required=True,
        default=3,
    ),
    _key(
        "TransactionMessageRetryInterval",
        INT,
        RW,
        "Base wait in seconds before resending a transaction message, multiplied per attempt.",
        required=True,
        default=60,
    ),
    _key(
        "UnlockConnectorOnEVSideDisconnect",
        BOOL,
        RW,
        "Release the station-side cable lock when the vehicle side is unplugged.",
        required=True,
        default=True,
    ),
    _key(
        "WebSocketPingInterval",
        INT,
        RW,
        "Seconds between websocket pings from the station; 0 sends none.",
    ),
)

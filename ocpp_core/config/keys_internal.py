"""Keys of the ``Internal`` section: the station's identity, connection, logging and tuning.

These are libocpp's own keys, not OCPP ones. They are always visible. ``RetryBackoff*``,
``VerifyCsmsAllowWildcards`` and the other keys the schema marks writable can be changed (where
libocpp reports them otherwise, we follow the schema).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ocpp_core.config.keys_model import (
    PROFILE_PURPOSES,
    Access,
    Exposure,
    KeyDef,
    Lookup,
    ValueType,
    items_among,
    split_measurand,
)

__all__ = ["INTERNAL_KEYS", "SUPPORTED_MEASURANDS_DEFAULT"]

R, RW = Access.READ_ONLY, Access.READ_WRITE
BOOL, INT, DEC, STR, CSL, ARR = (
    ValueType.BOOLEAN,
    ValueType.INTEGER,
    ValueType.DECIMAL,
    ValueType.STRING,
    ValueType.CSL,
    ValueType.ARRAY,
)

SUPPORTED_MEASURANDS_DEFAULT = (
    "Energy.Active.Import.Register",
    "Energy.Active.Export.Register",
    "Power.Active.Import",
    "Voltage",
    "Current.Import",
    "Frequency",
    "Current.Offered",
    "Power.Offered",
    "SoC",
    "Temperature",
)

LOG_FORMATS = ("log", "html", "console", "console_detailed", "session_logging", "security", "callback")


def _key(name: str, kind: ValueType, access: Access, description: str, **options: Any) -> KeyDef:
    return KeyDef(
        section="Internal", profile="Internal", name=name, type=kind, access=access, description=description, **options
    )


def _identity(value: str, lookup: Lookup) -> str | None:
    # The identity is the user name of HTTP Basic authentication, which cannot hold a colon
    # (RFC 7617 §2).
    return "contains ':', which HTTP Basic authentication forbids in a user name" if ":" in value else None


def _ping_payload(value: str, lookup: Lookup) -> str | None:
    # A websocket control frame carries at most 125 bytes (RFC 6455 §5.5).
    return "is longer than 125 bytes (websocket ping limit)" if len(value.encode()) > 125 else None


def _country(value: str, lookup: Lookup) -> str | None:
    return None if value.isascii() and value.isalpha() else "is not a two-letter country code"


def _evse_ids(value: tuple[str, ...], lookup: Lookup) -> str | None:
    bad = [item for item in value if not 7 <= len(item) <= 37]
    return f"has EVSE ids not 7..37 characters long: {', '.join(bad)}" if bad else None


def _measurands(value: tuple[str, ...], lookup: Lookup) -> str | None:
    bad = [item for item in value if split_measurand(item) is None]
    return f"has unknown measurands {', '.join(bad)}" if bad else None


INTERNAL_KEYS: tuple[KeyDef, ...] = (
    _key(
        "ChargePointId",
        STR,
        R,
        "Identity of the station: last path segment of the connection URL and Basic-auth user name.",
        required=True,
        min_length=1,
        rule=_identity,
    ),
    _key(
        "CentralSystemURI",
        STR,
        R,
        "Address of the central system; the identity is appended to its path.",
        required=True,
        min_length=1,
        reboot_required=True,
    ),
    _key(
        "ChargeBoxSerialNumber",
        STR,
        R,
        "Serial number of the charge box sent in BootNotification.",
        required=True,
        min_length=1,
        max_length=25,
    ),
    _key(
        "ChargePointModel",
        STR,
        R,
        "Model name sent in BootNotification.",
        required=True,
        min_length=1,
        max_length=20,
    ),
    _key(
        "ChargePointSerialNumber",
        STR,
        R,
        "Serial number of the charge point sent in BootNotification.",
        min_length=1,
        max_length=25,
    ),
    _key(
        "ChargePointVendor",
        STR,
        R,
        "Manufacturer name sent in BootNotification.",
        required=True,
        min_length=1,
        max_length=20,
    ),
    _key(
        "FirmwareVersion",
        STR,
        R,
        "Version of the running firmware sent in BootNotification.",
        required=True,
        min_length=1,
        max_length=50,
    ),
    _key("ICCID", STR, R, "SIM card ICCID sent in BootNotification.", min_length=1, max_length=20),
    _key("HostName", STR, R, "When set, sent to the central system as a User-Host handshake header.", min_length=1),
    _key("IFace", STR, R, "Network interface the OCPP connection is bound to.", min_length=1),
    _key("IMSI", STR, R, "Mobile subscriber identity sent in BootNotification.", min_length=1, max_length=20),
    _key(
        "MeterSerialNumber", STR, R, "Main meter serial number sent in BootNotification.", min_length=1, max_length=25
    ),
    _key("MeterType", STR, R, "Main meter type sent in BootNotification.", min_length=1, max_length=25),
    _key(
        "SupportedCiphers12",
        ARR,
        R,
        "TLS 1.2 cipher suites offered to the central system (OpenSSL names).",
        default=(
            "ECDHE-ECDSA-AES128-GCM-SHA256",
            "ECDHE-ECDSA-AES256-GCM-SHA384",
            "AES128-GCM-SHA256",
            "AES256-GCM-SHA384",
        ),
    ),
    _key(
        "SupportedCiphers13",
        ARR,
        R,
        "TLS 1.3 cipher suites offered to the central system.",
        default=("TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256"),
    ),
    _key("UseTPM", BOOL, R, "Keep the station's TLS client key in a TPM.", default=False),
    _key("UseTPMSeccLeafCertificate", BOOL, R, "Keep the ISO 15118 SECC leaf key in a TPM.", default=False),
    _key(
        "RetryBackoffRandomRange",
        INT,
        RW,
        "Upper bound in seconds of the random delay added to each reconnect wait.",
        default=10,
        minimum=0,
    ),
    _key(
        "RetryBackoffRepeatTimes",
        INT,
        RW,
        "How many times the reconnect wait doubles before it stops growing.",
        default=3,
        minimum=0,
    ),
    _key(
        "RetryBackoffWaitMinimum",
        INT,
        RW,
        "First reconnect wait in seconds.",
        default=3,
        minimum=0,
    ),
    _key(
        "AuthorizeConnectorZeroOnConnectorOne",
        BOOL,
        R,
        "Treat a token presented for the whole station as presented at connector 1.",
        default=True,
    ),
    _key("LogMessages", BOOL, R, "Record the OCPP messages exchanged.", default=True),
    _key("LogMessagesRaw", BOOL, R, "Also record frames as received, before parsing.", default=False),
    _key(
        "LogMessagesFormat",
        ARR,
        R,
        "Outputs of the message log.",
        default=("log", "html", "session_logging", "security"),
        rule=items_among(LOG_FORMATS, "log formats"),
    ),
    _key("LogRotation", BOOL, R, "Rotate message log files by size.", default=False),
    _key("LogRotationDateSuffix", BOOL, R, "Name rotated log files by date rather than by number.", default=False),
    _key(
        "LogRotationMaximumFileSize",
        INT,
        R,
        "Size in bytes at which a log file is rotated; 0 never rotates.",
        default=0,
        minimum=0,
    ),
    _key(
        "LogRotationMaximumFileCount",
        INT,
        R,
        "How many rotated log files are kept; 0 keeps all.",
        default=0,
        minimum=0,
    ),
    _key(
        "SupportedChargingProfilePurposeTypes",
        ARR,
        R,
        "Charging profile purposes the station accepts.",
        default=PROFILE_PURPOSES,
        rule=items_among(PROFILE_PURPOSES, "purposes"),
    ),
    _key(
        "IgnoredProfilePurposesOffline",
        CSL,
        RW,
        "Charging profile purposes left out of the composite schedule while offline.",
        rule=items_among(PROFILE_PURPOSES, "purposes"),
    ),
    _key(
        "MaxCompositeScheduleDuration",
        INT,
        R,
        "Longest composite schedule in seconds; longer requests are shortened.",
        default=31536000,
        minimum=0,
    ),
    _key(
        "CompositeScheduleDefaultLimitAmps",
        DEC,
        RW,
        "Current limit in amperes where no charging profile applies.",
        default=Decimal(48),
        minimum=0,
    ),
    _key(
        "CompositeScheduleDefaultLimitWatts",
        DEC,
        RW,
        "Power limit in watts where no charging profile applies.",
        default=Decimal(33120),
        minimum=0,
    ),
    _key(
        "CompositeScheduleDefaultNumberPhases",
        INT,
        RW,
        "Phase count assumed when a schedule period does not give one.",
        default=3,
        minimum=1,
        maximum=3,
    ),
    _key(
        "SupplyVoltage",
        DEC,
        RW,
        "Grid voltage used to convert between amperes and watts.",
        default=Decimal(230),
        minimum=0,
    ),
    _key(
        "WebsocketPingPayload",
        STR,
        R,
        "Data carried by the station's websocket pings.",
        default="hello there",
        rule=_ping_payload,
    ),
    _key(
        "WebsocketPongTimeout",
        INT,
        R,
        "Seconds to wait for a pong before the connection is considered dead.",
        default=5,
        minimum=0,
    ),
    _key(
        "UseSslDefaultVerifyPaths",
        BOOL,
        R,
        "Trust the operating system's certificate authorities besides the installed root.",
        default=True,
    ),
    _key(
        "VerifyCsmsCommonName",
        BOOL,
        R,
        "Check that the central system certificate names the host connected to.",
        default=True,
    ),
    _key(
        "VerifyCsmsAllowWildcards",
        BOOL,
        RW,
        "Accept wildcard names in the central system certificate.",
        default=False,
    ),
    _key(
        "OcspRequestInterval",
        INT,
        RW,
        "Seconds between OCSP status refreshes of the ISO 15118 certificates.",
        default=604800,
        minimum=86400,
    ),
    _key(
        "SeccLeafSubjectCommonName",
        STR,
        RW,
        "Common name put in the signing request of the ISO 15118 SECC certificate.",
        min_length=7,
        max_length=64,
    ),
    _key(
        "SeccLeafSubjectCountry",
        STR,
        RW,
        "Country put in the station's certificate signing requests.",
        min_length=2,
        max_length=2,
        rule=_country,
    ),
    _key(
        "SeccLeafSubjectOrganization",
        STR,
        RW,
        "Organization put in the signing request of the ISO 15118 SECC certificate.",
        min_length=0,
        max_length=64,
    ),
    _key(
        "ConnectorEvseIds",
        CSL,
        RW,
        "EVSE ids of the connectors, in connector order, for ISO 15118.",
        min_length=7,
        max_length=1000,
        rule=_evse_ids,
    ),
    _key(
        "AllowChargingProfileWithoutStartSchedule",
        BOOL,
        RW,
        "Accept absolute or recurring profiles without a start by starting them now.",
    ),
    _key(
        "WaitForStopTransactionsOnResetTimeout",
        INT,
        RW,
        "Seconds a reset waits for running transactions to be reported stopped.",
        default=60,
        minimum=0,
    ),
    _key("QueueAllMessages", BOOL, R, "Queue every message while offline, not only transaction messages."),
    _key(
        "MessageTypesDiscardForQueueing",
        CSL,
        R,
        "Actions never queued while offline even when everything else is.",
    ),
    _key(
        "MessageQueueSizeThreshold",
        INT,
        R,
        "Most messages kept in the queue before the least important are dropped.",
        minimum=1,
    ),
    _key(
        "SupportedMeasurands",
        CSL,
        R,
        "Measurands the meter can deliver; the measurand lists must keep to them.",
        default=SUPPORTED_MEASURANDS_DEFAULT,
        rule=_measurands,
    ),
    _key(
        "MaxMessageSize",
        INT,
        R,
        "Largest StopTransaction payload in bytes; beyond it intermediate meter values are dropped.",
        default=65000,
        minimum=32000,
    ),
    _key("TLSKeylogFile", STR, R, "File where TLS session secrets are written when keylogging is on.", min_length=1),
    _key("EnableTLSKeylog", BOOL, R, "Write TLS session secrets for debugging with a packet analyser.", default=False),
    _key(
        "StopTransactionIfUnlockNotSupported",
        BOOL,
        RW,
        "Stop the transaction on an unlock request even when the connector cannot unlock.",
        default=False,
    ),
    _key(
        "MeterPublicKeys",
        ARR,
        R,
        "Public keys of the connectors' signing meters, reported as MeterPublicKey[n].",
        exposure=Exposure.INDEXED,
    ),
)

from __future__ import annotations

import dataclasses

import pytest

import ocpp_core.config
from ocpp_core.config import KEYS, SECTIONS, Access, ConfigRegistry, KeyDef, ValueType
from ocpp_core.config.keys_model import InvalidValue, from_json_value, from_python, limits_rule, to_json_value
from ocpp_core.errors import ConfigError
from tests.ocpp_core.config import CONTROL_API_EXAMPLE, example

#: OCPP 1.6 (with errata), Security Whitepaper, PnC and California Pricing application notes.
STANDARD_KEYS = {
    "Core": """AllowOfflineTxForUnknownId AuthorizationCacheEnabled AuthorizeRemoteTxRequests BlinkRepeat
        ClockAlignedDataInterval ConnectionTimeOut ConnectorPhaseRotation ConnectorPhaseRotationMaxLength
        GetConfigurationMaxKeys HeartbeatInterval LightIntensity LocalAuthorizeOffline LocalPreAuthorize
        MaxEnergyOnInvalidId MessageTimeout MeterValuesAlignedData MeterValuesAlignedDataMaxLength
        MeterValuesSampledData MeterValuesSampledDataMaxLength MeterValueSampleInterval MinimumStatusDuration
        NumberOfConnectors ResetRetries StopTransactionOnEVSideDisconnect StopTransactionOnInvalidId
        StopTransactionMaxMeterValues StopTxnAlignedData StopTxnAlignedDataMaxLength StopTxnSampledData
        StopTxnSampledDataMaxLength SupportedFeatureProfiles SupportedFeatureProfilesMaxLength
        TransactionMessageAttempts TransactionMessageRetryInterval UnlockConnectorOnEVSideDisconnect
        WebSocketPingInterval""",
    "LocalAuthListManagement": "LocalAuthListEnabled LocalAuthListMaxLength SendLocalListMaxLength",
    "Reservation": "ReserveConnectorZeroSupported",
    "SmartCharging": """ChargeProfileMaxStackLevel ChargingScheduleAllowedChargingRateUnit
        ChargingScheduleMaxPeriods ConnectorSwitch3to1PhaseSupported MaxChargingProfilesInstalled""",
    "FirmwareManagement": "SupportedFileTransferProtocols",
    "Security": """AdditionalRootCertificateCheck AuthorizationKey CertificateSignedMaxChainSize
        CertificateStoreMaxLength CpoName SecurityProfile DisableSecurityEventNotifications""",
    "PnC": """ISO15118CertificateManagementEnabled ISO15118PnCEnabled CentralContractValidationAllowed
        CertSigningWaitMinimum CertSigningRepeatTimes ContractValidationOffline""",
    "CostAndPrice": """CustomDisplayCostAndPrice NumberOfDecimalsForCostValues DefaultPrice DefaultPriceText
        TimeOffset NextTimeOffsetTransitionDateTime TimeOffsetNextTransition CustomIdleFeeAfterStop
        SupportedLanguages CustomMultiLanguageMessages Language WaitForSetUserPriceTimeout""",
    "Internal": """ChargePointId CentralSystemURI ChargeBoxSerialNumber ChargePointModel ChargePointSerialNumber
        ChargePointVendor FirmwareVersion ICCID HostName IFace IMSI MeterSerialNumber MeterType SupportedCiphers12
        SupportedCiphers13 UseTPM UseTPMSeccLeafCertificate RetryBackoffRandomRange RetryBackoffRepeatTimes
        RetryBackoffWaitMinimum AuthorizeConnectorZeroOnConnectorOne LogMessages LogMessagesRaw LogMessagesFormat
        LogRotation LogRotationDateSuffix LogRotationMaximumFileSize LogRotationMaximumFileCount
        SupportedChargingProfilePurposeTypes IgnoredProfilePurposesOffline MaxCompositeScheduleDuration
        CompositeScheduleDefaultLimitAmps CompositeScheduleDefaultLimitWatts CompositeScheduleDefaultNumberPhases
        SupplyVoltage WebsocketPingPayload WebsocketPongTimeout UseSslDefaultVerifyPaths VerifyCsmsCommonName
        VerifyCsmsAllowWildcards OcspRequestInterval SeccLeafSubjectCommonName SeccLeafSubjectCountry
        SeccLeafSubjectOrganization ConnectorEvseIds AllowChargingProfileWithoutStartSchedule
        WaitForStopTransactionsOnResetTimeout QueueAllMessages MessageTypesDiscardForQueueing
        MessageQueueSizeThreshold SupportedMeasurands MaxMessageSize TLSKeylogFile EnableTLSKeylog
        StopTransactionIfUnlockNotSupported MeterPublicKeys""",
}

#: The only required keys without a default: the station's identity must come from the file.
IDENTITY = {"ChargePointId", "CentralSystemURI", "ChargeBoxSerialNumber", "ChargePointModel", "ChargePointVendor"}


def test_it_defines_exactly_the_keys_of_the_specifications_and_libocpp():
    defined = {(k.section, k.name) for k in KEYS}
    expected = {(section, name) for section, names in STANDARD_KEYS.items() for name in names.split()}
    assert defined == expected


def test_it_defines_each_key_once_in_a_known_section():
    assert len({k.name.casefold() for k in KEYS}) == len(KEYS)
    assert {k.section for k in KEYS} <= set(SECTIONS)
    assert [k.section for k in KEYS] == sorted((k.section for k in KEYS), key=SECTIONS.index)


def test_it_describes_every_key_in_one_line():
    for key in KEYS:
        assert key.description and "\n" not in key.description and len(key.description) < 110, key.name


def test_it_gives_defaults_that_pass_their_own_limits():
    for key in KEYS:
        if key.default is not None:
            assert from_json_value(key, to_json_value(key.type, key.default)) == key.default, key.name


def test_it_gives_a_default_to_every_required_key_but_the_identity():
    missing = {k.name for k in KEYS if k.required and k.default is None}
    assert missing == IDENTITY | {"FirmwareVersion"}


def test_it_marks_access_as_the_specifications_say():
    by_name = {k.name: k for k in KEYS}
    assert by_name["AuthorizationKey"].access is Access.WRITE_ONLY and by_name["AuthorizationKey"].secret
    assert [k.name for k in KEYS if k.access is Access.WRITE_ONLY] == ["AuthorizationKey"]
    assert [k.name for k in KEYS if k.secret] == ["AuthorizationKey"]
    assert [k.name for k in KEYS if k.only_upwards] == ["SecurityProfile"]
    assert [k.name for k in KEYS if k.reboot_required] == ["CentralSystemURI"]
    for name in ("NumberOfConnectors", "SupportedFeatureProfiles", "GetConfigurationMaxKeys", "ChargePointId"):
        assert by_name[name].readonly, name
    for name in ("HeartbeatInterval", "RetryBackoffRandomRange", "VerifyCsmsAllowWildcards", "Language", "CpoName"):
        assert not by_name[name].readonly, name
    assert by_name["AuthorizationCacheEnabled"].type is ValueType.BOOLEAN
    assert by_name["SupplyVoltage"].type is ValueType.DECIMAL


def test_it_gates_each_key_by_its_section_profile():
    assert all(k.profile == k.section for k in KEYS)


def test_it_names_the_companion_length_keys_that_exist():
    names = {k.name for k in KEYS}
    assert all(k.max_items_key in names for k in KEYS if k.max_items_key)


def test_it_qualifies_key_names_with_their_section():
    assert next(k for k in KEYS if k.name == "HeartbeatInterval").qualified_name == "Core.HeartbeatInterval"


def test_it_words_limits_for_keys_with_only_a_maximum():
    key = KeyDef(section="Custom", profile="Custom", name="X", type=ValueType.INTEGER, access=Access.READ_WRITE,
                 description="x", maximum=5)  # fmt: skip
    assert limits_rule(key, 6) == "is not an integer <= 5"
    assert limits_rule(key, -6) is None
    assert limits_rule(dataclasses.replace(key, type=ValueType.OBJECT), {}) is None
    with pytest.raises(InvalidValue, match="is not an array of strings"):
        from_python(dataclasses.replace(key, type=ValueType.ARRAY), 5)


def test_it_checks_measurand_lists_without_supported_measurands():
    definitions = tuple(dataclasses.replace(k, default=None) if k.name == "SupportedMeasurands" else k for k in KEYS)
    cfg = ConfigRegistry.from_json(example(Core={"MeterValuesSampledData": "RPM"}), definitions=definitions)
    assert cfg.get_list("MeterValuesSampledData") == ("RPM",)
    with pytest.raises(ConfigError, match="unknown measurands Bogus"):
        ConfigRegistry.from_json(example(Core={"MeterValuesSampledData": "Bogus"}), definitions=definitions)


def test_it_loads_without_a_supported_feature_profiles_definition():
    definitions = tuple(k for k in KEYS if k.name != "SupportedFeatureProfiles")
    cfg = ConfigRegistry.from_json(example(Core={"SupportedFeatureProfiles": None}), definitions=definitions)
    assert cfg.supported_profiles() == frozenset()
    assert "LocalAuthListEnabled" not in {e["key"] for e in cfg.get_configuration(None)[0]}


def test_it_exports_what_its_all_says():
    for module in (ocpp_core.config, ocpp_core.config.keys, ocpp_core.config.registry, ocpp_core.config.keys_model):
        assert sorted(module.__all__) == sorted(set(module.__all__))
        for name in module.__all__:
            assert hasattr(module, name), (module.__name__, name)
    assert isinstance(ConfigRegistry.from_json(CONTROL_API_EXAMPLE), ConfigRegistry)

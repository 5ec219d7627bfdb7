from __future__ import annotations

import dataclasses
import json
from decimal import Decimal
from typing import Any

import pytest

from ocpp_core.config import KEYS, Access, ChangeResult, ChangeStatus, ConfigRegistry
from ocpp_core.errors import ConfigError
from tests.ocpp_core.config import CONTROL_API_EXAMPLE, FULL_CONFIG, example, full

OCTT_KEY = "4F43415F4F4354545F61646D696E5F74657374"


def _cfg(data=None) -> ConfigRegistry:
    return ConfigRegistry.from_json(data or CONTROL_API_EXAMPLE)


def test_it_applies_an_accepted_change_and_says_what_to_persist():
    cfg = _cfg()
    result = cfg.change_configuration("meterValueSampleInterval", "30")
    assert result == ChangeResult(
        status=ChangeStatus.ACCEPTED,
        key="MeterValueSampleInterval",
        section="Core",
        new_value=30,
        persist_value=30,
        reason="",
    )
    assert result.status == "Accepted"
    assert cfg.get_int("MeterValueSampleInterval") == 30
    assert cfg.get_configuration(["MeterValueSampleInterval"])[0][0]["value"] == "30"


def test_it_answers_not_supported_for_an_unknown_key():
    result = _cfg().change_configuration("NoSuchKey", "1")
    assert (result.status, result.key, result.section) == ("NotSupported", None, None)
    assert result.reason == "NoSuchKey: not a configuration key of this station"


def test_it_answers_not_supported_for_an_optional_key_the_file_leaves_out():
    for key, value in (("AuthorizationCacheEnabled", "true"), ("WebSocketPingInterval", "10"), ("BlinkRepeat", "1")):
        assert _cfg().change_configuration(key, value).status == "NotSupported"
    assert _cfg(full()).change_configuration("WebSocketPingInterval", "0").status == "Accepted"


def test_it_answers_not_supported_for_a_key_of_a_disabled_profile():
    cfg = _cfg(example(Core={"SupportedFeatureProfiles": "Core"}))
    assert cfg.change_configuration("LocalAuthListEnabled", "false").status == "NotSupported"
    assert cfg.get_bool("LocalAuthListEnabled") is True


def test_it_rejects_changes_of_read_only_keys():
    for key in ("NumberOfConnectors", "ChargePointId", "SupportedFeatureProfiles", "CentralSystemURI", "UseTPM"):
        result = _cfg().change_configuration(key, "1")
        assert result.status == "Rejected"
        assert result.reason.endswith("is read-only")


def test_it_lets_the_central_system_change_keys_libocpp_reports_otherwise():
    cfg = _cfg()
    assert cfg.change_configuration("RetryBackoffRandomRange", "4").status == "Accepted"
    assert cfg.change_configuration("RetryBackoffRepeatTimes", "2").status == "Accepted"
    assert cfg.change_configuration("RetryBackoffWaitMinimum", "7").status == "Accepted"
    assert cfg.change_configuration("VerifyCsmsAllowWildcards", "true").status == "Accepted"
    assert cfg.get_int("RetryBackoffWaitMinimum") == 7
    assert cfg.get_bool("VerifyCsmsAllowWildcards") is True
    assert _cfg(full()).change_configuration("Language", "nl").status == "Accepted"


@pytest.mark.parametrize(
    ("key", "value", "reason"),
    [
        ("MeterValueSampleInterval", "-1", "MeterValueSampleInterval: '-1' is not a non-negative integer"),
        ("HeartbeatInterval", "abc", "HeartbeatInterval: 'abc' is not a non-negative integer"),
        ("HeartbeatInterval", "+5", "HeartbeatInterval: '+5' is not a non-negative integer"),
        ("HeartbeatInterval", "5.0", "HeartbeatInterval: '5.0' is not a non-negative integer"),
        ("HeartbeatInterval", " 5", "HeartbeatInterval: ' 5' is not a non-negative integer"),
        ("HeartbeatInterval", "0x10", "HeartbeatInterval: '0x10' is not a non-negative integer"),
        ("HeartbeatInterval", "١٢", "HeartbeatInterval: '١٢' is not a non-negative integer"),
        ("HeartbeatInterval", "", "HeartbeatInterval: '' is not a non-negative integer"),
        ("HeartbeatInterval", "9" * 12, "HeartbeatInterval: '999999999999' is above the largest supported value"),
        ("HeartbeatInterval", "9" * 41, "is not a non-negative integer"),
        ("CompositeScheduleDefaultNumberPhases", "4", "is not an integer in 1..3"),
        ("OcspRequestInterval", "60", "OcspRequestInterval: '60' is not an integer >= 86400"),
        ("LocalPreAuthorize", "yes", "LocalPreAuthorize: 'yes' is not a boolean (true or false)"),
        ("LocalPreAuthorize", "1", "is not a boolean"),
        ("LocalPreAuthorize", " true", "is not a boolean"),
        ("AuthorizeRemoteTxRequests", "garbage", "is not a boolean"),
        ("SupplyVoltage", "-230", "SupplyVoltage: '-230' is not a non-negative number"),
        ("SupplyVoltage", "2e2", "is not a non-negative number"),
        ("SupplyVoltage", "NaN", "is not a non-negative number"),
        ("MeterValuesSampledData", "Power.Active.Import,Foo", "has unknown measurands Foo"),
        (
            "MeterValuesSampledData",
            "Energy.Active.Import.Register,RPM",
            "MeterValuesSampledData: 'Energy.Active.Import.Register,RPM' is not a subset of SupportedMeasurands "
            "(not supported: RPM)",
        ),
        ("StopTxnAlignedData", "Voltage.L7", "has unknown measurands Voltage.L7"),
        ("ConnectorPhaseRotation", "1.RST,3.RST", "names connector 3 but NumberOfConnectors is 2"),
        ("ConnectorPhaseRotation", "1-RST", "has an invalid entry '1-RST'"),
        ("IgnoredProfilePurposesOffline", "TxProfile,Bogus", None),
        ("SeccLeafSubjectCountry", "D", None),
    ],
)
def test_it_rejects_invalid_values_naming_the_rule(key, value, reason):
    cfg = _cfg(full()) if key in ("IgnoredProfilePurposesOffline", "SeccLeafSubjectCountry") else _cfg()
    before = cfg.to_json()
    result = cfg.change_configuration(key, value)
    assert result.status == "Rejected"
    assert result.new_value is None and result.persist_value is None
    if reason is not None:
        assert reason in result.reason
    assert result.reason.startswith(f"{key}: {value!r} ")
    assert cfg.to_json() == before


def test_it_accepts_booleans_in_any_case():
    cfg = _cfg()
    assert cfg.change_configuration("LocalPreAuthorize", "TRUE").new_value is True
    assert cfg.change_configuration("LocalPreAuthorize", "False").new_value is False
    assert cfg.change_configuration("LocalPreAuthorize", "tRuE").persist_value is True


def test_it_reads_lists_trimmed():
    cfg = _cfg()
    result = cfg.change_configuration("MeterValuesSampledData", " Power.Active.Import , Voltage.L1-N ,")
    assert result.new_value == ("Power.Active.Import", "Voltage.L1-N")
    assert result.persist_value == "Power.Active.Import,Voltage.L1-N"
    assert cfg.change_configuration("StopTxnSampledData", "").new_value == ()


def test_it_accepts_numbers_for_decimal_keys():
    cfg = _cfg()
    result = cfg.change_configuration("SupplyVoltage", "229.5")
    assert (result.new_value, result.persist_value) == (Decimal("229.5"), 229.5)
    assert cfg.change_configuration("CompositeScheduleDefaultLimitAmps", "16").persist_value == 16
    assert cfg.get_decimal("CompositeScheduleDefaultLimitAmps") == 16


# ---------------------------------------------------------------------------------------------
# AuthorizationKey


def test_it_decodes_a_hex_authorization_key_for_basic_auth():
    cfg = _cfg()
    result = cfg.change_configuration("AuthorizationKey", OCTT_KEY)
    assert result.status == "Accepted" and result.section == "Security"
    assert result.persist_value == OCTT_KEY
    assert cfg.basic_auth_password() == b"OCA_OCTT_admin_test"


@pytest.mark.parametrize(
    ("value", "password"),
    [
        ("0123456789abcdef0123", b"0123456789abcdef0123"),  # 20 characters: plain text
        ("DEADBEEFDEADBEEF", b"DEADBEEFDEADBEEF"),  # 16 hex digits are still plain text
        ("a b c d e f g h i ~", b"a b c d e f g h i ~"),
        ("00" * 16, bytes(16)),  # 32 hex digits: 16 bytes
        ("ff" * 20, b"\xff" * 20),  # 40 hex digits: 20 bytes
    ],
)
def test_it_takes_an_authorization_key_as_hex_or_as_text(value, password):
    cfg = _cfg()
    assert cfg.change_configuration("AuthorizationKey", value).status == "Accepted"
    assert cfg.basic_auth_password() == password


@pytest.mark.parametrize(
    "value",
    ["short", "x" * 21, "0" * 31, "0" * 33, "0" * 42, "g" * 32, "tab\tinside-sixteen", "é" * 16, ""],
)
def test_it_rejects_an_invalid_authorization_key_without_echoing_it(value):
    cfg = _cfg(full())
    result = cfg.change_configuration("AuthorizationKey", value)
    assert result.status == "Rejected"
    assert result.reason.startswith("AuthorizationKey: '***' ")
    assert repr(value) not in result.reason
    assert cfg.basic_auth_password() == b"DEADBEEFDEADBEEF"


# ---------------------------------------------------------------------------------------------
# SecurityProfile


def test_it_only_raises_the_security_profile():
    cfg = _cfg(full())  # profile 1
    for value in ("1", "0"):
        result = cfg.change_configuration("SecurityProfile", value)
        assert result.status == "Rejected"
        assert "is not above the current value 1" in result.reason
    assert cfg.change_configuration("SecurityProfile", "4").reason == "SecurityProfile: '4' is not an integer in 0..3"
    assert cfg.change_configuration("SecurityProfile", "-1").status == "Rejected"
    assert cfg.change_configuration("SecurityProfile", "3").status == "Accepted"
    assert cfg.get_int("SecurityProfile") == 3


def test_it_needs_an_authorization_key_for_profiles_one_and_two():
    cfg = _cfg()
    result = cfg.change_configuration("SecurityProfile", "2")
    assert result.status == "Rejected"
    assert "needs Security.AuthorizationKey" in result.reason
    assert cfg.change_configuration("SecurityProfile", "3").status == "Accepted"  # client certificate instead


def test_it_lets_a_hook_veto_a_change_it_has_checked():
    seen = []

    def checks(key, value):
        seen.append((key, value))
        return "needs a CSMS root certificate" if key == "SecurityProfile" and value >= 2 else None

    cfg = _cfg(full())
    result = cfg.change_configuration("securityprofile", "2", checks)
    assert result.status == "Rejected"
    assert result.reason == "SecurityProfile: '2' needs a CSMS root certificate"
    assert cfg.get_int("SecurityProfile") == 1
    assert cfg.change_configuration("SecurityProfile", "0", checks).status == "Rejected"
    assert seen == [("SecurityProfile", 2)]  # not asked about a value the registry refused
    assert cfg.change_configuration("HeartbeatInterval", "5", checks).status == "Accepted"
    assert seen[-1] == ("HeartbeatInterval", 5)


# ---------------------------------------------------------------------------------------------
# RebootRequired and integrator definitions


def _definitions(**changes):
    return tuple(dataclasses.replace(k, **changes[k.name]) if k.name in changes else k for k in KEYS)


def test_it_answers_reboot_required_for_a_writable_key_that_needs_one():
    definitions = _definitions(CentralSystemURI={"access": Access.READ_WRITE})
    cfg = ConfigRegistry.from_json(CONTROL_API_EXAMPLE, definitions=definitions)
    result = cfg.change_configuration("CentralSystemURI", "wss://csms.example/ocpp/")
    assert result.status == "RebootRequired"
    assert isinstance(result.status, ChangeStatus)
    assert result.persist_value == "wss://csms.example/ocpp/"
    assert cfg.get("CentralSystemURI") == "wss://csms.example/ocpp/"


def test_it_rejects_a_change_that_would_break_another_key():
    definitions = _definitions(NumberOfConnectors={"access": Access.READ_WRITE})
    cfg = ConfigRegistry.from_json(full(), definitions=definitions)
    result = cfg.change_configuration("NumberOfConnectors", "1")
    assert result.status == "Rejected"
    assert result.reason == (
        "NumberOfConnectors: '1' would leave ConnectorPhaseRotation = '0.RST,1.RST,2.RTS', "
        "which names connector 2 but NumberOfConnectors is 1"
    )
    assert cfg.get_int("NumberOfConnectors") == 2


def test_it_lets_an_integrator_make_a_key_read_only():
    definitions = _definitions(UnlockConnectorOnEVSideDisconnect={"access": Access.READ_ONLY})
    cfg = ConfigRegistry.from_json(CONTROL_API_EXAMPLE, definitions=definitions)
    assert cfg.change_configuration("UnlockConnectorOnEVSideDisconnect", "false").status == "Rejected"


# ---------------------------------------------------------------------------------------------
# Keys exposed in parts, JSON keys, custom keys


def test_it_sets_a_default_price_text_per_language():
    cfg = _cfg(full())
    result = cfg.change_configuration("DefaultPriceText,DE", '{"priceText": "Der Preis"}')
    assert result.status == "Accepted"
    assert (result.key, result.section) == ("DefaultPriceText", "CostAndPrice")
    assert result.persist_value["priceTexts"][-1] == {"priceText": "Der Preis", "language": "de"}
    assert cfg.get_configuration(["DefaultPriceText,de"])[0][0]["value"] == '{"priceText":"Der Preis"}'
    result = cfg.change_configuration("DefaultPriceText,en", '{"priceText": "Cheap", "priceTextOffline": "Offline"}')
    assert result.status == "Accepted"
    texts = (cfg.get_object("DefaultPriceText") or {})["priceTexts"]
    assert [text["language"] for text in texts] == ["nl", "de", "en"]
    assert texts[-1] == {"priceText": "Cheap", "priceTextOffline": "Offline", "language": "en"}


@pytest.mark.parametrize(
    ("key", "value", "status", "reason"),
    [
        ("DefaultPriceText,fr", '{"priceText": "Prix"}', "Rejected", "the language is not in SupportedLanguages"),
        ("DefaultPriceText,de", "{", "Rejected", "is not valid JSON"),
        ("DefaultPriceText,de", "[1]", "Rejected", "is not a JSON object"),
        ("DefaultPriceText,de", '{"text": "x"}', "Rejected", "lacks priceText"),
        ("DefaultPriceText,de", '{"priceText": 1}', "Rejected", "has wrong types in priceText"),
        ("DefaultPriceText", '{"priceTexts": []}', "NotSupported", "not a configuration key"),
        ("MeterPublicKey[1]", "KEY", "Rejected", "MeterPublicKey[1]: is read-only"),
        ("MeterPublicKey[3]", "KEY", "NotSupported", "not a configuration key"),
        ("MeterPublicKeys", "KEY", "NotSupported", "not a configuration key"),
        ("Nothing,de", "x", "NotSupported", "not a configuration key"),
    ],
)
def test_it_refuses_bad_changes_of_keys_exposed_in_parts(key, value, status, reason):
    cfg = _cfg(full())
    before = cfg.to_json()
    result = cfg.change_configuration(key, value)
    assert result.status == status
    assert reason in result.reason
    assert cfg.to_json() == before


def test_it_supports_price_texts_per_language_only_with_multi_language_messages():
    cfg = _cfg(full(CostAndPrice={"CustomMultiLanguageMessages": False}))
    assert cfg.change_configuration("DefaultPriceText,de", '{"priceText": "x"}').status == "NotSupported"
    cfg = _cfg(full(CostAndPrice={"SupportedLanguages": None, "Language": None}))
    assert cfg.change_configuration("DefaultPriceText,de", '{"priceText": "x"}').status == "Rejected"
    cfg = _cfg(full(CostAndPrice={"DefaultPriceText": None}))
    assert cfg.change_configuration("DefaultPriceText,de", '{"priceText": "x"}').status == "Accepted"
    assert cfg.get_object("DefaultPriceText") == {"priceTexts": [{"priceText": "x", "language": "de"}]}


def test_it_sets_a_json_object_key():
    cfg = _cfg(full())
    value = {"priceText": "0.30/kWh", "chargingPrice": {"kWhPrice": 0.3}}
    result = cfg.change_configuration("DefaultPrice", json.dumps(value))
    assert result.status == "Accepted"
    assert result.persist_value == value == cfg.get_object("DefaultPrice")
    assert cfg.change_configuration("DefaultPrice", '{"priceText": 3}').status == "Rejected"
    assert cfg.change_configuration("DefaultPrice", "[" * 100_000).reason.endswith("is not valid JSON")


def test_it_types_changes_of_custom_keys_by_their_configured_value():
    cfg = _cfg(full(Custom={"Ratio": 0.5, "Tags": ["a"], "Blob": {"a": 1}, "Offset": -3}))
    assert cfg.change_configuration("examplenumber", "12").persist_value == 12
    assert cfg.change_configuration("ExampleNumber", "twelve").status == "Rejected"
    assert cfg.change_configuration("ExampleFlag", "false").new_value is False
    assert cfg.change_configuration("ExampleConfigurationKey", "anything at all").status == "Accepted"
    assert cfg.change_configuration("Ratio", "0.25").persist_value == 0.25
    assert cfg.change_configuration("Tags", "b,c").persist_value == ["b", "c"]
    assert cfg.change_configuration("Blob", '{"b": 2}').persist_value == {"b": 2}
    assert cfg.change_configuration("Offset", "-7").new_value == -7
    assert cfg.change_configuration("NotACustomKey", "1").status == "NotSupported"


def test_it_accepts_a_cpo_name_the_file_leaves_out():
    cfg = _cfg()
    result = cfg.change_configuration("CpoName", "Charging Co")
    assert (result.status, result.section, result.persist_value) == ("Accepted", "Security", "Charging Co")
    assert cfg.change_configuration("CpoName", "x" * 65).status == "Rejected"


# ---------------------------------------------------------------------------------------------
# set_value


def test_it_sets_values_from_inside_the_station():
    cfg = _cfg()
    assert cfg.set_value("HeartbeatInterval", 30) == 30
    assert cfg.get_int("HeartbeatInterval") == 30
    assert cfg.set_value(
        "SupportedMeasurands", ["Voltage", "Energy.Active.Import.Register", "Power.Active.Import"]
    ) == ("Voltage,Energy.Active.Import.Register,Power.Active.Import")
    assert cfg.set_value("StopTxnSampledData", "Voltage, Power.Active.Import") == "Voltage,Power.Active.Import"
    assert cfg.set_value("SupplyVoltage", Decimal("231.5")) == 231.5
    assert cfg.set_value("SupplyVoltage", 230) == 230
    assert cfg.set_value("ICCID", "8901") == "8901"
    assert cfg.get_configuration(["ICCID"])[0][0]["value"] == "8901"


@pytest.mark.parametrize(
    ("name", "value", "rule"),
    [
        ("NoSuchKey", 1, "is not a known configuration key"),
        ("HeartbeatInterval", "30", "is not an integer"),
        ("HeartbeatInterval", -5, "is not a non-negative integer"),
        ("LocalPreAuthorize", 1, "is not a boolean"),
        ("SupplyVoltage", Decimal("NaN"), "is not a finite number"),
        ("SupportedMeasurands", [1], "is not a comma-separated list"),
        ("SupportedMeasurands", "Voltage", "would leave MeterValuesAlignedData"),
        ("SecurityProfile", 2, "needs Security.AuthorizationKey"),
    ],
)
def test_it_refuses_invalid_internal_updates(name, value, rule):
    cfg = _cfg()
    before = cfg.to_json()
    with pytest.raises(ConfigError) as caught:
        cfg.set_value(name, value)
    assert rule in caught.value.rule
    assert cfg.to_json() == before


def test_it_lets_the_station_lower_the_security_profile():
    cfg = _cfg(full())
    assert cfg.set_value("SecurityProfile", 0) == 0


def test_it_keeps_changes_through_a_persisted_overlay():
    cfg = _cfg()
    overlay: dict[str, dict[str, Any]] = {}
    for key, value in (("HeartbeatInterval", "15"), ("AuthorizationKey", OCTT_KEY), ("SecurityProfile", "1")):
        result = cfg.change_configuration(key, value)
        assert result.section is not None and result.key is not None
        overlay.setdefault(result.section, {})[result.key] = result.persist_value
    again = ConfigRegistry.from_json(CONTROL_API_EXAMPLE, overlay)
    assert again.to_json() == cfg.to_json()
    assert again.basic_auth_password() == b"OCA_OCTT_admin_test"
    assert FULL_CONFIG["Security"]["SecurityProfile"] == 1

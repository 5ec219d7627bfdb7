from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest

from ocpp_core.config import KEYS, ConfigRegistry
from ocpp_core.errors import ConfigError
from tests.ocpp_core.config import CONTROL_API_EXAMPLE, FULL_CONFIG, example, full


def test_it_loads_the_control_api_example_unchanged():
    cfg = ConfigRegistry.from_json(CONTROL_API_EXAMPLE)
    assert cfg.get("ChargePointId") == "CP1"
    assert cfg.get_int("HeartbeatInterval") == 60
    assert cfg.get_list("MeterValuesSampledData") == ("Energy.Active.Import.Register", "Power.Active.Import")
    assert cfg.supported_profiles() == {
        "Core",
        "FirmwareManagement",
        "LocalAuthListManagement",
        "Reservation",
        "SmartCharging",
        "RemoteTrigger",
    }
    assert cfg.warnings == ()


def test_it_gives_defaults_to_the_required_keys_the_example_leaves_out():
    cfg = ConfigRegistry.from_json(CONTROL_API_EXAMPLE)
    assert cfg.get_int("ConnectionTimeOut") == 60
    assert cfg.get_bool("StopTransactionOnInvalidId") is True
    assert cfg.get_list("ConnectorPhaseRotation") == ("0.Unknown",)
    assert cfg.get_list("StopTxnSampledData") == ("Energy.Active.Import.Register",)
    assert cfg.get_int("LocalAuthListMaxLength") == 1000
    assert cfg.get_int("ChargingScheduleMaxPeriods") == 1440
    assert cfg.get_list("ChargingScheduleAllowedChargingRateUnit") == ("Current", "Power")
    assert cfg.get_list("SupportedCiphers13") == ("TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256")
    assert cfg.get_decimal("SupplyVoltage") == Decimal(230)
    assert cfg.get_int("SecurityProfile") == 0


def test_it_leaves_optional_keys_without_a_default_unset():
    cfg = ConfigRegistry.from_json(CONTROL_API_EXAMPLE)
    assert cfg.get("AuthorizationCacheEnabled") is None
    assert cfg.get("WebSocketPingInterval") is None
    assert cfg.get("MessageTimeout") is None
    assert cfg.get("AuthorizationKey") is None
    assert cfg.basic_auth_password() is None


def test_it_fills_in_defaults_only_for_sections_in_use():
    cfg = ConfigRegistry.from_json(example(Core={"SupportedFeatureProfiles": "Core"}))
    # LocalAuthListManagement and SmartCharging are in the file: their defaults come in.
    assert cfg.get_int("LocalAuthListMaxLength") == 1000
    # PnC and CostAndPrice are neither in the file nor in the profiles.
    assert cfg.get("ISO15118PnCEnabled") is None
    assert cfg.get("CustomDisplayCostAndPrice") is None
    cfg = ConfigRegistry.from_json(example(Core={"SupportedFeatureProfiles": "Core,PnC"}))
    assert cfg.get_bool("ISO15118PnCEnabled") is False


def test_it_takes_the_standard_profiles_when_the_file_leaves_them_out():
    cfg = ConfigRegistry.from_json(example(Core={"SupportedFeatureProfiles": None}))
    assert "RemoteTrigger" in cfg.supported_profiles()


def test_it_loads_a_full_libocpp_file_with_every_section():
    cfg = ConfigRegistry.from_json(FULL_CONFIG)
    assert cfg.warnings == ()
    assert cfg.get_bool("ISO15118PnCEnabled") is True
    assert cfg.get_str("TimeOffset") == "02:00"
    assert cfg.get_list("SupportedLanguages") == ("en", "nl", "de", "nb_NO")
    assert cfg.get("DefaultPrice") == FULL_CONFIG["CostAndPrice"]["DefaultPrice"]
    assert cfg.get_decimal("SupplyVoltage") == Decimal("230.5")
    assert cfg.get("ExampleConfigurationKey") == "example"
    assert cfg.get_int("exampleNUMBER") == 7
    assert cfg.get_list("MeterPublicKeys") == ("KEY-ONE", "KEY-TWO")
    assert cfg.basic_auth_password() == b"DEADBEEFDEADBEEF"


def test_it_writes_back_what_it_read():
    # Lists come back without the blanks around their commas.
    assert ConfigRegistry.from_json(FULL_CONFIG).to_json() == full(
        CostAndPrice={"SupportedLanguages": "en,nl,de,nb_NO"}
    )
    again = ConfigRegistry.from_json(ConfigRegistry.from_json(CONTROL_API_EXAMPLE).to_json())
    assert again.to_json() == ConfigRegistry.from_json(CONTROL_API_EXAMPLE).to_json()


def test_it_writes_lists_and_numbers_in_the_config_file_shape():
    data = ConfigRegistry.from_json(example(Internal={"SupplyVoltage": 231})).to_json()
    assert data["Core"]["SupportedFeatureProfiles"].startswith("Core,")
    assert data["Internal"]["SupportedCiphers13"] == ["TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256"]
    assert data["Internal"]["SupplyVoltage"] == 231
    assert list(data) == ["Internal", "Core", "LocalAuthListManagement", "SmartCharging", "Security"]


def test_it_masks_secrets_in_masked_json_only():
    cfg = ConfigRegistry.from_json(FULL_CONFIG)
    assert cfg.masked_json()["Security"]["AuthorizationKey"] == "***"
    assert cfg.to_json()["Security"]["AuthorizationKey"] == "DEADBEEFDEADBEEF"
    assert "AuthorizationKey" not in ConfigRegistry.from_json(CONTROL_API_EXAMPLE).masked_json()["Security"]


def test_it_keeps_empty_sections_and_unknown_keys_of_open_sections():
    cfg = ConfigRegistry.from_json(example(Reservation={}, PnC={"VendorThing": 1}))
    assert cfg.to_json()["Reservation"] == {}
    assert cfg.to_json()["PnC"]["VendorThing"] == 1
    assert cfg.warnings == ("PnC.VendorThing: unknown key, kept in the file but not used",)


def test_it_accepts_integral_floats_for_integers():
    assert ConfigRegistry.from_json(example(Core={"HeartbeatInterval": 60.0})).get_int("HeartbeatInterval") == 60


# ---------------------------------------------------------------------------------------------
# Refusing invalid files: each message names Section.Key, the value and the rule


def _refused(data) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        ConfigRegistry.from_json(data)
    return caught.value


@pytest.mark.parametrize(
    ("data", "key", "value", "rule"),
    [
        (example(Bogus={}), "Bogus", {}, "is not a known section"),
        (example(Core={"Bogus": 1}), "Core.Bogus", 1, "is not a key of Core"),
        (example(Internal={"HeartbeatInterval": 1}), "Internal.HeartbeatInterval", 1, "did you mean Core."),
        (example(Core={"heartbeatInterval": 1}), "Core.heartbeatInterval", 1, "did you mean Core.HeartbeatInterval"),
        (example(Security={"HeartbeatInterval": 1}), "Security.HeartbeatInterval", 1, "did you mean Core."),
        (example(Core={"HeartbeatInterval": "60"}), "Core.HeartbeatInterval", "60", "is not an integer"),
        (example(Core={"HeartbeatInterval": True}), "Core.HeartbeatInterval", True, "is not an integer"),
        (example(Core={"HeartbeatInterval": 1.5}), "Core.HeartbeatInterval", 1.5, "is not an integer"),
        (example(Core={"HeartbeatInterval": -1}), "Core.HeartbeatInterval", -1, "is not a non-negative integer"),
        (example(Core={"HeartbeatInterval": 2**40}), "Core.HeartbeatInterval", 2**40, "is above the largest"),
        (example(Core={"LightIntensity": 101}), "Core.LightIntensity", 101, "is not an integer in 0..100"),
        (example(Core={"MessageTimeout": 0}), "Core.MessageTimeout", 0, "is not an integer >= 1"),
        (example(Security={"SecurityProfile": 4}), "Security.SecurityProfile", 4, "is not an integer in 0..3"),
        (example(Core={"LocalPreAuthorize": "true"}), "Core.LocalPreAuthorize", "true", "is not a boolean"),
        (example(Core={"LocalPreAuthorize": 1}), "Core.LocalPreAuthorize", 1, "is not a boolean"),
        (example(Core={"StopTxnSampledData": ["SoC"]}), "Core.StopTxnSampledData", ["SoC"], "comma-separated"),
        (example(Internal={"SupportedCiphers13": "A,B"}), "Internal.SupportedCiphers13", "A,B", "array of strings"),
        (example(Internal={"SupportedCiphers13": [1]}), "Internal.SupportedCiphers13", [1], "array of strings"),
        (example(Internal={"SupplyVoltage": "230"}), "Internal.SupplyVoltage", "230", "is not a number"),
        (example(Internal={"SupplyVoltage": -1}), "Internal.SupplyVoltage", -1, "is not a non-negative number"),
        (
            example(Internal={"SupplyVoltage": float("inf")}),
            "Internal.SupplyVoltage",
            float("inf"),
            "finite",
        ),
        (example(Internal={"ChargePointModel": ""}), "Internal.ChargePointModel", "", "is empty"),
        (example(Internal={"ChargePointModel": "M" * 21}), "Internal.ChargePointModel", "M" * 21, "longer than 20"),
        (example(Internal={"ChargePointId": "a:b"}), "Internal.ChargePointId", "a:b", "contains ':'"),
        (example(Internal={"ChargePointId": None}), "Internal.ChargePointId", None, "is required but missing"),
        (example(Internal={"FirmwareVersion": None}), "Internal.FirmwareVersion", None, "is required but missing"),
        (
            example(Core={"SupportedFeatureProfiles": "FirmwareManagement"}),
            "Core.SupportedFeatureProfiles",
            "FirmwareManagement",
            "does not include Core",
        ),
        (
            example(Core={"SupportedFeatureProfiles": "Core,Teleport"}),
            "Core.SupportedFeatureProfiles",
            "Core,Teleport",
            "has unknown feature profiles Teleport",
        ),
        (
            example(Core={"MeterValuesSampledData": "Energy.Active.Import.Register,RPM"}),
            "Core.MeterValuesSampledData",
            "Energy.Active.Import.Register,RPM",
            "is not a subset of SupportedMeasurands (not supported: RPM)",
        ),
        (
            example(Core={"StopTxnAlignedData": "Voltage.L9"}),
            "Core.StopTxnAlignedData",
            "Voltage.L9",
            "has unknown measurands Voltage.L9",
        ),
        (
            example(Internal={"SupportedMeasurands": "Voltage,Bogus"}),
            "Internal.SupportedMeasurands",
            "Voltage,Bogus",
            "has unknown measurands Bogus",
        ),
        (
            example(Core={"ConnectorPhaseRotation": "0.RST,3.RST"}),
            "Core.ConnectorPhaseRotation",
            "0.RST,3.RST",
            "names connector 3 but NumberOfConnectors is 2",
        ),
        (
            example(Core={"MeterValuesSampledData": "SoC,Voltage", "MeterValuesSampledDataMaxLength": 1}),
            "Core.MeterValuesSampledData",
            "SoC,Voltage",
            "has 2 items, more than MeterValuesSampledDataMaxLength (1)",
        ),
        (
            example(Security={"SecurityProfile": 1}),
            "Security.SecurityProfile",
            1,
            "needs Security.AuthorizationKey",
        ),
        (
            example(Security={"AuthorizationKey": "short"}),
            "Security.AuthorizationKey",
            "short",
            "is shorter than 16 characters",
        ),
        (example(Custom={"Nothing": None, "Null": 1, "X" * 51: 1}), "Custom." + "X" * 51, 1, "1..50 characters"),
        (example(Custom={"heartbeatinterval": 5}), "Custom.heartbeatinterval", 5, "same name as Core.Heartbeat"),
        (example(Custom={"Thing": [1, 2]}), "Custom.Thing", [1, 2], "is not an array of strings"),
        (example(Custom={"Nested": {"a": [1]}, "Void": 0, "Bad": ()}), "Custom.Bad", (), "is not a boolean, number"),
    ],
)
def test_it_refuses_an_invalid_file_naming_key_value_and_rule(data, key, value, rule):
    error = _refused(data)
    assert error.key == key
    assert error.value == value
    assert rule in error.rule
    assert str(error).startswith(f"{key}: {value!r} ")


def test_it_refuses_a_file_that_is_not_an_object():
    assert _refused([1, 2]).key == "config"
    error = _refused(CONTROL_API_EXAMPLE | {"Core": "HeartbeatInterval=60"})
    assert (error.key, error.rule) == ("Core", "is not a JSON object")


def test_it_refuses_a_custom_key_clashing_with_another_custom_key():
    error = _refused(example(Custom={"Speed": 1, "SPEED": 2}))
    assert error.key == "Custom.SPEED" and "Custom.Speed" in error.rule


def test_it_refuses_bad_values_of_pricing_keys():
    assert "time offset" in _refused(full(CostAndPrice={"TimeOffset": "25:00"})).rule
    assert "time offset" in _refused(full(CostAndPrice={"TimeOffsetNextTransition": "+1:00"})).rule
    assert "ISO 8601" in _refused(full(CostAndPrice={"NextTimeOffsetTransitionDateTime": "tomorrow"})).rule
    assert "SupportedLanguages" in _refused(full(CostAndPrice={"Language": "fr"})).rule
    assert "invalid language tags" in _refused(full(CostAndPrice={"SupportedLanguages": "en,#"})).rule
    assert "lacks priceText" in _refused(full(CostAndPrice={"DefaultPrice": {}})).rule
    assert "unknown fields" in _refused(full(CostAndPrice={"DefaultPrice": {"priceText": "p", "x": 1}})).rule
    assert "wrong types" in _refused(full(CostAndPrice={"DefaultPrice": {"priceText": 5}})).rule
    not_object = {"priceText": "p", "chargingPrice": 5}
    assert "not an object" in _refused(full(CostAndPrice={"DefaultPrice": not_object})).rule
    bad_price = {"priceText": "p", "chargingPrice": {"kWhPrice": "1"}}
    assert "chargingPrice that has wrong types" in _refused(full(CostAndPrice={"DefaultPrice": bad_price})).rule


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ({"texts": []}, '{"priceTexts": [...]}'),
        ({"priceTexts": [{"priceText": "p"}]}, "without a language"),
        ({"priceTexts": [{"priceText": "p", "language": "en"}] * 2}, "two price texts for en"),
        ({"priceTexts": [{"language": "en"}]}, "for en that lacks priceText"),
    ],
)
def test_it_refuses_a_malformed_default_price_text(value, rule):
    assert rule in _refused(full(CostAndPrice={"DefaultPriceText": value})).rule


def test_it_refuses_bad_values_of_internal_keys():
    assert "125 bytes" in _refused(example(Internal={"WebsocketPingPayload": "é" * 63})).rule
    assert "two-letter" in _refused(example(Internal={"SeccLeafSubjectCountry": "D1"})).rule
    assert "exactly 2" in _refused(example(Internal={"SeccLeafSubjectCountry": "DEU"})).rule
    assert "7..37" in _refused(example(Internal={"ConnectorEvseIds": "DE*PNX*100001,DE*1"})).rule
    assert "unknown log formats" in _refused(example(Internal={"LogMessagesFormat": ["xml"]})).rule
    assert "unknown purposes" in _refused(example(Internal={"IgnoredProfilePurposesOffline": "Tx"})).rule
    assert "names no units" in _refused(example(SmartCharging={"ChargingScheduleAllowedChargingRateUnit": ""})).rule
    assert ">= 86400" in _refused(example(Internal={"OcspRequestInterval": 3600})).rule


@pytest.mark.parametrize(
    ("rotation", "rule"),
    [
        ("0.RST,0.RTS", "names connector 0 twice"),
        ("1.XYZ", "invalid entry '1.XYZ'"),
        ("RST0.RST", "invalid entry 'RST0.RST'"),
        ("1", "invalid entry '1'"),
    ],
)
def test_it_checks_the_connector_phase_rotation_syntax(rotation, rule):
    assert rule in _refused(example(Core={"ConnectorPhaseRotation": rotation})).rule


def test_it_accepts_every_phase_rotation_value():
    rotation = "0.NotApplicable,1.Unknown, 2.RST"
    assert ConfigRegistry.from_json(example(Core={"ConnectorPhaseRotation": rotation})).get_list(
        "ConnectorPhaseRotation"
    ) == ("0.NotApplicable", "1.Unknown", "2.RST")


def test_it_accepts_measurands_with_a_phase_when_the_measurand_is_supported():
    cfg = ConfigRegistry.from_json(
        example(
            Internal={"SupportedMeasurands": "Voltage.L1,Energy.Active.Import.Register,Power.Active.Import"},
            Core={"StopTxnSampledData": "Voltage.L2"},
        )
    )
    assert cfg.get_list("StopTxnSampledData") == ("Voltage.L2",)


def test_it_refuses_duplicate_definitions():
    with pytest.raises(ValueError, match="two definitions of the key HeartbeatInterval"):
        ConfigRegistry.from_json(
            CONTROL_API_EXAMPLE, definitions=KEYS + tuple(k for k in KEYS if k.name == "HeartbeatInterval")
        )


# ---------------------------------------------------------------------------------------------
# Overlay


def test_it_applies_the_overlay_over_the_file_over_the_defaults():
    overlay = {"Core": {"HeartbeatInterval": 15, "ConnectionTimeOut": 30}}
    cfg = ConfigRegistry.from_json(example(Core={"ConnectionTimeOut": 45}), overlay)
    assert cfg.get_int("HeartbeatInterval") == 15  # overlay over file (60)
    assert cfg.get_int("ConnectionTimeOut") == 30  # overlay over file over default
    assert cfg.get_int("MeterValueSampleInterval") == 10  # file over default
    assert cfg.get_int("ResetRetries") == 1  # default


def test_it_applies_overlay_entries_in_any_order():
    overlay = {"Security": {"SecurityProfile": 2, "AuthorizationKey": "0123456789abcdef0123"}}
    cfg = ConfigRegistry.from_json(CONTROL_API_EXAMPLE, overlay)
    assert cfg.get_int("SecurityProfile") == 2
    assert cfg.basic_auth_password() == b"0123456789abcdef0123"


def test_it_applies_overlay_values_of_read_only_and_custom_keys():
    overlay = {"Internal": {"SupportedMeasurands": "Voltage,SoC,Energy.Active.Import.Register"}, "Custom": {"New": "x"}}
    cfg = ConfigRegistry.from_json(CONTROL_API_EXAMPLE | {"Core": {"MeterValuesSampledData": "SoC"}}, overlay)
    assert cfg.get_list("SupportedMeasurands") == ("Voltage", "SoC", "Energy.Active.Import.Register")
    assert cfg.get("New") == "x"
    assert cfg.to_json()["Custom"] == {"New": "x"}


def test_it_skips_overlay_entries_that_no_longer_fit_and_says_so():
    overlay: dict[str, dict[str, Any]] = {
        "Core": {"HeartbeatInterval": "sixty", "Gone": 1, "MeterValuesSampledData": "RPM", "ResetRetries": 4},
        "Teleport": {"Speed": 1},
        "Internal": {"HeartbeatInterval": 5},
        "Custom": {"Weird": None},
    }
    cfg = ConfigRegistry.from_json(CONTROL_API_EXAMPLE, overlay)
    assert cfg.get_int("HeartbeatInterval") == 60
    assert cfg.get_int("ResetRetries") == 4
    assert cfg.get_list("MeterValuesSampledData") == ("Energy.Active.Import.Register", "Power.Active.Import")
    assert len(cfg.warnings) == 6
    assert all(warning.endswith("(persisted change ignored)") for warning in cfg.warnings)
    assert any("Core.MeterValuesSampledData: 'RPM' is not a subset of SupportedMeasurands" in w for w in cfg.warnings)


def test_it_does_not_change_the_data_it_was_given():
    data = copy.deepcopy(FULL_CONFIG)
    cfg = ConfigRegistry.from_json(data, {"CostAndPrice": {"DefaultPrice": {"priceText": "cheap"}}})
    cfg.change_configuration("HeartbeatInterval", "5")
    texts = cfg.get_object("DefaultPriceText")
    assert texts is not None
    texts["priceTexts"].clear()
    assert data == FULL_CONFIG
    assert cfg.get("DefaultPriceText") == FULL_CONFIG["CostAndPrice"]["DefaultPriceText"]

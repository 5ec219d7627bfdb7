from __future__ import annotations

import json
from typing import Any

from ocpp_core.config import KEYS, ConfigRegistry
from tests.ocpp_core.config import CONTROL_API_EXAMPLE, FULL_CONFIG, example, full


def _keys(entries) -> list[str]:
    return [entry["key"] for entry in entries]


def _by_key(entries) -> dict[str, dict[str, Any]]:
    return {entry["key"]: entry for entry in entries}


def test_it_reports_keys_by_any_case_with_the_canonical_spelling():
    cfg = ConfigRegistry.from_json(CONTROL_API_EXAMPLE)
    known, unknown = cfg.get_configuration(["heartbeatINTERVAL", "SUPPORTEDFEATUREPROFILES"])
    assert known == [
        {"key": "HeartbeatInterval", "readonly": False, "value": "60"},
        {
            "key": "SupportedFeatureProfiles",
            "readonly": True,
            "value": "Core,FirmwareManagement,LocalAuthListManagement,Reservation,SmartCharging,RemoteTrigger",
        },
    ]
    assert unknown == []


def test_it_lists_unknown_keys_as_asked():
    cfg = ConfigRegistry.from_json(CONTROL_API_EXAMPLE)
    known, unknown = cfg.get_configuration(["NoSuchKey", "HeartbeatInterval", "Another"])
    assert _keys(known) == ["HeartbeatInterval"]
    assert unknown == ["NoSuchKey", "Another"]


def test_it_reports_a_key_asked_twice_once():
    cfg = ConfigRegistry.from_json(CONTROL_API_EXAMPLE)
    known, unknown = cfg.get_configuration(["HeartbeatInterval", "heartbeatinterval", "x", "X"])
    assert _keys(known) == ["HeartbeatInterval"]
    assert unknown == ["x"]


def test_it_reports_values_as_strings():
    cfg = ConfigRegistry.from_json(FULL_CONFIG)
    known, _ = cfg.get_configuration(
        [
            "LocalPreAuthorize",
            "UseTPM",
            "ConnectorPhaseRotation",
            "SupportedCiphers13",
            "SupplyVoltage",
            "DefaultPrice",
            "CompositeScheduleDefaultLimitAmps",
        ]
    )
    values = {entry["key"]: entry["value"] for entry in known}
    assert values["LocalPreAuthorize"] == "true"
    assert values["UseTPM"] == "false"
    assert values["ConnectorPhaseRotation"] == "0.RST,1.RST,2.RTS"
    assert values["SupportedCiphers13"] == "TLS_AES_256_GCM_SHA384,TLS_AES_128_GCM_SHA256"
    assert values["SupplyVoltage"] == "230.5"
    assert values["CompositeScheduleDefaultLimitAmps"] == "48"
    assert json.loads(values["DefaultPrice"]) == FULL_CONFIG["CostAndPrice"]["DefaultPrice"]
    assert all(isinstance(value, str) for value in values.values())


def test_it_reports_every_visible_key_when_none_are_asked():
    cfg = ConfigRegistry.from_json(FULL_CONFIG)
    no_keys: tuple[list[str] | None, ...] = (None, [])
    for keys in no_keys:
        known, unknown = cfg.get_configuration(keys)
        assert unknown == []
        names = _keys(known)
        assert len(names) == len(set(names))
        assert {"ChargePointId", "IFace", "UseTPM", "LogRotation", "TLSKeylogFile", "EnableTLSKeylog"} <= set(names)
        assert {
            "ISO15118PnCEnabled",
            "DefaultPrice",
            "ExampleConfigurationKey",
            "ReserveConnectorZeroSupported",
        } <= set(names)
        assert "AuthorizationKey" not in names


def test_it_reports_readonly_flags_from_the_access_of_each_key():
    entries = _by_key(ConfigRegistry.from_json(FULL_CONFIG).get_configuration(None)[0])
    assert entries["NumberOfConnectors"]["readonly"] is True
    assert entries["SupportedFeatureProfiles"]["readonly"] is True
    assert entries["MeterValueSampleInterval"]["readonly"] is False
    # Where libocpp reports otherwise, the schema's access wins.
    assert entries["RetryBackoffWaitMinimum"]["readonly"] is False
    assert entries["VerifyCsmsAllowWildcards"]["readonly"] is False
    assert entries["Language"]["readonly"] is False
    assert entries["ExampleConfigurationKey"]["readonly"] is False


def test_it_never_reports_the_authorization_key_value():
    cfg = ConfigRegistry.from_json(FULL_CONFIG)
    known, unknown = cfg.get_configuration(["authorizationkey"])
    assert known == [{"key": "AuthorizationKey", "readonly": False}]
    assert unknown == []
    assert "DEADBEEF" not in json.dumps(cfg.get_configuration(None))
    # Unset, it looks the same: nothing tells whether a password is configured.
    assert ConfigRegistry.from_json(CONTROL_API_EXAMPLE).get_configuration(["AuthorizationKey"])[0] == known


def test_it_reports_an_unset_cpo_name_with_an_empty_value():
    cfg = ConfigRegistry.from_json(CONTROL_API_EXAMPLE)
    assert cfg.get_configuration(["CpoName"]) == ([{"key": "CpoName", "readonly": False, "value": ""}], [])
    assert {"key": "CpoName", "readonly": False, "value": ""} in cfg.get_configuration(None)[0]


def test_it_treats_optional_keys_absent_from_the_file_as_unknown():
    cfg = ConfigRegistry.from_json(CONTROL_API_EXAMPLE)
    known, unknown = cfg.get_configuration(["AuthorizationCacheEnabled", "WebSocketPingInterval", "ICCID"])
    assert known == []
    assert unknown == ["AuthorizationCacheEnabled", "WebSocketPingInterval", "ICCID"]
    assert "AuthorizationCacheEnabled" not in _keys(cfg.get_configuration(None)[0])


def test_it_shows_keys_of_optional_profiles_only_when_supported():
    data = full(Core={"SupportedFeatureProfiles": "Core,RemoteTrigger"})
    cfg = ConfigRegistry.from_json(data)
    names = set(_keys(cfg.get_configuration(None)[0]))
    for hidden in ("LocalAuthListEnabled", "ChargeProfileMaxStackLevel", "ReserveConnectorZeroSupported"):
        assert hidden not in names
    assert "SupportedFileTransferProtocols" not in names
    assert cfg.get_configuration(["LocalAuthListEnabled"]) == ([], ["LocalAuthListEnabled"])
    # Core, Internal and Security always; PnC, CostAndPrice and Custom because their sections exist.
    assert {"HeartbeatInterval", "ChargePointId", "SecurityProfile", "ISO15118PnCEnabled", "Language"} <= names
    assert "ExampleConfigurationKey" in names


def test_it_hides_pnc_cost_and_custom_keys_without_their_section_or_profile():
    names = set(_keys(ConfigRegistry.from_json(CONTROL_API_EXAMPLE).get_configuration(None)[0]))
    assert not names & {k.name for k in KEYS if k.section in ("PnC", "CostAndPrice")}
    names = set(
        _keys(
            ConfigRegistry.from_json(example(Core={"SupportedFeatureProfiles": "Core,PnC"})).get_configuration(None)[0]
        )
    )
    assert {"ISO15118PnCEnabled", "ContractValidationOffline", "ISO15118CertificateManagementEnabled"} <= names


def test_it_reports_default_price_texts_per_language():
    cfg = ConfigRegistry.from_json(FULL_CONFIG)
    entries = _by_key(cfg.get_configuration(None)[0])
    assert "DefaultPriceText" not in entries
    assert json.loads(entries["DefaultPriceText,en"]["value"]) == {
        "priceText": "This is the price",
        "priceTextOffline": "Offline price",
    }
    assert json.loads(entries["DefaultPriceText,nl"]["value"]) == {"priceText": "Dit is de prijs"}
    known, unknown = cfg.get_configuration(["defaultpricetext,NL", "DefaultPriceText,fr", "DefaultPriceText"])
    assert _keys(known) == ["DefaultPriceText,nl"]
    assert unknown == ["DefaultPriceText,fr", "DefaultPriceText"]


def test_it_reports_meter_public_keys_one_per_connector():
    cfg = ConfigRegistry.from_json(FULL_CONFIG)
    entries = _by_key(cfg.get_configuration(None)[0])
    assert entries["MeterPublicKey[1]"] == {"key": "MeterPublicKey[1]", "readonly": True, "value": "KEY-ONE"}
    assert entries["MeterPublicKey[2]"]["value"] == "KEY-TWO"
    assert "MeterPublicKeys" not in entries
    known, unknown = cfg.get_configuration(["meterpublickey[2]", "MeterPublicKey[3]", "MeterPublicKeys"])
    assert _keys(known) == ["MeterPublicKey[2]"]
    assert unknown == ["MeterPublicKey[3]", "MeterPublicKeys"]


def test_it_reports_keys_in_section_order():
    names = _keys(ConfigRegistry.from_json(FULL_CONFIG).get_configuration(None)[0])
    assert names.index("ChargePointId") < names.index("HeartbeatInterval") < names.index("LocalAuthListEnabled")
    assert names.index("SecurityProfile") < names.index("ISO15118PnCEnabled") < names.index("ExampleFlag")

from __future__ import annotations

import pytest

from ocpp_core.config import KEYS, Access, ConfigEntry, ConfigRegistry, ValueType
from tests.ocpp_core.config import CONTROL_API_EXAMPLE, FULL_CONFIG


def test_it_finds_keys_and_their_sections_in_any_case():
    cfg = ConfigRegistry.from_json(CONTROL_API_EXAMPLE)
    assert cfg.section_of("heartbeatinterval") == "Core"
    assert cfg.section_of("AUTHORIZATIONKEY") == "Security"
    assert cfg.definition("ChargePointID").name == "ChargePointId"
    with pytest.raises(KeyError, match="Bogus is not a known configuration key"):
        cfg.get("Bogus")
    with pytest.raises(KeyError):
        cfg.section_of("Bogus")


def test_it_refuses_a_typed_getter_of_the_wrong_type():
    cfg = ConfigRegistry.from_json(CONTROL_API_EXAMPLE)
    with pytest.raises(TypeError, match="HeartbeatInterval is of type integer, not boolean"):
        cfg.get_bool("HeartbeatInterval")
    with pytest.raises(TypeError):
        cfg.get_int("LocalPreAuthorize")
    with pytest.raises(TypeError):
        cfg.get_list("ChargePointId")
    with pytest.raises(TypeError):
        cfg.get_str("SupportedCiphers12")
    with pytest.raises(TypeError):
        cfg.get_object("HeartbeatInterval")
    with pytest.raises(TypeError):
        cfg.get_decimal("ChargePointId")


def test_it_returns_none_from_typed_getters_for_unset_keys():
    cfg = ConfigRegistry.from_json(CONTROL_API_EXAMPLE)
    assert cfg.get_int("WebSocketPingInterval") is None
    assert cfg.get_bool("AuthorizationCacheEnabled") is None
    assert cfg.get_str("HostName") is None
    assert cfg.get_list("IgnoredProfilePurposesOffline") is None
    assert cfg.get_object("DefaultPrice") is None
    assert cfg.get_decimal("MessageTimeout") is None
    assert cfg.get_decimal("HeartbeatInterval") == 60


def test_it_returns_values_of_disabled_profiles_to_the_engine():
    cfg = ConfigRegistry.from_json(
        CONTROL_API_EXAMPLE | {"Core": CONTROL_API_EXAMPLE["Core"] | {"SupportedFeatureProfiles": "Core"}}
    )
    assert cfg.get_bool("LocalAuthListEnabled") is True
    assert cfg.supported_profiles() == {"Core"}


def test_it_lists_every_key_for_the_dashboard():
    cfg = ConfigRegistry.from_json(FULL_CONFIG)
    entries = {entry.key: entry for entry in cfg.all_entries()}
    assert entries["AuthorizationKey"] == ConfigEntry(
        key="AuthorizationKey",
        section="Security",
        type=ValueType.STRING,
        access=Access.WRITE_ONLY,
        readonly=False,
        value="***",
        is_set=True,
        visible=True,
        required=False,
        reboot_required=False,
        description=entries["AuthorizationKey"].description,
    )
    assert entries["HeartbeatInterval"].value == "900" and entries["HeartbeatInterval"].required
    assert entries["CentralSystemURI"].reboot_required and entries["CentralSystemURI"].readonly
    assert entries["ExampleFlag"].value == "true" and entries["ExampleFlag"].section == "Custom"
    assert entries["DefaultPriceText"].type is ValueType.OBJECT
    assert all(entry.description for entry in entries.values())


def test_it_lists_unset_and_hidden_keys_for_the_dashboard():
    cfg = ConfigRegistry.from_json(CONTROL_API_EXAMPLE)
    entries = {entry.key: entry for entry in cfg.all_entries()}
    assert (entries["AuthorizationKey"].value, entries["AuthorizationKey"].is_set) == (None, False)
    assert entries["AuthorizationCacheEnabled"].visible is False
    assert entries["ISO15118PnCEnabled"].visible is False
    assert entries["CpoName"].visible is True
    assert len(entries) == len(KEYS)

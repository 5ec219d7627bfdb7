"""The payload classes, the enums and the ACTIONS registry."""

from __future__ import annotations

import dataclasses
import importlib
from datetime import UTC, datetime
from enum import StrEnum

import pytest

from ocpp_core import datatypes, enums, messages, wire
from ocpp_core.enums import (
    Action,
    ExtendedMessageTrigger,
    FeatureProfile,
    FirmwareStatus,
    MessageTrigger,
    SignedFirmwareStatus,
    UnitOfMeasure,
)
from ocpp_core.messages import ACTIONS, ActionSpec, BootNotificationRequest, HeartbeatResponse, Sender

PROFILE_MODULES = ["core", "firmware", "local_auth", "reservation", "smart_charging", "remote_trigger", "security"]

# From the specification's tables (ocpp16-spec.md 1.1 and 2.4).
CHARGE_POINT_SENDS = {
    "Authorize",
    "BootNotification",
    "DiagnosticsStatusNotification",
    "FirmwareStatusNotification",
    "Heartbeat",
    "MeterValues",
    "StartTransaction",
    "StatusNotification",
    "StopTransaction",
    "LogStatusNotification",
    "SecurityEventNotification",
    "SignCertificate",
    "SignedFirmwareStatusNotification",
}
PROFILES = {
    FeatureProfile.CORE: 16,
    FeatureProfile.FIRMWARE_MANAGEMENT: 4,
    FeatureProfile.LOCAL_AUTH_LIST_MANAGEMENT: 2,
    FeatureProfile.RESERVATION: 2,
    FeatureProfile.SMART_CHARGING: 3,
    FeatureProfile.REMOTE_TRIGGER: 1,
    FeatureProfile.SECURITY: 11,
}
MODULE_OF_PROFILE = {
    FeatureProfile.CORE: "core",
    FeatureProfile.FIRMWARE_MANAGEMENT: "firmware",
    FeatureProfile.LOCAL_AUTH_LIST_MANAGEMENT: "local_auth",
    FeatureProfile.RESERVATION: "reservation",
    FeatureProfile.SMART_CHARGING: "smart_charging",
    FeatureProfile.REMOTE_TRIGGER: "remote_trigger",
    FeatureProfile.SECURITY: "security",
}


def test_it_registers_the_39_actions():
    assert len(ACTIONS) == 39
    assert set(ACTIONS) == set(Action)
    for name, spec in ACTIONS.items():
        assert isinstance(spec, ActionSpec)
        assert spec.action == name and spec.action is Action(name)


def test_it_is_read_only():
    with pytest.raises(TypeError):
        ACTIONS["Heartbeat"] = ACTIONS["Authorize"]  # type: ignore[index]


def test_it_groups_actions_by_feature_profile():
    counts = dict.fromkeys(FeatureProfile, 0)
    for spec in ACTIONS.values():
        counts[spec.profile] += 1
        assert spec.request.__module__ == f"ocpp_core.messages.{MODULE_OF_PROFILE[spec.profile]}"
    assert counts == PROFILES


def test_it_knows_who_sends_each_request():
    for name, spec in ACTIONS.items():
        if name == "DataTransfer":
            assert spec.sender is Sender.BOTH
        elif name in CHARGE_POINT_SENDS:
            assert spec.sender is Sender.CHARGE_POINT, name
        else:
            assert spec.sender is Sender.CENTRAL_SYSTEM, name


def test_it_names_the_classes_after_the_action():
    for name, spec in ACTIONS.items():
        assert spec.request.__name__ == f"{name}Request"
        assert spec.response.__name__ == f"{name}Response"
        assert spec.payload_class("request") is spec.request
        assert spec.payload_class("response") is spec.response


def all_dataclasses():
    classes = {spec.payload_class(kind) for spec in ACTIONS.values() for kind in ("request", "response")}
    markers = {datatypes.MaxLen, datatypes.MinItems, datatypes.MultipleOf, datatypes.Format}
    classes |= {
        value
        for value in vars(datatypes).values()
        if isinstance(value, type) and dataclasses.is_dataclass(value) and value not in markers
    }
    return sorted(classes, key=lambda cls: cls.__name__)


@pytest.mark.parametrize("cls", all_dataclasses(), ids=lambda cls: cls.__name__)
def test_it_defines_frozen_slotted_keyword_only_dataclasses(cls):
    assert "__dataclass_fields__" in vars(cls)
    params = vars(cls)["__dataclass_params__"]
    assert params.frozen
    assert "__slots__" in vars(cls)
    assert all(field.kw_only for field in dataclasses.fields(cls))
    for field in dataclasses.fields(cls):
        assert field.default in (dataclasses.MISSING, None), f"{cls.__name__}.{field.name}"


def test_it_defaults_optional_fields_to_none_and_requires_the_others():
    request = BootNotificationRequest(charge_point_vendor="Acme", charge_point_model="One")
    assert request.firmware_version is None
    with pytest.raises(TypeError):
        BootNotificationRequest(charge_point_vendor="Acme")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        BootNotificationRequest("Acme", "One")  # type: ignore[call-arg]
    response = HeartbeatResponse(current_time=datetime(2024, 1, 1, tzinfo=UTC))
    with pytest.raises(dataclasses.FrozenInstanceError):
        response.current_time = datetime(2025, 1, 1, tzinfo=UTC)  # type: ignore[misc]


def test_it_exports_every_payload_class_and_the_registry():
    expected = {cls.__name__ for spec in ACTIONS.values() for cls in (spec.request, spec.response)}
    assert set(messages.__all__) == expected | {"ACTIONS", "ActionSpec", "Kind", "Sender"}
    for name in messages.__all__:
        assert hasattr(messages, name)
    exported = set()
    for module_name in PROFILE_MODULES:
        module = importlib.import_module(f"ocpp_core.messages.{module_name}")
        exported |= set(module.__all__)
        for name in module.__all__:
            assert getattr(messages, name) is getattr(module, name)
    assert exported == expected


@pytest.mark.parametrize("module", [enums, datatypes, wire], ids=lambda module: module.__name__)
def test_it_exports_what_each_module_lists(module):
    for name in module.__all__:
        assert hasattr(module, name), name


def test_it_values_enums_with_wire_strings():
    for value in vars(enums).values():
        if isinstance(value, type) and issubclass(value, StrEnum) and value is not StrEnum:
            assert value.__name__ in enums.__all__
            for member in value:
                assert member == member.value and str(member) == member.value


def test_it_follows_the_official_units():
    assert UnitOfMeasure("Celsius") is UnitOfMeasure.CELSIUS
    assert UnitOfMeasure("Celcius") is UnitOfMeasure.CELCIUS
    assert len({UnitOfMeasure.CELCIUS, UnitOfMeasure.CELSIUS}) == 2
    assert "Hertz" not in {unit.value for unit in UnitOfMeasure}
    assert len(UnitOfMeasure) == 17


def test_it_keeps_same_named_enumerations_with_different_values_apart():
    assert set(SignedFirmwareStatus) > {SignedFirmwareStatus(status.value) for status in FirmwareStatus}
    assert "DiagnosticsStatusNotification" in {trigger.value for trigger in MessageTrigger}
    assert "DiagnosticsStatusNotification" not in {trigger.value for trigger in ExtendedMessageTrigger}
    assert ExtendedMessageTrigger("SignChargePointCertificate").value == "SignChargePointCertificate"


def test_it_names_the_feature_profiles_as_supported_feature_profiles_does():
    assert [profile.value for profile in FeatureProfile] == [
        "Core",
        "FirmwareManagement",
        "LocalAuthListManagement",
        "Reservation",
        "SmartCharging",
        "RemoteTrigger",
        "Security",
    ]

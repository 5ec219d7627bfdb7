"""The wire form: the explicit name map, to_wire / from_wire, and round trips of every action."""

from __future__ import annotations

import re
from dataclasses import dataclass, is_dataclass
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Annotated

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from ocpp_core import rpc
from ocpp_core.datatypes import (
    ChargingSchedule,
    ChargingSchedulePeriod,
    IdTagInfo,
    KeyValue,
    MaxLen,
    MeterValue,
    SampledValue,
)
from ocpp_core.enums import (
    AuthorizationStatus,
    ChargingRateUnitType,
    GetCompositeScheduleStatus,
    Measurand,
    UnitOfMeasure,
)
from ocpp_core.errors import PropertyConstraintViolation, TypeConstraintViolation
from ocpp_core.messages import (
    ACTIONS,
    GetCompositeScheduleResponse,
    GetConfigurationRequest,
    GetConfigurationResponse,
    MeterValuesRequest,
    StartTransactionResponse,
)
from ocpp_core.timeutil import parse_datetime
from ocpp_core.validation import dump, load
from ocpp_core.wire import PYTHON_NAMES, WIRE_NAMES, FieldSpec, WireValueError, fields_of, from_wire, to_wire
from tests.ocpp_core.test_schema_equivalence import ALL, FAST, IDS, inline_refs, official_payloads, official_schema

# --- the name map --------------------------------------------------------------------------------------


def official_property_names():
    names = set()

    def walk(node):
        if isinstance(node, dict):
            for name, sub in node.get("properties", {}).items():
                names.add(name)
                walk(sub)
            walk(node.get("items"))

    for action, kind in ALL:
        walk(inline_refs(official_schema(action, kind)))
    return names


def payload_classes():
    """Every request/response class and every dataclass nested in one."""
    found = set()
    todo = [spec.payload_class(kind) for spec in ACTIONS.values() for kind in ("request", "response")]
    while todo:
        cls = todo.pop()
        found.add(cls)
        for field in fields_of(cls):
            base = field.type.item.base if field.type.item else field.type.base
            if is_dataclass(base) and base not in found:
                todo.append(base)
    return found


def test_it_round_trips_every_official_property_name_through_the_map():
    names = official_property_names()
    assert len(names) == 96
    for name in names:
        assert WIRE_NAMES[PYTHON_NAMES[name]] == name
    assert set(PYTHON_NAMES) == names


def test_it_maps_names_one_to_one_and_snake_case_to_camel_case():
    assert len(PYTHON_NAMES) == len(WIRE_NAMES)
    for name, wire_name in WIRE_NAMES.items():
        assert re.fullmatch(r"[a-z]+(_[a-z]+)*", name)
        # The table was generated with this rule and is checked against it; it is never applied at run time.
        assert re.sub(r"_([a-z])", lambda m: m.group(1).upper(), name) == wire_name


def test_it_has_a_wire_name_for_every_field_of_every_payload_class():
    classes = payload_classes()
    assert len(classes) == 78 + 12
    used = {field.name for cls in classes for field in fields_of(cls)}
    assert used == set(WIRE_NAMES)


def test_it_refuses_classes_that_are_not_payload_dataclasses():
    with pytest.raises(TypeError, match="is not a payload dataclass"):
        fields_of(int)


@dataclass(frozen=True, slots=True, kw_only=True)
class UnknownName:
    colour: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ListField:
    key: list[str]


@dataclass(frozen=True, slots=True, kw_only=True)
class PairField:
    key: tuple[str, int]


@dataclass(frozen=True, slots=True, kw_only=True)
class UnionField:
    key: str | int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class FloatField:
    key: Annotated[float, MaxLen(3)]


def test_it_refuses_a_field_without_a_wire_name():
    with pytest.raises(TypeError, match="UnknownName.colour has no entry in WIRE_NAMES"):
        fields_of(UnknownName)


@pytest.mark.parametrize("cls", [ListField, PairField, UnionField, FloatField])
def test_it_refuses_annotations_that_have_no_wire_form(cls):
    with pytest.raises(TypeError, match=f"{cls.__name__}.key: .* is not a supported payload type"):
        fields_of(cls)


def test_it_describes_fields_with_their_constraints():
    key, readonly, value = fields_of(KeyValue)
    assert (key.name, key.wire_name, key.required, key.type.base, key.type.markers) == (
        "key",
        "key",
        True,
        str,
        (MaxLen(50),),
    )
    assert readonly.type.base is bool
    assert not value.required
    assert isinstance(value, FieldSpec)


# --- to_wire / from_wire -------------------------------------------------------------------------------

WHEN = datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)


def test_it_writes_camel_case_and_omits_none():
    response = StartTransactionResponse(id_tag_info=IdTagInfo(status=AuthorizationStatus.ACCEPTED), transaction_id=5)
    assert to_wire(response) == {"idTagInfo": {"status": "Accepted"}, "transactionId": 5}


def test_it_writes_enums_date_times_decimals_tuples_and_nested_objects():
    request = MeterValuesRequest(
        connector_id=1,
        meter_value=(
            MeterValue(
                timestamp=WHEN.astimezone(timezone(timedelta(hours=2))),
                sampled_value=(SampledValue(value="12.5", measurand=Measurand.SOC, unit=UnitOfMeasure.PERCENT),),
            ),
        ),
    )
    payload = to_wire(request)
    assert payload == {
        "connectorId": 1,
        "meterValue": [
            {
                "timestamp": "2024-05-06T07:08:09.123Z",
                "sampledValue": [{"value": "12.5", "measurand": "SoC", "unit": "Percent"}],
            }
        ],
    }
    assert type(payload["meterValue"][0]["sampledValue"][0]["unit"]) is str
    schedule = to_wire(
        ChargingSchedule(
            charging_rate_unit=ChargingRateUnitType.A,
            charging_schedule_period=(ChargingSchedulePeriod(start_period=0, limit=Decimal("6.0")),),
        )
    )
    assert schedule["chargingSchedulePeriod"][0]["limit"] == Decimal("6.0")
    assert type(schedule["chargingSchedulePeriod"][0]["limit"]) is Decimal


def test_it_writes_empty_tuples_as_empty_lists():
    assert to_wire(GetConfigurationRequest(key=())) == {"key": []}
    assert to_wire(GetConfigurationRequest()) == {}


def test_it_passes_values_of_the_wrong_python_type_through_for_the_validator():
    odd = GetConfigurationResponse(configuration_key="k", unknown_key=7)  # type: ignore[arg-type]
    assert to_wire(odd) == {"configurationKey": "k", "unknownKey": 7}
    assert to_wire(IdTagInfo(status="Accepted", expiry_date="tomorrow")) == {  # type: ignore[arg-type]
        "expiryDate": "tomorrow",
        "status": "Accepted",
    }


def test_it_reads_a_validated_payload_back():
    payload = {
        "status": "Accepted",
        "connectorId": 2,
        "scheduleStart": "2024-05-06T09:08:09.123456+02:00",
        "chargingSchedule": {
            "chargingRateUnit": "W",
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 11000}, {"startPeriod": 60, "limit": 0.5}],
            "minChargingRate": Decimal("1.5"),
        },
    }
    response = from_wire(GetCompositeScheduleResponse, payload)
    assert response == GetCompositeScheduleResponse(
        status=GetCompositeScheduleStatus.ACCEPTED,
        connector_id=2,
        schedule_start=WHEN,
        charging_schedule=ChargingSchedule(
            charging_rate_unit=ChargingRateUnitType.W,
            charging_schedule_period=(
                ChargingSchedulePeriod(start_period=0, limit=Decimal(11000)),
                ChargingSchedulePeriod(start_period=60, limit=Decimal("0.5")),
            ),
            min_charging_rate=Decimal("1.5"),
        ),
    )
    assert response.status is GetCompositeScheduleStatus.ACCEPTED
    assert response.schedule_start is not None and response.schedule_start.tzinfo is UTC
    assert response.charging_schedule is not None
    periods = response.charging_schedule.charging_schedule_period
    assert [type(period.limit) for period in periods] == [Decimal, Decimal]
    assert str(periods[1].limit) == "0.5"


def test_it_reads_lists_as_tuples():
    response = from_wire(GetConfigurationResponse, {"configurationKey": [{"key": "K", "readonly": True}]})
    assert response.configuration_key == (KeyValue(key="K", readonly=True),)
    assert response.unknown_key is None


def test_it_names_the_path_of_a_date_time_python_cannot_hold():
    payload = {
        "connectorId": 1,
        "meterValue": [
            {"timestamp": "2024-01-01T00:00:00Z", "sampledValue": [{"value": "1"}]},
            {"timestamp": "9999-12-31T23:00:00-05:00", "sampledValue": [{"value": "2"}]},
        ],
    }
    with pytest.raises(WireValueError) as info:
        from_wire(MeterValuesRequest, payload)
    assert info.value.path == ("meterValue", 1, "timestamp")
    assert info.value.field == "meterValue[1].timestamp"
    assert str(info.value) == (
        "meterValue[1].timestamp: '9999-12-31T23:00:00-05:00' is not a date-time of the years 1..9999 in UTC"
    )
    with pytest.raises(TypeConstraintViolation, match=r"meterValue\[1\]\.timestamp"):
        load("MeterValues", "request", payload)


# --- round trips of generated payloads -----------------------------------------------------------------


def assert_same_payload(original, written):
    """Equal, except that date-times are written in UTC with millisecond precision."""
    if isinstance(original, dict):
        assert isinstance(written, dict) and set(original) == set(written)
        for key in original:
            assert_same_payload(original[key], written[key])
    elif isinstance(original, list):
        assert isinstance(written, list) and len(original) == len(written)
        for one, other in zip(original, written, strict=True):
            assert_same_payload(one, other)
    elif isinstance(original, str) and original != written:
        before, after = parse_datetime(original), parse_datetime(written)
        assert after == before.replace(microsecond=before.microsecond // 1000 * 1000)
    else:
        assert original == written and type(original) is type(written)


def strings(value):
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        for item in value:
            yield from strings(item)
    elif isinstance(value, str):
        yield value


def test_it_writes_years_before_1000_with_four_digits():
    assert to_wire(IdTagInfo(status=AuthorizationStatus.ACCEPTED, expiry_date=datetime(132, 2, 5, tzinfo=UTC))) == {
        "status": "Accepted",
        "expiryDate": "0132-02-05T00:00:00.000Z",
    }


@pytest.mark.parametrize(("action", "kind"), ALL, ids=IDS)
@FAST
@given(data=st.data())
def test_it_round_trips_generated_payloads_of_every_action(action, kind, data):
    generated = data.draw(official_payloads(action, kind))
    frame = rpc.Call(unique_id="1", action=action, payload=generated)
    parsed = rpc.parse(rpc.serialize(frame))  # numbers as our framing reads them
    assert isinstance(parsed, rpc.Call)
    payload = parsed.payload
    try:
        obj = load(action, kind, payload)
    except PropertyConstraintViolation as exc:
        # hypothesis-jsonschema accepts floats like 52.400000000000006 as multiples of 0.1; JSON text does not.
        assume(exc.details["rule"] != "multipleOf")
        raise
    except TypeConstraintViolation as exc:
        assume(exc.details["rule"] != "format")  # a valid date-time whose year Python cannot hold in UTC
        raise
    assert isinstance(obj, ACTIONS[action].payload_class(kind))
    written = dump(obj)
    assert_same_payload(payload, written)
    assert load(action, kind, written) == from_wire(type(obj), written)
    assert dump(load(action, kind, written)) == written

"""Validation accepts and rejects exactly what the official schemas do, with the right CALLERROR codes.

The differential test generates payloads from each official schema (hypothesis-jsonschema), mutates
some of them in the ways peers get payloads wrong, sends them through our framing (so numbers arrive
as ``int`` or ``Decimal``, as in production) and compares our :func:`validate` with the oracle
``jsonschema.Draft4Validator(official, format_checker=FormatChecker())``. The oracle's one change:
``multipleOf`` uses exact rational arithmetic, as JSON Schema defines it on numbers (jsonschema's float
division would call ``0.3`` not a multiple of ``0.1``, and cannot divide a ``Decimal`` by a float).
``date-time`` is checked by ``rfc3339-validator`` on the oracle's side. Both the generator and the
oracle use the official set of units, without the ``Hertz`` the ``ocpp`` package adds.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

import fastjsonschema
import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st
from jsonschema import Draft4Validator, FormatChecker

from ocpp_core import rpc
from ocpp_core.datatypes import ChargingProfile, ChargingSchedule, ChargingSchedulePeriod, IdTagInfo
from ocpp_core.enums import (
    AuthorizationStatus,
    ChargingProfileKindType,
    ChargingProfilePurposeType,
    ChargingRateUnitType,
    RegistrationStatus,
)
from ocpp_core.errors import (
    ActionNotImplemented,
    FormationViolation,
    LocalProtocolError,
    OccurenceConstraintViolation,
    PropertyConstraintViolation,
    TypeConstraintViolation,
)
from ocpp_core.messages import (
    AuthorizeRequest,
    AuthorizeResponse,
    BootNotificationResponse,
    HeartbeatRequest,
    SetChargingProfileRequest,
)
from ocpp_core.validation import (
    _from_fastjsonschema,
    dump,
    is_date_time,
    is_multiple_of,
    is_uri,
    load,
    load_as,
    validate,
)
from tests.ocpp_core.test_schema_equivalence import ALL, FAST, IDS, inline_refs, official_payloads, reference_schema

# --- the oracle ----------------------------------------------------------------------------------------


def _exact_multiple_of(validator, step, instance, schema):
    if validator.is_type(instance, "number") and Fraction(instance) % Fraction(repr(step)) != 0:
        yield jsonschema.ValidationError(f"{instance!r} is not a multiple of {step}")


_Oracle = jsonschema.validators.extend(Draft4Validator, {"multipleOf": _exact_multiple_of})


def oracle(action, kind):
    return _Oracle(reference_schema(action, kind), format_checker=FormatChecker())


def accepted(action, kind, payload):
    """Our verdict: None if accepted, else the exception class."""
    try:
        validate(action, kind, payload)
    except Exception as exc:
        return type(exc)
    return None


def over_the_wire(action, kind, payload):
    """The payload as our framing hands it over: JSON text parsed back (non-integers as Decimal)."""
    frame: rpc.Frame
    if kind == "request":
        frame = rpc.Call(unique_id="1", action=action, payload=payload)
    else:
        frame = rpc.CallResult(unique_id="1", payload=payload)
    return payload_of(rpc.serialize(frame))


def payload_of(text):
    frame = rpc.parse(text)
    assert isinstance(frame, rpc.Call | rpc.CallResult)
    return frame.payload


# --- mutations -----------------------------------------------------------------------------------------

BAD_DATE_TIMES = [
    "yesterday",
    "",
    "2020-13-01T00:00:00Z",
    "2021-02-29T00:00:00Z",
    "2020-04-31T00:00:00Z",
    "2020-01-01 00:00:00Z",
    "2020-01-01T24:00:00Z",
    "2020-01-01T00:60:00Z",
    "2020-01-01T00:00:60Z",
    "2020-01-01T00:00:00",
    "0000-01-01T00:00:00Z",
    "2020-01-01T00:00:00+0100",
    "2020-01-01T00:00:00+24:00",
    "2020-1-01T00:00:00Z",
    "2020-01-01T00:00:00.Z",
    "٢٠٢٠-01-01T00:00:00Z",
]
ODD_GOOD_DATE_TIMES = ["2020-02-29T23:59:59.123456789+23:59", "2020-01-01t00:00:00z", "0001-01-01T00:00:00-00:00"]
OTHER_TYPES = ["text", 7, Decimal("7.5"), True, None, [], {}]
_JSON_TYPES = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | Decimal) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
}


def sites(schema, value, path=()):
    """(path, subschema, value) for every value in the payload, outermost first."""
    yield path, schema, value
    if schema.get("type") == "object" and isinstance(value, dict):
        for name, item in value.items():
            if name in schema.get("properties", {}):
                yield from sites(schema["properties"][name], item, (*path, name))
    elif schema.get("type") == "array" and isinstance(value, list):
        for index, item in enumerate(value):
            yield from sites(schema["items"], item, (*path, index))


def replaced(payload, path, new):
    """A copy of ``payload`` with the value at ``path`` replaced (``_DROP``: removed)."""
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(payload, dict):
        new_object = dict(payload)
        if rest or new is not _DROP:
            new_object[head] = replaced(payload[head], rest, new)
        else:
            del new_object[head]
        return new_object
    new_array = list(payload)
    new_array[head] = replaced(payload[head], rest, new)
    return new_array


_DROP = object()


def mutations(schema, payload):
    """Every (name, mutated payload, expected error class or None) applicable to ``payload``."""
    found: list[tuple[str, Any, type[Exception] | None]] = []
    for path, sub, value in sites(schema, payload):
        kind = sub.get("type")
        if kind == "object":
            for name in sub.get("required", []):
                if name in value:
                    found.append(
                        ("drop required", replaced(payload, (*path, name), _DROP), OccurenceConstraintViolation)
                    )
            extra = dict(value, unknownProperty=1)
            found.append(("unknown property", replaced(payload, path, extra), FormationViolation))
        if path:
            for other in OTHER_TYPES:
                if not _JSON_TYPES[kind](other):
                    found.append(("wrong type", replaced(payload, path, other), TypeConstraintViolation))
        if "maxLength" in sub:
            too_long = "x" * (sub["maxLength"] + 1)
            found.append(("too long", replaced(payload, path, too_long), TypeConstraintViolation))
            found.append(("longest", replaced(payload, path, "x" * sub["maxLength"]), None))
        if sub.get("format") == "date-time":
            found.extend(
                ("bad date-time", replaced(payload, path, bad), TypeConstraintViolation) for bad in BAD_DATE_TIMES
            )
            found.extend(("odd date-time", replaced(payload, path, good), None) for good in ODD_GOOD_DATE_TIMES)
        if "enum" in sub:
            for bad in ("NotAValue", value.lower(), value.upper(), f" {value}"):
                if bad not in sub["enum"]:
                    found.append(("bad enum", replaced(payload, path, bad), PropertyConstraintViolation))
        if "multipleOf" in sub:
            for bad in (Decimal("0.35"), Decimal("16.05"), Decimal("-0.01")):
                found.append(("not a multiple", replaced(payload, path, bad), PropertyConstraintViolation))
            for good in (Decimal("0.3"), Decimal("-16.1"), 32, Decimal("1E+3")):
                found.append(("a multiple", replaced(payload, path, good), None))
        if sub.get("minItems"):
            found.append(("too few items", replaced(payload, path, []), OccurenceConstraintViolation))
    return found


@pytest.mark.parametrize(("action", "kind"), ALL, ids=IDS)
@FAST
@given(data=st.data())
def test_it_accepts_exactly_what_the_official_schema_accepts(action, kind, data):
    generated = data.draw(official_payloads(action, kind), label="generated")
    schema = inline_refs(reference_schema(action, kind))
    choices = [("unchanged", generated, None), *mutations(schema, generated)]
    name, mutated, expected = data.draw(st.sampled_from(choices), label="mutation")
    payload = over_the_wire(action, kind, mutated)

    official_ok = oracle(action, kind).is_valid(payload)
    ours = accepted(action, kind, payload)
    assert (ours is None) == official_ok, f"{name}: ours={ours}, official={official_ok}: {payload!r}"
    if ours is not None and expected is not None:
        assert ours is expected, name


# --- error codes, with concrete payloads ---------------------------------------------------------------


def set_charging_profile(limit=Decimal("16.0"), **schedule):
    return {
        "connectorId": 1,
        "csChargingProfiles": {
            "chargingProfileId": 7,
            "stackLevel": 0,
            "chargingProfilePurpose": "TxDefaultProfile",
            "chargingProfileKind": "Absolute",
            "chargingSchedule": {
                "chargingRateUnit": "A",
                "chargingSchedulePeriod": [{"startPeriod": 0, "limit": limit}],
                **schedule,
            },
        },
    }


LIMIT = "csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0].limit"


def raises(code, action, kind, payload):
    with pytest.raises(code) as info:
        validate(action, kind, payload)
    return info.value


def test_it_accepts_a_valid_payload():
    validate("SetChargingProfile", "request", set_charging_profile())


def test_it_reports_an_unknown_property_as_formation_violation():
    payload = {"idTag": "ABC", "color": "red"}
    error = raises(FormationViolation, "Authorize", "request", payload)
    assert error.description == "Authorize request: color: property is not defined by the schema [additionalProperties]"
    assert error.details == {"field": "color", "rule": "additionalProperties"}


def test_it_reports_an_unknown_nested_property_with_its_path():
    payload = set_charging_profile()
    payload["csChargingProfiles"]["chargingSchedule"]["chargingSchedulePeriod"][0]["max"] = 1
    error = raises(FormationViolation, "SetChargingProfile", "request", payload)
    assert "csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0].max:" in error.description


@pytest.mark.parametrize("payload", [[], "text", None, 3])
def test_it_reports_a_payload_that_is_not_an_object_as_type_constraint_violation(payload):
    error = raises(TypeConstraintViolation, "Heartbeat", "request", payload)
    assert error.details == {"field": "<payload>", "rule": "type"}


@pytest.mark.parametrize("value", ["1", Decimal("1.0"), True, None, 1.5])
def test_it_reports_a_wrong_json_type_as_type_constraint_violation(value):
    error = raises(TypeConstraintViolation, "UnlockConnector", "request", {"connectorId": value})
    assert error.description.startswith("UnlockConnector request: connectorId: ")
    assert error.description.endswith("is not of type integer [type]")


def test_it_reports_an_overlong_cistring_as_type_constraint_violation():
    error = raises(TypeConstraintViolation, "Authorize", "request", {"idTag": "x" * 21})
    assert error.description == "Authorize request: idTag: 21 characters exceed maxLength 20 [maxLength]"
    validate("Authorize", "request", {"idTag": "x" * 20})


def test_it_reports_a_bad_date_time_as_type_constraint_violation():
    payload = {"status": "Accepted", "currentTime": "yesterday", "interval": 300}
    error = raises(TypeConstraintViolation, "BootNotification", "response", payload)
    assert error.description == "BootNotification response: currentTime: 'yesterday' is not a valid date-time [format]"


def test_it_reports_a_bad_uri_as_type_constraint_violation():
    payload = {"location": "not a uri", "retrieveDate": "2024-01-01T00:00:00Z"}
    error = raises(TypeConstraintViolation, "UpdateFirmware", "request", payload)
    assert "location: 'not a uri' is not a valid uri [format]" in error.description


def test_it_reports_a_value_outside_the_enum_as_property_constraint_violation():
    error = raises(PropertyConstraintViolation, "Reset", "request", {"type": "Medium"})
    assert error.description == "Reset request: type: 'Medium' is not one of Hard, Soft [enum]"


def test_it_reports_a_missing_required_property_as_occurence_constraint_violation():
    error = raises(OccurenceConstraintViolation, "BootNotification", "request", {"chargePointVendor": "V"})
    assert error.description == "BootNotification request: chargePointModel: required property is missing [required]"


def test_it_names_the_path_of_a_missing_nested_property():
    payload = set_charging_profile()
    del payload["csChargingProfiles"]["chargingSchedule"]["chargingSchedulePeriod"][0]["startPeriod"]
    error = raises(OccurenceConstraintViolation, "SetChargingProfile", "request", payload)
    assert error.details["field"] == "csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0].startPeriod"


def test_it_reports_too_few_items_as_occurence_constraint_violation():
    payload = {"connectorId": 1, "meterValue": []}
    error = raises(OccurenceConstraintViolation, "MeterValues", "request", payload)
    assert error.description == "MeterValues request: meterValue: 0 items, fewer than minItems 1 [minItems]"
    payload = {"connectorId": 1, "meterValue": [{"timestamp": "2024-01-01T00:00:00Z", "sampledValue": []}]}
    error = raises(OccurenceConstraintViolation, "MeterValues", "request", payload)
    assert error.details["field"] == "meterValue[0].sampledValue"


def test_it_allows_an_empty_sampled_value_in_stop_transaction_as_the_official_schema_does():
    payload = {
        "meterStop": 10,
        "timestamp": "2024-01-01T00:00:00Z",
        "transactionId": 1,
        "transactionData": [{"timestamp": "2024-01-01T00:00:00Z", "sampledValue": []}],
    }
    validate("StopTransaction", "request", payload)


@pytest.mark.parametrize("limit", [Decimal("0.3"), Decimal("16"), Decimal("-2.50"), 32, 0.3, Decimal("1E+30")])
def test_it_accepts_exact_multiples_of_a_tenth(limit):
    validate("SetChargingProfile", "request", set_charging_profile(limit))


@pytest.mark.parametrize("limit", [Decimal("0.35"), Decimal("0.01"), Decimal("1E-30"), 0.35, Decimal("6.000001")])
def test_it_reports_a_limit_that_is_no_multiple_of_a_tenth_as_property_constraint_violation(limit):
    error = raises(PropertyConstraintViolation, "SetChargingProfile", "request", set_charging_profile(limit))
    assert error.description == f"SetChargingProfile request: {LIMIT}: {limit} is not a multiple of 0.1 [multipleOf]"


def test_it_checks_min_charging_rate_as_a_multiple_of_a_tenth():
    payload = set_charging_profile(minChargingRate=Decimal("6.05"))
    error = raises(PropertyConstraintViolation, "SetChargingProfile", "request", payload)
    assert error.details["field"] == "csChargingProfiles.chargingSchedule.minChargingRate"
    validate("SetChargingProfile", "request", set_charging_profile(minChargingRate=Decimal("6.1")))


def test_it_reads_decimal_limits_from_frames_exactly():
    text = (
        '[2,"1","SetChargingProfile",{"connectorId":1,"csChargingProfiles":{"chargingProfileId":1,"stackLevel":0,'
        '"chargingProfilePurpose":"TxProfile","chargingProfileKind":"Relative","chargingSchedule":'
        '{"chargingRateUnit":"W","chargingSchedulePeriod":[{"startPeriod":0,"limit":LIMIT}]}}}]'
    )
    validate("SetChargingProfile", "request", payload_of(text.replace("LIMIT", "0.3")))
    with pytest.raises(PropertyConstraintViolation):
        validate("SetChargingProfile", "request", payload_of(text.replace("LIMIT", "0.35")))


def test_it_maps_other_schema_rules_to_their_codes():
    # Our schemas have no minimum/maximum (the official ones have none); the mapping is still defined.
    check = fastjsonschema.compile({"type": "object", "properties": {"n": {"type": "integer", "maximum": 3}}})
    with pytest.raises(fastjsonschema.JsonSchemaValueException) as info:
        check({"n": 4})
    error = _from_fastjsonschema(info.value, "Reset", "request")
    assert isinstance(error, PropertyConstraintViolation)
    assert error.description == "Reset request: n: 4 violates maximum [maximum]"
    info.value.rule = "dependencies"
    assert isinstance(_from_fastjsonschema(info.value, "Reset", "request"), FormationViolation)


def test_it_reports_an_unknown_action_as_not_implemented():
    with pytest.raises(ActionNotImplemented, match="'FlyToTheMoon' is not an OCPP 1.6 action"):
        validate("FlyToTheMoon", "request", {})
    with pytest.raises(ActionNotImplemented):
        load("FlyToTheMoon", "response", {})


def test_it_refuses_a_kind_that_is_neither_request_nor_response():
    with pytest.raises(ValueError, match="kind must be"):
        validate("Heartbeat", "reply", {})  # type: ignore[arg-type]


def test_it_shortens_long_values_in_messages():
    error = raises(TypeConstraintViolation, "DataTransfer", "request", {"vendorId": "v", "data": 10**100})
    assert "..." in error.description
    assert len(error.description) < 150


# --- formats -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["2024-02-29T12:00:00Z", "2024-01-01T00:00:00.5+05:30", "2024-12-31t23:59:59z"])
def test_it_accepts_rfc_3339_date_times(text):
    assert is_date_time(text)


@pytest.mark.parametrize("text", [*BAD_DATE_TIMES, "2024-01-01T00:00:00Z\n"])
def test_it_rejects_text_that_is_no_rfc_3339_date_time(text):
    assert not is_date_time(text)


@pytest.mark.parametrize("text", ["ftp://user:pw@host/dir/", "https://example.com/a?b=c#d", "urn:isbn:123", "s3:x"])
def test_it_accepts_absolute_uris(text):
    assert is_uri(text)


@pytest.mark.parametrize("text", ["", "relative/path", "http://a b", "1http://x", "http:", "http://x/<y>", "mailto:"])
def test_it_rejects_text_that_is_no_absolute_uri(text):
    assert not is_uri(text)


@pytest.mark.parametrize(
    ("value", "multiple"),
    [
        (Decimal("0.3"), True),
        (Decimal("0.35"), False),
        (Decimal("0"), True),
        (Decimal("-0.0"), True),
        (Decimal("1E+999999"), True),
        (Decimal("1E-999999"), False),
        (Decimal("0.1000000000000000000000000000000001"), False),
        (Decimal("NaN"), False),
        (Decimal("Infinity"), False),
        (7, True),
        (0.3, True),
        (0.1 + 0.2, False),
    ],
)
def test_it_decides_multiples_of_a_tenth_exactly(value, multiple):
    assert is_multiple_of(value, Decimal("0.1")) is multiple


def test_it_decides_multiples_of_other_steps():
    assert is_multiple_of(Decimal("7.5"), Decimal("2.5"))
    assert not is_multiple_of(Decimal("7.4"), Decimal("2.5"))
    assert is_multiple_of(300, Decimal("1E+2"))
    assert not is_multiple_of(350, Decimal("1E+2"))


# --- load / load_as / dump -----------------------------------------------------------------------------


def test_it_loads_a_payload_into_its_dataclass():
    request = load("SetChargingProfile", "request", set_charging_profile(Decimal("0.3")))
    assert isinstance(request, SetChargingProfileRequest)
    period = request.cs_charging_profiles.charging_schedule.charging_schedule_period[0]
    assert period == ChargingSchedulePeriod(start_period=0, limit=Decimal("0.3"))


def test_it_loads_a_payload_as_a_given_class():
    response = load_as(AuthorizeResponse, {"idTagInfo": {"status": "Blocked"}})
    assert response == AuthorizeResponse(id_tag_info=IdTagInfo(status=AuthorizationStatus.BLOCKED))
    with pytest.raises(OccurenceConstraintViolation):
        load_as(AuthorizeResponse, {})


def test_it_refuses_to_load_as_a_class_that_is_no_payload():
    with pytest.raises(LocalProtocolError, match="IdTagInfo is not an OCPP 1.6 payload class"):
        load_as(IdTagInfo, {"status": "Accepted"})


def test_it_reports_a_valid_date_time_python_cannot_hold_as_type_constraint_violation():
    payload = {"status": "Accepted", "currentTime": "0001-01-01T00:00:00+05:00", "interval": 60}
    validate("BootNotification", "response", payload)
    with pytest.raises(TypeConstraintViolation) as info:
        load("BootNotification", "response", payload)
    assert info.value.details == {"field": "currentTime", "rule": "format"}
    with pytest.raises(TypeConstraintViolation, match="currentTime"):
        load_as(BootNotificationResponse, payload)


def test_it_dumps_a_valid_dataclass():
    request = SetChargingProfileRequest(
        connector_id=0,
        cs_charging_profiles=ChargingProfile(
            charging_profile_id=1,
            stack_level=0,
            charging_profile_purpose=ChargingProfilePurposeType.CHARGE_POINT_MAX_PROFILE,
            charging_profile_kind=ChargingProfileKindType.ABSOLUTE,
            charging_schedule=ChargingSchedule(
                charging_rate_unit=ChargingRateUnitType.W,
                charging_schedule_period=(ChargingSchedulePeriod(start_period=0, limit=Decimal("11000.0")),),
            ),
        ),
    )
    payload = dump(request)
    assert payload["csChargingProfiles"]["chargingSchedule"]["chargingSchedulePeriod"] == [
        {"startPeriod": 0, "limit": Decimal("11000.0")}
    ]
    assert dump(HeartbeatRequest()) == {}


def test_it_refuses_to_dump_an_invalid_payload():
    with pytest.raises(LocalProtocolError) as info:
        dump(AuthorizeRequest(id_tag="x" * 21))
    assert str(info.value) == (
        "refusing to send an invalid payload: Authorize request: idTag: 21 characters exceed maxLength 20 [maxLength]"
    )
    assert isinstance(info.value.__cause__, TypeConstraintViolation)


@pytest.mark.parametrize(
    ("obj", "words"),
    [
        (AuthorizeRequest(id_tag=None), "idTag: required property is missing"),  # type: ignore[arg-type]
        (AuthorizeResponse(id_tag_info=IdTagInfo(status="Fine")), "idTagInfo.status: 'Fine' is not one of"),  # type: ignore[arg-type]
        (BootNotificationResponse(status=RegistrationStatus.ACCEPTED, current_time="now", interval=1), "'now'"),  # type: ignore[arg-type]
        (BootNotificationResponse(status=RegistrationStatus.ACCEPTED, current_time=1, interval=1), "of type string"),  # type: ignore[arg-type]
        (AuthorizeResponse(id_tag_info="Accepted"), "idTagInfo: 'Accepted' is not of type object"),  # type: ignore[arg-type]
    ],
)
def test_it_names_the_field_when_a_local_value_has_the_wrong_python_type(obj, words):
    with pytest.raises(LocalProtocolError, match="BootNotification|Authorize") as info:
        dump(obj)
    assert words in str(info.value)


def test_it_refuses_to_dump_an_object_that_is_no_payload():
    with pytest.raises(LocalProtocolError, match="dict is not an OCPP 1.6 payload class"):
        dump({"idTag": "x"})


def test_it_accepts_a_generated_official_payload_in_both_directions_of_data_transfer():
    validate("DataTransfer", "request", {"vendorId": "acme", "messageId": "m", "data": "{}"})
    validate("DataTransfer", "response", {"status": "UnknownVendorId"})

"""OCPP-J framing: strict parsing, CALLERROR codes for every malformed frame, serialisation."""

from __future__ import annotations

import contextlib
import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ocpp_core import rpc
from ocpp_core.errors import (
    CallErrorException,
    ErrorCode,
    FormationViolation,
    LocalProtocolError,
    ProtocolError,
    TypeConstraintViolation,
)


def test_it_parses_a_call():
    frame = rpc.parse('[2,"abc","Heartbeat",{}]')
    assert frame == rpc.Call(unique_id="abc", action="Heartbeat", payload={})


def test_it_parses_a_call_result_with_decimals():
    frame = rpc.parse('[3,"id1",{"limit":6.1,"n":3}]')
    assert isinstance(frame, rpc.CallResult)
    assert frame.payload == {"limit": Decimal("6.1"), "n": 3}
    assert type(frame.payload["n"]) is int


def test_it_parses_a_call_error_and_normalises_foreign_spellings():
    frame = rpc.parse('[4,"id1","FormatViolation","bad",{"x":1}]')
    assert isinstance(frame, rpc.CallError)
    assert frame.error_code is ErrorCode.FORMATION_VIOLATION
    assert frame.raw_code == "FormatViolation"
    assert frame.details == {"x": 1}


@pytest.mark.parametrize(
    ("spelling", "code"),
    [
        ("OccurrenceConstraintViolation", ErrorCode.OCCURENCE_CONSTRAINT_VIOLATION),
        ("OccurenceConstraintViolation", ErrorCode.OCCURENCE_CONSTRAINT_VIOLATION),
        ("RpcFrameworkError", ErrorCode.FORMATION_VIOLATION),
        ("MessageTypeNotSupported", ErrorCode.NOT_SUPPORTED),
        ("formationviolation", ErrorCode.FORMATION_VIOLATION),
        ("SomethingElse", ErrorCode.GENERIC_ERROR),
    ],
)
def test_it_accepts_every_error_code_spelling(spelling, code):
    assert ErrorCode.from_wire(spelling) is code


def test_it_accepts_a_short_call_error():
    frame = rpc.parse('[4,"id1","GenericError"]')
    assert isinstance(frame, rpc.CallError)
    assert frame.description == ""
    assert frame.details == {}


@pytest.mark.parametrize(
    ("text", "error", "unique_id"),
    [
        ("not json", FormationViolation, "-1"),
        ('{"a":1}', FormationViolation, "-1"),
        ("[]", FormationViolation, "-1"),
        ('["2","x","Heartbeat",{}]', FormationViolation, "x"),
        ('[5,"x","Heartbeat",{}]', FormationViolation, "x"),
        ("[2]", ProtocolError, "-1"),
        ('[2,7,"Heartbeat",{}]', FormationViolation, "-1"),
        ('[2,"' + "a" * 37 + '","Heartbeat",{}]', FormationViolation, "-1"),
        ('[2,"x","Heartbeat"]', ProtocolError, "x"),
        ('[2,"x","Heartbeat",{},1]', FormationViolation, "x"),
        ('[2,"x",5,{}]', FormationViolation, "x"),
        ('[2,"x","Heartbeat",null]', TypeConstraintViolation, "x"),
        ('[2,"x","Heartbeat",{"a":NaN}]', FormationViolation, "-1"),
        ('[2,"x","Heartbeat",{"a":1,"a":2}]', FormationViolation, "-1"),
        ('[3,"x"]', ProtocolError, "x"),
        ('[3,"x",[]]', TypeConstraintViolation, "x"),
        ('[4,"x"]', ProtocolError, "x"),
        ('[4,"x",1,"",{}]', FormationViolation, "x"),
        ('[4,"x","GenericError",1,{}]', FormationViolation, "x"),
        ('[4,"x","GenericError","",[]]', FormationViolation, "x"),
        ('[4,"x","GenericError","",{},1]', FormationViolation, "x"),
        ('[true,"x","Heartbeat",{}]', FormationViolation, "x"),
    ],
)
def test_it_rejects_malformed_frames_with_the_right_code(text, error, unique_id):
    with pytest.raises(error) as info:
        rpc.parse(text)
    assert info.value.unique_id == unique_id


def test_it_rejects_bytes_that_are_not_utf8():
    with pytest.raises(FormationViolation):
        rpc.parse(b"\xff\xfe")


def test_it_parses_utf8_bytes():
    assert rpc.parse(b'[2,"a","Heartbeat",{}]') == rpc.Call(unique_id="a", action="Heartbeat", payload={})


@given(st.text())
def test_it_never_crashes_on_arbitrary_text(text):
    try:
        rpc.parse(text)
    except CallErrorException as exc:
        assert exc.unique_id is not None
        reply = rpc.serialize(rpc.CallError.from_exception(exc))
        assert json.loads(reply)[0] == 4


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(), lambda c: st.lists(c) | st.dictionaries(st.text(), c)
    )
)
def test_it_never_crashes_on_arbitrary_json(value):
    with contextlib.suppress(CallErrorException):
        rpc.parse(json.dumps(value))


def test_it_builds_replies_from_the_request():
    call = rpc.Call(unique_id="u1", action="Reset", payload={"type": "Soft"})
    assert rpc.serialize(call.result({"status": "Accepted"})) == '[3,"u1",{"status":"Accepted"}]'
    error = call.error(ErrorCode.OCCURENCE_CONSTRAINT_VIOLATION, "missing type")
    assert rpc.serialize(error) == '[4,"u1","OccurenceConstraintViolation","missing type",{}]'


def test_it_serialises_decimals_as_numbers():
    text = rpc.serialize(rpc.CallResult(unique_id="u", payload={"a": Decimal("6.1"), "b": Decimal("10.0")}))
    assert text == '[3,"u",{"a":6.1,"b":10}]'


def test_it_refuses_to_serialise_unknown_types_and_bad_ids():
    with pytest.raises(TypeError):
        rpc.serialize(rpc.CallResult(unique_id="u", payload={"a": object()}))
    with pytest.raises(LocalProtocolError):
        rpc.serialize(rpc.Call(unique_id="", action="Heartbeat"))


def test_it_round_trips_frames():
    for frame in (
        rpc.Call(unique_id="1", action="Authorize", payload={"idTag": "ä"}),
        rpc.CallResult(unique_id="2", payload={}),
        rpc.CallError(unique_id="3", error_code=ErrorCode.GENERIC_ERROR, description="d", details={"k": "v"}),
    ):
        parsed = rpc.parse(rpc.serialize(frame))
        if isinstance(frame, rpc.CallError):
            assert isinstance(parsed, rpc.CallError)
            assert (parsed.unique_id, parsed.error_code, parsed.description, parsed.details) == (
                frame.unique_id,
                frame.error_code,
                frame.description,
                frame.details,
            )
        else:
            assert parsed == frame

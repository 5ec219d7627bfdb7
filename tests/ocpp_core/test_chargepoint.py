"""The sans-I/O engine: registration, gating, one CALL in flight, timeouts, retries, errors."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ocpp_core.events import (
    CallIgnored,
    ClockSync,
    ConfigurationChanged,
    MessageDropped,
    PeerProtocolViolation,
    ReconnectRequested,
    RegistrationChanged,
)
from ocpp_core.messages.core import DataTransferRequest, HeartbeatRequest, StartTransactionRequest
from ocpp_core.registration import RegState
from ocpp_core.storage import ConfigSet, QueueDelete, QueuePut
from tests.ocpp_core.helpers import T0, Harness, config


def start_request(connector: int = 1):
    return StartTransactionRequest(connector_id=connector, id_tag="TAG1", meter_start=0, timestamp=T0)


def test_it_sends_boot_notification_on_connect_with_the_configured_identity():
    h = Harness()
    (boot,) = h.connect()
    assert boot[0] == 2 and boot[2] == "BootNotification"
    assert boot[3] == {
        "chargePointVendor": "Vendor",
        "chargePointModel": "Model",
        "chargeBoxSerialNumber": "SN-0001",
        "firmwareVersion": "1.0.0",
    }


def test_it_adopts_the_interval_and_sends_heartbeats_after_acceptance():
    h = Harness()
    assert h.boot(interval=30) == []
    assert h.cp.registration.state is RegState.ACCEPTED
    assert ConfigSet(section="Core", key="HeartbeatInterval", value=30) in h.store.applied
    assert h.cp.config.get_int("HeartbeatInterval") == 30
    assert h.advance(29) == []
    (beat,) = h.advance(1)
    assert beat[2] == "Heartbeat" and beat[3] == {}
    assert h.answer(beat, {"currentTime": "2026-03-01T12:00:30Z"}) == []
    assert len(h.events_of(ClockSync)) == 2


def test_it_waits_the_interval_after_rejected_and_answers_nothing_meanwhile():
    h = Harness()
    assert h.boot(status="Rejected", interval=20) == []
    assert h.receive([2, "cs-1", "GetConfiguration", {}]) == []
    assert h.events_of(CallIgnored)[0].action == "GetConfiguration"
    assert h.cp.send(HeartbeatRequest(), h.now) is None
    assert h.advance(19) == []
    (boot,) = h.advance(1)
    assert boot[2] == "BootNotification"


def test_it_answers_configuration_but_not_remote_start_while_pending():
    h = Harness()
    assert h.boot(status="Pending", interval=40) == []
    (reply,) = h.call("GetConfiguration", {"key": ["HeartbeatInterval"]})
    assert reply[0] == 3 and reply[2]["configurationKey"][0]["key"] == "HeartbeatInterval"
    (reply,) = h.call("ChangeConfiguration", {"key": "MeterValueSampleInterval", "value": "30"}, "cs-2")
    assert reply == [3, "cs-2", {"status": "Accepted"}]
    (reply,) = h.call("RemoteStartTransaction", {"idTag": "T1"}, "cs-3")
    assert reply == [3, "cs-3", {"status": "Rejected"}]
    assert h.cp.send(HeartbeatRequest(), h.now) is None  # no own requests while pending
    (boot,) = h.advance(40)
    assert boot[2] == "BootNotification"
    h.answer(boot, {"status": "Accepted", "currentTime": "2026-03-01T12:00:40Z", "interval": 60})
    assert h.cp.registration.state is RegState.ACCEPTED


def test_it_answers_calls_before_registration_with_security_error():
    h = Harness()
    h.connect()
    (reply,) = h.call("GetConfiguration", {})
    assert reply[:3] == [4, "cs-1", "SecurityError"]


def test_it_retries_boot_after_a_timeout_and_after_a_call_error():
    h = Harness()
    h.connect()
    assert h.advance(29) == []
    assert h.advance(1) == []  # timed out: retried 60 s later
    (boot,) = h.advance(60)
    assert boot[2] == "BootNotification"
    assert h.receive([4, boot[1], "InternalError", "busy", {}]) == []
    (boot,) = h.advance(60)
    assert boot[2] == "BootNotification"


def test_it_keeps_one_call_in_flight():
    h = Harness()
    h.boot()
    h.cp.send(HeartbeatRequest(), h.now)
    h.cp.send(DataTransferRequest(vendor_id="v"), h.now)
    h.cp.tick(h.now)
    (first,) = h.flush()
    assert first[2] == "Heartbeat"
    (second,) = h.answer(first, {"currentTime": "2026-03-01T12:00:00Z"})
    assert second[2] == "DataTransfer"


def test_it_persists_transaction_messages_before_they_are_sent_and_forgets_them_when_answered():
    h = Harness()
    h.boot()
    h.cp.send(start_request(), h.now)
    h.cp.tick(h.now)
    ops = h.cp.storage_ops()
    assert isinstance(ops[0], QueuePut)
    (start,) = [json.loads(t) for t in h.cp.data_to_send()]
    assert start[2] == "StartTransaction"
    h.answer(start, {"idTagInfo": {"status": "Accepted"}, "transactionId": 7})
    assert isinstance(h.store.applied[-1], QueueDelete)
    assert h.store.snapshot().queue == ()


def test_it_retries_failed_transaction_messages_then_gives_up():
    h = Harness()
    h.boot()
    h.cp.send(start_request(), h.now)
    h.cp.tick(h.now)
    (first,) = h.flush()
    assert h.receive([4, first[1], "InternalError", "", {}]) == []
    (second,) = h.advance(10)
    assert second[1] != first[1] and second[3] == first[3]
    assert h.advance(30) == []  # timeout = 30 s
    (third,) = h.advance(20)
    h.receive([4, third[1], "GenericError", "", {}])
    assert h.store.snapshot().queue == ()
    assert [e.action for e in h.events_of(MessageDropped)] == ["StartTransaction"]


def test_it_holds_transaction_messages_offline_and_delivers_them_after_reconnect_without_a_new_boot():
    h = Harness()
    h.boot()
    h.disconnect()
    assert h.cp.send(start_request(), h.now) is not None
    assert h.cp.send(HeartbeatRequest(), h.now) is None
    h.flush()
    assert len(h.store.snapshot().queue) == 1
    (start,) = h.connect()
    assert start[2] == "StartTransaction"


def test_it_resends_a_transaction_message_interrupted_by_a_disconnect():
    h = Harness()
    h.boot()
    h.cp.send(start_request(), h.now)
    h.cp.tick(h.now)
    (first,) = h.flush()
    h.disconnect()
    (again,) = h.connect()
    assert again[2] == "StartTransaction" and again[1] != first[1]


def test_it_restores_queued_messages_from_storage_after_a_restart():
    h = Harness()
    h.boot()
    h.disconnect()
    h.cp.send(start_request(), h.now)
    h.flush()
    restarted = Harness(snapshot=h.store.snapshot())
    (boot,) = restarted.connect()
    (start,) = restarted.answer(boot, {"status": "Accepted", "currentTime": "2026-03-01T12:00:00Z", "interval": 60})
    assert start[2] == "StartTransaction"


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ('[2,"x","FooBar",{}]', "NotImplemented"),
        ('[2,"x","BootNotification",{"chargePointVendor":"a","chargePointModel":"b"}]', "NotSupported"),
        ('[2,"x","ChangeConfiguration",{"key":"HeartbeatInterval"}]', "OccurenceConstraintViolation"),
        ('[2,"x","ChangeConfiguration",{"key":"HeartbeatInterval","value":5}]', "TypeConstraintViolation"),
        ('[2,"x","Reset",{"type":"Sideways"}]', "PropertyConstraintViolation"),
        ('[2,"x","ClearCache",{"extra":1}]', "FormationViolation"),
        ("[2,", "FormationViolation"),
    ],
)
def test_it_answers_invalid_calls_with_the_right_call_error(frame, code):
    h = Harness()
    h.boot()
    (reply,) = h.receive(frame)
    assert reply[0] == 4 and reply[2] == code


def test_it_answers_not_supported_for_a_disabled_profile():
    h = Harness(config(Core={"SupportedFeatureProfiles": "Core"}))
    h.boot()
    (reply,) = h.call(
        "SetChargingProfile",
        {
            "connectorId": 1,
            "csChargingProfiles": {
                "chargingProfileId": 1,
                "stackLevel": 0,
                "chargingProfilePurpose": "TxDefaultProfile",
                "chargingProfileKind": "Relative",
                "chargingSchedule": {
                    "chargingRateUnit": "A",
                    "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 6.0}],
                },
            },
        },
    )
    assert reply[2] == "NotSupported"


def test_it_answers_the_local_list_messages_itself_when_their_profile_is_disabled():
    """TC_042_1 / TC_043_1: the wire answers for "not supported", not a CALLERROR."""
    h = Harness(config(Core={"SupportedFeatureProfiles": "Core"}))
    h.boot()
    (reply,) = h.call("GetLocalListVersion", {})
    assert reply == [3, reply[1], {"listVersion": -1}]
    (reply,) = h.call("SendLocalList", {"listVersion": 1, "updateType": "Full"})
    assert reply == [3, reply[1], {"status": "NotSupported"}]


def test_it_answers_internal_error_when_a_handler_fails():
    h = Harness()

    def broken(cp, request, call, now):
        raise RuntimeError("boom")

    h.cp._handlers["ClearCache"] = broken
    h.boot()
    (reply,) = h.call("ClearCache", {})
    assert reply[2] == "InternalError" and "boom" in reply[3]


def test_it_ignores_answers_to_unknown_ids_and_fails_calls_with_invalid_answers():
    h = Harness()
    h.boot()
    assert h.receive([3, "nope", {}]) == []
    assert h.events_of(PeerProtocolViolation)
    h.cp.send(HeartbeatRequest(), h.now)
    h.cp.tick(h.now)
    (beat,) = h.flush()
    assert h.receive([3, beat[1], {"currentTime": "soon"}]) == []
    assert any("invalid Heartbeat response" in e.description for e in h.events_of(PeerProtocolViolation))


def test_it_answers_data_transfer_for_unknown_and_registered_vendors():
    h = Harness()
    h.boot()
    (reply,) = h.call("DataTransfer", {"vendorId": "com.example"})
    assert reply[2] == {"status": "UnknownVendorId"}
    h.cp.register_data_transfer("com.example", "Ping", lambda mid, data: ("Accepted", f"pong:{data}"))
    (reply,) = h.call("DataTransfer", {"vendorId": "com.example", "messageId": "Ping", "data": "1"}, "cs-2")
    assert reply[2] == {"status": "Accepted", "data": "pong:1"}
    (reply,) = h.call("DataTransfer", {"vendorId": "com.example", "messageId": "Other"}, "cs-3")
    assert reply[2] == {"status": "UnknownMessageId"}


def test_it_sends_the_triggered_message_after_the_confirmation():
    h = Harness()
    h.boot()
    reply, beat = h.call("TriggerMessage", {"requestedMessage": "Heartbeat"})
    assert reply == [3, "cs-1", {"status": "Accepted"}]
    assert beat[2] == "Heartbeat"
    h.answer(beat, {"currentTime": "2026-03-01T12:00:00Z"})
    reply, boot = h.call("TriggerMessage", {"requestedMessage": "BootNotification"}, "cs-2")
    assert reply[2] == {"status": "Accepted"} and boot[2] == "BootNotification"
    (reply,) = h.call("TriggerMessage", {"requestedMessage": "Heartbeat", "connectorId": 9}, "cs-3")
    assert reply[2] == {"status": "Rejected"}


def test_it_restarts_the_heartbeat_timer_when_the_interval_changes():
    h = Harness()
    h.boot(interval=60)
    (reply,) = h.call("ChangeConfiguration", {"key": "HeartbeatInterval", "value": "15"})
    assert reply[2] == {"status": "Accepted"}
    assert ConfigSet(section="Core", key="HeartbeatInterval", value=15) in h.store.applied
    assert h.events_of(ConfigurationChanged)[0].key == "HeartbeatInterval"
    (beat,) = h.advance(15)
    assert beat[2] == "Heartbeat"


def test_it_asks_for_a_reconnect_after_a_new_authorization_key_on_profile_1():
    h = Harness(config(Security={"SecurityProfile": 1, "AuthorizationKey": "0123456789abcdef0123"}))
    h.boot()
    (reply,) = h.call(
        "ChangeConfiguration", {"key": "AuthorizationKey", "value": "4F43415F4F4354545F61646D696E5F74657374"}
    )
    assert reply[2] == {"status": "Accepted"}
    assert h.events_of(ReconnectRequested)
    assert all(e.value == "***" for e in h.events_of(ConfigurationChanged))


def test_it_reports_registration_changes():
    h = Harness()
    h.boot(status="Pending")
    assert [e.status for e in h.events_of(RegistrationChanged)] == ["Pending"]


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(["connected", "Pending", "Rejected", "Accepted"]), st.text(max_size=200))
def test_it_never_crashes_on_arbitrary_frames_in_any_state(state, text):
    h = Harness()
    if state == "connected":
        h.connect()
    else:
        h.boot(status=state)
    h.cp.receive_text(text, h.now)
    for frame in h.flush():
        assert frame[0] in (2, 3, 4)


@pytest.mark.parametrize(
    ("trigger", "action"),
    [
        ("DiagnosticsStatusNotification", "DiagnosticsStatusNotification"),
        ("FirmwareStatusNotification", "FirmwareStatusNotification"),
    ],
)
def test_it_reports_idle_firmware_and_diagnostics_status_when_triggered(trigger, action):
    h = Harness()
    h.boot()
    reply, sent = h.call("TriggerMessage", {"requestedMessage": trigger})
    assert reply[2] == {"status": "Accepted"}
    assert sent[2] == action and sent[3] == {"status": "Idle"}


def test_it_changes_configuration_locally_with_the_same_rules_and_side_effects():
    h = Harness()
    h.boot(interval=60)
    result = h.cp.change_configuration("HeartbeatInterval", "15", h.now, source="Dashboard")
    assert result.status == "Accepted"
    h.flush()
    assert ConfigSet(section="Core", key="HeartbeatInterval", value=15) in h.store.applied
    assert [(e.key, e.source) for e in h.events_of(ConfigurationChanged)] == [("HeartbeatInterval", "Dashboard")]
    (beat,) = h.advance(15)
    assert beat[2] == "Heartbeat"
    refused = h.cp.change_configuration("HeartbeatInterval", "-1", h.now)
    assert refused.status == "Rejected" and "HeartbeatInterval" in refused.reason
    assert h.cp.config.get_int("HeartbeatInterval") == 15

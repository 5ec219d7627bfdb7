"""Secrets never reach the trace: the AuthorizationKey in ChangeConfiguration is masked."""

from __future__ import annotations

import json

import pytest

from ocpp_core.redaction import MASK, redact_frame


@pytest.mark.parametrize("key", ["AuthorizationKey", "authorizationkey", "AUTHORIZATIONKEY"])
def test_it_masks_the_authorization_key_whatever_its_case(key):
    frame = json.dumps([2, "u1", "ChangeConfiguration", {"key": key, "value": "0011223344556677"}])
    masked = json.loads(redact_frame(frame))
    assert masked == [2, "u1", "ChangeConfiguration", {"key": key, "value": MASK}]


@pytest.mark.parametrize(
    "frame",
    [
        '[2,"u1","ChangeConfiguration",{"key":"HeartbeatInterval","value":"60"}]',
        '[3,"u1",{"status":"Accepted"}]',
        '[2,"u1","Heartbeat",{}]',
        "ChangeConfiguration but not json",
        '[2,"u1","ChangeConfiguration",{"key":"AuthorizationKey"}]',
        '{"ChangeConfiguration": 1}',
    ],
)
def test_it_leaves_other_frames_unchanged(frame):
    assert redact_frame(frame) == frame


@pytest.mark.parametrize(
    ("action", "payload", "path"),
    [
        ("UpdateFirmware", {"location": "ftp://fw:s3cret@files.example/fw.bin", "retrieveDate": "x"}, ("location",)),
        ("GetDiagnostics", {"location": "https://u:p@w:rd@up.example/d"}, ("location",)),
        (
            "SignedUpdateFirmware",
            {"requestId": 1, "firmware": {"location": "ftp://a:b@h/f", "signature": "s"}},
            ("firmware", "location"),
        ),
        (
            "GetLog",
            {"logType": "SecurityLog", "requestId": 1, "log": {"remoteLocation": "ftp://a:b@h/"}},
            ("log", "remoteLocation"),
        ),
    ],
)
def test_it_masks_the_password_of_a_transfer_location(action, payload, path):
    masked = json.loads(redact_frame(json.dumps([2, "1", action, payload])))
    value = masked[3]
    for name in path:
        value = value[name]
    assert ":***@" in value and "s3cret" not in value and ":b@" not in value
    original = payload[path[0]] if len(path) == 1 else payload[path[0]][path[1]]
    assert value.split("***@")[1] == original.rsplit("@", 1)[1]


def test_it_keeps_a_location_without_a_password_byte_for_byte():
    frame = json.dumps([2, "1", "UpdateFirmware", {"location": "ftp://anon@h/f.bin", "retrieveDate": "x"}])
    assert redact_frame(frame) == frame

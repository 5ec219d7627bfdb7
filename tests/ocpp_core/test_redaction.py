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

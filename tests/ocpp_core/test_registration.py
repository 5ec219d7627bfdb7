"""The registration state table: every (state, input) pair is either a transition or an error."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ocpp_core.errors import LocalProtocolError
from ocpp_core.registration import TRANSITIONS, RegInput, Registration, RegState


def test_it_starts_disconnected():
    assert Registration().state is RegState.DISCONNECTED
    assert Registration().status is None


def test_it_follows_a_pending_then_accepted_boot():
    reg = Registration()
    assert reg.apply(RegInput.CONNECT) is RegState.CONNECTED
    assert reg.permissions.answer_with_security_error
    assert reg.apply(RegInput.RECV_BOOT_PENDING) is RegState.PENDING
    assert reg.permissions.answer_calls and reg.permissions.reject_remote_start_stop
    assert not reg.permissions.send_all
    assert reg.apply(RegInput.RECV_BOOT_ACCEPTED) is RegState.ACCEPTED
    accepted = reg.permissions
    assert accepted.send_all
    assert reg.status == "Accepted"


def test_it_remembers_acceptance_across_reconnects():
    reg = Registration()
    reg.apply(RegInput.CONNECT)
    reg.apply(RegInput.RECV_BOOT_ACCEPTED)
    assert reg.apply(RegInput.DISCONNECT) is RegState.OFFLINE
    assert reg.status == "Accepted" and not reg.permissions.connected
    assert reg.apply(RegInput.CONNECT) is RegState.ACCEPTED


def test_it_forgets_pending_and_rejected_on_disconnect():
    for answer in (RegInput.RECV_BOOT_PENDING, RegInput.RECV_BOOT_REJECTED):
        reg = Registration()
        reg.apply(RegInput.CONNECT)
        reg.apply(answer)
        assert reg.apply(RegInput.DISCONNECT) is RegState.DISCONNECTED


def test_it_rejects_impossible_inputs():
    reg = Registration()
    with pytest.raises(LocalProtocolError, match="Disconnected"):
        reg.apply(RegInput.RECV_BOOT_ACCEPTED)


@given(st.sampled_from(list(RegState)), st.sampled_from(list(RegInput)))
def test_it_defines_or_refuses_every_pair(state, event):
    reg = Registration()
    reg.state = state
    if (state, event) in TRANSITIONS:
        assert reg.apply(event) is TRANSITIONS[(state, event)]
    else:
        with pytest.raises(LocalProtocolError):
            reg.apply(event)
        assert reg.state is state
    # every state has permissions and a status
    assert reg.permissions is not None
    assert reg.status in (None, "Accepted", "Pending", "Rejected")

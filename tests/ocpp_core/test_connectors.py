"""Connector status: the spec's transition table, faults and warnings, StatusNotification debounce."""

from __future__ import annotations

from collections import deque
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ocpp_core.connectors import (
    ALLOWED,
    SESSION_INPUTS,
    TRANSITIONS,
    TRANSITIONS_CONNECTOR_ZERO,
    Connector,
    ConnectorInput,
    StatusReporter,
    energy_input,
)
from ocpp_core.enums import ChargePointErrorCode, ChargePointStatus
from ocpp_core.errors import LocalProtocolError
from ocpp_core.inputs import FaultRaised

S = ChargePointStatus
In = ConnectorInput
T0 = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
UNDERLYING = [status for status in S if status is not S.FAULTED]
ZERO_STATES = {S.AVAILABLE, S.UNAVAILABLE, S.FAULTED}


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def fault(fault_id="f1", *, connector_id=1, code="GroundFailure", is_fault=True, **kwargs):
    return FaultRaised(connector_id=connector_id, error_code=code, fault_id=fault_id, is_fault=is_fault, **kwargs)


def looks(connector):
    """What a connector shows: (status, underlying state, errorCode)."""
    return connector.status, connector.state, connector.error_code


def path_to(target):
    """The shortest list of inputs that takes a fresh connector > 0 from Available to ``target``."""
    queue: deque[tuple[ChargePointStatus, list[ConnectorInput]]] = deque([(S.AVAILABLE, [])])
    seen = {S.AVAILABLE}
    while queue:
        state, path = queue.popleft()
        if state is target:
            return path
        for (source, event), nxt in TRANSITIONS.items():
            if source is state and nxt not in seen:
                seen.add(nxt)
                queue.append((nxt, [*path, event]))
    raise AssertionError(f"{target} is unreachable")


def connector_in(state, connector_id=1):
    connector = Connector(connector_id)
    for event in path_to(state):
        assert connector.apply(event)
    return connector


# -- the table -----------------------------------------------------------------------------------


def test_it_transcribes_the_53_spec_transitions():
    assert len(ALLOWED) == 53
    per_row = {source: sum(1 for s, _ in ALLOWED if s is source) for source in S}
    assert per_row == {
        S.AVAILABLE: 7,
        S.PREPARING: 6,
        S.CHARGING: 6,
        S.SUSPENDED_EV: 6,
        S.SUSPENDED_EVSE: 6,
        S.FINISHING: 4,
        S.RESERVED: 4,
        S.UNAVAILABLE: 6,
        S.FAULTED: 8,
    }
    assert all(source is not target for source, target in ALLOWED)


@pytest.mark.parametrize(
    ("source", "target"),
    [
        (S.AVAILABLE, S.FINISHING),
        (S.PREPARING, S.RESERVED),
        (S.PREPARING, S.UNAVAILABLE),
        (S.CHARGING, S.PREPARING),
        (S.CHARGING, S.RESERVED),
        (S.FINISHING, S.CHARGING),
        (S.RESERVED, S.CHARGING),
        (S.UNAVAILABLE, S.FINISHING),
        (S.UNAVAILABLE, S.RESERVED),
        (S.FAULTED, S.FAULTED),
    ],
)
def test_it_knows_the_notable_non_transitions(source, target):
    assert (source, target) not in ALLOWED


def test_it_has_only_spec_allowed_entries_in_both_tables():
    for table in (TRANSITIONS, TRANSITIONS_CONNECTOR_ZERO):
        for (source, _), target in table.items():
            assert (source, target) in ALLOWED
    for (source, _), target in TRANSITIONS_CONNECTOR_ZERO.items():
        assert {source, target} <= ZERO_STATES


def test_it_covers_every_spec_transition_with_the_table_and_the_fault_rules():
    produced = {(source, target) for (source, _), target in TRANSITIONS.items()}
    produced |= {(state, S.FAULTED) for state in UNDERLYING}  # x9: a fault is raised
    produced |= {(S.FAULTED, state) for state in UNDERLYING}  # I1-I8: the last fault clears
    after_h1 = TRANSITIONS[(S.UNAVAILABLE, In.MAKE_AVAILABLE)]
    produced |= {(S.UNAVAILABLE, TRANSITIONS[(after_h1, event)]) for event in SESSION_INPUTS}  # H2-H5
    assert produced == ALLOWED


def _cause(connector, source, target):
    """Perform the event(s) that move ``connector`` (in ``source``) to ``target``."""
    if target is S.FAULTED:
        assert connector.raise_error(fault())
    elif source is S.FAULTED:
        assert connector.clear_error("f1")
    elif source is S.UNAVAILABLE and target is not S.AVAILABLE:
        session = next(event for event in SESSION_INPUTS if TRANSITIONS[(S.AVAILABLE, event)] is target)
        assert connector.make_available(session)
    else:
        event = next(event for (s, event), t in TRANSITIONS.items() if s is source and t is target)
        assert connector.apply(event)


@pytest.mark.parametrize(("source", "target"), sorted(ALLOWED))
def test_it_reports_each_spec_transition_caused_by_its_event(source, target):
    if source is S.FAULTED:
        connector = Connector(1)
        connector.raise_error(fault())
        for event in path_to(target):  # the underlying state moves while faulted
            connector.apply(event)
    else:
        connector = connector_in(source)
    reporter = StatusReporter()
    [before] = reporter.all_current([connector], T0)
    assert before.status is source
    _cause(connector, source, target)
    reporter.observe(connector, at(1))
    [after] = reporter.due(at(1))
    assert after.status is target and after.timestamp == at(1)


@pytest.mark.parametrize(
    ("state", "event"),
    [
        (S.AVAILABLE, In.TX_STOPPED_USER_ACTION),  # Available -> Finishing
        (S.AVAILABLE, In.SESSION_ENDED),
        (S.PREPARING, In.MAKE_UNAVAILABLE),  # Preparing -> Unavailable
        (S.PREPARING, In.RESERVE),
        (S.CHARGING, In.RESERVE),  # Charging -> Reserved
        (S.CHARGING, In.USAGE_INITIATED),
        (S.FINISHING, In.START_CHARGING),
        (S.RESERVED, In.START_CHARGING),
        (S.RESERVED, In.SESSION_ENDED),
        (S.UNAVAILABLE, In.USAGE_INITIATED),  # a plug-in while Unavailable keeps it Unavailable
        (S.UNAVAILABLE, In.TX_STOPPED_USER_ACTION),
        (S.UNAVAILABLE, In.RESERVE),
    ],
)
def test_it_ignores_pairs_without_a_transition(state, event):
    connector = connector_in(state)
    assert connector.apply(event) is False
    assert connector.state is state and connector.status is state


def test_it_refuses_impossible_initial_states():
    with pytest.raises(LocalProtocolError, match="Faulted"):
        Connector(1, S.FAULTED)
    with pytest.raises(LocalProtocolError, match="Charging"):
        Connector(0, S.CHARGING)
    with pytest.raises(LocalProtocolError, match="negative"):
        Connector(-1)
    assert Connector(2, S.UNAVAILABLE).status is S.UNAVAILABLE  # persisted ChangeAvailability


def test_it_picks_suspended_evse_when_both_sides_suspend():
    assert energy_input(evse_offering=False, ev_drawing=False) is In.EVSE_SUSPENDED
    assert energy_input(evse_offering=False, ev_drawing=True) is In.EVSE_SUSPENDED
    assert energy_input(evse_offering=True, ev_drawing=False) is In.EV_SUSPENDED
    assert energy_input(evse_offering=True, ev_drawing=True) is In.START_CHARGING


def test_it_makes_available_with_the_session_facts():
    connector = Connector(1, S.UNAVAILABLE)
    assert connector.apply(In.USAGE_INITIATED) is False  # plugged in while Unavailable
    assert connector.make_available(In.USAGE_INITIATED, info="cable already in")
    assert connector.status is S.PREPARING and connector.info == "cable already in"
    assert connector.make_available(In.START_CHARGING) is False  # not Unavailable: nothing happens
    assert connector.status is S.PREPARING
    assert Connector(1, S.UNAVAILABLE).make_available() is True
    with pytest.raises(LocalProtocolError, match="session input"):
        connector.make_available(In.RESERVE)


def test_it_keeps_connector_zero_to_available_unavailable_and_faulted():
    zero = Connector(0)
    for event in In:
        if event is not In.MAKE_UNAVAILABLE:
            assert zero.apply(event) is False
    assert zero.apply(In.MAKE_UNAVAILABLE)
    assert looks(zero) == (S.UNAVAILABLE, S.UNAVAILABLE, "NoError")
    assert zero.apply(In.USAGE_INITIATED) is False
    assert zero.raise_error(fault(connector_id=0, code="PowerMeterFailure"))
    assert looks(zero) == (S.FAULTED, S.UNAVAILABLE, "PowerMeterFailure")
    assert zero.apply(In.MAKE_AVAILABLE)
    assert looks(zero) == (S.FAULTED, S.AVAILABLE, "PowerMeterFailure")
    assert zero.clear_error()
    assert looks(zero) == (S.AVAILABLE, S.AVAILABLE, "NoError")


# -- faults and warnings -------------------------------------------------------------------------


def test_it_is_faulted_while_any_fault_is_active_and_returns_to_the_evolved_state():
    connector = connector_in(S.CHARGING)
    assert connector.raise_error(fault("a", code="GroundFailure"))
    assert connector.raise_error(fault("b", code="OverCurrentFailure"))
    assert connector.faulted
    assert looks(connector) == (S.FAULTED, S.CHARGING, ChargePointErrorCode.OVER_CURRENT_FAILURE)
    assert connector.apply(In.TX_STOPPED_USER_ACTION)  # underlying moves silently
    assert looks(connector) == (S.FAULTED, S.FINISHING, "OverCurrentFailure")
    assert connector.clear_error("b")
    assert looks(connector) == (S.FAULTED, S.FINISHING, "GroundFailure")
    assert connector.clear_error("a")
    assert looks(connector) == (S.FINISHING, S.FINISHING, "NoError")


def test_it_can_be_made_unavailable_while_faulted():
    connector = Connector(1)
    connector.raise_error(fault())
    assert connector.apply(In.MAKE_UNAVAILABLE)
    assert looks(connector) == (S.FAULTED, S.UNAVAILABLE, "GroundFailure")
    connector.clear_error()
    assert looks(connector) == (S.UNAVAILABLE, S.UNAVAILABLE, "NoError")


def test_it_reports_warnings_with_the_current_status():
    connector = connector_in(S.CHARGING)
    assert connector.raise_error(fault("hot", code="HighTemperature", is_fault=False, info="62 C"))
    assert connector.status is S.CHARGING and not connector.faulted
    request = connector.notification()
    assert (request.status, request.error_code, request.info) == (S.CHARGING, "HighTemperature", "62 C")
    assert connector.clear_error("hot") and connector.error_code == "NoError"


def test_it_reports_the_latest_fault_while_faulted_even_after_a_newer_warning():
    connector = Connector(1)
    connector.raise_error(fault("f", code="GroundFailure", vendor_id="acme", vendor_error_code="E42"))
    connector.raise_error(fault("w", code="WeakSignal", is_fault=False))
    assert (connector.error_code, connector.vendor_id, connector.vendor_error_code) == ("GroundFailure", "acme", "E42")
    connector.clear_error("f")
    assert looks(connector) == (S.AVAILABLE, S.AVAILABLE, "WeakSignal")
    assert (connector.vendor_id, connector.vendor_error_code) == (None, None)


def test_it_ignores_duplicate_and_unknown_fault_ids():
    connector = Connector(1)
    assert connector.raise_error(fault("x", code="GroundFailure"))
    assert connector.raise_error(fault("x", code="OverVoltage")) is False
    assert connector.error_code == "GroundFailure" and len(connector.errors) == 1
    assert connector.clear_error("nope") is False
    assert connector.clear_error() is True
    assert connector.clear_error() is False


def test_it_truncates_error_strings_and_transition_reasons():
    connector = Connector(1)
    connector.raise_error(fault(info="i" * 60, vendor_id="v" * 300, vendor_error_code="c" * 60))
    [error] = connector.errors
    assert (error.info, error.vendor_id, error.vendor_error_code) == ("i" * 50, "v" * 255, "c" * 50)
    connector.clear_error()
    connector.apply(In.EV_SUSPENDED, info="r" * 80)
    assert connector.info == "r" * 50


def test_it_rejects_malformed_errors():
    connector = Connector(1)
    with pytest.raises(LocalProtocolError, match="connector 2"):
        connector.raise_error(fault(connector_id=2))
    with pytest.raises(LocalProtocolError, match="Bogus"):
        connector.raise_error(fault(code="Bogus"))
    with pytest.raises(LocalProtocolError, match="NoError"):
        connector.raise_error(fault(code="NoError"))
    assert connector.raise_error(fault(code="NoError", is_fault=False, vendor_error_code="V1"))
    assert connector.status is S.AVAILABLE and connector.vendor_error_code == "V1"


def test_it_carries_the_transition_reason_until_the_next_transition():
    connector = connector_in(S.CHARGING)
    connector.apply(In.EV_SUSPENDED, info="EV side disconnected")
    request = connector.notification()
    assert (request.status, request.error_code, request.info) == (S.SUSPENDED_EV, "NoError", "EV side disconnected")
    connector.raise_error(fault(is_fault=False, code="WeakSignal", info="rssi low"))
    assert connector.info == "rssi low"  # an error's fields win while it is active
    connector.clear_error()
    assert connector.info == "EV side disconnected"
    assert connector.apply(In.START_CHARGING) and connector.info is None
    assert "Charging" in repr(connector)


# -- reporting -----------------------------------------------------------------------------------


def test_it_sends_every_change_at_once_with_minimum_duration_zero():
    connector, reporter = Connector(1), StatusReporter()
    reporter.all_current([connector], T0)
    connector.apply(In.USAGE_INITIATED)
    reporter.observe(connector, at(1))
    assert reporter.next_deadline() == at(1)
    assert [(r.status, r.timestamp) for r in reporter.due(at(1))] == [(S.PREPARING, at(1))]
    assert reporter.due(at(2)) == [] and reporter.next_deadline() is None


def test_it_suppresses_short_lived_states_and_sends_the_final_one_with_its_entry_time():
    connector, reporter = Connector(1), StatusReporter(minimum_duration=5)
    reporter.all_current([connector], T0)
    connector.apply(In.USAGE_INITIATED)
    reporter.observe(connector, at(1))
    assert reporter.next_deadline() == at(6) and reporter.due(at(3)) == []
    connector.apply(In.START_CHARGING)
    reporter.observe(connector, at(3))  # Preparing lasted 2 s: replaced, timer restarts
    assert reporter.due(at(6)) == [] and reporter.next_deadline() == at(8)
    [sent] = reporter.due(at(9))
    assert (sent.status, sent.timestamp) == (S.CHARGING, at(3))
    assert reporter.last_reported(1) == connector.notification()


def test_it_cancels_a_pending_change_that_goes_back_to_the_reported_status():
    connector, reporter = connector_in(S.CHARGING), StatusReporter(minimum_duration=10)
    reporter.all_current([connector], T0)
    connector.apply(In.EV_SUSPENDED)
    reporter.observe(connector, at(1))
    connector.apply(In.START_CHARGING)
    reporter.observe(connector, at(2))
    assert reporter.next_deadline() is None and reporter.due(at(30)) == []


def test_it_reports_errors_at_once_despite_the_minimum_duration():
    connector, reporter = Connector(1), StatusReporter(minimum_duration=60)
    reporter.all_current([connector], T0)
    connector.raise_error(fault("w", code="HighTemperature", is_fault=False))
    reporter.observe(connector, at(1))
    [warning] = reporter.due(at(1))
    assert (warning.status, warning.error_code) == (S.AVAILABLE, "HighTemperature")
    connector.raise_error(fault("f", code="GroundFailure"))
    reporter.observe(connector, at(2))
    connector.apply(In.USAGE_INITIATED)  # silent while faulted
    reporter.observe(connector, at(3))
    [faulted] = reporter.due(at(2))
    assert (faulted.status, faulted.error_code, faulted.timestamp) == (S.FAULTED, "GroundFailure", at(2))
    connector.raise_error(fault("w2", code="WeakSignal", is_fault=False))  # hidden behind the fault
    reporter.observe(connector, at(4))
    assert reporter.due(at(4)) == []
    connector.clear_error("f")
    reporter.observe(connector, at(5))
    [cleared] = reporter.due(at(5))
    assert (cleared.status, cleared.error_code) == (S.PREPARING, "WeakSignal")


def test_it_keeps_an_unsent_error_urgent_when_a_status_change_follows():
    connector, reporter = Connector(1), StatusReporter(minimum_duration=60)
    reporter.all_current([connector], T0)
    connector.raise_error(fault("w", code="HighTemperature", is_fault=False))
    reporter.observe(connector, at(1))
    connector.apply(In.USAGE_INITIATED)
    reporter.observe(connector, at(2))
    [sent] = reporter.due(at(2))
    assert (sent.status, sent.error_code, sent.timestamp) == (S.PREPARING, "HighTemperature", at(2))


def test_it_ignores_observations_that_change_nothing():
    connector, reporter = Connector(1), StatusReporter(minimum_duration=5)
    reporter.all_current([connector], T0)
    connector.apply(In.SESSION_ENDED)  # no-op
    reporter.observe(connector, at(1))
    assert reporter.next_deadline() is None


def test_it_recomputes_deadlines_when_the_minimum_duration_changes():
    connector, other, idle = Connector(1), Connector(2), Connector(3)
    reporter = StatusReporter(minimum_duration=30)
    assert reporter.minimum_duration == timedelta(seconds=30)
    reporter.all_current([connector, other, idle], T0)
    connector.apply(In.RESERVE)
    reporter.observe(connector, at(1))
    other.raise_error(fault(connector_id=2))
    reporter.observe(other, at(1))
    reporter.set_minimum_duration(10)
    assert [r.connector_id for r in reporter.due(at(1))] == [2]  # an error stays due at once
    assert reporter.next_deadline() == at(11)
    reporter.set_minimum_duration(0)
    assert [r.status for r in reporter.due(at(2))] == [S.RESERVED]
    with pytest.raises(LocalProtocolError, match="negative"):
        reporter.set_minimum_duration(-1)


def test_it_sends_due_notifications_in_event_order():
    one, two, reporter = Connector(1), Connector(2), StatusReporter(minimum_duration=5)
    reporter.all_current([one, two], T0)
    two.apply(In.USAGE_INITIATED)
    reporter.observe(two, at(1))
    one.apply(In.USAGE_INITIATED)
    reporter.observe(one, at(2))
    assert [(r.connector_id, r.timestamp) for r in reporter.due(at(10))] == [(2, at(1)), (1, at(2))]


def test_it_sends_the_full_burst_without_debounce():
    zero, one, two = Connector(0), Connector(1), Connector(2, S.UNAVAILABLE)
    reporter = StatusReporter(minimum_duration=60)
    assert reporter.last_reported(1) is None
    one.apply(In.USAGE_INITIATED)
    reporter.observe(one, at(1))  # before boot: pending, but the burst supersedes it
    two.raise_error(fault("f", connector_id=2, code="ReaderFailure", info="no reader"))
    burst = reporter.all_current([two, one, zero], at(5))
    assert [(r.connector_id, r.status, r.error_code) for r in burst] == [
        (0, S.AVAILABLE, "NoError"),
        (1, S.PREPARING, "NoError"),
        (2, S.FAULTED, "ReaderFailure"),
    ]
    assert [r.timestamp for r in burst] == [at(5), at(1), at(5)]  # entry time when it was observed
    assert burst[2].info == "no reader"
    assert reporter.next_deadline() is None and reporter.due(at(100)) == []
    again = reporter.all_current([zero, one, two], at(200))  # TriggerMessage / reconnect
    assert [r.timestamp for r in again] == [at(5), at(1), at(5)]


def test_it_accepts_naive_times_as_utc():
    connector, reporter = Connector(1), StatusReporter()
    connector.apply(In.RESERVE)
    reporter.observe(connector, datetime(2026, 3, 1, 12, 0, 1))
    [sent] = reporter.due(at(1))
    assert sent.timestamp == at(1)


# -- properties ----------------------------------------------------------------------------------


@given(
    st.sampled_from([(1, state) for state in UNDERLYING] + [(0, S.AVAILABLE), (0, S.UNAVAILABLE)]),
    st.sampled_from(list(In)),
    st.booleans(),
)
def test_it_defines_or_ignores_every_pair_of_both_tables(start, event, faulted):
    connector_id, state = start
    table = TRANSITIONS_CONNECTOR_ZERO if connector_id == 0 else TRANSITIONS
    connector = Connector(connector_id, state)
    if faulted:
        connector.raise_error(fault(connector_id=connector_id))
    changed = connector.apply(event)
    if (state, event) in table:
        assert changed and connector.state is table[(state, event)]
        assert (state, connector.state) in ALLOWED
    else:
        assert not changed and connector.state is state
    assert connector.status is (S.FAULTED if faulted else connector.state)


_ACTIONS = st.one_of(
    st.tuples(st.just("apply"), st.sampled_from(list(In))),
    st.tuples(st.just("make_available"), st.sampled_from([None, *sorted(SESSION_INPUTS, key=lambda i: i.name)])),
    st.tuples(st.just("raise"), st.sampled_from(["a", "b", "c"]), st.booleans()),
    st.tuples(st.just("clear"), st.sampled_from(["a", "b", "c", None])),
)


def _act(connector, action):
    if action[0] == "apply":
        connector.apply(action[1])
    elif action[0] == "make_available":
        connector.make_available(action[1])
    elif action[0] == "raise":
        code = "GroundFailure" if action[2] else "HighTemperature"
        connector.raise_error(fault(action[1], connector_id=connector.connector_id, code=code, is_fault=action[2]))
    else:
        connector.clear_error(action[1])


@given(st.sampled_from([0, 1]), st.lists(_ACTIONS, max_size=40))
def test_it_reports_only_spec_transitions_for_any_event_sequence(connector_id, actions):
    connector, reporter = Connector(connector_id), StatusReporter()
    reported = [r.status for r in reporter.all_current([connector], T0)]
    for n, action in enumerate(actions, start=1):
        _act(connector, action)
        assert connector.status in S and connector.state is not S.FAULTED
        assert connector.faulted is any(error.is_fault for error in connector.errors)
        assert (connector.status is S.FAULTED) is connector.faulted
        if connector_id == 0:
            assert connector.status in ZERO_STATES
        reporter.observe(connector, at(n))
        reported += [r.status for r in reporter.due(at(n))]
    assert reporter.last_reported(connector_id) == connector.notification()
    for before, after in zip(reported, reported[1:], strict=False):
        assert before is after or (before, after) in ALLOWED


@given(
    st.integers(min_value=0, max_value=10),
    st.lists(st.tuples(_ACTIONS, st.integers(min_value=0, max_value=15)), max_size=30),
)
def test_it_always_ends_up_reporting_the_current_content(minimum, steps):
    connector, reporter = Connector(1), StatusReporter(minimum_duration=minimum)
    reporter.all_current([connector], T0)
    now, previous = T0, reporter.last_reported(1)
    for action, pause in steps:
        now += timedelta(seconds=pause)
        for request in reporter.due(now):
            assert request.timestamp is not None and request.timestamp <= now
            content = replace(request, timestamp=None)
            assert content != previous  # never the same content twice in a row
            previous = content
        _act(connector, action)
        reporter.observe(connector, now)
    deadline = reporter.next_deadline()
    if deadline is not None:
        reporter.due(deadline)
    assert reporter.next_deadline() is None
    assert reporter.last_reported(1) == connector.notification()

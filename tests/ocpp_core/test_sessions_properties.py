"""Sessions under random sequences of hardware events, central-system calls, outages and restarts.

Whatever happens, the engine never raises, every frame it writes is schema-valid (the harness
checks each one), a connector has at most one open transaction, and per connector the
StartTransaction and StopTransaction messages alternate, each Stop closing the Start before it.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ocpp_core.commands import ResetStation
from ocpp_core.connectors import ALLOWED
from ocpp_core.enums import ChargePointStatus
from ocpp_core.storage import QueuePut, StorageOp, TransactionPut
from tests.ocpp_core.helpers import config
from tests.ocpp_core.station_harness import StationHarness

TAGS = ["A", "B", "C"]
ENERGY_STATES = (ChargePointStatus.CHARGING, ChargePointStatus.SUSPENDED_EV, ChargePointStatus.SUSPENDED_EVSE)
CONNECTORS = st.integers(min_value=0, max_value=3)

CS_CALLS = st.one_of(
    st.builds(
        lambda c, tag: ("RemoteStartTransaction", {"idTag": tag} | ({} if c is None else {"connectorId": c})),
        st.none() | CONNECTORS,
        st.sampled_from(TAGS),
    ),
    st.builds(lambda t: ("RemoteStopTransaction", {"transactionId": t}), st.integers(1, 6)),
    st.builds(lambda c: ("UnlockConnector", {"connectorId": c}), CONNECTORS),
    st.builds(
        lambda c, kind: ("ChangeAvailability", {"connectorId": c, "type": kind}),
        CONNECTORS,
        st.sampled_from(["Operative", "Inoperative"]),
    ),
    st.builds(lambda kind: ("Reset", {"type": kind}), st.sampled_from(["Soft", "Hard"])),
    st.builds(
        lambda what, c: ("TriggerMessage", {"requestedMessage": what} | ({} if c is None else {"connectorId": c})),
        st.sampled_from(["MeterValues", "StatusNotification"]),
        st.none() | st.integers(1, 2),
    ),
    st.just(("ClearCache", {})),
    st.builds(
        lambda key, value: ("ChangeConfiguration", {"key": key, "value": value}),
        st.sampled_from(["StopTransactionOnInvalidId", "AuthorizeRemoteTxRequests", "LocalPreAuthorize"]),
        st.sampled_from(["true", "false"]),
    ),
    st.builds(
        lambda key, value: ("ChangeConfiguration", {"key": key, "value": value}),
        st.sampled_from(["MeterValueSampleInterval", "ClockAlignedDataInterval", "MinimumStatusDuration"]),
        st.sampled_from(["0", "7", "30"]),
    ),
)

SESSION_STEPS = st.one_of(
    st.tuples(st.sampled_from(["plug", "plug", "unplug", "ev_suspend", "ev_resume"]), st.integers(1, 2)),
    st.tuples(st.just("token"), st.integers(0, 2), st.sampled_from(TAGS)),
    st.tuples(st.just("charge"), st.integers(1, 2), st.sampled_from(TAGS)),
)
STEPS = st.one_of(
    SESSION_STEPS,
    SESSION_STEPS,
    SESSION_STEPS,
    st.tuples(st.just("clear"), st.integers(0, 2)),
    st.tuples(st.just("fault"), st.integers(0, 2), st.booleans()),
    st.tuples(st.just("advance"), st.sampled_from([1, 5, 30, 61, 300])),
    st.tuples(st.just("lock_ok"), st.integers(1, 2), st.booleans()),
    st.tuples(st.just("unlock"), st.integers(1, 2), st.sampled_from(["Unlocked", "UnlockFailed", "NotSupported"])),
    st.tuples(st.sampled_from(["disconnect", "connect", "restart"])),
    st.tuples(st.just("cs"), CS_CALLS),
)

ANSWERS = st.sampled_from(["Accepted", "Accepted", "Invalid", "Blocked", "error"])


class Checker:
    """Collects the storage operations of every generation of the station and checks them."""

    def __init__(self) -> None:
        self.ops: list[StorageOp] = []
        self.counted: dict[str, int] = {}

    def check(self, h: StationHarness) -> None:
        self.ops += h.store.applied[self.counted.get(h.generation, 0) :]
        self.counted[h.generation] = len(h.store.applied)
        connector_of = {op.record.tx_key: op.record.connector_id for op in self.ops if isinstance(op, TransactionPut)}
        # Queued in this order = sent in this order (the transaction lane is a FIFO). Each
        # transaction has one StartTransaction and one StopTransaction, put again on every retry.
        order: dict[tuple[str, str], None] = {}
        for op in self.ops:
            if isinstance(op, QueuePut) and op.message.action in ("StartTransaction", "StopTransaction"):
                assert op.message.tx_key is not None
                order.setdefault((op.message.action, op.message.tx_key))
        open_tx: dict[int, str | None] = {}
        for action, tx_key in order:
            n = connector_of[tx_key]
            if action == "StartTransaction":
                assert open_tx.get(n) is None, f"a second StartTransaction on connector {n}"
                open_tx[n] = tx_key
            else:
                assert open_tx.get(n) == tx_key, f"StopTransaction of {tx_key} without its start on {n}"
                open_tx[n] = None
        unfinished = [t.connector_id for t in h.store.snapshot().transactions if t.stop_time is None]
        assert len(unfinished) == len(set(unfinished)), "two open transactions on one connector"
        running = [n for n, s in h.cp.sessions.sessions.items() if s.tx is not None]
        assert sorted(running) == sorted(unfinished)
        for n, session in h.cp.sessions.sessions.items():
            state = h.cp.sessions.connectors[n].state
            assert (session.tx is not None) == (state in ENERGY_STATES), f"connector {n}: {state}, {session.tx}"


class StatusChecker:
    """Consecutive StatusNotifications of a connector must be transitions the spec allows.

    Only while nothing may hide a change: online all along and MinimumStatusDuration 0.
    """

    def __init__(self) -> None:
        self.last: dict[int, str] = {}
        self.index = 0

    def forget(self, h: StationHarness) -> None:
        """What was reported so far says nothing about the next notification (outage, restart)."""
        self.last = {}
        self.index = len(h.wire)

    def check(self, h: StationHarness) -> None:
        frames, self.index = h.wire[self.index :], len(h.wire)
        if h.cp.config.get_int("MinimumStatusDuration"):
            self.last = {}
            return
        for frame in frames:
            if frame[0] != 2 or frame[2] != "StatusNotification" or frame[3]["connectorId"] == 0:
                continue
            n, status = frame[3]["connectorId"], ChargePointStatus(frame[3]["status"])
            before = self.last.get(n)
            assert before is None or before == status or (before, status) in ALLOWED, f"{n}: {before} -> {status}"
            self.last[n] = status


def answer_all(h: StationHarness, frames: list[list[Any]], data: st.DataObject) -> None:
    """A central system that answers every CALL at once, not always favourably."""
    queue = list(frames)
    while queue:
        frame = queue.pop(0)
        if frame[0] != 2:
            continue
        choice = data.draw(ANSWERS)
        if choice == "error" and frame[2] != "BootNotification":
            queue += h.receive([4, frame[1], "InternalError", "", {}])
            continue
        response = h.response_for(frame)
        if "idTagInfo" in response and choice != "error":
            response["idTagInfo"]["status"] = choice
        queue += h.answer(frame, response)


def boot(h: StationHarness, data: st.DataObject) -> None:
    (frame,) = h.connect()
    answer_all(h, h.answer(frame, h.response_for(frame)), data)


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
)
@given(steps=st.lists(STEPS, min_size=10, max_size=60), data=st.data())
def test_it_keeps_its_invariants_under_random_sequences(steps, data):
    h = StationHarness(
        config(
            Core={
                "ConnectionTimeOut": 60,
                "MeterValueSampleInterval": 30,
                "AllowOfflineTxForUnknownId": True,
                "MinimumStatusDuration": 0,
                "StopTransactionOnEVSideDisconnect": data.draw(st.booleans()),
                "TransactionMessageAttempts": 2,
            }
        )
    )
    checker = Checker()
    statuses = StatusChecker()
    boot(h, data)
    connected = True
    unique = 0
    for step in steps:
        kind = step[0]
        frames: list[list[Any]] = []
        if kind in ("plug", "unplug", "ev_suspend", "ev_resume"):
            frames = getattr(h, kind)(step[1])
        elif kind == "clear":
            frames = h.clear_fault(step[1], None)
        elif kind == "token":
            frames = h.token(step[1], step[2])
        elif kind == "charge":
            frames = h.plug(step[1]) + h.token(step[1], step[2])
        elif kind == "fault":
            frames = h.fault(step[1], "GroundFailure", f"f{len(h.commands)}", is_fault=step[2])
        elif kind == "advance":
            h.run(step[1])
        elif kind == "lock_ok":
            h.lock_ok[step[1]] = step[2]
        elif kind == "unlock":
            h.unlock_result[step[1]] = step[2]
        elif kind == "disconnect" and connected:
            statuses.check(h)
            h.disconnect()
            statuses.forget(h)
            connected = False
        elif kind == "connect" and not connected:
            frames = h.connect()
            connected = True
        elif kind == "cs" and connected:
            unique += 1
            action, payload = step[1]
            frames = h.call(action, payload, f"cs-{unique}")
        if kind == "restart" or h.commands_of(ResetStation):
            checker.check(h)
            statuses.check(h)
            plugged = dict(h.plugged)
            h = h.restart()
            statuses.forget(h)
            for n, cable in plugged.items():
                if cable:
                    h.plug(n)
            boot(h, data)
            connected = True
            continue
        if connected:
            answer_all(h, frames, data)
        checker.check(h)
        statuses.check(h)
    checker.check(h)

"""Sessions: stopping a transaction (OCTT module 03), invalid ids, the cable afterwards."""

from __future__ import annotations

from ocpp_core.commands import PauseCharging, Unlock
from ocpp_core.enums import Reason
from ocpp_core.events import AuthorizationRefused
from ocpp_core.messages.core import StopTransactionRequest
from ocpp_core.storage import IdTagRecord, Snapshot, TransactionPut, TransactionRecord
from ocpp_core.transactions import Transaction, stop_request
from tests.ocpp_core.helpers import T0, config
from tests.ocpp_core.station_harness import StationHarness, station


def unlocks(h: StationHarness) -> int:
    return len(h.commands_of(Unlock))


def test_it_stops_with_the_same_id_unlocks_and_ends_when_unplugged():
    h = station()
    h.charging(1, "TAG1")
    assert h.play(h.token(1, "TAG1")) == ["StopTransaction 1 Local", "SN 1 Finishing"]
    assert unlocks(h) == 1 and not h.locked[1]
    assert h.play(h.unplug(1)) == ["SN 1 Available"]
    stop = [op.record for op in h.store.applied if isinstance(op, TransactionPut)][-1]
    assert stop.acknowledged and stop.stop_reason == "Local" and stop.id_tag_end == "TAG1"
    assert h.store.snapshot().transactions == ()


def test_it_tc_068_stops_with_the_start_id_without_authorize():
    h = station()
    h.charging(1, "TAG1")
    (stop,) = h.token(1, "TAG1")
    assert stop[2] == "StopTransaction"
    assert stop[3]["idTag"] == "TAG1" and "reason" not in stop[3]  # Local is left out


def test_it_tc_069_stops_with_another_id_of_the_same_group_after_authorize():
    h = station()
    h.tag_parent.update(TAG1="GROUP", TAG2="GROUP")
    h.charging(1, "TAG1")
    assert h.play(h.token(1, "TAG2")) == ["Authorize TAG2", "StopTransaction 1 Local", "SN 1 Finishing"]
    stop = next(f for f in h.wire if f[0] == 2 and f[2] == "StopTransaction")
    assert stop[3]["idTag"] == "TAG2"


def test_it_takes_the_group_from_the_start_transaction_confirmation():
    h = station()
    h.charging(1, "TAG1")  # Authorize.conf said nothing about a parent
    tx = h.cp.sessions.transaction_on(1)
    assert tx is not None and tx.record.parent_id_tag is None
    h2 = station()
    h2.tag_parent["TAG1"] = "GROUP"
    h2.play(h2.plug(1))
    (auth,) = h2.token(1, "TAG1")
    (start,) = h2.answer(auth, {"idTagInfo": {"status": "Accepted"}})
    h2.play(h2.answer_start(start, "Accepted", 3, parentIdTag="GROUP"))
    tx2 = h2.cp.sessions.transaction_on(1)
    assert tx2 is not None and tx2.record.parent_id_tag == "GROUP"


def test_it_stops_with_an_id_of_the_same_group_known_locally():
    data = config(Core={"MeterValueSampleInterval": 0, "AuthorizationCacheEnabled": True, "LocalPreAuthorize": True})
    cache = (IdTagRecord(id_tag="TAG2", status="Accepted", parent_id_tag="GROUP"),)
    h = StationHarness(data, Snapshot(auth_cache=cache))
    h.play(h.boot(interval=86400))
    h.tag_parent["TAG1"] = "GROUP"
    h.charging(1, "TAG1")
    assert h.play(h.token(1, "TAG2")) == ["StopTransaction 1 Local", "SN 1 Finishing"]


def test_it_does_not_stop_for_another_id_of_another_group():
    h = station()
    h.tag_parent.update(TAG1="GROUP", TAG2="OTHER")
    h.charging(1, "TAG1")
    assert h.play(h.token(1, "TAG2")) == ["Authorize TAG2"]
    assert h.play(h.token(1, "TAG3")) == ["Authorize TAG3"]  # no parent at all
    statuses = [e.status for e in h.events_of(AuthorizationRefused)]
    assert statuses == ["NotOwner", "NotOwner"]
    assert h.cp.sessions.transaction_on(1) is not None


def test_it_does_not_stop_for_another_id_when_the_transaction_has_no_group():
    h = station()
    h.charging(1, "TAG1")
    assert h.play(h.token(1, "TAG2")) == []
    assert [e.status for e in h.events_of(AuthorizationRefused)] == ["NotOwner"]


def test_it_ignores_a_stop_answer_when_the_transaction_already_ended():
    h = station()
    h.tag_parent.update(TAG1="GROUP", TAG2="GROUP")
    h.charging(1, "TAG1")
    (auth,) = h.token(1, "TAG2")
    assert h.call("RemoteStopTransaction", {"transactionId": 1}) == [[3, "cs-1", {"status": "Accepted"}]]
    seen = h.play(h.answer_authorize(auth, parentIdTag="GROUP"))  # the stop was queued behind it
    assert seen == ["StopTransaction 1 Remote", "SN 1 Finishing"]


# -- EV side disconnected -------------------------------------------------------------------------
def test_it_tc_005_1_ev_side_disconnect_stops_unlocks_and_ends():
    h = station(StopTransactionOnEVSideDisconnect=True, UnlockConnectorOnEVSideDisconnect=True)
    h.charging(1)
    assert h.play(h.unplug(1)) == ["StopTransaction 1 EVDisconnected", "SN 1 Finishing", "SN 1 Available"]
    assert h.statuses[-2]["info"] == "EV side disconnected"
    assert unlocks(h) == 1


def test_it_tc_005_2_ev_side_disconnect_keeps_the_cable_until_unlock_connector():
    h = station(StopTransactionOnEVSideDisconnect=True, UnlockConnectorOnEVSideDisconnect=False)
    h.charging(1)
    assert h.play(h.unplug(1)) == ["StopTransaction 1 EVDisconnected", "SN 1 Finishing"]
    assert unlocks(h) == 0 and h.locked[1]
    assert h.play(h.token(1, "TAG9")) == []  # nobody starts on a Finishing connector
    assert h.play(h.call("UnlockConnector", {"connectorId": 1})) == ["conf Unlocked", "SN 1 Available"]


def test_it_tc_005_3_ev_side_disconnect_only_suspends_without_stop_on_ev_side_disconnect():
    h = station(
        StopTransactionOnEVSideDisconnect=False, UnlockConnectorOnEVSideDisconnect=True, MinimumStatusDuration=0
    )
    tx_id = h.charging(1)
    assert h.play(h.unplug(1)) == ["SN 1 SuspendedEV"]
    assert h.statuses[-1]["info"] == "EV side disconnected"
    assert unlocks(h) == 0 and h.locked[1]  # it overrides UnlockConnectorOnEVSideDisconnect
    seen = h.play(h.call("RemoteStopTransaction", {"transactionId": tx_id}))
    assert seen == ["conf Accepted", "StopTransaction 1 Remote", "SN 1 Finishing", "SN 1 Available"]


def test_it_resumes_when_the_ev_is_plugged_back_in():
    h = station(StopTransactionOnEVSideDisconnect=False)
    h.charging(1)
    assert h.play(h.unplug(1)) == ["SN 1 SuspendedEV"]
    assert h.play(h.plug(1)) == ["SN 1 Charging"]
    h.play(h.ev_suspend(1))
    assert h.play(h.unplug(1)) == []
    assert h.play(h.plug(1)) == ["SN 1 Charging"]  # a cable plugged in is taken to draw ...
    assert h.play(h.ev_suspend(1)) == ["SN 1 SuspendedEV"]  # ... until the EV says otherwise


def test_it_stays_finishing_when_the_automatic_unlock_fails_until_unplugged():
    h = station()
    h.unlock_result[1] = "UnlockFailed"
    h.charging(1)
    assert h.play(h.token(1, "TAG1")) == ["StopTransaction 1 Local", "SN 1 Finishing"]
    assert h.play(h.unplug(1)) == ["SN 1 Available"]


def test_it_ends_a_fixed_cable_session_when_the_ev_side_is_unplugged_and_there_is_no_lock():
    h = station(StopTransactionOnEVSideDisconnect=True)
    h.unlock_result[1] = "NotSupported"
    h.charging(1)
    assert h.play(h.unplug(1)) == ["StopTransaction 1 EVDisconnected", "SN 1 Finishing", "SN 1 Available"]


# -- StartTransaction.conf not Accepted -----------------------------------------------------------
def test_it_stops_deauthorized_and_keeps_the_cable_until_the_same_id_returns():
    h = station(StopTransactionOnInvalidId=True)
    h.play(h.plug(1))
    h.tag_status["TAG1"] = "Accepted"
    (auth,) = h.token(1, "TAG1")
    (start,) = h.answer_authorize(auth)
    seen = h.play(h.answer_start(start, "Invalid", 5))
    assert seen == ["SN 1 Charging", "StopTransaction 5 DeAuthorized", "SN 1 Finishing"]
    assert isinstance(h.commands[-1], PauseCharging) and h.locked[1]
    assert h.play(h.unplug(1)) == []  # the cable is locked at the station side
    assert h.play(h.token(1, "OTHER")) == []
    assert [e.status for e in h.events_of(AuthorizationRefused)] == ["Invalid"]
    assert h.play(h.plug(1)) == []
    assert h.play(h.unplug(1)) == []
    assert h.play(h.token(1, "TAG1")) == ["SN 1 Available"]
    assert not h.locked[1]


def test_it_releases_a_deauthorized_cable_still_plugged_and_ends_when_unplugged():
    h = station(StopTransactionOnInvalidId=True)
    h.tag_status["TAG1"] = "Accepted"
    h.play(h.plug(1))
    (auth,) = h.token(1, "TAG1")
    (start,) = h.answer_authorize(auth)
    h.play(h.answer_start(start, "Blocked", 5))
    assert h.play(h.token(1, "TAG1")) == []
    assert not h.locked[1]
    assert h.play(h.unplug(1)) == ["SN 1 Available"]


def test_it_only_suspends_an_invalid_transaction_without_stop_transaction_on_invalid_id():
    h = station(StopTransactionOnInvalidId=False)
    h.play(h.plug(1))
    (auth,) = h.token(1, "TAG1")
    (start,) = h.answer_authorize(auth)
    assert h.play(h.answer_start(start, "Invalid", 5)) == ["SN 1 Charging", "SN 1 SuspendedEVSE"]
    assert isinstance(h.commands[-1], PauseCharging)
    assert h.play(h.ev_suspend(1)) == []  # SuspendedEVSE has precedence
    assert h.play(h.ev_resume(1)) == []
    assert h.play(h.token(1, "TAG1")) == ["StopTransaction 5 Local", "SN 1 Finishing"]


def test_it_updates_the_cache_from_start_and_stop_confirmations():
    h = station(AuthorizationCacheEnabled=True)
    h.charging(1, "TAG1")
    assert [e.id_tag for e in h.cp.authorizer.cache_entries()] == ["TAG1"]
    h.tag_status["TAG1"] = "Expired"
    h.play(h.token(1, "TAG1"))
    assert h.cp.authorizer.cache_entries()[0].status == "Expired"


def test_it_reports_a_local_list_conflict_from_the_start_and_stop_confirmations():
    h = station(LocalPreAuthorize=True, StopTransactionOnInvalidId=False)
    entry = {"idTag": "TAG1", "idTagInfo": {"status": "Accepted"}}
    h.play(h.call("SendLocalList", {"listVersion": 1, "updateType": "Full", "localAuthorizationList": [entry]}))
    h.tag_status["TAG1"] = "Blocked"
    seen = h.play(h.plug(1))
    assert h.play(h.token(1, "TAG1")) == [
        "StartTransaction 1 TAG1",
        "SN 1 Charging",
        "SN 0 Available LocalListConflict",
        "SN 1 SuspendedEVSE",
    ]
    assert seen == ["SN 1 Preparing"]
    h.cp.sessions.connectors[0].clear_error()
    h.tag_status["TAG1"] = "Expired"
    assert h.play(h.token(1, "TAG1")) == ["StopTransaction 1 Local", "SN 1 Finishing"]
    assert h.cp.sessions.connectors[0].error_code == "LocalListConflict"


def test_it_stops_nothing_on_a_connector_without_a_transaction():
    h = station()
    assert not h.cp.sessions.stop_transaction(1, Reason.OTHER, h.now)
    assert not h.cp.sessions.stop_transaction(5, Reason.OTHER, h.now)


def test_it_ignores_the_answer_to_a_stop_transaction_it_does_not_know():
    h = station()
    request = StopTransactionRequest(meter_stop=0, timestamp=h.now, transaction_id=99)
    h.cp.send(request, h.now, tx_key="elsewhere")
    (stop,) = h.flush()
    assert h.play(h.answer_stop(stop, "Accepted")) == []


def test_it_builds_a_stop_request_without_a_size_limit():
    record = TransactionRecord(
        tx_key="k",
        connector_id=1,
        id_tag="TAG1",
        start_time=T0,
        meter_start=0,
        meter_last=5,
        meter_last_time=T0,
        stop_time=T0,
        meter_stop=5,
        stop_reason="Other",
    )
    payload = stop_request(Transaction(record=record), sampled=(), aligned=(), max_values=None, max_bytes=None)
    assert payload == {"meterStop": 5, "timestamp": "2026-03-01T12:00:00.000Z", "transactionId": -1, "reason": "Other"}

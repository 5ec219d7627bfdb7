"""Sessions: cold boot and starting a transaction (OCTT modules 01, 02, 04, 10/11; TC_008)."""

from __future__ import annotations

from ocpp_core.commands import LockConnector, ResumeCharging, Unlock
from ocpp_core.events import AuthorizationRefused
from ocpp_core.messages.core import AuthorizeRequest
from ocpp_core.storage import IdTagRecord, MeterValueAppend, QueuePut, Snapshot, TransactionPut
from tests.ocpp_core.helpers import config
from tests.ocpp_core.station_harness import StationHarness, describe, station


def refused(h: StationHarness) -> list[tuple[int, str, str]]:
    return [(e.connector_id, e.id_tag, e.status) for e in h.events_of(AuthorizationRefused)]


# -- 01 Cold boot ---------------------------------------------------------------------------------
def test_it_tc_001_cold_boot_rejected_then_accepted():
    h = StationHarness(config(Core={"MeterValueSampleInterval": 0}))
    (boot,) = h.connect()
    assert h.answer(boot, {"status": "Rejected", "currentTime": "2026-03-01T12:00:00Z", "interval": 30}) == []
    assert h.advance(29) == []
    (boot,) = h.advance(1)
    assert boot[2] == "BootNotification"
    frames = h.answer(boot, {"status": "Accepted", "currentTime": "2026-03-01T12:00:30Z", "interval": 20})
    assert h.play(frames) == ["SN 0 Available", "SN 1 Available", "SN 2 Available"]
    assert h.play(h.advance(20)) == ["Heartbeat"]


def test_it_tc_001_keeps_sending_heartbeats_every_interval():
    h = station()
    assert h.play(h.advance(86400)) == ["Heartbeat"]
    assert h.play(h.advance(86400)) == ["Heartbeat"]


def test_it_tc_002_cold_boot_pending_answers_configuration_and_sends_nothing():
    h = StationHarness(config(Core={"MeterValueSampleInterval": 0}))
    (boot,) = h.connect()
    assert h.answer(boot, {"status": "Pending", "currentTime": "2026-03-01T12:00:00Z", "interval": 30}) == []
    (reply,) = h.call("GetConfiguration", {"key": ["MeterValueSampleInterval"]})
    assert reply[2]["configurationKey"][0]["value"] == "0"
    assert h.call("ChangeConfiguration", {"key": "MeterValueSampleInterval", "value": "15"}, "cs-2") == [
        [3, "cs-2", {"status": "Accepted"}]
    ]
    assert h.plug(1) == []  # a status change while pending is not reported
    (boot,) = h.advance(30)
    frames = h.answer(boot, {"status": "Accepted", "currentTime": "2026-03-01T12:00:30Z", "interval": 60})
    assert h.play(frames) == ["SN 0 Available", "SN 1 Preparing", "SN 2 Available"]


# -- 02 Start charging session --------------------------------------------------------------------
def test_it_tc_003_regular_session_plug_first():
    h = station()
    assert h.play(h.plug(1)) == ["SN 1 Preparing"]
    (auth,) = h.token(1, "TAG1")
    assert describe(auth) == "Authorize TAG1"
    (start,) = h.answer_authorize(auth, "Accepted")
    assert start[3] == {"connectorId": 1, "idTag": "TAG1", "meterStart": 1000, "timestamp": "2026-03-01T12:00:00.000Z"}
    assert h.play(h.answer_start(start, "Accepted", 7)) == ["SN 1 Charging"]
    assert [type(c) for c in h.commands] == [LockConnector, ResumeCharging]
    tx = h.cp.sessions.transaction_on(1)
    assert tx is not None and tx.transaction_id == 7
    puts = [op.record for op in h.store.applied if isinstance(op, TransactionPut)]
    assert puts[0].tx_key == tx.tx_key and puts[0].transaction_id is None and puts[-1].transaction_id == 7


def test_it_journals_the_transaction_before_its_start_transaction_is_queued():
    h = station()
    h.play(h.plug(1))
    h.tag_status["TAG1"] = "Accepted"
    h.play(h.token(1, "TAG1"))
    kinds = [type(op) for op in h.store.applied]
    first_tx = kinds.index(TransactionPut)
    begin = kinds.index(MeterValueAppend)
    start_put = next(
        i
        for i, op in enumerate(h.store.applied)
        if isinstance(op, QueuePut) and op.message.action == "StartTransaction"
    )
    assert first_tx < start_put and begin < start_put


def test_it_tc_004_1_regular_session_identification_first():
    h = station()
    assert h.play(h.token(1, "TAG1")) == ["Authorize TAG1", "SN 1 Preparing"]
    assert h.commands == []
    assert h.play(h.plug(1)) == ["StartTransaction 1 TAG1", "SN 1 Charging"]


def test_it_tc_004_2_identification_first_connection_timeout_goes_back_to_available():
    h = station(ConnectionTimeOut=30)
    assert h.play(h.token(1, "TAG1")) == ["Authorize TAG1", "SN 1 Preparing"]
    assert h.play(h.advance(29)) == []
    assert h.play(h.advance(1)) == ["SN 1 Available"]
    assert h.play(h.plug(1)) == ["SN 1 Preparing"]  # the identification is gone: no StartTransaction
    assert not any(f[2] == "StartTransaction" for f in h.wire if f[0] == 2)


def test_it_goes_finishing_when_a_plugged_cable_waits_too_long_and_refuses_tokens_there():
    h = station(ConnectionTimeOut=30)
    assert h.play(h.plug(1)) == ["SN 1 Preparing"]
    assert h.play(h.advance(30)) == ["SN 1 Finishing"]
    assert h.statuses[-1]["info"] == "ConnectionTimeout"
    assert h.play(h.token(1, "TAG1")) == []  # erratum 3.20: no transaction on the dangling cable
    assert refused(h) == [(1, "TAG1", "Finishing")]
    assert h.play(h.unplug(1)) == ["SN 1 Available"]
    assert h.play(h.plug(1)) == ["SN 1 Preparing"]
    assert h.play(h.token(1, "TAG1")) == ["Authorize TAG1", "StartTransaction 1 TAG1", "SN 1 Charging"]


def test_it_ignores_a_zero_connection_timeout():
    h = station(ConnectionTimeOut=0)
    h.play(h.token(1, "TAG1"))
    assert h.cp.next_deadline() is not None  # the heartbeat only
    assert h.play(h.advance(3600)) == []
    assert h.cp.connector_views()[1]["status"] == "Preparing"


def test_it_cancels_a_waiting_identification_presented_a_second_time():
    h = station()
    assert h.play(h.token(1, "TAG1")) == ["Authorize TAG1", "SN 1 Preparing"]
    assert h.play(h.token(1, "TAG1")) == ["SN 1 Available"]  # B1: second presentation
    assert h.play(h.token(1, "OTHER")) == ["Authorize OTHER", "SN 1 Preparing"]
    assert h.play(h.token(1, "THIRD")) == []
    assert refused(h) == [(1, "THIRD", "Preparing")]


def test_it_starts_suspended_ev_when_the_ev_does_not_draw():
    h = station()
    h.play(h.plug(1))
    h.play(h.ev_suspend(1))
    assert h.play(h.token(1, "TAG1")) == ["Authorize TAG1", "StartTransaction 1 TAG1", "SN 1 SuspendedEV"]
    assert h.play(h.ev_resume(1)) == ["SN 1 Charging"]
    assert h.play(h.ev_suspend(1)) == ["SN 1 SuspendedEV"]


def test_it_starts_with_meter_start_zero_without_a_meter():
    h = station()
    h.metering = False
    h.play(h.plug(1))
    h.play(h.token(1, "TAG1"))
    start = next(f for f in h.wire if f[0] == 2 and f[2] == "StartTransaction")
    assert start[3]["meterStart"] == 0


def test_it_gives_a_station_wide_token_to_the_connector_that_can_use_it():
    h = station()
    h.play(h.plug(2))
    assert h.play(h.token(0, "TAG1")) == ["Authorize TAG1", "StartTransaction 2 TAG1", "SN 2 Charging"]
    assert h.play(h.token(0, "TAG1")) == ["StopTransaction 1 Local", "SN 2 Finishing"]  # its transaction
    assert h.play(h.token(0, "TAG2")) == []  # two connectors, no cable waiting: no idea which
    assert refused(h) == [(0, "TAG2", "NoConnector")]
    single = station(NumberOfConnectors=1)
    assert single.play(single.token(0, "TAG1")) == ["Authorize TAG1", "SN 1 Preparing"]


# -- 04 Cache, LocalPreAuthorize, local list ------------------------------------------------------
def cached(tag: str, status: str = "Accepted", parent: str | None = None) -> Snapshot:
    return Snapshot(auth_cache=(IdTagRecord(id_tag=tag, status=status, parent_id_tag=parent),))


def test_it_tc_007_1_starts_on_a_cached_id_without_waiting_for_authorize():
    data = config(Core={"MeterValueSampleInterval": 0, "AuthorizationCacheEnabled": True, "LocalPreAuthorize": True})
    h = StationHarness(data, cached("TAG1"))
    h.play(h.boot())
    assert h.play(h.token(1, "TAG1")) == ["SN 1 Preparing"]
    assert h.play(h.plug(1)) == ["StartTransaction 1 TAG1", "SN 1 Charging"]


def test_it_asks_the_central_system_for_a_cached_id_without_local_pre_authorize():
    data = config(Core={"MeterValueSampleInterval": 0, "AuthorizationCacheEnabled": True, "LocalPreAuthorize": False})
    h = StationHarness(data, cached("TAG1"))
    h.play(h.boot())
    assert h.play(h.token(1, "TAG1")) == ["Authorize TAG1", "SN 1 Preparing"]


def test_it_asks_again_for_a_cached_id_that_is_not_valid():
    data = config(Core={"MeterValueSampleInterval": 0, "AuthorizationCacheEnabled": True, "LocalPreAuthorize": True})
    h = StationHarness(data, cached("TAG1", "Blocked"))
    h.play(h.boot())
    assert h.play(h.token(1, "TAG1")) == ["Authorize TAG1", "SN 1 Preparing"]
    assert h.cp.authorizer.cache_entries()[0].status == "Accepted"


def test_it_tc_061_1_clear_cache_makes_the_next_presentation_ask_again():
    data = config(Core={"MeterValueSampleInterval": 0, "AuthorizationCacheEnabled": True, "LocalPreAuthorize": True})
    h = StationHarness(data, cached("TAG1"))
    h.play(h.boot())
    assert h.play(h.call("ClearCache", {})) == ["conf Accepted"]
    assert h.store.snapshot().auth_cache == ()
    assert h.play(h.token(1, "TAG1")) == ["Authorize TAG1", "SN 1 Preparing"]


def test_it_rejects_clear_cache_without_a_cache():
    h = station()
    assert h.play(h.call("ClearCache", {})) == ["conf Rejected"]


def test_it_tc_008_1_starts_on_an_id_of_the_local_list():
    h = station(LocalPreAuthorize=True)
    entry = {"idTag": "TAG1", "idTagInfo": {"status": "Accepted"}}
    payload = {"listVersion": 1, "updateType": "Full", "localAuthorizationList": [entry]}
    assert h.play(h.call("SendLocalList", payload)) == ["conf Accepted"]
    assert h.play(h.token(1, "TAG1")) == ["SN 1 Preparing"]
    assert h.play(h.plug(1)) == ["StartTransaction 1 TAG1", "SN 1 Charging"]


def test_it_refuses_a_blocked_id_of_the_local_list_without_asking():
    h = station(LocalPreAuthorize=True)
    entry = {"idTag": "TAG1", "idTagInfo": {"status": "Blocked"}}
    h.play(h.call("SendLocalList", {"listVersion": 1, "updateType": "Full", "localAuthorizationList": [entry]}))
    assert h.play(h.token(1, "TAG1")) == []
    assert refused(h) == [(1, "TAG1", "Blocked")]


def test_it_reports_a_local_list_conflict_on_connector_zero():
    h = station(LocalPreAuthorize=False)
    entry = {"idTag": "TAG1", "idTagInfo": {"status": "Accepted"}}
    h.play(h.call("SendLocalList", {"listVersion": 1, "updateType": "Full", "localAuthorizationList": [entry]}))
    h.tag_status["TAG1"] = "Blocked"
    assert h.play(h.token(1, "TAG1")) == ["Authorize TAG1", "SN 0 Available LocalListConflict"]
    assert refused(h) == [(1, "TAG1", "Blocked")]
    assert h.play(h.token(2, "TAG1")) == ["Authorize TAG1"]  # reported once while active


# -- 10/11 Basic actions, non-happy ---------------------------------------------------------------
def test_it_tc_023_4_does_not_start_for_an_invalid_id():
    h = station(LocalPreAuthorize=True, MinimumStatusDuration=10)
    h.tag_status["BAD"] = "Invalid"
    assert h.play(h.token(1, "BAD")) == ["Authorize BAD"]
    assert refused(h) == [(1, "BAD", "Invalid")]
    assert h.play(h.plug(1)) == []
    assert h.play(h.advance(10)) == ["SN 1 Preparing"]
    assert h.play(h.advance(120)) == ["SN 1 Finishing"]
    assert not any(f[2] == "StartTransaction" for f in h.wire if f[0] == 2)


def test_it_tc_024_reports_a_lock_failure_and_does_not_start():
    h = station(ConnectionTimeOut=30)
    h.lock_ok[1] = False
    h.play(h.plug(1))
    # OCTT TC_024: the lock failure is a fault (status Faulted, errorCode ConnectorLockFailure)
    assert h.play(h.token(1, "TAG1")) == ["Authorize TAG1", "SN 1 Faulted ConnectorLockFailure"]
    assert h.cp.sessions.transaction_on(1) is None
    assert h.play(h.advance(30)) == []  # the session times out underneath, silently while faulted
    assert h.play(h.unplug(1)) == ["SN 1 Available"]  # the fault ends with the session


def test_it_clears_the_lock_failure_with_the_session_and_charges_next_time():
    h = station()
    h.lock_ok[1] = False
    h.play(h.plug(1))
    h.play(h.token(1, "TAG1"))
    assert h.play(h.token(1, "TAG1")) == []  # refused while faulted
    assert h.play(h.unplug(1)) == ["SN 1 Available"]
    h.lock_ok[1] = True
    assert h.play(h.plug(1)) == ["SN 1 Preparing"]
    assert h.play(h.token(1, "TAG1")) == ["Authorize TAG1", "StartTransaction 1 TAG1", "SN 1 Charging"]


def test_it_releases_the_lock_when_the_cable_left_while_it_was_locking():
    h = station()
    h.hold_hardware = True
    h.play(h.plug(1))
    h.play(h.token(1, "TAG1"))
    assert h.play(h.unplug(1)) == ["SN 1 Available"]
    h.hold_hardware = False
    assert h.play(h.release()) == []
    assert [type(c) for c in h.commands] == [LockConnector, Unlock]
    assert h.cp.sessions.transaction_on(1) is None


def test_it_does_not_start_when_the_connector_faulted_while_locking():
    h = station()
    h.hold_hardware = True
    h.play(h.plug(1))
    h.play(h.token(1, "TAG1"))
    assert h.play(h.fault(1)) == ["SN 1 Faulted GroundFailure"]
    h.hold_hardware = False
    assert h.play(h.release()) == []
    assert h.cp.sessions.transaction_on(1) is None
    assert isinstance(h.commands[-1], Unlock)


def test_it_ignores_an_unknown_lock_result():
    h = station()
    h.cp.hardware_result("lock-99", True, h.now)
    h.cp.hardware_result("unlock-99", "Unlocked", h.now)
    assert h.flush() == []


def test_it_refuses_a_token_while_an_authorize_is_outstanding_there():
    h = station()
    h.play(h.plug(1))
    (auth,) = h.token(1, "TAG1")
    assert h.token(1, "TAG2") == []
    assert refused(h) == [(1, "TAG2", "Preparing")]
    h.play(h.answer_authorize(auth))
    assert h.cp.sessions.transaction_on(1) is not None


def test_it_settles_an_authorize_lost_with_the_connection_by_the_offline_rules():
    h = station(AllowOfflineTxForUnknownId=True)
    h.play(h.plug(1))
    (auth,) = h.token(1, "TAG1")
    assert auth[2] == "Authorize"
    h.disconnect()
    assert h.advance(30) == []  # message timeout: the question is settled offline, unknown id allowed
    assert h.cp.sessions.transaction_on(1) is not None
    seen = h.play(h.connect())
    assert seen[:2] == ["StartTransaction 1 TAG1", "SN 0 Available"]
    assert "SN 1 Charging" in seen


def test_it_settles_an_authorize_that_failed_by_the_offline_rules():
    h = station()
    h.play(h.plug(1))
    (auth,) = h.token(1, "TAG1")
    assert h.receive([4, auth[1], "InternalError", "", {}]) == []
    assert refused(h) == [(1, "TAG1", "Invalid")]


def test_it_keeps_waiting_for_an_authorize_queued_behind_other_messages():
    h = station(ConnectionTimeOut=300)
    h.play(h.plug(2))
    (auth,) = h.token(2, "TAG2")
    (start,) = h.answer_authorize(auth)
    assert start[2] == "StartTransaction"  # left unanswered: everything else waits behind it
    h.play(h.plug(1))
    assert h.token(1, "TAG1") == []
    frames = h.advance(30)  # the StartTransaction times out, the Authorize goes meanwhile
    assert [describe(f) for f in frames] == ["SN 2 Charging"]
    assert h.cp.sessions.identification.asking(1)
    seen = h.play(frames)
    assert seen[:2] == ["SN 2 Charging", "SN 1 Preparing"] and "Authorize TAG1" in seen
    assert h.cp.sessions.transaction_on(1) is not None


def test_it_falls_back_on_the_cache_when_the_authorize_fails():
    data = config(Core={"MeterValueSampleInterval": 0, "AuthorizationCacheEnabled": True, "LocalPreAuthorize": False})
    h = StationHarness(data, cached("TAG1"))
    h.play(h.boot(interval=86400))
    h.play(h.plug(1))
    (auth,) = h.token(1, "TAG1")
    assert h.play(h.receive([4, auth[1], "InternalError", "", {}])) == ["StartTransaction 1 TAG1", "SN 1 Charging"]


def test_it_ignores_the_answer_to_an_authorize_it_did_not_ask():
    h = station()
    h.cp.send(AuthorizeRequest(id_tag="TAG1"), h.now)
    (auth,) = h.flush()
    assert h.play(h.answer_authorize(auth)) == []
    assert h.cp.connector_views()[1]["status"] == "Available"

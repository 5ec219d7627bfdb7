"""Sessions: the central system's requests (OCTT modules 05, 07, 08, 12, 13, 16, 24; TC_007_2, TC_023_5)."""

from __future__ import annotations

from typing import Any

import pytest

from ocpp_core.commands import PauseCharging, ResumeCharging, Unlock
from ocpp_core.events import AuthorizationRefused
from ocpp_core.storage import IdTagRecord, Snapshot
from tests.ocpp_core.helpers import config
from tests.ocpp_core.station_harness import StationHarness, station

PROFILE = {
    "chargingProfileId": 1,
    "stackLevel": 0,
    "chargingProfilePurpose": "TxProfile",
    "chargingProfileKind": "Relative",
    "chargingSchedule": {"chargingRateUnit": "A", "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16.0}]},
}


def remote_start(h: StationHarness, payload: dict[str, Any], unique_id: str = "cs-1") -> list[str]:
    return h.play(h.call("RemoteStartTransaction", payload, unique_id))


# -- 05 Remote actions ----------------------------------------------------------------------------
@pytest.mark.parametrize("authorize_remote", [True, False])
def test_it_tc_010_remote_start_with_the_cable_plugged_in_first(authorize_remote):
    h = station(AuthorizeRemoteTxRequests=authorize_remote)
    assert h.play(h.plug(1)) == ["SN 1 Preparing"]
    seen = remote_start(h, {"connectorId": 1, "idTag": "TAG1"})
    asked = ["Authorize TAG1"] if authorize_remote else []
    assert seen == ["conf Accepted", *asked, "StartTransaction 1 TAG1", "SN 1 Charging"]


@pytest.mark.parametrize("authorize_remote", [True, False])
def test_it_tc_011_1_remote_start_first(authorize_remote):
    h = station(AuthorizeRemoteTxRequests=authorize_remote)
    asked = ["Authorize TAG1"] if authorize_remote else []
    assert remote_start(h, {"connectorId": 1, "idTag": "TAG1"}) == ["conf Accepted", *asked, "SN 1 Preparing"]
    assert h.play(h.plug(1)) == ["StartTransaction 1 TAG1", "SN 1 Charging"]


def test_it_tc_011_2_remote_start_times_out_without_a_cable():
    h = station(ConnectionTimeOut=20)
    assert remote_start(h, {"connectorId": 1, "idTag": "TAG1"}) == ["conf Accepted", "SN 1 Preparing"]
    assert h.play(h.advance(20)) == ["SN 1 Available"]
    assert not any(f[2] == "StartTransaction" for f in h.wire if f[0] == 2)


def test_it_tc_012_remote_stop():
    h = station()
    tx_id = h.charging(1)
    seen = h.play(h.call("RemoteStopTransaction", {"transactionId": tx_id}))
    assert seen == ["conf Accepted", "StopTransaction 1 Remote", "SN 1 Finishing"]
    assert h.play(h.unplug(1)) == ["SN 1 Available"]


def test_it_tc_007_2_remote_start_with_a_cached_id():
    data = config(
        Core={
            "MeterValueSampleInterval": 0,
            "AuthorizationCacheEnabled": True,
            "LocalPreAuthorize": True,
            "AuthorizeRemoteTxRequests": True,
        }
    )
    h = StationHarness(data, Snapshot(auth_cache=(IdTagRecord(id_tag="TAG1", status="Accepted"),)))
    h.play(h.boot(interval=86400))
    assert remote_start(h, {"connectorId": 1, "idTag": "TAG1"}) == ["conf Accepted", "SN 1 Preparing"]
    assert h.play(h.plug(1)) == ["StartTransaction 1 TAG1", "SN 1 Charging"]


def test_it_tc_008_2_remote_start_with_an_id_of_the_local_list():
    h = station(LocalPreAuthorize=True, AuthorizeRemoteTxRequests=True)
    entry = {"idTag": "TAG1", "idTagInfo": {"status": "Accepted"}}
    h.play(h.call("SendLocalList", {"listVersion": 1, "updateType": "Full", "localAuthorizationList": [entry]}))
    assert remote_start(h, {"connectorId": 1, "idTag": "TAG1"}, "cs-2") == ["conf Accepted", "SN 1 Preparing"]


def test_it_remote_starts_on_the_connector_with_a_cable_when_none_is_given():
    h = station()
    h.play(h.plug(2))
    seen = remote_start(h, {"idTag": "TAG1"})
    assert seen == ["conf Accepted", "StartTransaction 2 TAG1", "SN 2 Charging"]
    assert remote_start(h, {"idTag": "TAG2"}, "cs-2") == ["conf Accepted", "SN 1 Preparing"]
    assert remote_start(h, {"idTag": "TAG3"}, "cs-3") == ["conf Rejected"]


def test_it_accepts_a_remote_start_with_a_tx_profile():
    h = station()
    assert remote_start(h, {"connectorId": 1, "idTag": "TAG1", "chargingProfile": PROFILE}) == [
        "conf Accepted",
        "SN 1 Preparing",
    ]


# -- 12 Remote actions, non-happy -----------------------------------------------------------------
def test_it_tc_023_5_remote_start_with_an_invalid_id_does_not_start():
    h = station(AuthorizeRemoteTxRequests=True)
    h.tag_status["BAD"] = "Invalid"
    assert remote_start(h, {"connectorId": 1, "idTag": "BAD"}) == ["conf Accepted", "Authorize BAD"]
    assert h.play(h.plug(1)) == ["SN 1 Preparing"]
    assert not any(f[2] == "StartTransaction" for f in h.wire if f[0] == 2)


def test_it_tc_026_rejects_a_remote_start_on_a_busy_connector():
    h = station()
    h.charging(1)
    assert remote_start(h, {"connectorId": 1, "idTag": "TAG2"}) == ["conf Rejected"]


def test_it_rejects_a_remote_start_while_an_identification_is_checked_there():
    h = station()
    h.play(h.plug(1))
    (auth,) = h.token(1, "TAG1")
    assert h.call("RemoteStartTransaction", {"connectorId": 1, "idTag": "TAG2"}) == [
        [3, "cs-1", {"status": "Rejected"}]
    ]


def test_it_tc_027_rejects_a_remote_start_on_connector_zero():
    h = station()
    assert remote_start(h, {"connectorId": 0, "idTag": "TAG1"}) == ["conf Rejected"]


def test_it_rejects_a_remote_start_on_an_unknown_or_unusable_connector():
    h = station()
    assert remote_start(h, {"connectorId": 3, "idTag": "TAG1"}) == ["conf Rejected"]
    h.play(h.fault(1))
    assert remote_start(h, {"connectorId": 1, "idTag": "TAG1"}, "cs-2") == ["conf Rejected"]


def test_it_tc_060_rejects_a_remote_start_with_another_profile_purpose():
    h = station()
    profile = {**PROFILE, "chargingProfilePurpose": "TxDefaultProfile"}
    assert remote_start(h, {"connectorId": 1, "idTag": "TAG1", "chargingProfile": profile}) == ["conf Rejected"]
    with_tx = {**PROFILE, "transactionId": 5}
    assert remote_start(h, {"connectorId": 1, "idTag": "TAG1", "chargingProfile": with_tx}, "cs-2") == ["conf Rejected"]


def test_it_tc_028_rejects_a_remote_stop_of_an_unknown_transaction():
    h = station()
    h.charging(1)
    assert h.play(h.call("RemoteStopTransaction", {"transactionId": 999})) == ["conf Rejected"]


def test_it_does_not_start_when_the_connector_faulted_while_the_remote_id_was_checked():
    h = station(AuthorizeRemoteTxRequests=True)
    reply, auth = h.call("RemoteStartTransaction", {"connectorId": 1, "idTag": "TAG1"})
    assert reply[2] == {"status": "Accepted"} and auth[2] == "Authorize"
    h.fault(1)
    assert h.play(h.answer_authorize(auth)) == ["SN 1 Faulted GroundFailure"]
    refused = h.events_of(AuthorizationRefused)
    assert [(e.id_tag, e.status) for e in refused] == [("TAG1", "Faulted")]


# -- 07/13 Unlocking ------------------------------------------------------------------------------
def test_it_tc_017_1_unlocks_a_connector_without_a_session():
    h = station()
    assert h.play(h.call("UnlockConnector", {"connectorId": 1})) == ["conf Unlocked"]
    assert [type(c) for c in h.commands] == [Unlock]


def test_it_tc_017_2_answers_not_supported_for_a_fixed_cable():
    h = station()
    h.unlock_result[1] = "NotSupported"
    assert h.play(h.call("UnlockConnector", {"connectorId": 1})) == ["conf NotSupported"]


def test_it_tc_018_1_stops_the_transaction_after_unlocking():
    h = station()
    h.charging(1)
    seen = h.play(h.call("UnlockConnector", {"connectorId": 1}))
    assert seen == ["conf Unlocked", "StopTransaction 1 UnlockCommand", "SN 1 Finishing"]
    assert [type(c) for c in h.commands[-3:]] == [PauseCharging, Unlock, PauseCharging]
    assert len(h.commands_of(Unlock)) == 1  # no second unlock after the stop
    assert h.play(h.unplug(1)) == ["SN 1 Available"]


def test_it_ends_the_session_at_once_when_unlocked_after_the_ev_left():
    h = station(StopTransactionOnEVSideDisconnect=False)
    h.charging(1)
    h.play(h.unplug(1))
    seen = h.play(h.call("UnlockConnector", {"connectorId": 1}))
    assert seen == ["conf Unlocked", "StopTransaction 1 UnlockCommand", "SN 1 Finishing", "SN 1 Available"]


def test_it_tc_018_2_does_not_stop_for_a_fixed_cable():
    h = station()
    h.unlock_result[1] = "NotSupported"
    h.charging(1)
    assert h.play(h.call("UnlockConnector", {"connectorId": 1})) == ["conf NotSupported"]
    assert isinstance(h.commands[-1], ResumeCharging)
    assert h.cp.sessions.transaction_on(1) is not None


def test_it_stops_for_a_fixed_cable_with_stop_transaction_if_unlock_not_supported():
    h = station(sections={"Internal": {"StopTransactionIfUnlockNotSupported": True}})
    h.unlock_result[1] = "NotSupported"
    h.charging(1)
    seen = h.play(h.call("UnlockConnector", {"connectorId": 1}))
    assert seen == ["conf NotSupported", "StopTransaction 1 UnlockCommand", "SN 1 Finishing"]


def test_it_tc_030_answers_unlock_failed():
    h = station()
    h.unlock_result[1] = "UnlockFailed"
    assert h.play(h.call("UnlockConnector", {"connectorId": 1})) == ["conf UnlockFailed"]


def test_it_still_finishes_the_transaction_when_the_unlock_fails():
    h = station()
    h.unlock_result[1] = "UnlockFailed"
    h.charging(1)
    seen = h.play(h.call("UnlockConnector", {"connectorId": 1}))
    assert seen == ["conf UnlockFailed", "StopTransaction 1 UnlockCommand", "SN 1 Finishing"]
    assert h.locked[1]


def test_it_reads_an_unknown_unlock_result_as_a_failure():
    h = station()
    h.unlock_result[1] = "Jammed"
    assert h.play(h.call("UnlockConnector", {"connectorId": 1})) == ["conf UnlockFailed"]


@pytest.mark.parametrize("connector_id", [0, 3])
def test_it_tc_031_answers_not_supported_for_an_unknown_connector(connector_id):
    h = station()
    assert h.play(h.call("UnlockConnector", {"connectorId": connector_id})) == ["conf NotSupported"]
    assert h.commands == []


def test_it_answers_unlock_failed_when_the_hardware_does_not_answer_an_unlock():
    h = station()
    h.hold_hardware = True
    assert h.call("UnlockConnector", {"connectorId": 1}) == []
    (reply,) = h.advance(10)
    assert reply[0] == 3 and reply[2] == {"status": "UnlockFailed"}


# -- 08/16 Configuration, 24 Data transfer --------------------------------------------------------
def test_it_tc_019_retrieves_the_configuration():
    h = station()
    (reply,) = h.call("GetConfiguration", {})
    keys = {k["key"]: k for k in reply[2]["configurationKey"]}
    assert keys["NumberOfConnectors"] == {"key": "NumberOfConnectors", "readonly": True, "value": "2"}
    assert {"ConnectionTimeOut", "StopTransactionOnInvalidId", "SupportedFeatureProfiles"} <= set(keys)
    (reply,) = h.call("GetConfiguration", {"key": ["HeartbeatInterval", "Nope"]}, "cs-2")
    assert reply[2]["unknownKey"] == ["Nope"] and reply[2]["configurationKey"][0]["value"] == "86400"


def test_it_tc_021_changes_the_configuration_and_applies_the_sample_interval():
    h = station()
    h.charging(1)
    assert h.play(h.call("ChangeConfiguration", {"key": "MeterValueSampleInterval", "value": "30"})) == [
        "conf Accepted"
    ]
    assert h.play(h.advance(30)) == ["MeterValues 1 1 Sample.Periodic"]


@pytest.mark.parametrize(
    ("key", "value", "status"),
    [("NoSuchKey", "1", "NotSupported"), ("MeterValueSampleInterval", "-1", "Rejected")],
)
def test_it_tc_040_refuses_unknown_keys_and_invalid_values(key, value, status):
    h = station()
    assert h.play(h.call("ChangeConfiguration", {"key": key, "value": value})) == [f"conf {status}"]


def test_it_tc_062_answers_data_transfer_with_a_status():
    h = station()
    assert h.play(h.call("DataTransfer", {"vendorId": "com.unknown", "messageId": "x"})) == ["conf UnknownVendorId"]


def test_it_tc_061_2_clear_cache_makes_a_remote_start_ask_again():
    data = config(
        Core={
            "MeterValueSampleInterval": 0,
            "AuthorizationCacheEnabled": True,
            "LocalPreAuthorize": True,
            "AuthorizeRemoteTxRequests": True,
        }
    )
    h = StationHarness(data, Snapshot(auth_cache=(IdTagRecord(id_tag="TAG1", status="Accepted"),)))
    h.play(h.boot(interval=86400))
    assert h.play(h.call("ClearCache", {})) == ["conf Accepted"]
    seen = remote_start(h, {"connectorId": 1, "idTag": "TAG1"}, "cs-2")
    assert seen == ["conf Accepted", "Authorize TAG1", "SN 1 Preparing"]

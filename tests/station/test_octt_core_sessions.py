"""OCTT Core cases, end to end: module 03 (stop charging session) and 04 (authorization cache).

``ocpp16-spec.md`` §5.2. The *Charging* state is reached as OCTT defines it (plug in, present
identification, StartTransaction, StatusNotification Charging: :func:`octt.start_charging`).
``StopTransactionOnEVSideDisconnect`` is read-only in this station, so TC_005_3 sets it in the
config file (OCTT would skip the case for a read-only key; the behaviour is what is tested here).
"""

from __future__ import annotations

import itertools
from typing import Any

from ocpp.v16 import call, call_result

from tests import csms as _csms
from tests.csms import TestCentralSystem
from tests.station import octt
from tests.station.octt import (
    CP_ID,
    boot_accepted,
    cache_id_tag,
    calls,
    last_seq,
    running_station,
    start_charging,
    status_of,
    status_seen,
    wait_answer,
    wait_status,
)

csms = _csms.csms
migrated_template = octt.migrated_template

#: OCTT's prerequisites for module 04: an authorization cache consulted while online.
CACHE = {"Core": {"AuthorizationCacheEnabled": True, "LocalPreAuthorize": True}}


def assert_local_stop(stop: dict[str, Any]) -> None:
    """A stop by a presented identification: reason Local or omitted."""
    assert stop.get("reason", "Local") == "Local", stop


# --------------------------------------------------------------------------------------- module 03


async def test_it_tc_005_1_ev_side_disconnected_stop_and_unlock(tmp_path, csms: TestCentralSystem, migrated_template):
    overrides = {"Core": {"StopTransactionOnEVSideDisconnect": True, "UnlockConnectorOnEVSideDisconnect": True}}
    async with running_station(tmp_path, csms, migrated_template, overrides=overrides) as station:
        await boot_accepted(csms)
        charging = await start_charging(station, csms)
        mark = last_seq(csms)
        await station.unplug(1)
        stop = await csms.wait_for("StopTransaction")
        assert stop.payload["reason"] == "EVDisconnected"
        assert stop.payload["transactionId"] == charging.transaction_id
        assert stop.payload["meterStop"] >= charging.start.payload["meterStart"]
        finishing = await wait_status(csms, 1, "Finishing", after=mark)  # either order with the StopTransaction
        assert finishing.payload["errorCode"] == "NoError"
        available = await wait_status(csms, 1, "Available", after=mark)  # unlocked, cable out
        assert available.seq > finishing.seq
        connector = await station.connector(1)
        assert connector["status"] == "Available" and connector["transaction_id"] is None
        transactions = await station.get("/api/v1/transactions")
        assert transactions[0]["reason"] == "EVDisconnected"


async def test_it_tc_005_2_ev_side_disconnected_stop_keep_locked(tmp_path, csms: TestCentralSystem, migrated_template):
    overrides = {"Core": {"StopTransactionOnEVSideDisconnect": True, "UnlockConnectorOnEVSideDisconnect": False}}
    async with running_station(tmp_path, csms, migrated_template, overrides=overrides) as station:
        await boot_accepted(csms)
        charging = await start_charging(station, csms)
        mark = last_seq(csms)
        await station.unplug(1)
        stop = await csms.wait_for("StopTransaction")
        assert stop.payload["reason"] == "EVDisconnected"
        assert stop.payload["transactionId"] == charging.transaction_id
        await wait_status(csms, 1, "Finishing", after=mark)
        assert (await station.connector(1))["status"] == "Finishing"  # the cable stays locked

        result = await csms.call(CP_ID, call.UnlockConnector(connector_id=1))
        assert result.status == "Unlocked"
        unlocked = await csms.wait_for("UnlockConnector", message_type=3)
        available = await wait_status(csms, 1, "Available", after=mark)
        assert available.seq > unlocked.seq, "Available before the UnlockConnector: the cable was not kept locked"
        assert len(status_seen(csms, 1, "Available", after=mark)) == 1
        assert len(calls(csms, "StopTransaction")) == 1


async def test_it_tc_005_3_ev_side_disconnected_keep_transaction(tmp_path, csms: TestCentralSystem, migrated_template):
    overrides = {
        "Core": {
            "StopTransactionOnEVSideDisconnect": False,
            "UnlockConnectorOnEVSideDisconnect": False,
            "MinimumStatusDuration": 0,
        }
    }
    async with running_station(tmp_path, csms, migrated_template, overrides=overrides) as station:
        await boot_accepted(csms)
        config = await csms.call(CP_ID, call.GetConfiguration(key=["StopTransactionOnEVSideDisconnect"]))
        assert config.configuration_key[0]["value"] == "false"
        charging = await start_charging(station, csms)
        mark = last_seq(csms)
        await station.unplug(1)
        suspended = await wait_status(csms, 1, "SuspendedEV", after=mark)
        assert suspended.payload["errorCode"] == "NoError"
        assert calls(csms, "StopTransaction") == []
        connector = await station.connector(1)
        assert connector["status"] == "SuspendedEV" and connector["transaction_id"] == charging.transaction_id

        result = await csms.call(CP_ID, call.RemoteStopTransaction(transaction_id=charging.transaction_id))
        assert result.status == "Accepted"
        stop = await csms.wait_for("StopTransaction")
        assert stop.payload["reason"] == "Remote"
        assert stop.payload["transactionId"] == charging.transaction_id
        available = await wait_status(csms, 1, "Available", after=suspended.seq)  # the EV is gone already
        after_stop = [status_of(f) for f in calls(csms, "StatusNotification", after=suspended.seq)]
        assert after_stop in ([(1, "Finishing"), (1, "Available")], [(1, "Available")]), after_stop
        assert available.payload["errorCode"] == "NoError"
        assert len(calls(csms, "StopTransaction")) == 1


async def test_it_tc_068_stop_transaction_same_id_tag(tmp_path, csms: TestCentralSystem, migrated_template):
    async with running_station(tmp_path, csms, migrated_template) as station:
        await boot_accepted(csms)
        charging = await start_charging(station, csms, id_tag="TAG-A")
        mark = last_seq(csms)
        await station.token(1, "TAG-A")
        stop = await csms.wait_for("StopTransaction")
        assert stop.payload["idTag"] == "TAG-A"
        assert stop.payload["transactionId"] == charging.transaction_id
        assert_local_stop(stop.payload)
        await wait_status(csms, 1, "Finishing", after=mark)
        assert calls(csms, "Authorize", after=mark) == [], "the starting idTag needs no Authorize to stop"


async def test_it_tc_069_stop_transaction_same_parent_id_tag(tmp_path, csms: TestCentralSystem, migrated_template):
    """A second card of the same group stops the transaction: Authorize(B) returns the same parentIdTag."""
    transaction_ids = itertools.count(500)

    def authorize(cp_id: str, id_tag: str, **_: Any) -> Any:
        return call_result.Authorize(id_tag_info={"status": "Accepted", "parentIdTag": "GROUP-P"})

    def start_transaction(cp_id: str, id_tag: str, **_: Any) -> Any:
        return call_result.StartTransaction(
            transaction_id=next(transaction_ids), id_tag_info={"status": "Accepted", "parentIdTag": "GROUP-P"}
        )

    csms.overrides["Authorize"] = authorize
    csms.overrides["StartTransaction"] = start_transaction
    async with running_station(tmp_path, csms, migrated_template) as station:
        await boot_accepted(csms)
        charging = await start_charging(station, csms, id_tag="TAG-A")
        mark = last_seq(csms)
        await station.token(1, "TAG-B")
        authorize_b = await csms.wait_frame(lambda f: f.action == "Authorize" and f.seq > mark and f.message_type == 2)
        assert authorize_b.payload == {"idTag": "TAG-B"}
        stop = await csms.wait_for("StopTransaction")
        assert stop.seq > authorize_b.seq
        assert stop.payload["idTag"] == "TAG-B"
        assert stop.payload["transactionId"] == charging.transaction_id
        assert_local_stop(stop.payload)
        await wait_status(csms, 1, "Finishing", after=mark)


# --------------------------------------------------------------------------------------- module 04


async def test_it_tc_007_1_regular_start_cached_id(tmp_path, csms: TestCentralSystem, migrated_template):
    async with running_station(tmp_path, csms, migrated_template, overrides=CACHE) as station:
        await boot_accepted(csms)
        await cache_id_tag(station, csms, "TAG-CACHED")
        mark = last_seq(csms)
        await station.token(1, "TAG-CACHED")  # Authorize is optional for a cached id
        await wait_status(csms, 1, "Preparing", after=mark)
        await station.plug(1)
        start = await csms.wait_for("StartTransaction")
        assert start.payload["idTag"] == "TAG-CACHED" and start.payload["connectorId"] == 1
        await wait_status(csms, 1, "Charging", after=mark)
        answer = await wait_answer(csms, start)
        assert answer.payload["idTagInfo"]["status"] == "Accepted"


async def test_it_tc_007_2_remote_start_cached_id(tmp_path, csms: TestCentralSystem, migrated_template):
    overrides = octt.merge(CACHE, {"Core": {"AuthorizeRemoteTxRequests": True}})
    async with running_station(tmp_path, csms, migrated_template, overrides=overrides) as station:
        await boot_accepted(csms)
        await cache_id_tag(station, csms, "TAG-CACHED")
        mark = last_seq(csms)
        result = await csms.call(CP_ID, call.RemoteStartTransaction(id_tag="TAG-CACHED", connector_id=1))
        assert result.status == "Accepted"
        await wait_status(csms, 1, "Preparing", after=mark)
        await station.plug(1)
        start = await csms.wait_for("StartTransaction")
        assert start.payload["idTag"] == "TAG-CACHED" and start.payload["connectorId"] == 1
        await wait_status(csms, 1, "Charging", after=mark)


async def test_it_tc_061_1_clear_cache_local(tmp_path, csms: TestCentralSystem, migrated_template):
    async with running_station(tmp_path, csms, migrated_template, overrides=CACHE) as station:
        await boot_accepted(csms)
        await cache_id_tag(station, csms, "TAG-CACHED")
        result = await csms.call(CP_ID, call.ClearCache())
        assert result.status == "Accepted"
        mark = last_seq(csms)
        await station.token(1, "TAG-CACHED")
        authorize = await csms.wait_frame(lambda f: f.action == "Authorize" and f.seq > mark and f.message_type == 2)
        assert authorize.payload == {"idTag": "TAG-CACHED"}
        preparing = await wait_status(csms, 1, "Preparing", after=mark)
        assert preparing.seq > authorize.seq, "the cleared id was used before the central system answered"


async def test_it_tc_061_2_clear_cache_remote(tmp_path, csms: TestCentralSystem, migrated_template):
    overrides = octt.merge(CACHE, {"Core": {"AuthorizeRemoteTxRequests": True}})
    async with running_station(tmp_path, csms, migrated_template, overrides=overrides) as station:
        await boot_accepted(csms)
        await cache_id_tag(station, csms, "TAG-CACHED")
        result = await csms.call(CP_ID, call.ClearCache())
        assert result.status == "Accepted"
        mark = last_seq(csms)
        result = await csms.call(CP_ID, call.RemoteStartTransaction(id_tag="TAG-CACHED", connector_id=1))
        assert result.status == "Accepted"
        authorize = await csms.wait_frame(lambda f: f.action == "Authorize" and f.seq > mark and f.message_type == 2)
        assert authorize.payload == {"idTag": "TAG-CACHED"}
        preparing = await wait_status(csms, 1, "Preparing", after=mark)
        assert preparing.seq > authorize.seq
        await station.plug(1)
        start = await csms.wait_for("StartTransaction")
        assert start.payload["idTag"] == "TAG-CACHED"
        await wait_status(csms, 1, "Charging", after=mark)

"""Sessions: offline behaviour and power loss (OCTT modules 14, 15)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ocpp_core.enums import Reason
from ocpp_core.events import MessageDropped
from ocpp_core.storage import IdTagRecord, Snapshot
from tests.ocpp_core.helpers import config
from tests.ocpp_core.station_harness import StationHarness, station


def reconnect(h: StationHarness) -> list[str]:
    """Connect again (already accepted: no BootNotification) and answer everything."""
    return h.play(h.connect())


def power_cycle(h: StationHarness) -> tuple[StationHarness, list[str]]:
    h2 = h.restart()
    (boot,) = h2.connect()
    frames = h2.answer(boot, {"status": "Accepted", "currentTime": "2026-03-01T12:00:00Z", "interval": 86400})
    return h2, h2.play(frames)


def offline_station(**core) -> StationHarness:
    return station(AllowOfflineTxForUnknownId=True, **core)


def calls(h: StationHarness, action: str) -> list[dict[str, Any]]:
    return [f[3] for f in h.wire if f[0] == 2 and f[2] == action]


# -- 15 Offline -----------------------------------------------------------------------------------
def test_it_tc_036_delivers_the_meter_values_taken_offline_in_order():
    h = station(MeterValueSampleInterval=10)
    tx_id = h.charging(1)
    h.disconnect()
    assert h.advance(35) == []
    seen = reconnect(h)
    assert seen[:3] == [f"MeterValues 1 {tx_id} Sample.Periodic"] * 3
    assert seen[3:] == ["SN 0 Available", "SN 1 Charging", "SN 2 Available"]
    stamps = [v["meterValue"][0]["timestamp"] for v in calls(h, "MeterValues")]
    assert stamps == ["2026-03-01T12:00:10.000Z", "2026-03-01T12:00:20.000Z", "2026-03-01T12:00:30.000Z"]
    assert h.run(5) == [f"MeterValues 1 {tx_id} Sample.Periodic"]  # the new one comes after


def test_it_reports_no_status_change_while_offline_only_the_current_status_after():
    h = station()
    h.disconnect()
    h.play(h.plug(1))
    h.play(h.unplug(1))
    h.play(h.plug(2))
    assert not [e for e in h.events_of(MessageDropped) if e.action == "StatusNotification"]
    assert reconnect(h) == ["SN 0 Available", "SN 1 Available", "SN 2 Preparing"]


def test_it_tc_037_1_starts_offline_and_delivers_the_start_on_reconnect():
    h = offline_station()
    h.disconnect()
    assert h.plug(1) == [] and h.token(1, "TAG1") == []
    assert h.cp.connector_views()[1]["status"] == "Charging"
    assert reconnect(h) == ["StartTransaction 1 TAG1", "SN 0 Available", "SN 1 Charging", "SN 2 Available"]


def test_it_starts_offline_on_an_id_of_the_cache():
    data = config(Core={"MeterValueSampleInterval": 0, "AuthorizationCacheEnabled": True})
    h = StationHarness(data, Snapshot(auth_cache=(IdTagRecord(id_tag="TAG1", status="Accepted"),)))
    h.play(h.boot(interval=86400))
    h.disconnect()
    h.plug(1)
    h.token(1, "TAG1")
    h.token(2, "OTHER")  # unknown offline, AllowOfflineTxForUnknownId absent
    assert reconnect(h)[0] == "StartTransaction 1 TAG1"
    assert h.cp.sessions.transaction_on(2) is None


def test_it_tc_037_2_suspends_an_offline_transaction_refused_later():
    h = offline_station(StopTransactionOnInvalidId=False)
    h.tag_status["TAG1"] = "Invalid"
    h.disconnect()
    h.plug(1)
    h.token(1, "TAG1")
    seen = reconnect(h)  # the status burst was queued before the answer
    assert seen == [
        "StartTransaction 1 TAG1",
        "SN 0 Available",
        "SN 1 Charging",
        "SN 2 Available",
        "SN 1 SuspendedEVSE",
    ]
    assert h.cp.sessions.transaction_on(1) is not None


def test_it_tc_037_3_stops_an_offline_transaction_refused_later():
    h = offline_station(StopTransactionOnInvalidId=True)
    h.tag_status["TAG1"] = "Invalid"
    h.disconnect()
    h.plug(1)
    h.token(1, "TAG1")
    seen = reconnect(h)
    assert seen == [
        "StartTransaction 1 TAG1",
        "SN 0 Available",
        "SN 1 Charging",
        "SN 2 Available",
        "StopTransaction 1 DeAuthorized",
        "SN 1 Finishing",
    ]


def test_it_tc_038_stops_offline_and_delivers_the_stop_on_reconnect():
    h = station()
    tx_id = h.charging(1)
    h.disconnect()
    assert h.token(1, "TAG1") == []
    assert reconnect(h) == [f"StopTransaction {tx_id} Local", "SN 0 Available", "SN 1 Finishing", "SN 2 Available"]


def test_it_tc_039_offline_transaction_delivers_start_then_stop_with_the_given_id():
    h = offline_station()
    h.disconnect()
    h.plug(1)
    h.token(1, "TAG1")
    h.advance(60)
    h.token(1, "TAG1")
    h.unplug(1)
    h.transaction_ids = iter([77])
    seen = reconnect(h)
    assert seen == [
        "StartTransaction 1 TAG1",
        "StopTransaction 77 Local",
        "SN 0 Available",
        "SN 1 Available",
        "SN 2 Available",
    ]
    assert h.store.snapshot().transactions == ()


def test_it_sends_minus_one_when_the_start_transaction_was_never_delivered():
    h = station(MeterValueSampleInterval=10, TransactionMessageAttempts=1)
    h.play(h.plug(1))
    (auth,) = h.token(1, "TAG1")
    (start,) = h.answer_authorize(auth)
    assert h.advance(10) == []  # the MeterValues waits behind the StartTransaction
    frames = h.receive([4, start[1], "InternalError", "", {}])  # given up at once
    assert [e.action for e in h.events_of(MessageDropped)] == ["StartTransaction"]
    assert h.play(frames) == ["SN 1 Charging", "MeterValues 1 -1 Sample.Periodic"]
    assert h.play(h.token(1, "TAG1"))[0] == "StopTransaction -1 Local"


# -- 14 Power loss --------------------------------------------------------------------------------
def test_it_tc_032_1_stops_transactions_on_backup_power_before_going_down():
    h = station()
    tx_id = h.charging(1)
    # The station's power monitor stops what runs while the backup lasts (there is no hardware
    # input for it: the application calls the engine).
    h.cp.sessions.stop_transaction(1, Reason.POWER_LOSS, h.now)
    assert h.play(h.flush()) == [f"StopTransaction {tx_id} PowerLoss", "SN 1 Finishing"]
    h2 = h.restart()
    h2.play(h2.plug(1))  # the cable is still in when the power comes back
    (boot,) = h2.connect()
    frames = h2.answer(boot, {"status": "Accepted", "currentTime": "2026-03-01T12:00:00Z", "interval": 86400})
    assert h2.play(frames) == ["SN 0 Available", "SN 1 Preparing", "SN 2 Available"]


def test_it_tc_032_2_stops_an_interrupted_transaction_with_power_loss_exactly_once():
    h = station(MeterValueSampleInterval=10)
    tx_id = h.charging(1)
    h.run(25)
    h2, seen = power_cycle(h)
    assert seen == [f"StopTransaction {tx_id} PowerLoss", "SN 0 Available", "SN 1 Available", "SN 2 Available"]
    (stop,) = calls(h2, "StopTransaction")
    # the last reading the meter gave before the power went (journaled with every new reading)
    assert (stop["meterStop"], stop["timestamp"]) == (1050, "2026-03-01T12:00:25.000Z")
    contexts = [d["sampledValue"][0]["context"] for d in stop["transactionData"]]
    assert contexts == ["Transaction.Begin", "Sample.Periodic", "Sample.Periodic"]
    assert h2.store.snapshot().transactions == ()
    h3, seen = power_cycle(h2)
    assert "StopTransaction" not in " ".join(seen)


def test_it_does_not_duplicate_a_power_loss_stop_left_unanswered_by_a_second_crash():
    h = station()
    tx_id = h.charging(1)
    h2 = h.restart()
    (boot,) = h2.connect()
    (stop,) = h2.answer(boot, {"status": "Accepted", "currentTime": "2026-03-01T12:00:00Z", "interval": 86400})
    assert stop[2] == "StopTransaction"  # crash again before its answer
    h3, seen = power_cycle(h2)
    assert seen.count(f"StopTransaction {tx_id} PowerLoss") == 1


def test_it_does_not_duplicate_a_stop_queued_before_the_crash():
    h = station()
    tx_id = h.charging(1)
    h.disconnect()
    h.token(1, "TAG1")
    h2, seen = power_cycle(h)
    assert seen[0] == f"StopTransaction {tx_id} Local"
    assert len([s for s in seen if s.startswith("StopTransaction")]) == 1


def test_it_closes_an_offline_transaction_whose_start_was_never_sent_after_a_crash():
    h = offline_station()
    h.disconnect()
    h.plug(1)
    h.token(1, "TAG1")
    h2 = h.restart()
    h2.transaction_ids = iter([9])
    (boot,) = h2.connect()
    frames = h2.answer(boot, {"status": "Accepted", "currentTime": "2026-03-01T12:00:00Z", "interval": 86400})
    assert h2.play(frames)[:2] == ["StartTransaction 1 TAG1", "StopTransaction 9 PowerLoss"]


def test_it_closes_interrupted_transactions_even_before_connecting():
    h = station()
    h.charging(1)
    h2 = h.restart()
    h2.play(h2.plug(2))  # the first input after the restart
    assert [m.action for m in h2.cp.outbox.pending()] == ["StopTransaction"]


def test_it_moves_its_deadline_while_a_retried_message_is_in_flight():
    h = station(MeterValueSampleInterval=10)
    h.charging(1)
    h.advance(60)  # the MeterValues of 12:00:10 times out, is retried at 12:00:50 and stays unanswered


def test_it_skips_a_journaled_meter_value_it_cannot_read():
    h = station(MeterValueSampleInterval=10)
    h.charging(1)
    h.run(10)
    snapshot = h.store.snapshot()
    (key,) = snapshot.meter_values
    broken = replace(snapshot, meter_values={key: ({"timestamp": "yesterday"}, *snapshot.meter_values[key])})
    h2 = StationHarness(h.data, broken, generation="b", now=h.now)
    (boot,) = h2.connect()
    frames = h2.answer(boot, {"status": "Accepted", "currentTime": "2026-03-01T12:00:00Z", "interval": 86400})
    h2.play(frames)
    (stop,) = calls(h2, "StopTransaction")
    assert [d["sampledValue"][0]["context"] for d in stop["transactionData"]] == [
        "Transaction.Begin",
        "Sample.Periodic",
    ]


def test_it_journals_every_new_energy_reading_so_a_power_loss_stop_is_exact():
    from ocpp_core.storage import TransactionPut

    h = station(MeterValueSampleInterval=0, ClockAlignedDataInterval=0)
    h.charging(1)
    h.store.applied.clear()
    h.advance(60)  # energy flows for a minute ...
    h.sample(1)  # ... and the meter reports it, with no MeterValues configured
    puts = [op.record for op in h.store.applied if isinstance(op, TransactionPut)]
    assert puts and puts[-1].meter_last > puts[-1].meter_start

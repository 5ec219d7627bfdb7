"""Sessions: meter values (OCTT module 09), StopTransaction data, TriggerMessage."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from ocpp_core.storage import MeterValueAppend, TransactionPut
from tests.ocpp_core.helpers import T0
from tests.ocpp_core.station_harness import StationHarness, station


def meter_values(h: StationHarness) -> list[dict[str, Any]]:
    return [f[3] for f in h.wire if f[0] == 2 and f[2] == "MeterValues"]


def stamp(seconds: float) -> str:
    return (T0 + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def test_it_tc_070_sends_sampled_meter_values_every_interval_from_the_transaction_start():
    h = station(MeterValueSampleInterval=10)
    h.play(h.advance(3))
    tx_id = h.charging(1)
    seen = h.play(h.advance(35))
    assert seen == ["MeterValues 1 1 Sample.Periodic"] * 3
    values = meter_values(h)
    assert [v["meterValue"][0]["timestamp"] for v in values] == [stamp(13), stamp(23), stamp(33)]
    assert all(v["transactionId"] == tx_id and v["connectorId"] == 1 for v in values)
    sampled = values[0]["meterValue"][0]["sampledValue"]
    assert sampled == [
        {"value": "1020", "context": "Sample.Periodic", "measurand": "Energy.Active.Import.Register", "unit": "Wh"}
    ]
    assert [v["meterValue"][0]["sampledValue"][0]["value"] for v in values] == ["1020", "1040", "1060"]
    appended = [op for op in h.store.applied if isinstance(op, MeterValueAppend)]
    assert len(appended) == 4  # Transaction.Begin and the three samples
    last = [op.record for op in h.store.applied if isinstance(op, TransactionPut)][-1]
    # journaled with every new reading, so at least as fresh as the last sampled value
    assert last.meter_last >= 1060 and last.meter_last_time >= T0 + timedelta(seconds=33)


def test_it_reports_every_configured_measurand():
    h = station(MeterValueSampleInterval=10, MeterValuesSampledData="Energy.Active.Import.Register,Power.Active.Import")
    h.charging(1)
    h.play(h.advance(10))
    measurands = [s["measurand"] for s in meter_values(h)[0]["meterValue"][0]["sampledValue"]]
    assert measurands == ["Energy.Active.Import.Register", "Power.Active.Import"]


def test_it_sends_no_sampled_values_without_a_transaction_or_a_meter():
    h = station(MeterValueSampleInterval=10)
    h.play(h.plug(1))
    assert h.play(h.advance(60)) == ["SN 1 Finishing"]
    h2 = station(MeterValueSampleInterval=10)
    h2.metering = False
    h2.charging(1)
    assert h2.play(h2.advance(30)) == []


def test_it_tc_071_sends_clock_aligned_meter_values_on_the_boundaries():
    h = station(ClockAlignedDataInterval=20, ConnectionTimeOut=0)
    h.play(h.plug(1))
    h.play(h.advance(5))
    seen = h.play(h.advance(40))
    assert seen == ["MeterValues 1 - Sample.Clock", "MeterValues 2 - Sample.Clock"] * 2
    stamps = [v["meterValue"][0]["timestamp"] for v in meter_values(h)]
    assert stamps == [stamp(20), stamp(20), stamp(40), stamp(40)]
    tx_id = h.charging(2)
    assert h.play(h.advance(15)) == ["MeterValues 1 - Sample.Clock", f"MeterValues 2 {tx_id} Sample.Clock"]


def test_it_follows_a_new_clock_aligned_interval():
    h = station()
    h.play(h.plug(1))
    h.play(h.call("ChangeConfiguration", {"key": "ClockAlignedDataInterval", "value": "900"}))
    assert h.play(h.advance(899)) == ["SN 1 Finishing"]
    assert h.play(h.advance(1)) == ["MeterValues 1 - Sample.Clock", "MeterValues 2 - Sample.Clock"]


def test_it_puts_the_transaction_values_into_the_stop_transaction():
    h = station(MeterValueSampleInterval=10, ClockAlignedDataInterval=15)
    h.charging(1)
    h.play(h.advance(20))
    h.play(h.token(1, "TAG1"))
    stop = next(f[3] for f in h.wire if f[0] == 2 and f[2] == "StopTransaction")
    data = stop["transactionData"]
    contexts = [d["sampledValue"][0]["context"] for d in data]
    assert contexts == ["Transaction.Begin", "Sample.Periodic", "Sample.Clock", "Sample.Periodic", "Transaction.End"]
    assert stop["meterStop"] == 1040 and data[-1]["sampledValue"][0]["value"] == "1040"


def test_it_filters_the_stop_transaction_data_by_the_stop_txn_keys():
    h = station(MeterValueSampleInterval=10, ClockAlignedDataInterval=15, StopTxnAlignedData="")
    h.charging(1)
    h.play(h.advance(20))
    h.play(h.token(1, "TAG1"))
    stop = next(f[3] for f in h.wire if f[0] == 2 and f[2] == "StopTransaction")
    assert "Sample.Clock" not in [d["sampledValue"][0]["context"] for d in stop["transactionData"]]
    h2 = station(MeterValueSampleInterval=10, StopTxnAlignedData="", StopTxnSampledData="")
    h2.charging(1)
    h2.play(h2.advance(20))
    h2.play(h2.token(1, "TAG1"))
    stop = next(f[3] for f in h2.wire if f[0] == 2 and f[2] == "StopTransaction")
    assert "transactionData" not in stop


def test_it_caps_the_stop_transaction_data_but_keeps_begin_and_end():
    h = station(MeterValueSampleInterval=10, StopTransactionMaxMeterValues=3)
    h.charging(1)
    assert h.run(60) == ["MeterValues 1 1 Sample.Periodic"] * 6
    h.play(h.token(1, "TAG1"))
    stop = next(f[3] for f in h.wire if f[0] == 2 and f[2] == "StopTransaction")
    contexts = [d["sampledValue"][0]["context"] for d in stop["transactionData"]]
    assert contexts == ["Transaction.Begin", "Sample.Periodic", "Transaction.End"]


def test_it_uses_minus_one_until_the_transaction_id_is_known_then_patches_it():
    h = station(MeterValueSampleInterval=10)
    h.play(h.plug(1))
    (auth,) = h.token(1, "TAG1")
    (start,) = h.answer_authorize(auth)
    assert h.advance(10) == []  # the MeterValues waits behind the StartTransaction
    queued = [m for m in h.cp.outbox.pending() if m.action == "MeterValues"]
    assert queued[0].payload["transactionId"] == -1
    h.play(h.answer_start(start, "Accepted", 42))
    assert meter_values(h)[0]["transactionId"] == 42


# -- TriggerMessage -------------------------------------------------------------------------------
def test_it_sends_triggered_meter_values_after_the_confirmation():
    h = station()
    tx_id = h.charging(1)
    h.play(h.sample(2))
    seen = h.play(h.call("TriggerMessage", {"requestedMessage": "MeterValues", "connectorId": 1}))
    assert seen == ["conf Accepted", f"MeterValues 1 {tx_id} Trigger"]
    seen = h.play(h.call("TriggerMessage", {"requestedMessage": "MeterValues"}, "cs-2"))
    assert seen == ["conf Accepted", f"MeterValues 1 {tx_id} Trigger", "MeterValues 2 - Trigger"]


def test_it_rejects_triggered_meter_values_without_a_sample():
    h = station()
    h.metering = False
    assert h.play(h.call("TriggerMessage", {"requestedMessage": "MeterValues", "connectorId": 1})) == ["conf Rejected"]
    h.metering = True
    h.play(h.sample(2))
    assert h.play(h.call("TriggerMessage", {"requestedMessage": "MeterValues"}, "cs-2")) == [
        "conf Accepted",
        "MeterValues 2 - Trigger",
    ]


def test_it_rejects_triggered_meter_values_when_the_sample_lacks_the_measurands():
    h = station(MeterValuesSampledData="Voltage")
    h.play(h.sample(1))
    assert h.play(h.call("TriggerMessage", {"requestedMessage": "MeterValues", "connectorId": 1})) == ["conf Rejected"]


def test_it_sends_triggered_status_notifications():
    h = station()
    h.play(h.plug(1))
    seen = h.play(h.call("TriggerMessage", {"requestedMessage": "StatusNotification", "connectorId": 1}))
    assert seen == ["conf Accepted", "SN 1 Preparing"]
    seen = h.play(h.call("TriggerMessage", {"requestedMessage": "StatusNotification"}, "cs-2"))
    assert seen == ["conf Accepted", "SN 0 Available", "SN 1 Preparing", "SN 2 Available"]


def test_it_sends_no_clock_aligned_value_when_the_meter_lacks_the_measurands():
    h = station(ClockAlignedDataInterval=20, MeterValuesAlignedData="Voltage", ConnectionTimeOut=0)
    h.charging(1)
    assert h.play(h.advance(40)) == []

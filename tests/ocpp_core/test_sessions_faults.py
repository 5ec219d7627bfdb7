"""Sessions: faults (OCTT module 17), warnings, MinimumStatusDuration, odd hardware input."""

from __future__ import annotations

from decimal import Decimal

from ocpp_core.events import AuthorizationRefused
from ocpp_core.inputs import MeterReading, MeterSample, PlugIn, TokenPresented
from tests.ocpp_core.station_harness import station


def test_it_tc_041_refuses_starts_while_faulted_and_returns_to_the_previous_status():
    h = station()
    assert h.play(h.fault(1, "GroundFailure")) == ["SN 1 Faulted GroundFailure"]
    assert h.play(h.plug(1)) == []
    assert h.play(h.token(1, "TAG1")) == []
    assert [e.status for e in h.events_of(AuthorizationRefused)] == ["Faulted"]
    assert h.play(h.call("RemoteStartTransaction", {"connectorId": 1, "idTag": "TAG1"})) == ["conf Rejected"]
    assert not any(f[2] == "StartTransaction" for f in h.wire if f[0] == 2)
    assert h.play(h.clear_fault(1)) == ["SN 1 Preparing"]  # I2: the cable plugged meanwhile starts a session
    assert h.play(h.token(1, "TAG1")) == ["Authorize TAG1", "StartTransaction 1 TAG1", "SN 1 Charging"]


def test_it_keeps_a_transaction_running_through_a_fault():
    h = station()
    h.charging(1)
    assert h.play(h.fault(1, "HighTemperature")) == ["SN 1 Faulted HighTemperature"]
    assert h.play(h.clear_fault(1)) == ["SN 1 Charging"]
    h.play(h.fault(1, "HighTemperature", "f2"))
    assert h.play(h.token(1, "TAG1")) == ["StopTransaction 1 Local"]  # the status stays Faulted
    assert h.play(h.clear_fault(1, None)) == ["SN 1 Finishing"]


def test_it_reports_a_warning_without_changing_the_status():
    h = station()
    h.play(h.plug(1))
    assert h.play(h.fault(1, "HighTemperature", is_fault=False)) == ["SN 1 Preparing HighTemperature"]
    assert h.play(h.token(1, "TAG1")) == ["Authorize TAG1", "StartTransaction 1 TAG1", "SN 1 Charging HighTemperature"]
    assert h.play(h.clear_fault(1)) == ["SN 1 Charging"]


def test_it_refuses_starts_on_every_connector_while_the_station_is_faulted():
    h = station()
    assert h.play(h.fault(0, "PowerSwitchFailure")) == ["SN 0 Faulted PowerSwitchFailure"]
    h.play(h.plug(2))
    assert h.play(h.token(2, "TAG1")) == []
    assert h.play(h.call("RemoteStartTransaction", {"idTag": "TAG1"})) == ["conf Rejected"]
    assert h.play(h.clear_fault(0)) == ["SN 0 Available"]
    assert h.play(h.token(2, "TAG1"))[0] == "Authorize TAG1"


def test_it_ignores_input_for_connectors_it_does_not_have():
    h = station()
    assert h.play(h.fault(7)) == []
    assert h.play(h.hw(PlugIn(connector_id=0))) == []
    assert h.play(h.hw(TokenPresented(connector_id=9, id_tag="TAG1"))) == []
    reading = MeterReading(measurand="Energy.Active.Import.Register", value=Decimal(1), unit="Wh")
    assert h.play(h.hw(MeterSample(connector_id=0, timestamp=h.now, readings=(reading,)))) == []
    assert h.events_of(AuthorizationRefused) == []


def test_it_reports_only_statuses_that_last_the_minimum_status_duration():
    h = station(MinimumStatusDuration=5)
    assert h.play(h.plug(1)) == []
    h.play(h.advance(2))
    assert h.play(h.token(1, "TAG1")) == ["Authorize TAG1", "StartTransaction 1 TAG1"]
    assert h.play(h.advance(4)) == []
    assert h.play(h.advance(1)) == ["SN 1 Charging"]  # Preparing was too short to report
    assert h.statuses[-1]["timestamp"] == "2026-03-01T12:00:02.000Z"
    h.play(h.fault(1, "GroundFailure"))
    assert h.statuses[-1]["status"] == "Faulted"  # an error is reported at once


def test_it_applies_a_new_minimum_status_duration():
    h = station(MinimumStatusDuration=0)
    assert h.play(h.call("ChangeConfiguration", {"key": "MinimumStatusDuration", "value": "30"})) == ["conf Accepted"]
    assert h.play(h.plug(1)) == []
    assert h.play(h.advance(30)) == ["SN 1 Preparing"]

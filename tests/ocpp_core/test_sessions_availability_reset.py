"""Sessions: ChangeAvailability and Reset (OCTT modules 06, 14 TC_034)."""

from __future__ import annotations

import pytest

from ocpp_core.commands import DisableConnector, EnableConnector, ResetStation
from ocpp_core.events import AuthorizationRefused
from ocpp_core.storage import AvailabilitySet
from tests.ocpp_core.station_harness import StationHarness, station


def change(h: StationHarness, connector_id: int, kind: str, unique_id: str = "cs-1") -> list[str]:
    return h.play(h.call("ChangeAvailability", {"connectorId": connector_id, "type": kind}, unique_id))


def availability_ops(h: StationHarness) -> list[tuple[int, bool, bool | None]]:
    return [(o.connector_id, o.operative, o.scheduled) for o in h.store.applied if isinstance(o, AvailabilitySet)]


def boot_again(h: StationHarness) -> tuple[StationHarness, list[str]]:
    """Power cycle: a new station from the stored state, connected and accepted."""
    h2 = h.restart()
    (boot,) = h2.connect()
    frames = h2.answer(boot, {"status": "Accepted", "currentTime": "2026-03-01T12:00:00Z", "interval": 86400})
    return h2, h2.play(frames)


# -- ChangeAvailability ---------------------------------------------------------------------------
def test_it_makes_an_idle_connector_unavailable_and_back():
    h = station()
    assert change(h, 1, "Inoperative") == ["conf Accepted", "SN 1 Unavailable"]
    assert h.commands_of(DisableConnector) == [DisableConnector(connector_id=1)]
    assert change(h, 1, "Inoperative", "cs-2") == ["conf Accepted"]  # already so
    assert h.play(h.token(1, "TAG1")) == []
    assert h.play(h.plug(1)) == []
    assert [e.status for e in h.events_of(AuthorizationRefused)] == ["Unavailable"]
    assert change(h, 1, "Operative", "cs-3") == ["conf Accepted", "SN 1 Preparing"]  # H2: the cable is in
    assert h.commands_of(EnableConnector) == [EnableConnector(connector_id=1)]
    assert availability_ops(h) == [(1, False, None), (1, True, None)]
    assert h.play(h.advance(60)) == ["SN 1 Finishing"]  # ConnectionTimeOut armed again


def test_it_rejects_an_unknown_connector():
    h = station()
    assert change(h, 3, "Inoperative") == ["conf Rejected"]
    assert availability_ops(h) == []


def test_it_schedules_the_change_of_a_connector_with_a_transaction_until_the_session_ends():
    h = station()
    h.charging(1)
    assert change(h, 1, "Inoperative") == ["conf Scheduled"]
    assert availability_ops(h) == [(1, True, False)]
    assert h.play(h.token(1, "TAG1")) == ["StopTransaction 1 Local", "SN 1 Finishing"]
    assert h.play(h.unplug(1)) == ["SN 1 Unavailable"]  # F8, no Available in between
    assert availability_ops(h)[-1] == (1, False, None)
    assert h.commands_of(DisableConnector) == [DisableConnector(connector_id=1)]


@pytest.mark.parametrize("first", ["plug", "token"])
def test_it_schedules_the_change_of_a_preparing_connector(first):
    h = station(ConnectionTimeOut=30)
    h.play(h.plug(1) if first == "plug" else h.token(1, "TAG1"))
    assert change(h, 1, "Inoperative") == ["conf Scheduled"]
    ended = h.unplug(1) if first == "plug" else h.advance(30)
    assert h.play(ended) == ["SN 1 Available", "SN 1 Unavailable"]  # Preparing -> Unavailable is no transition


def test_it_schedules_busy_connectors_of_the_whole_station_and_applies_the_others():
    h = station()
    h.charging(2)
    seen = change(h, 0, "Inoperative")
    assert seen == ["conf Scheduled", "SN 0 Unavailable", "SN 1 Unavailable"]
    assert availability_ops(h) == [(0, False, None), (1, False, None), (2, True, False)]


def test_it_cancels_a_scheduled_change_when_asked_for_the_current_availability():
    h = station()
    h.charging(1)
    assert change(h, 1, "Inoperative") == ["conf Scheduled"]
    assert change(h, 1, "Operative", "cs-2") == ["conf Accepted"]
    assert availability_ops(h)[-1] == (1, True, None)
    h.play(h.token(1, "TAG1"))
    assert h.play(h.unplug(1)) == ["SN 1 Available"]


def test_it_tc_034_keeps_unavailable_over_a_power_cycle():
    h = station()
    assert change(h, 0, "Inoperative") == ["conf Accepted", "SN 0 Unavailable", "SN 1 Unavailable", "SN 2 Unavailable"]
    h2, seen = boot_again(h)
    assert seen == ["SN 0 Unavailable", "SN 1 Unavailable", "SN 2 Unavailable"]
    assert h2.commands_of(DisableConnector) == [DisableConnector(connector_id=n) for n in (0, 1, 2)]
    assert change(h2, 0, "Operative") == ["conf Accepted", "SN 0 Available", "SN 1 Available", "SN 2 Available"]


def test_it_applies_a_change_still_scheduled_when_the_station_went_down():
    h = station()
    h.charging(1)
    change(h, 1, "Inoperative")
    h2, seen = boot_again(h)
    assert seen == ["StopTransaction 1 PowerLoss", "SN 0 Available", "SN 1 Unavailable", "SN 2 Available"]
    assert h2.store.snapshot().availability[1] == (False, None)


# -- Reset ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["Hard", "Soft"])
def test_it_tc_013_014_reset_without_transaction_keeps_unavailable(kind):
    h = station()
    change(h, 1, "Inoperative")
    assert h.play(h.call("Reset", {"type": kind}, "cs-2")) == ["conf Accepted"]
    assert h.commands_of(ResetStation) == [ResetStation(kind=kind)]
    h2, seen = boot_again(h)
    assert seen == ["SN 0 Available", "SN 1 Unavailable", "SN 2 Available"]
    assert change(h2, 1, "Operative") == ["conf Accepted", "SN 1 Available"]


@pytest.mark.parametrize(("kind", "reason"), [("Hard", "HardReset"), ("Soft", "SoftReset")])
def test_it_tc_015_016_reset_with_transaction_stops_it_first(kind, reason):
    h = station()
    h.charging(1)
    reply, stop = h.call("Reset", {"type": kind})
    assert reply[2] == {"status": "Accepted"} and stop[3]["reason"] == reason
    assert h.commands_of(ResetStation) == []  # waits for StopTransaction.conf
    assert h.play(h.answer_stop(stop)) == ["SN 1 Finishing"]
    assert h.commands_of(ResetStation) == [ResetStation(kind=kind)]
    assert h.play(h.advance(600)) == []
    assert len(h.commands_of(ResetStation)) == 1
    h2, seen = boot_again(h)
    assert seen == ["SN 0 Available", "SN 1 Available", "SN 2 Available"]


def test_it_resets_when_the_stop_is_not_answered_in_time_and_sends_it_after_the_restart():
    h = station(sections={"Internal": {"WaitForStopTransactionsOnResetTimeout": 20}})
    h.charging(1)
    reply, stop = h.call("Reset", {"type": "Soft"})
    assert h.advance(19) == [] and h.commands_of(ResetStation) == []
    h.advance(1)
    assert h.commands_of(ResetStation) == [ResetStation(kind="Soft")]
    assert h.play(h.token(2, "TAG2")) == []  # no new session while going down
    assert h.call("RemoteStartTransaction", {"connectorId": 2, "idTag": "T"}, "cs-2") == [
        [3, "cs-2", {"status": "Rejected"}]
    ]
    h2, seen = boot_again(h)
    assert seen[0] == "StopTransaction 1 SoftReset"
    assert seen.count("StopTransaction 1 SoftReset") == 1 and "StopTransaction 1 PowerLoss" not in seen


def test_it_cancels_waiting_identifications_on_reset():
    h = station()
    h.play(h.token(1, "TAG1"))
    h.play(h.call("Reset", {"type": "Hard"}))
    assert h.commands_of(ResetStation) == [ResetStation(kind="Hard")]
    assert h.play(h.plug(1)) == []
    assert h.cp.sessions.transaction_on(1) is None

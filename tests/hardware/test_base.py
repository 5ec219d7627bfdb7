from __future__ import annotations

import asyncio
import json
import logging
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

import hardware
from hardware import (
    Adapter,
    AdapterBase,
    AdapterLoadError,
    HardwareError,
    SimulatorAdapter,
    UnknownConnector,
    execute_command,
    load_adapter,
)
from ocpp_core.commands import (
    DisableConnector,
    EnableConnector,
    HardwareCommand,
    LockConnector,
    PauseCharging,
    ResetStation,
    ResumeCharging,
    SetChargingLimit,
    Unlock,
)
from ocpp_core.inputs import EvResumed, EvSuspended, MeterSample, PlugIn, Unplug

REPO = Path(__file__).resolve().parents[2]


class RecordingAdapter(AdapterBase):
    """Records every hardware call; unlock answers ``unlock_status``."""

    def __init__(self, unlock_status: str = "Unlocked") -> None:
        super().__init__()
        self.calls: list[tuple[object, ...]] = []
        self.unlock_status = unlock_status

    def connector_ids(self) -> tuple[int, ...]:
        return (1,)

    def has_fixed_cable(self, connector_id: int) -> bool:
        return False

    async def sample(self, connector_id: int) -> MeterSample | None:
        return None

    async def enable(self, connector_id: int) -> None:
        self.calls.append(("enable", connector_id))

    async def disable(self, connector_id: int) -> None:
        self.calls.append(("disable", connector_id))

    async def lock(self, connector_id: int) -> None:
        self.calls.append(("lock", connector_id))

    async def unlock(self, connector_id: int) -> str:
        self.calls.append(("unlock", connector_id))
        return self.unlock_status

    async def pause_charging(self, connector_id: int) -> None:
        self.calls.append(("pause_charging", connector_id))

    async def resume_charging(self, connector_id: int) -> None:
        self.calls.append(("resume_charging", connector_id))

    async def set_limit(self, connector_id: int, limit: Decimal | None, unit: str, number_phases: int | None) -> None:
        self.calls.append(("set_limit", connector_id, limit, unit, number_phases))

    async def reset(self, kind: str) -> None:
        self.calls.append(("reset", kind))


# -- errors ------------------------------------------------------------------------------------


def test_it_makes_hardware_errors_transient_unless_told_permanent():
    assert HardwareError("bus busy").permanent is False
    error = HardwareError("not supported", permanent=True)
    assert error.permanent is True
    assert str(error) == "not supported"


def test_it_makes_an_unknown_connector_a_permanent_lookup_error():
    error = UnknownConnector(7)
    assert isinstance(error, HardwareError)
    assert isinstance(error, LookupError)
    assert error.permanent is True
    assert error.connector_id == 7
    assert "7" in str(error)


# -- the protocol and the dispatcher -----------------------------------------------------------


def test_it_recognises_adapters_structurally():
    assert isinstance(RecordingAdapter(), Adapter)
    assert isinstance(SimulatorAdapter(), Adapter)
    assert not isinstance(object(), Adapter)


async def test_it_dispatches_every_command_to_its_method():
    adapter = RecordingAdapter()
    commands: list[HardwareCommand] = [
        EnableConnector(connector_id=0),
        DisableConnector(connector_id=1),
        LockConnector(connector_id=1, ref="lock-1"),
        PauseCharging(connector_id=1),
        ResumeCharging(connector_id=1),
        SetChargingLimit(connector_id=1, limit=Decimal("16"), unit="A", number_phases=1),
        ResetStation(kind="Soft"),
    ]
    for command in commands:
        assert await adapter.execute(command) is None
    assert adapter.calls == [
        ("enable", 0),
        ("disable", 1),
        ("lock", 1),
        ("pause_charging", 1),
        ("resume_charging", 1),
        ("set_limit", 1, Decimal("16"), "A", 1),
        ("reset", "Soft"),
    ]


async def test_it_returns_the_unlock_status_from_execute():
    adapter = RecordingAdapter(unlock_status="UnlockFailed")
    assert await execute_command(adapter, Unlock(connector_id=1, ref="r1")) == "UnlockFailed"
    assert adapter.calls == [("unlock", 1)]


async def test_it_starts_and_stops_the_base_adapter_without_doing_anything():
    adapter = RecordingAdapter()
    await adapter.start()
    await adapter.stop()
    assert adapter.calls == []


# -- reporting ---------------------------------------------------------------------------------


async def test_it_reports_events_in_order_to_sync_and_async_subscribers():
    adapter = RecordingAdapter()
    seen: list[tuple[str, object]] = []

    def plain(event: object) -> None:
        seen.append(("plain", event))

    async def coroutine(event: object) -> None:
        await asyncio.sleep(0)
        seen.append(("coroutine", event))

    adapter.subscribe(plain)
    adapter.subscribe(coroutine)
    await adapter.report(PlugIn(connector_id=1), Unplug(connector_id=1))
    assert seen == [
        ("plain", PlugIn(connector_id=1)),
        ("coroutine", PlugIn(connector_id=1)),
        ("plain", Unplug(connector_id=1)),
        ("coroutine", Unplug(connector_id=1)),
    ]


async def test_it_queues_events_reported_by_a_subscriber_behind_the_current_one():
    adapter = RecordingAdapter()
    seen: list[object] = []

    async def reacting(event: object) -> None:
        seen.append(("first", event))
        if isinstance(event, PlugIn):
            await adapter.report(EvSuspended(connector_id=1))  # must not deadlock

    adapter.subscribe(reacting)
    adapter.subscribe(lambda event: seen.append(("second", event)))
    await adapter.report(PlugIn(connector_id=1), EvResumed(connector_id=1))
    assert seen == [
        ("first", PlugIn(connector_id=1)),
        ("second", PlugIn(connector_id=1)),
        ("first", EvResumed(connector_id=1)),
        ("second", EvResumed(connector_id=1)),
        ("first", EvSuspended(connector_id=1)),
        ("second", EvSuspended(connector_id=1)),
    ]


async def test_it_logs_a_failing_subscriber_and_keeps_delivering(caplog):
    adapter = RecordingAdapter()
    seen: list[object] = []

    def broken(event: object) -> None:
        raise RuntimeError("boom")

    adapter.subscribe(broken)
    adapter.subscribe(seen.append)
    with caplog.at_level(logging.ERROR, logger="hardware.base"):
        await adapter.report(PlugIn(connector_id=1), Unplug(connector_id=1))
    assert seen == [PlugIn(connector_id=1), Unplug(connector_id=1)]
    assert len([r for r in caplog.records if "boom" in (r.exc_text or "")]) == 2
    # delivery is not stuck after the failures
    await adapter.report(EvSuspended(connector_id=1))
    assert seen[-1] == EvSuspended(connector_id=1)


# -- loader ------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["hardware.simulator.SimulatorAdapter", "hardware.simulator:SimulatorAdapter"])
def test_it_loads_an_adapter_by_dotted_path_with_options(path):
    adapter = load_adapter(path, connectors=3, power_w=7400)
    assert isinstance(adapter, SimulatorAdapter)
    assert adapter.connector_ids() == (1, 2, 3)


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("SimulatorAdapter", "not of the form"),
        ("hardware.simulator.", "not of the form"),
        (":SimulatorAdapter", "not of the form"),
        ("hardware.no_such_module.Adapter", "cannot import"),
        ("hardware.simulator.NoSuchAdapter", "has no 'NoSuchAdapter'"),
        ("hardware.simulator.NOMINAL_VOLTAGE", "does not name a class or a function"),
        ("collections.OrderedDict", "not an Adapter"),
    ],
)
def test_it_refuses_a_path_that_names_no_adapter(path, message):
    with pytest.raises(AdapterLoadError, match=message) as info:
        load_adapter(path)
    assert repr(path) in str(info.value)


@pytest.mark.parametrize("options", [{"no_such_option": 1}, {"connectors": 0}])
def test_it_refuses_options_the_adapter_rejects(options):
    with pytest.raises(AdapterLoadError, match="refused its options"):
        load_adapter("hardware.simulator.SimulatorAdapter", **options)


# -- the package -------------------------------------------------------------------------------


def test_it_exports_what_all_lists():
    for name in hardware.__all__:
        assert getattr(hardware, name) is not None
    assert sorted(hardware.__all__) == hardware.__all__


def test_it_loads_no_django_or_channels_with_hardware_and_ocpp_core():
    code = (
        "import json, sys\n"
        "import hardware, hardware.base, hardware.loader, hardware.simulator\n"
        "import ocpp_core, ocpp_core.inputs, ocpp_core.commands\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True, timeout=60
    )
    modules = json.loads(result.stdout)
    assert "hardware.simulator" in modules
    leaked = [m for m in modules if m.split(".")[0] in {"django", "channels", "daphne"}]
    assert leaked == []

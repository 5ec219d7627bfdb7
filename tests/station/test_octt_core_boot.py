"""OCTT Core cases, end to end: the station process, the ocpp-package central system, the control API.

Module 01 (cold boot) and 02 (start charging session) of ``ocpp16-spec.md`` §5.2.
"""

from __future__ import annotations

import pytest

from tests import csms as _csms
from tests.csms import BootAnswer, TestCentralSystem
from tests.station import octt
from tests.station.octt import running_station, status_of

csms = _csms.csms
migrated_template = octt.migrated_template

pytestmark = pytest.mark.xdist_group("station-processes")


async def wait_status(csms: TestCentralSystem, connector: int, status: str) -> None:
    await csms.wait_frame(
        lambda f: f.action == "StatusNotification" and f.message_type == 2 and status_of(f) == (connector, status)
    )


async def test_it_tc_001_cold_boot_rejected_then_accepted(tmp_path, csms: TestCentralSystem, migrated_template):
    csms.boot_answers.append(BootAnswer("Rejected", interval=1))
    csms.default_boot_answer = BootAnswer("Accepted", interval=2)
    async with running_station(tmp_path, csms, migrated_template):
        first = await csms.wait_for("BootNotification")
        second = await csms.wait_for("BootNotification")
        assert first.payload["chargePointVendor"] == "OpenStation"
        assert second.seq > first.seq
        statuses = [status_of(await csms.wait_for("StatusNotification")) for _ in range(3)]
        assert sorted(statuses) == [(0, "Available"), (1, "Available"), (2, "Available")]
        await csms.wait_for("Heartbeat")
        rejected_window = [f for f in csms.received(cp_id="CP-DEMO-1") if first.seq < f.seq < second.seq]
        assert rejected_window == []


async def test_it_tc_003_regular_charging_session_plug_first(tmp_path, csms: TestCentralSystem, migrated_template):
    async with running_station(tmp_path, csms, migrated_template) as station:
        await wait_status(csms, 1, "Available")
        await station.plug(1)
        await wait_status(csms, 1, "Preparing")
        await station.token(1, "TAG-0001")
        authorize = await csms.wait_for("Authorize")
        assert authorize.payload == {"idTag": "TAG-0001"}
        start = await csms.wait_for("StartTransaction")
        assert start.payload["connectorId"] == 1 and start.payload["idTag"] == "TAG-0001"
        await wait_status(csms, 1, "Charging")
        body = await station.get("/api/v1/station")
        connector = body["connectors"][1]
        assert connector["status"] == "Charging" and connector["plugged"] is True
        assert connector["transaction_id"] is not None
        await station.token(1, "TAG-0001")
        stop = await csms.wait_for("StopTransaction")
        assert stop.payload["idTag"] == "TAG-0001" and "reason" not in stop.payload
        assert stop.payload["meterStop"] >= start.payload["meterStart"]
        await wait_status(csms, 1, "Finishing")
        await station.unplug(1)
        await wait_status(csms, 1, "Available")
        transactions = await station.get("/api/v1/transactions")
        assert transactions[0]["id_tag"] == "TAG-0001" and transactions[0]["acknowledged"] is True

"""The demo central system, driven by an independent client: the `ocpp` package's charge point."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest
from ocpp.v16 import call
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from station.demo_csms import serve_demo_csms
from tests.conftest import ocpp_client

NOW = "2026-03-01T12:00:00Z"


@pytest.fixture
async def demo_url() -> AsyncIterator[str]:
    server, url = await serve_demo_csms("127.0.0.1", 0)
    yield url
    server.close()
    await server.wait_closed()


async def test_it_accepts_a_boot_notification(demo_url, caplog):
    caplog.set_level(logging.INFO, logger="station.demo_csms")
    async with ocpp_client(demo_url, "CP1") as client:
        response = await client.call(call.BootNotification(charge_point_model="Model", charge_point_vendor="Vendor"))
    assert (response.status, response.interval) == ("Accepted", 300)
    assert response.current_time.endswith("Z")
    assert "demo-csms: CP1 → BootNotification vendor=Vendor model=Model" in caplog.messages


async def test_it_answers_a_charging_session(demo_url, caplog):
    caplog.set_level(logging.INFO, logger="station.demo_csms")
    async with ocpp_client(demo_url, "CP1") as client:
        heartbeat = await client.call(call.Heartbeat())
        status = await client.call(call.StatusNotification(connector_id=1, error_code="NoError", status="Preparing"))
        accepted = await client.call(call.Authorize(id_tag="GOOD-1"))
        refused = await client.call(call.Authorize(id_tag="INVALID-7"))
        first = await client.call(call.StartTransaction(connector_id=1, id_tag="GOOD-1", meter_start=0, timestamp=NOW))
        second = await client.call(call.StartTransaction(connector_id=2, id_tag="GOOD-2", meter_start=5, timestamp=NOW))
        sampled = [
            {"timestamp": NOW, "sampledValue": [{"value": "12.5", "measurand": "Energy.Active.Import.Register"}]}
        ]
        meter = await client.call(call.MeterValues(connector_id=1, meter_value=sampled, transaction_id=1))
        stop = await client.call(
            call.StopTransaction(meter_stop=1200, timestamp=NOW, transaction_id=1, id_tag="GOOD-1")
        )
        data = await client.call(call.DataTransfer(vendor_id="com.example", message_id="Hello"))
        security = await client.call(
            call.SecurityEventNotification(type="StartupOfTheDevice", timestamp=NOW, tech_info="boot")
        )

    assert heartbeat.current_time and status is not None and meter is not None and security is not None
    assert (accepted.id_tag_info["status"], refused.id_tag_info["status"]) == ("Accepted", "Invalid")
    assert (first.transaction_id, second.transaction_id) == (1, 2)
    assert stop.id_tag_info["status"] == "Accepted"
    assert data.status == "UnknownVendorId"
    assert "demo-csms: CP1 → StartTransaction connector=1 idTag=GOOD-1 meterStart=0 → transactionId=1 Accepted" in (
        caplog.messages
    )
    assert "demo-csms: CP1 → MeterValues connector=1 transactionId=1 samples=1" in caplog.messages
    assert "demo-csms: CP1 → SecurityEventNotification type=StartupOfTheDevice" in caplog.messages


async def test_it_requires_the_ocpp16_subprotocol(demo_url):
    with pytest.raises(InvalidStatus) as info:
        async with connect(demo_url + "CP1"):
            pass
    assert info.value.response.status_code == 400

"""The asyncio driver against an independent central system (the PyPI ``ocpp`` package) on loopback."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from ocpp.exceptions import InternalError as OcppInternalError
from ocpp.v16 import call

from ocpp_core.aio import Driver, TlsFiles
from ocpp_core.chargepoint import ChargePoint
from ocpp_core.config import ConfigRegistry
from ocpp_core.events import RegistrationChanged, ResponseReceived
from ocpp_core.messages.core import DataTransferRequest
from ocpp_core.storage import MemoryStore
from ocpp_core.transport import FailureKind
from tests import csms as _csms
from tests.csms import BootAnswer, TestCentralSystem, server_ssl_context
from tests.ocpp_core.helpers import config

csms = _csms.csms
pki = _csms.pki

FAST = {"RetryBackoffWaitMinimum": 0, "RetryBackoffRandomRange": 0, "RetryBackoffRepeatTimes": 0}


def station_config(url: str, **sections: dict[str, Any]) -> dict[str, Any]:
    internal = {"CentralSystemURI": url, **FAST, **sections.pop("Internal", {})}
    return config(Internal=internal, **sections)


class Events:
    """Collects the driver's events and lets a test await one."""

    def __init__(self) -> None:
        self.items: list[Any] = []
        self._changed = asyncio.Condition()

    async def add(self, events: list[Any]) -> None:
        async with self._changed:
            self.items.extend(events)
            self._changed.notify_all()

    async def wait(self, predicate: Any, timeout: float = 5.0) -> Any:  # noqa: ASYNC109
        async def find() -> Any:
            async with self._changed:
                while True:
                    for item in self.items:
                        if predicate(item):
                            return item
                    await self._changed.wait()

        return await asyncio.wait_for(find(), timeout)


def accepted(event: Any) -> bool:
    return isinstance(event, RegistrationChanged) and event.status == "Accepted"


@contextlib.asynccontextmanager
async def running(data: dict[str, Any], tls: TlsFiles | None = None) -> AsyncIterator[tuple[Driver, Events]]:
    events = Events()
    cp = ChargePoint(ConfigRegistry.from_json(data))

    async def failed(kind: FailureKind, exc: BaseException) -> None:
        await events.add([kind])

    driver = Driver(cp, MemoryStore(), tls=tls, on_events=events.add, on_failure=failed)
    task = asyncio.create_task(driver.run())
    try:
        yield driver, events
    finally:
        await driver.stop()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_it_boots_accepted_and_sends_heartbeats(csms: TestCentralSystem):
    csms.default_boot_answer = BootAnswer("Accepted", interval=1)
    async with running(station_config(csms.url)) as (driver, _events):
        connection = await csms.wait_connected("CP1")
        assert connection.subprotocol == "ocpp1.6"
        assert connection.path == "/ocpp/CP1"
        boot = await csms.wait_for("BootNotification")
        assert boot.payload["chargePointVendor"] == "Vendor"
        await csms.wait_for("Heartbeat")
        assert driver.cp.accepted


async def test_it_retries_boot_after_pending_and_answers_configuration_meanwhile(csms: TestCentralSystem):
    csms.boot_answers.append(BootAnswer("Pending", interval=1))
    async with running(station_config(csms.url)) as (driver, events):
        await events.wait(lambda e: isinstance(e, RegistrationChanged) and e.status == "Pending")
        result = await csms.call("CP1", call.GetConfiguration(key=["NumberOfConnectors"]))
        assert result.configuration_key[0]["value"] == "2"
        await csms.wait_for("BootNotification")
        await csms.wait_for("BootNotification")
        await events.wait(accepted)
        assert driver.cp.registration.status == "Accepted"


async def test_it_stays_silent_while_rejected_then_boots_again(csms: TestCentralSystem):
    csms.boot_answers.append(BootAnswer("Rejected", interval=1))
    async with running(station_config(csms.url)) as (_driver, events):
        await events.wait(lambda e: isinstance(e, RegistrationChanged) and e.status == "Rejected")
        await csms.send_raw("CP1", '[2,"cs-9","GetConfiguration",{}]')
        await csms.wait_for("BootNotification")
        await csms.wait_for("BootNotification")
        await events.wait(accepted)
        assert not [f for f in csms.received(cp_id="CP1") if f.unique_id == "cs-9"]


async def test_it_answers_central_system_calls_and_invalid_frames(csms: TestCentralSystem):
    async with running(station_config(csms.url)) as (_driver, events):
        await events.wait(accepted)
        result = await csms.call("CP1", call.ChangeConfiguration(key="MeterValueSampleInterval", value="20"))
        assert result.status == "Accepted"
        result = await csms.call("CP1", call.DataTransfer(vendor_id="com.example"))
        assert result.status == "UnknownVendorId"
        await csms.send_raw("CP1", "this is not json")
        error = await csms.wait_frame(lambda f: f.message_type == 4 and f.unique_id == "-1")
        assert error.message[2] == "FormationViolation"
        await csms.send_raw("CP1", '[2,"cs-7","Reset",{"type":"Sideways"}]')
        error = await csms.wait_frame(lambda f: f.unique_id == "cs-7")
        assert error.message[:3] == [4, "cs-7", "PropertyConstraintViolation"]
        await csms.send_raw("CP1", '[2,"cs-8","FooBar",{}]')
        error = await csms.wait_frame(lambda f: f.unique_id == "cs-8")
        assert error.message[:3] == [4, "cs-8", "NotImplemented"]


async def test_it_sends_its_own_calls_and_copes_with_call_errors(csms: TestCentralSystem):
    def refuse(cp_id: str, **kwargs: Any) -> Any:
        raise OcppInternalError(description="not today")

    async with running(station_config(csms.url)) as (driver, events):
        await events.wait(accepted)
        await driver.step(lambda now: driver.cp.send(DataTransferRequest(vendor_id="com.example", data="x"), now))
        frame = await csms.wait_for("DataTransfer")
        assert frame.payload == {"vendorId": "com.example", "data": "x"}
        answer = await events.wait(lambda e: isinstance(e, ResponseReceived) and e.action == "DataTransfer")
        assert answer.response is not None and answer.error is None
        csms.overrides["DataTransfer"] = refuse
        await driver.step(lambda now: driver.cp.send(DataTransferRequest(vendor_id="com.example"), now))
        failure = await events.wait(lambda e: isinstance(e, ResponseReceived) and e.error is not None)
        assert "InternalError" in failure.error


async def test_it_reconnects_after_the_server_drops_without_a_new_boot(csms: TestCentralSystem):
    async with running(station_config(csms.url)) as (_driver, events):
        first = await csms.wait_connected("CP1")
        await events.wait(accepted)
        await csms.drop("CP1")
        second = await csms.wait_connected("CP1")
        assert second is not first
        result = await csms.call("CP1", call.GetConfiguration(key=["HeartbeatInterval"]))
        assert result.configuration_key
        assert len(csms.received("BootNotification", cp_id="CP1")) == 1


async def test_it_authenticates_with_basic_auth_using_the_decoded_hex_key():
    async with TestCentralSystem(basic_auth={"CP1": b"OCA_OCTT_admin_test"}) as server:
        data = station_config(
            server.url, Security={"SecurityProfile": 1, "AuthorizationKey": "4F43415F4F4354545F61646D696E5F74657374"}
        )
        async with running(data):
            connection = await server.wait_connected("CP1")
            assert connection.header("Authorization") == "Basic Q1AxOk9DQV9PQ1RUX2FkbWluX3Rlc3Q="
            await server.wait_for("BootNotification")


async def test_it_connects_over_tls_with_basic_auth(pki):
    context = server_ssl_context(pki.server)
    async with TestCentralSystem(ssl_context=context, basic_auth=b"0123456789abcdef") as server:
        url = server.url.replace("ws://127.0.0.1", "wss://localhost")
        data = station_config(url, Security={"SecurityProfile": 2, "AuthorizationKey": "0123456789abcdef"})
        async with running(data, TlsFiles(csms_root=str(pki.ca.cert))):
            connection = await server.wait_connected("CP1")
            assert connection.tls_version in ("TLSv1.2", "TLSv1.3")
            await server.wait_for("BootNotification")


async def test_it_refuses_a_server_certificate_from_another_root(pki):
    context = server_ssl_context(pki.server)
    async with TestCentralSystem(ssl_context=context, basic_auth=b"0123456789abcdef") as server:
        url = server.url.replace("ws://127.0.0.1", "wss://localhost")
        data = station_config(url, Security={"SecurityProfile": 2, "AuthorizationKey": "0123456789abcdef"})
        async with running(data, TlsFiles(csms_root=str(pki.other_ca.cert))) as (driver, events):
            failure = await events.wait(lambda e: isinstance(e, FailureKind))
            assert failure is FailureKind.TLS_CERTIFICATE
            assert driver.last_failure is FailureKind.TLS_CERTIFICATE
            assert not server.connections


async def test_it_connects_with_a_client_certificate_on_profile_3(pki):
    context = server_ssl_context(pki.server, client_ca=pki.ca.cert)
    async with TestCentralSystem(ssl_context=context) as server:
        url = server.url.replace("ws://127.0.0.1", "wss://localhost")
        data = station_config(url, Security={"SecurityProfile": 3})
        tls = TlsFiles(csms_root=str(pki.ca.cert), client_cert=str(pki.client.cert), client_key=str(pki.client.key))
        async with running(data, tls):
            connection = await server.wait_connected("CP1")
            assert connection.header("Authorization") is None
            assert connection.peer_cert_subject is not None
            assert connection.peer_cert_subject.get("commonName") == pki.client_serial
            await server.wait_for("BootNotification")


async def test_it_reconnects_with_the_new_key_after_change_configuration():
    async with TestCentralSystem(basic_auth={"CP1": b"0123456789abcdef"}) as server:
        data = station_config(server.url, Security={"SecurityProfile": 1, "AuthorizationKey": "0123456789abcdef"})
        async with running(data) as (_driver, events):
            await server.wait_connected("CP1")
            await events.wait(accepted)
            server.basic_auth = {"CP1": b"fedcba9876543210"}
            result = await server.call(
                "CP1", call.ChangeConfiguration(key="AuthorizationKey", value="fedcba9876543210")
            )
            assert result.status == "Accepted"
            second = await server.wait_connected("CP1")
            assert second.header("Authorization") == "Basic Q1AxOmZlZGNiYTk4NzY1NDMyMTA="

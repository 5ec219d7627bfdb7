"""Real websocket handshakes on loopback: :mod:`ocpp_core.transport` against the test central system.

The client side is a plain ``websockets.asyncio.client.connect`` configured only through
``ocpp_core.transport`` (URL, headers, TLS context); the server is ``tests/csms.py`` (mobilityhouse
``ocpp`` on ``websockets``). Failures are sorted by :func:`classify_connect_failure` exactly as the
driver will see them. The TLS alert cases that asyncio's TLS server never delivers (it resets the
connection instead, ``../shared/STACK.md`` §6) use a one-shot blocking TLS server in a thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import ssl
import threading
import warnings
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from ocpp.exceptions import NotSupportedError
from ocpp.v16 import call, call_result
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus

from ocpp_core.transport import (
    OCPP16_SUBPROTOCOL,
    FailureKind,
    basic_auth_header,
    build_url,
    check_subprotocol,
    classify_connect_failure,
    client_ssl_context,
    handshake_headers,
    security_events_for,
)
from tests import csms as _csms
from tests.certs import PemFiles, TestPki, load_pem, make_server_cert, write_pem
from tests.csms import TIMEOUT, BootAnswer, TestCentralSystem, server_ssl_context

pki = _csms.pki  # session-wide EC test PKI
rsa_pki = _csms.rsa_pki  # session-wide RSA test PKI
csms = _csms.csms  # plain ws:// central system

CP_ID = "CP-SERIAL-0001"
OCTT_KEY = "4F43415F4F4354545F61646D696E5F74657374"  # OCTT's AuthorizationKey: hex of the password
PASSWORD = bytes.fromhex(OCTT_KEY)  # b"OCA_OCTT_admin_test", what goes in the header


@contextlib.asynccontextmanager
async def central_system(**kwargs: object) -> AsyncIterator[TestCentralSystem]:
    async with TestCentralSystem(**kwargs) as server:  # type: ignore[arg-type]
        yield server


@contextlib.asynccontextmanager
async def charge_point(
    server_url: str,
    *,
    profile: int,
    ssl_context: ssl.SSLContext | None = None,
    password: bytes | None = None,
    cp_id: str = CP_ID,
) -> AsyncIterator[ClientConnection]:
    """Connect the way the driver will: URL, headers and TLS context from ``ocpp_core.transport``."""
    async with connect(
        build_url(server_url, cp_id, profile),
        ssl=ssl_context,
        additional_headers=handshake_headers(security_profile=profile, charge_point_id=cp_id, password=password),
        subprotocols=[OCPP16_SUBPROTOCOL],  # type: ignore[list-item]
        open_timeout=TIMEOUT,
    ) as ws:
        check_subprotocol(ws.subprotocol)
        yield ws


async def failure_of(server_url: str, **kwargs: object) -> FailureKind:
    """Connect, expect the attempt to fail, return how it is classified."""
    with pytest.raises(Exception) as info:  # noqa: B017 - any failure; classified below
        async with charge_point(server_url, **kwargs):  # type: ignore[arg-type]
            pass
    kind = classify_connect_failure(info.value)
    assert kind.retryable, info.value
    return kind


async def boot(ws: ClientConnection, unique_id: str = "boot-1") -> list[object]:
    payload = {"chargePointVendor": "Vendor", "chargePointModel": "Model"}
    await ws.send(json.dumps([2, unique_id, "BootNotification", payload]))
    reply: list[object] = json.loads(await ws.recv())
    return reply


# ------------------------------------------------------------------------------------ profile 2


async def test_it_connects_with_profile_2_tls_and_basic_auth(pki: TestPki) -> None:
    async with central_system(ssl_context=server_ssl_context(pki.server), basic_auth={CP_ID: PASSWORD}) as server:
        ctx = client_ssl_context(security_profile=2, ca_file=pki.ca.cert)
        async with charge_point(server.url, profile=2, ssl_context=ctx, password=PASSWORD) as ws:
            record = await server.wait_connected(CP_ID)
            reply = await boot(ws)
            frame = await server.wait_for("BootNotification", cp_id=CP_ID)

    assert record.path == f"/ocpp/{CP_ID}"
    assert record.header("Authorization") == "Basic Q1AtU0VSSUFMLTAwMDE6T0NBX09DVFRfYWRtaW5fdGVzdA=="
    assert record.subprotocol == "ocpp1.6"
    assert record.tls_version == "TLSv1.3"
    assert record.peer_cert_subject is None  # no client certificate in profile 2
    assert reply[:2] == [3, "boot-1"]
    assert isinstance(reply[2], dict) and reply[2]["status"] == "Accepted"
    assert frame.payload == {"chargePointVendor": "Vendor", "chargePointModel": "Model"}
    assert [f.direction for f in server.frames] == ["received", "sent"]
    assert server.frames[1].action == "BootNotification"


async def test_it_refuses_a_server_certificate_from_another_ca(pki: TestPki) -> None:
    async with central_system(ssl_context=server_ssl_context(pki.server)) as server:
        ctx = client_ssl_context(security_profile=2, ca_file=pki.other_ca.cert)
        kind = await failure_of(server.url, profile=2, ssl_context=ctx, password=PASSWORD)

        assert kind is FailureKind.TLS_CERTIFICATE
        assert security_events_for(kind) == "InvalidCentralSystemCertificate"
        assert server.connections == []  # never got as far as HTTP


@pytest.fixture(scope="module")
def ip_less_server_cert(pki: TestPki, tmp_path_factory: pytest.TempPathFactory) -> PemFiles:
    """A server certificate for ``localhost`` only (no ``IP:127.0.0.1``), from the test CA."""
    cert = make_server_cert(load_pem(pki.ca), ip_addresses=())
    return write_pem(cert, tmp_path_factory.mktemp("ip-less"), "server")


async def test_it_checks_the_host_name_unless_told_not_to(pki: TestPki, ip_less_server_cert: PemFiles) -> None:
    async with central_system(ssl_context=server_ssl_context(ip_less_server_cert)) as server:
        strict = client_ssl_context(security_profile=2, ca_file=pki.ca.cert)
        assert await failure_of(server.url, profile=2, ssl_context=strict, password=PASSWORD) is (
            FailureKind.TLS_CERTIFICATE
        )

        lax = client_ssl_context(security_profile=2, ca_file=pki.ca.cert, verify_hostname=False)
        async with charge_point(server.url, profile=2, ssl_context=lax, password=PASSWORD):
            await server.wait_connected(CP_ID)


@pytest.mark.parametrize(
    ("which", "server_ciphers"),
    [
        # The trap: an RSA central system offering only TLS_RSA_WITH_AES_*_GCM_* on TLS 1.2.
        ("rsa", "AES128-GCM-SHA256:AES256-GCM-SHA384"),
        ("rsa", "AES256-GCM-SHA384"),
        # The other whitepaper pair.
        ("ec", "ECDHE-ECDSA-AES128-GCM-SHA256"),
        ("ec", "ECDHE-ECDSA-AES256-GCM-SHA384"),
    ],
)
async def test_it_speaks_both_whitepaper_cipher_pairs_on_tls12(
    pki: TestPki, rsa_pki: TestPki, which: str, server_ciphers: str
) -> None:
    keys = rsa_pki if which == "rsa" else pki
    server_ctx = server_ssl_context(keys.server, maximum_version=ssl.TLSVersion.TLSv1_2, ciphers=server_ciphers)
    async with central_system(ssl_context=server_ctx, basic_auth={CP_ID: PASSWORD}) as server:
        ctx = client_ssl_context(security_profile=2, ca_file=keys.ca.cert)
        async with charge_point(server.url, profile=2, ssl_context=ctx, password=PASSWORD):
            record = await server.wait_connected(CP_ID)

    assert record.tls_version == "TLSv1.2"
    assert record.cipher in server_ciphers.split(":")


async def test_python_default_context_falls_into_the_cipher_trap(rsa_pki: TestPki) -> None:
    """Control for the test above: without the explicit cipher list the handshake fails."""
    server_ctx = server_ssl_context(
        rsa_pki.server, maximum_version=ssl.TLSVersion.TLSv1_2, ciphers="AES128-GCM-SHA256:AES256-GCM-SHA384"
    )
    async with central_system(ssl_context=server_ctx) as server:
        default = ssl.create_default_context(cafile=rsa_pki.ca.cert)
        kind = await failure_of(server.url, profile=2, ssl_context=default, password=PASSWORD)

    # The asyncio TLS server resets the connection instead of sending its alert.
    assert kind is FailureKind.NETWORK


# ------------------------------------------------------------------------------------ profile 3


async def test_it_connects_with_profile_3_client_certificate(pki: TestPki) -> None:
    server_ctx = server_ssl_context(pki.server, client_ca=pki.ca.cert)
    async with central_system(ssl_context=server_ctx) as server:
        ctx = client_ssl_context(
            security_profile=3,
            ca_file=pki.ca.cert,
            client_cert_file=pki.client.cert,
            client_key_file=pki.client.key,
        )
        async with charge_point(server.url, profile=3, ssl_context=ctx, password=PASSWORD) as ws:
            record = await server.wait_connected(CP_ID)
            reply = await boot(ws)

    assert record.peer_cert_subject == {"organizationName": "Test CPO", "commonName": pki.client_serial}
    assert record.header("Authorization") is None  # no Basic auth in profile 3, even with a key
    assert reply[0] == 3


@pytest.mark.parametrize("maximum_version", [ssl.TLSVersion.TLSv1_3, ssl.TLSVersion.TLSv1_2])
async def test_it_is_refused_without_a_client_certificate(pki: TestPki, maximum_version: ssl.TLSVersion) -> None:
    server_ctx = server_ssl_context(pki.server, client_ca=pki.ca.cert, maximum_version=maximum_version)
    async with central_system(ssl_context=server_ctx) as server:
        ctx = client_ssl_context(security_profile=2, ca_file=pki.ca.cert)  # no client certificate
        kind = await failure_of(server.url, profile=2, ssl_context=ctx, password=PASSWORD)

        # TLS 1.3: the connection ends while we read the HTTP response (InvalidMessage from EOF),
        # TLS 1.2: the server resets it. Either way the refusal itself is not visible.
        assert kind in (FailureKind.NETWORK, FailureKind.TLS_CLIENT_CERTIFICATE)
        assert server.connections == []


async def test_it_is_refused_with_a_client_certificate_from_another_ca(pki: TestPki, tmp_path: Path) -> None:
    server_ctx = server_ssl_context(pki.server, client_ca=pki.other_ca.cert)
    async with central_system(ssl_context=server_ctx) as server:
        ctx = client_ssl_context(
            security_profile=3,
            ca_file=pki.ca.cert,
            client_cert_file=pki.client.cert,
            client_key_file=pki.client.key,
        )
        kind = await failure_of(server.url, profile=3, ssl_context=ctx)

        assert kind in (FailureKind.NETWORK, FailureKind.TLS_CLIENT_CERTIFICATE)
        assert server.connections == []


# ------------------------------------------------------------------------------------ TLS alerts

# asyncio's TLS server aborts the connection on a failed handshake, so the client never reads the
# alert. A blocking server in a thread sends it, which shows what a real central system's alert
# is classified as.


@contextlib.contextmanager
def one_shot_tls_server(ctx: ssl.SSLContext) -> Iterator[int]:
    """Accept one connection, attempt the TLS handshake (sending any alert), close. Yields the port."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(TIMEOUT)

    def serve_once() -> None:
        with listener, contextlib.suppress(OSError):
            conn, _ = listener.accept()
            conn.settimeout(TIMEOUT)
            with conn, contextlib.suppress(OSError), ctx.wrap_socket(conn, server_side=True):
                pass

    thread = threading.Thread(target=serve_once, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        thread.join(TIMEOUT)


async def test_it_recognises_a_central_system_limited_to_old_tls(pki: TestPki) -> None:
    old = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    old.load_cert_chain(pki.server.cert, pki.server.key)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # ssl deprecates TLS 1.0/1.1, which is the point
        old.minimum_version = ssl.TLSVersion.TLSv1
        old.maximum_version = ssl.TLSVersion.TLSv1_1
    old.set_ciphers("DEFAULT:@SECLEVEL=0")
    ctx = client_ssl_context(security_profile=2, ca_file=pki.ca.cert)
    with one_shot_tls_server(old) as port:
        kind = await failure_of(f"wss://127.0.0.1:{port}/ocpp", profile=2, ssl_context=ctx, password=PASSWORD)

    assert kind is FailureKind.TLS_VERSION
    assert security_events_for(kind) == "InvalidTLSVersion"


async def test_it_recognises_its_client_certificate_being_refused(pki: TestPki) -> None:
    server_ctx = server_ssl_context(pki.server, client_ca=pki.other_ca.cert, maximum_version=ssl.TLSVersion.TLSv1_2)
    ctx = client_ssl_context(
        security_profile=3,
        ca_file=pki.ca.cert,
        client_cert_file=pki.client.cert,
        client_key_file=pki.client.key,
    )
    with one_shot_tls_server(server_ctx) as port:
        kind = await failure_of(f"wss://127.0.0.1:{port}/ocpp", profile=3, ssl_context=ctx)

    assert kind is FailureKind.TLS_CLIENT_CERTIFICATE
    assert security_events_for(kind) == "FailedToAuthenticateAtCentralSystem"


async def test_it_takes_a_handshake_failure_alert_as_ambiguous(pki: TestPki) -> None:
    # No common cipher: OpenSSL's server sends handshake_failure, the same alert it sends for a
    # missing client certificate on TLS 1.2, so no InvalidTLSCipherSuite event is raised for it.
    server_ctx = server_ssl_context(
        pki.server, maximum_version=ssl.TLSVersion.TLSv1_2, ciphers="ECDHE-ECDSA-AES128-GCM-SHA256"
    )
    ctx = client_ssl_context(
        security_profile=2, ca_file=pki.ca.cert, ciphers12=["AES128-GCM-SHA256", "AES256-GCM-SHA384"]
    )
    with one_shot_tls_server(server_ctx) as port:
        kind = await failure_of(f"wss://127.0.0.1:{port}/ocpp", profile=2, ssl_context=ctx, password=PASSWORD)

    assert kind is FailureKind.TLS_HANDSHAKE
    assert security_events_for(kind) is None


# ------------------------------------------------------------------------------------ Basic auth, 404


@pytest.mark.parametrize(
    ("cp_id", "password"),
    [
        (CP_ID, b"wrong password"),
        (CP_ID, OCTT_KEY.encode()),  # the hex text instead of the decoded bytes
        ("CP-OTHER", PASSWORD),  # user name must match the path: checked against its own password
    ],
)
async def test_it_recognises_rejected_credentials(cp_id: str, password: bytes) -> None:
    async with central_system(basic_auth={CP_ID: PASSWORD}) as server:
        kind = await failure_of(server.url, profile=1, password=password, cp_id=cp_id)
        record = await server.wait_handshake()

    assert kind is FailureKind.AUTH_REJECTED
    assert security_events_for(kind) == "FailedToAuthenticateAtCentralSystem"
    assert record.status == 401


async def test_the_csms_refuses_a_user_name_other_than_the_path_id() -> None:
    async with central_system(basic_auth=PASSWORD) as server:
        with pytest.raises(InvalidStatus) as info:
            async with connect(
                server.url_for(CP_ID),
                additional_headers={"Authorization": basic_auth_header("CP-OTHER", PASSWORD)},
                subprotocols=[OCPP16_SUBPROTOCOL],  # type: ignore[list-item]
                open_timeout=TIMEOUT,
            ):
                pass

    assert classify_connect_failure(info.value) is FailureKind.AUTH_REJECTED
    assert info.value.response.headers["WWW-Authenticate"].startswith("Basic ")


async def test_it_recognises_rejected_credentials_over_tls(pki: TestPki) -> None:
    async with central_system(ssl_context=server_ssl_context(pki.server), basic_auth={CP_ID: PASSWORD}) as server:
        ctx = client_ssl_context(security_profile=2, ca_file=pki.ca.cert)
        kind = await failure_of(server.url, profile=2, ssl_context=ctx, password=b"wrong")

    assert kind is FailureKind.AUTH_REJECTED


async def test_it_recognises_a_missing_authorization_header() -> None:
    async with central_system(basic_auth=PASSWORD) as server:
        assert await failure_of(server.url, profile=0) is FailureKind.AUTH_REJECTED


async def test_it_recognises_an_unknown_identity() -> None:
    async with central_system(known_ids={"CP-KNOWN"}) as server:
        kind = await failure_of(server.url, profile=0)
        record = await server.wait_handshake()

    assert kind is FailureKind.NOT_FOUND
    assert record.status == 404
    assert record.cp_id == CP_ID


async def test_it_recognises_a_refused_connection() -> None:
    async with central_system() as server:
        url = server.url
    assert await failure_of(url, profile=0) is FailureKind.NETWORK


# ------------------------------------------------------------------------------------ subprotocol


async def test_it_recognises_a_server_rejecting_ocpp16() -> None:
    # websockets >= 14 answers HTTP 400 when no offered subprotocol is supported.
    async with central_system(subprotocols=["ocpp2.0.1"]) as server:
        kind = await failure_of(server.url, profile=0)
        record = await server.wait_handshake()

    assert kind is FailureKind.BAD_SUBPROTOCOL
    assert record.status == 400


async def test_it_recognises_a_server_accepting_without_a_subprotocol() -> None:
    # The OCPP-J way: the handshake completes without Sec-WebSocket-Protocol, then the server closes.
    async with central_system(subprotocols=["ocpp2.0.1"], on_no_common_subprotocol="accept") as server:
        kind = await failure_of(server.url, profile=0)
        record = await server.wait_handshake()
        await server.wait_disconnected(record)

    assert kind is FailureKind.BAD_SUBPROTOCOL
    assert record.status == 101
    assert record.subprotocol is None


async def test_it_recognises_a_server_choosing_another_subprotocol() -> None:
    async with central_system(force_subprotocol="ocpp2.0.1") as server:
        assert await failure_of(server.url, profile=0) is FailureKind.BAD_SUBPROTOCOL


# ------------------------------------------------------------------------------------ the test CSMS


async def answer_calls(ws: ClientConnection, answers: dict[str, object]) -> None:
    """A minimal charge point: answer each CALL from the central system with ``answers[action]``."""
    async for text in ws:
        try:
            message = json.loads(text)
        except ValueError:
            continue  # the raw-frame test sends "not json"
        if message[0] == 2:
            answer = answers[message[2]]
            if isinstance(answer, str):
                await ws.send(json.dumps([4, message[1], answer, "", {}]))
            else:
                await ws.send(json.dumps([3, message[1], answer]))


async def test_the_csms_drives_a_charge_point(csms: TestCentralSystem) -> None:
    csms.boot_answers.extend([BootAnswer("Pending", 5), BootAnswer("Rejected", 7)])
    csms.ignore_actions.add("Heartbeat")
    async with charge_point(csms.url, profile=0) as ws:
        await csms.wait_connected(CP_ID)
        replies = [await boot(ws, f"b{i}") for i in range(3)]
        await ws.send(json.dumps([2, "hb", "Heartbeat", {}]))
        heartbeat = await csms.wait_for("Heartbeat")

        answering = asyncio.create_task(
            answer_calls(ws, {"Reset": {"status": "Accepted"}, "ClearCache": "NotSupported"})
        )
        result = await csms.call(CP_ID, call.Reset(type="Soft"))
        with pytest.raises(NotSupportedError):
            await csms.call(CP_ID, call.ClearCache())
        await csms.send_raw(CP_ID, "not json")
        await csms.drop(CP_ID)
        await answering

    assert [(r[2]["status"], r[2]["interval"]) for r in replies] == [("Pending", 5), ("Rejected", 7), ("Accepted", 300)]  # type: ignore[index]
    assert heartbeat.unique_id == "hb"
    assert not any(f.direction == "sent" and f.action == "Heartbeat" for f in csms.frames)  # ignored
    assert result == call_result.Reset(status="Accepted")
    reset_answer = await csms.wait_for("Reset")
    assert (reset_answer.message_type, reset_answer.payload) == (3, {"status": "Accepted"})
    clear_answer = await csms.wait_for("ClearCache")
    assert (clear_answer.message_type, clear_answer.error_code) == (4, "NotSupported")
    assert csms.frames[-1].text == "not json" and csms.frames[-1].message is None
    assert csms.connections[0].closed and csms.connections[0].close_code == 1001


async def test_the_csms_hands_out_each_frame_once_and_waits_for_new_ones(csms: TestCentralSystem) -> None:
    async with charge_point(csms.url, profile=0) as ws:
        await boot(ws, "first")
        first = await csms.wait_for("BootNotification")
        waiting = asyncio.create_task(csms.wait_for("BootNotification"))
        await boot(ws, "second")
        second = await waiting
        with pytest.raises(TimeoutError, match="no BootNotification frame"):
            await csms.wait_for("BootNotification", timeout=0.05)

    assert (first.unique_id, second.unique_id) == ("first", "second")


async def test_the_csms_uses_overrides_and_id_tag_status(csms: TestCentralSystem) -> None:
    csms.id_tag_status["BLOCKED"] = "Blocked"
    csms.overrides["DataTransfer"] = lambda cp_id, **kw: call_result.DataTransfer(status="Rejected", data=cp_id)
    async with charge_point(csms.url, profile=0) as ws:
        replies = []
        for unique_id, action, payload in [
            ("a1", "Authorize", {"idTag": "OK"}),
            ("a2", "Authorize", {"idTag": "BLOCKED"}),
            (
                "s1",
                "StartTransaction",
                {"connectorId": 1, "idTag": "OK", "meterStart": 0, "timestamp": "2025-01-01T00:00:00Z"},
            ),
            ("d1", "DataTransfer", {"vendorId": "V"}),
        ]:
            await ws.send(json.dumps([2, unique_id, action, payload]))
            replies.append(json.loads(await ws.recv())[2])

    assert replies == [
        {"idTagInfo": {"status": "Accepted"}},
        {"idTagInfo": {"status": "Blocked"}},
        {"transactionId": 1, "idTagInfo": {"status": "Accepted"}},
        {"status": "Rejected", "data": CP_ID},
    ]


async def test_the_csms_can_abort_a_connection(csms: TestCentralSystem) -> None:
    async with charge_point(csms.url, profile=0) as ws:
        record = await csms.wait_connected(CP_ID)
        await csms.drop(CP_ID, abrupt=True)
        with pytest.raises(Exception):  # noqa: B017 - the connection is gone, however that shows
            await ws.recv()

    assert record.closed
    assert record.close_code is None or record.close_code == 1006

"""station/transfers.py against real servers on loopback: ``http.server`` (HTTP, and HTTPS with the
test PKI) and pyftpdlib (FTP, and explicit FTPS), downloads and uploads, good and failing."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import http.server
import ssl
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

with warnings.catch_warnings():  # pyftpdlib 2.2 still imports asyncore/asynchat (gone in 3.12)
    warnings.filterwarnings("ignore", "The (asyncore|asynchat) module is deprecated", DeprecationWarning)
    from pyftpdlib.authorizers import DummyAuthorizer  # type: ignore[import-untyped]
    from pyftpdlib.handlers import FTPHandler, TLS_FTPHandler  # type: ignore[import-untyped]
    from pyftpdlib.servers import FTPServer  # type: ignore[import-untyped]

from station import transfers
from station.transfers import TransferError, TransferOptions
from tests import csms as _csms
from tests.certs import TestPki

pki = _csms.pki

IMAGE = b"SIMFW 2.0.0\n" + bytes(range(256)) * 1000  # > one 64 KiB block
USER, PASSWORD = "station", "s3cret-pass"


# --- an HTTP server -----------------------------------------------------------------------------
@dataclass
class HttpSite:
    """What the HTTP server serves (``files``), requires (``credentials``) and received (``puts``)."""

    port: int = 0
    scheme: str = "http"
    files: dict[str, bytes] = field(default_factory=dict)
    puts: dict[str, bytes] = field(default_factory=dict)
    credentials: tuple[str, str] | None = None
    requests: list[tuple[str, str, str | None]] = field(default_factory=list)

    def url(self, path: str, userinfo: str = "") -> str:
        return f"{self.scheme}://{userinfo}127.0.0.1:{self.port}{path}"


def _handler(site: HttpSite) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
            pass

        def _authorized(self) -> bool:
            header = self.headers.get("Authorization")
            site.requests.append((self.command, self.path, header))
            if site.credentials is None:
                return True
            expected = "Basic " + base64.b64encode(":".join(site.credentials).encode()).decode()
            if header == expected:
                return True
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="files"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return False

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            if not self._authorized():
                return
            body = site.files.get(self.path)
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_PUT(self) -> None:  # noqa: N802
            if not self._authorized():
                return
            length = int(self.headers["Content-Length"])
            site.puts[self.path] = self.rfile.read(length)
            self.send_response(201)
            self.send_header("Content-Length", "0")
            self.end_headers()

    return Handler


@contextlib.contextmanager
def serving(site: HttpSite, context: ssl.SSLContext | None = None) -> Iterator[HttpSite]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(site))
    if context is not None:
        server.socket = context.wrap_socket(server.socket, server_side=True)
        site.scheme = "https"
    site.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def http_site() -> Iterator[HttpSite]:
    with serving(HttpSite()) as site:
        yield site


def client_options(pki: TestPki, **limits: Any) -> TransferOptions:
    context = ssl.create_default_context(cafile=str(pki.ca.cert))
    return TransferOptions(ssl_context=context, **limits)


# --- an FTP server ------------------------------------------------------------------------------
@dataclass
class FtpSite:
    root: Path
    port: int = 0
    scheme: str = "ftp"

    def url(self, path: str, userinfo: str = f"{USER}:{PASSWORD}@") -> str:
        return f"{self.scheme}://{userinfo}127.0.0.1:{self.port}{path}"


@contextlib.contextmanager
def ftp_serving(root: Path, handler_class: type[FTPHandler] = FTPHandler) -> Iterator[FtpSite]:
    root.mkdir(parents=True, exist_ok=True)
    authorizer = DummyAuthorizer()
    authorizer.add_user(USER, PASSWORD, str(root), perm="elradfmw")
    authorizer.add_anonymous(str(root))  # read only
    handler = type(
        "Handler",
        (handler_class,),
        {"authorizer": authorizer, "auth_failed_timeout": 0},  # no 3 s penalty after a bad login
    )
    server = FTPServer(("127.0.0.1", 0), handler)
    stop = threading.Event()

    def run() -> None:
        while not stop.is_set():
            server.serve_forever(timeout=0.05, blocking=False, handle_exit=False)
        server.close_all()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield FtpSite(root, server.address[1], "ftps" if issubclass(handler_class, TLS_FTPHandler) else "ftp")
    finally:
        stop.set()
        thread.join()


@pytest.fixture
def ftp_site(tmp_path: Path) -> Iterator[FtpSite]:
    with ftp_serving(tmp_path / "ftp") as site:
        yield site


@pytest.fixture
def ftps_site(tmp_path: Path, pki: TestPki) -> Iterator[FtpSite]:
    tls = type(
        "Tls",
        (TLS_FTPHandler,),
        {
            "certfile": str(pki.server.cert),
            "keyfile": str(pki.server.key),
            "tls_control_required": True,
            "tls_data_required": True,
        },
    )
    with ftp_serving(tmp_path / "ftps", tls) as site:
        yield site


# --- HTTP(S) ------------------------------------------------------------------------------------
async def test_it_downloads_over_http_into_a_whole_file(http_site, tmp_path):
    http_site.files["/fw/firmware-2.0.bin"] = IMAGE
    dest = tmp_path / "out" / "firmware-2.0.bin"
    size = await transfers.download(http_site.url("/fw/firmware-2.0.bin"), dest)
    assert size == len(IMAGE) and dest.read_bytes() == IMAGE
    assert [p.name for p in dest.parent.iterdir()] == ["firmware-2.0.bin"]


async def test_it_sends_the_url_credentials_as_basic_authentication(http_site, tmp_path):
    http_site.credentials = (USER, PASSWORD)
    http_site.files["/fw.bin"] = IMAGE
    await transfers.download(http_site.url("/fw.bin", f"{USER}:{PASSWORD}@"), tmp_path / "fw.bin")
    assert (tmp_path / "fw.bin").read_bytes() == IMAGE
    with pytest.raises(TransferError, match="HTTP 401") as refused:
        await transfers.download(http_site.url("/fw.bin", f"{USER}:wrong-pass@"), tmp_path / "again.bin")
    assert "wrong-pass" not in str(refused.value)


async def test_it_fails_on_a_missing_file_and_leaves_nothing_behind(http_site, tmp_path):
    with pytest.raises(TransferError, match="HTTP 404"):
        await transfers.download(http_site.url("/missing.bin"), tmp_path / "fw.bin")
    assert list(tmp_path.iterdir()) == []


async def test_it_fails_when_nothing_listens(tmp_path):
    with socket_closed() as port, pytest.raises(TransferError, match="Connection refused|ConnectionRefused"):
        await transfers.download(f"http://127.0.0.1:{port}/fw.bin", tmp_path / "fw.bin")


@contextlib.contextmanager
def socket_closed() -> Iterator[int]:
    """A loopback port nobody listens on."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    yield port


async def test_it_refuses_a_file_larger_than_the_limit(http_site, tmp_path):
    http_site.files["/big.bin"] = IMAGE
    with pytest.raises(TransferError, match="larger than 1000 bytes"):
        await transfers.download(http_site.url("/big.bin"), tmp_path / "big.bin", TransferOptions(max_bytes=1000))
    assert list(tmp_path.iterdir()) == []


async def test_it_uploads_with_put_into_the_directory_named(http_site, tmp_path):
    source = tmp_path / "bundle.zip"
    source.write_bytes(IMAGE)
    target = await transfers.upload(http_site.url("/upload/cp1"), source, "diagnostics-CP1.zip")
    assert http_site.puts == {"/upload/cp1/diagnostics-CP1.zip": IMAGE}
    assert target == http_site.url("/upload/cp1/diagnostics-CP1.zip")


async def test_it_masks_the_password_in_what_it_returns(http_site, tmp_path):
    source = tmp_path / "bundle.zip"
    source.write_bytes(b"zip")
    target = await transfers.upload(http_site.url("/up/", f"{USER}:{PASSWORD}@"), source, "d.zip")
    assert PASSWORD not in target and "***" in target
    assert http_site.requests[-1][2] == "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()


async def test_it_downloads_and_uploads_over_https_trusting_the_given_root(pki, tmp_path):
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(pki.server.cert, pki.server.key)
    with serving(HttpSite(files={"/fw.bin": IMAGE}), server_context) as site:
        await transfers.download(site.url("/fw.bin"), tmp_path / "fw.bin", client_options(pki))
        assert (tmp_path / "fw.bin").read_bytes() == IMAGE
        await transfers.upload(site.url("/up/"), tmp_path / "fw.bin", "d.zip", client_options(pki))
        assert site.puts == {"/up/d.zip": IMAGE}
        with pytest.raises(TransferError, match="CERTIFICATE_VERIFY_FAILED"):
            await transfers.download(site.url("/fw.bin"), tmp_path / "other.bin")  # the system's roots


async def test_it_gives_up_an_attempt_that_takes_too_long(tmp_path):
    import socket

    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/fw.bin"
        with pytest.raises(TransferError, match="longer than 0.2 s"):
            await transfers.download(url, tmp_path / "fw.bin", TransferOptions(max_seconds=0.2, timeout=30))
    assert not (tmp_path / "fw.bin").exists()


async def test_it_refuses_a_scheme_it_does_not_know(tmp_path):
    with pytest.raises(TransferError, match="unsupported scheme 'sftp'"):
        await transfers.download("sftp://host/fw.bin", tmp_path / "fw.bin")
    with pytest.raises(TransferError, match="is not a file name"):
        await transfers.upload("ftp://host/dir/", tmp_path, "../escape.zip")


# --- FTP(S) -------------------------------------------------------------------------------------
async def test_it_downloads_over_ftp_from_a_subdirectory(ftp_site, tmp_path):
    (ftp_site.root / "fw").mkdir()
    (ftp_site.root / "fw" / "firmware 2.0.bin").write_bytes(IMAGE)
    dest = tmp_path / "fw.bin"
    assert await transfers.download(ftp_site.url("/fw/firmware%202.0.bin"), dest) == len(IMAGE)
    assert dest.read_bytes() == IMAGE


async def test_it_logs_in_anonymously_without_credentials(ftp_site, tmp_path):
    (ftp_site.root / "public.bin").write_bytes(IMAGE)
    await transfers.download(ftp_site.url("/public.bin", userinfo=""), tmp_path / "public.bin")
    assert (tmp_path / "public.bin").read_bytes() == IMAGE


async def test_it_reports_a_refused_login_without_the_password(ftp_site, tmp_path):
    (ftp_site.root / "fw.bin").write_bytes(IMAGE)
    with pytest.raises(TransferError, match="530") as refused:
        await transfers.download(ftp_site.url("/fw.bin", f"{USER}:not-{PASSWORD}@"), tmp_path / "fw.bin")
    assert PASSWORD not in str(refused.value)
    assert list(tmp_path.iterdir()) == [ftp_site.root]


async def test_it_fails_on_a_missing_ftp_file(ftp_site, tmp_path):
    with pytest.raises(TransferError, match="550"):
        await transfers.download(ftp_site.url("/nothing.bin"), tmp_path / "fw.bin")
    assert not (tmp_path / "fw.bin").exists() and not (tmp_path / "fw.bin.part").exists()


async def test_it_uploads_over_ftp_into_the_directory(ftp_site, tmp_path):
    (ftp_site.root / "diag" / "cp1").mkdir(parents=True)
    source = tmp_path / "bundle.zip"
    source.write_bytes(IMAGE)
    target = await transfers.upload(ftp_site.url("/diag/cp1/"), source, "diagnostics-CP1.zip")
    assert (ftp_site.root / "diag" / "cp1" / "diagnostics-CP1.zip").read_bytes() == IMAGE
    assert PASSWORD not in target


async def test_it_fails_to_upload_where_it_may_not_write(ftp_site, tmp_path):
    source = tmp_path / "bundle.zip"
    source.write_bytes(IMAGE)
    with pytest.raises(TransferError, match="550|553"):
        await transfers.upload(ftp_site.url("/", userinfo=""), source, "d.zip")  # anonymous: read only
    with pytest.raises(TransferError, match="550"):
        await transfers.upload(ftp_site.url("/no/such/dir/"), source, "d.zip")


async def test_it_uses_explicit_ftps_both_ways(ftps_site, pki, tmp_path):
    (ftps_site.root / "fw.bin").write_bytes(IMAGE)
    await transfers.download(ftps_site.url("/fw.bin"), tmp_path / "fw.bin", client_options(pki))
    assert (tmp_path / "fw.bin").read_bytes() == IMAGE
    await transfers.upload(ftps_site.url("/"), tmp_path / "fw.bin", "up.zip", client_options(pki))
    assert (ftps_site.root / "up.zip").read_bytes() == IMAGE
    with pytest.raises(TransferError):  # plain FTP is refused by a server that requires TLS
        await transfers.download(ftps_site.url("/fw.bin").replace("ftps:", "ftp:"), tmp_path / "x.bin")


async def test_it_runs_transfers_beside_the_event_loop(ftp_site, http_site, tmp_path):
    """Both transfers at once, and the loop keeps running meanwhile."""
    (ftp_site.root / "a.bin").write_bytes(IMAGE)
    http_site.files["/b.bin"] = IMAGE
    ticks = 0

    async def ticking() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    ticker = asyncio.create_task(ticking())
    sizes = await asyncio.gather(
        transfers.download(ftp_site.url("/a.bin"), tmp_path / "a.bin"),
        transfers.download(http_site.url("/b.bin"), tmp_path / "b.bin"),
    )
    ticker.cancel()
    assert list(sizes) == [len(IMAGE), len(IMAGE)] and ticks > 0


async def test_it_names_an_http_failure_without_calling_it_ftp(tmp_path):
    """A server that closes the connection without answering: RemoteDisconnected is an OSError."""
    import socket

    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)

        def hang_up() -> None:
            connection, _ = server.accept()
            connection.recv(65536)
            connection.close()

        closer = threading.Thread(target=hang_up, daemon=True)
        closer.start()
        with pytest.raises(TransferError) as failed:
            await transfers.download(f"http://127.0.0.1:{server.getsockname()[1]}/fw.bin", tmp_path / "fw.bin")
        closer.join(timeout=5)
    assert "RemoteDisconnected" in str(failed.value) and "FTP" not in str(failed.value)

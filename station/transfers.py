"""File transfers for Firmware Management: downloads (UpdateFirmware) and uploads (GetDiagnostics).

Theory of operation
-------------------
One call is one attempt; the engine (``ocpp_core.firmware``) decides when to try again.

* :func:`download` fetches ``ftp://``, ``ftps://``, ``http://`` or ``https://`` URLs into a
  file: written to ``<dest>.part`` and renamed when complete, so a file at ``dest`` is always
  whole. :func:`upload` puts a local file into the *directory* a GetDiagnostics location names
  (OCPP 1.6 §5.9): FTP(S) changes into each directory of the path and stores the file there;
  HTTP(S) sends ``PUT <location>/<file name>`` (the body is the file, as ``curl -T`` does).
* Credentials come from the URL (``ftp://user:password@host/dir/``, the form OCPP names): FTP
  logs in with them (anonymously without), HTTP sends them as Basic authentication -- never to
  another host a redirect leads to. FTPS is explicit FTPS (``AUTH TLS``, then a protected data
  channel, ``PROT P``); TLS verifies the server against the context given (the system's trust
  store by default).
* Every failure is a :class:`TransferError` whose message never contains the URL's password
  (:func:`redact` masks it for logs).
* Limits: ``timeout`` seconds for each network operation (connect, every read and write),
  ``max_seconds`` for the whole attempt, ``max_bytes`` for a download.

**Threads, not async clients.** The clients are the standard library's ``urllib.request`` and
``ftplib`` -- FTP and FTPS have no maintained asyncio client we depend on, and these are mature.
Each attempt runs in a *daemon* thread of its own (not the loop's executor), handing its result to
the event loop: the loop never blocks, at most two transfers run at a time (a download and an
upload), and a transfer stuck in the network can neither hold up the station's shutdown nor a
restart. When the awaiting task is cancelled or ``max_seconds`` pass, the thread is told to stop
and does so at its next block of data (or when its socket times out).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import ftplib
import os
import ssl
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TypeVar
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from station.dashboard.redaction import redact_url

__all__ = [
    "SUPPORTED_PROTOCOLS",
    "TransferError",
    "TransferOptions",
    "download",
    "redact",
    "upload",
    "upload_target",
]

#: What this module can do: the value of SupportedFileTransferProtocols.
SUPPORTED_PROTOCOLS = ("FTP", "FTPS", "HTTP", "HTTPS")

_CHUNK = 64 * 1024
_T = TypeVar("_T")


class TransferError(Exception):
    """A download or upload failed; the message is safe to show (no password)."""


class _Cancelled(TransferError):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class TransferOptions:
    """Limits and TLS trust of a transfer (see the module docstring)."""

    timeout: float = 30.0
    max_seconds: float = 3600.0
    max_bytes: int = 512 * 1024 * 1024
    ssl_context: ssl.SSLContext | None = None

    def context(self) -> ssl.SSLContext:
        return self.ssl_context or ssl.create_default_context()


def redact(url: str) -> str:
    """``url`` with its password (and secret query values) masked, for logs."""
    return redact_url(url)


def _scheme(url: str) -> str:
    scheme = urlsplit(url).scheme.upper()
    if scheme not in SUPPORTED_PROTOCOLS:
        raise TransferError(f"unsupported scheme {scheme.lower() or '(none)'!r}: use one of {SUPPORTED_PROTOCOLS}")
    return scheme


def upload_target(location: str, file_name: str) -> str:
    """The URL the file ``file_name`` goes to when uploaded into the directory ``location``."""
    if not file_name or "/" in file_name or file_name in (".", ".."):
        raise TransferError(f"{file_name!r} is not a file name")
    parts = urlsplit(location)
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    return urlunsplit(parts._replace(path=path + quote(file_name)))


# --- the thread runner ------------------------------------------------------------------------


async def _in_thread(work: Callable[[threading.Event], _T], max_seconds: float) -> _T:
    """Run ``work(cancel)`` in a daemon thread; await its result (see the module docstring)."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[_T] = loop.create_future()
    cancel = threading.Event()

    def settle(outcome: Callable[[], None]) -> None:
        if not future.done():
            outcome()

    def run() -> None:
        try:
            result = work(cancel)
        except BaseException as exc:  # noqa: BLE001 - handed to the awaiting task
            error = exc
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: nobody waits
                loop.call_soon_threadsafe(settle, lambda: future.set_exception(error))
        else:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(settle, lambda: future.set_result(result))

    threading.Thread(target=run, name="station-transfer", daemon=True).start()
    try:
        async with asyncio.timeout(max_seconds):
            return await future
    except TimeoutError:
        raise TransferError(f"the transfer took longer than {max_seconds:g} s") from None
    finally:
        cancel.set()


def _check(cancel: threading.Event) -> None:
    if cancel.is_set():
        raise _Cancelled("the transfer was abandoned")


def _failure(exc: BaseException) -> TransferError:
    """A safe description of a client failure (the URL and its password are never part of it)."""
    if isinstance(exc, TransferError):
        return exc
    if isinstance(exc, urllib.error.HTTPError):
        exc.close()  # it holds the response (and its socket) open
        return TransferError(f"HTTP {exc.code} {exc.reason}")
    if isinstance(exc, urllib.error.URLError):
        reason = exc.reason
        return TransferError(f"{type(reason).__name__}: {reason}" if isinstance(reason, BaseException) else str(reason))
    if isinstance(exc, ftplib.Error):  # ftplib.all_errors includes OSError: not only FTP's
        return TransferError(f"FTP: {type(exc).__name__}: {exc}".strip())
    return TransferError(f"{type(exc).__name__}: {exc}")


# --- download ---------------------------------------------------------------------------------


async def download(url: str, dest: Path, options: TransferOptions | None = None) -> int:
    """Fetch ``url`` into ``dest`` (replacing it); returns the number of bytes. Raises TransferError."""
    options = options or TransferOptions()
    scheme = _scheme(url)
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")

    def work(cancel: threading.Event) -> int:
        try:
            with part.open("wb") as out:
                if scheme in ("HTTP", "HTTPS"):
                    size = _http_get(url, out, options, cancel)
                else:
                    size = _ftp_get(url, out, options, cancel, secure=scheme == "FTPS")
            os.replace(part, dest)
            return size
        except BaseException as exc:
            part.unlink(missing_ok=True)
            raise _failure(exc) from None

    return await _in_thread(work, options.max_seconds)


def _sink(out: IO[bytes], options: TransferOptions, cancel: threading.Event) -> Callable[[bytes], None]:
    written = 0

    def write(block: bytes) -> None:
        nonlocal written
        _check(cancel)
        written += len(block)
        if written > options.max_bytes:
            raise TransferError(f"the file is larger than {options.max_bytes} bytes")
        out.write(block)

    return write


def _http_request(url: str, method: str, data: IO[bytes] | None = None) -> urllib.request.Request:
    """A request without the URL's credentials; they go as Basic auth to this host only."""
    parts = urlsplit(url)
    netloc = parts.hostname or ""
    if ":" in netloc:  # an IPv6 literal
        netloc = f"[{netloc}]"
    if parts.port is not None:
        netloc += f":{parts.port}"
    request = urllib.request.Request(urlunsplit(parts._replace(netloc=netloc)), data=data, method=method)
    if parts.username is not None:
        pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
        request.add_unredirected_header("Authorization", "Basic " + base64.b64encode(pair).decode("ascii"))
    return request


def _http_get(url: str, out: IO[bytes], options: TransferOptions, cancel: threading.Event) -> int:
    request = _http_request(url, "GET")
    context = options.context() if url.lower().startswith("https:") else None
    with urllib.request.urlopen(request, timeout=options.timeout, context=context) as response:
        length = response.headers.get("Content-Length")
        if length is not None and length.isdigit() and int(length) > options.max_bytes:
            raise TransferError(f"the file is larger than {options.max_bytes} bytes ({length})")
        write = _sink(out, options, cancel)
        size = 0
        while block := response.read(_CHUNK):
            write(block)
            size += len(block)
    return size


def _ftp_session(url: str, options: TransferOptions, *, secure: bool) -> tuple[ftplib.FTP, list[str]]:
    """Connected, logged in (FTPS: protected data channel); and the unquoted path segments."""
    parts = urlsplit(url)
    if not parts.hostname:
        raise TransferError("the location names no host")
    ftp: ftplib.FTP = (
        ftplib.FTP_TLS(context=options.context(), timeout=options.timeout)
        if secure
        else ftplib.FTP(timeout=options.timeout)
    )
    try:
        ftp.connect(parts.hostname, parts.port or 21)
        user = unquote(parts.username) if parts.username is not None else "anonymous"
        password = unquote(parts.password) if parts.password is not None else "anonymous@"
        ftp.login(user, password)  # FTP_TLS: AUTH TLS first
        if isinstance(ftp, ftplib.FTP_TLS):
            ftp.prot_p()
        ftp.voidcmd("TYPE I")
    except BaseException:
        ftp.close()
        raise
    path = parts.path.split(";", 1)[0]  # drop a ";type=i" suffix
    return ftp, [unquote(segment) for segment in path.split("/")[1:]]


def _ftp_get(url: str, out: IO[bytes], options: TransferOptions, cancel: threading.Event, *, secure: bool) -> int:
    ftp, segments = _ftp_session(url, options, secure=secure)
    try:
        if not segments or not segments[-1]:
            raise TransferError("the location names no file")
        for directory in segments[:-1]:
            if directory:
                ftp.cwd(directory)
        write = _sink(out, options, cancel)
        size = 0

        def take(block: bytes) -> None:
            nonlocal size
            write(block)
            size += len(block)

        ftp.retrbinary(f"RETR {segments[-1]}", take, blocksize=_CHUNK)
        with contextlib.suppress(*ftplib.all_errors):
            ftp.quit()
        return size
    finally:
        ftp.close()


# --- upload -----------------------------------------------------------------------------------


async def upload(location: str, source: Path, file_name: str, options: TransferOptions | None = None) -> str:
    """Put ``source`` into the directory ``location`` as ``file_name``; returns the target URL
    (redacted). Raises TransferError."""
    options = options or TransferOptions()
    scheme = _scheme(location)
    target = upload_target(location, file_name)

    def work(cancel: threading.Event) -> None:
        try:
            with source.open("rb") as data:
                if scheme in ("HTTP", "HTTPS"):
                    _http_put(target, data, source.stat().st_size, options)
                else:
                    _ftp_put(location, data, file_name, options, cancel, secure=scheme == "FTPS")
        except BaseException as exc:
            raise _failure(exc) from None

    await _in_thread(work, options.max_seconds)
    return redact(target)


def _http_put(target: str, data: IO[bytes], size: int, options: TransferOptions) -> None:
    request = _http_request(target, "PUT", data)
    request.add_header("Content-Type", "application/zip")
    request.add_header("Content-Length", str(size))
    context = options.context() if target.lower().startswith("https:") else None
    with urllib.request.urlopen(request, timeout=options.timeout, context=context) as response:
        response.read()


def _ftp_put(
    location: str, data: IO[bytes], file_name: str, options: TransferOptions, cancel: threading.Event, *, secure: bool
) -> None:
    ftp, segments = _ftp_session(location, options, secure=secure)
    try:
        for directory in segments:
            if directory:
                ftp.cwd(directory)
        ftp.storbinary(f"STOR {file_name}", data, blocksize=_CHUNK, callback=lambda block: _check(cancel))
        with contextlib.suppress(*ftplib.all_errors):
            ftp.quit()
    finally:
        ftp.close()

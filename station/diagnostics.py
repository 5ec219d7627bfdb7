"""The diagnostics bundle: the file GetDiagnostics uploads, and the application log it reads.

Theory of operation
-------------------
:func:`build_bundle` writes one zip file (``<name>.part`` first, renamed when complete):

``manifest.json``
    the charge point's identity and firmware version, when the bundle was made, the window
    (startTime/stopTime, ``null`` = unbounded) and what each member holds;
``trace.jsonl``
    the message trace (:class:`station.models.TraceEntry`) within the window, in the JSONL form of
    :mod:`station.trace_export` (secrets were masked before the frames were stored);
``station.log``
    the lines of the application log within the window (see below);
``configuration.json``
    the configuration as libocpp's config.json, secrets masked;
``hardware/<name>``
    what the hardware adapter reports about itself (``Adapter.collect_logs()``).

The window is inclusive at both ends. Passwords in URLs (a GetDiagnostics or UpdateFirmware
location: ``ftp://user:password@host/``) are masked in the trace and the log lines, whatever
masked them before. Both the trace and the log are capped
(:data:`MAX_TRACE_FRAMES`, :data:`MAX_LOG_BYTES`): a bundle is something to send, and the
newest frames/lines of the window are the ones kept, with a note saying what was left out.

**The application log.** ``settings.LOGGING`` writes every record of the ``station`` and
``ocpp_core`` loggers (INFO and up) and every warning to ``STATION_LOG_FILE`` with
:class:`UtcFormatter`, one record per line starting with its UTC time
(``2026-03-01T12:00:00.123Z INFO station.station: ...``), rotated by size. The bundle reads the
rotated files oldest first and keeps the records whose time is in the window; a line without a
time (a traceback's) belongs to the record before it.

This module imports no Django models at import time: ``settings.LOGGING`` names
:class:`UtcFormatter` before the apps are ready.
"""

from __future__ import annotations

import collections
import io
import json
import logging
import os
import re
import time
import zipfile
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any, cast

from station.dashboard.redaction import redact_url

__all__ = [
    "LOG_FORMAT",
    "MAX_LOG_BYTES",
    "MAX_TRACE_FRAMES",
    "UtcFormatter",
    "build_bundle",
    "log_lines",
]

#: The format of the application log's records (``%(asctime)s`` is UTC, see :class:`UtcFormatter`).
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
#: At most this much of the application log goes into one bundle (the newest lines are kept).
MAX_LOG_BYTES = 8 * 1024 * 1024
#: At most this many trace frames go into one bundle (the newest are kept).
MAX_TRACE_FRAMES = 50_000

_STAMP = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3})Z ")


class UtcFormatter(logging.Formatter):
    """``%(asctime)s`` as ``2026-03-01T12:00:00.123Z`` (UTC, milliseconds) whatever the local zone."""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802 - logging's name
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        return f"{stamp}.{int(record.msecs):03d}Z"


def _log_files(log_file: Path) -> list[Path]:
    """The rotated files of ``log_file``, oldest first (``station.log.3`` ... ``station.log``)."""
    rotated = []
    for path in log_file.parent.glob(log_file.name + ".*"):
        suffix = path.name[len(log_file.name) + 1 :]
        if suffix.isdigit():
            rotated.append((int(suffix), path))
    return [path for _, path in sorted(rotated, reverse=True)] + ([log_file] if log_file.exists() else [])


def log_lines(log_file: Path, start: datetime | None, stop: datetime | None) -> Iterator[str]:
    """The lines of the application log (all rotated files) whose record time is in [start, stop]."""
    keep = False
    for path in _log_files(log_file):
        with path.open(encoding="utf-8", errors="replace") as lines:
            for line in lines:
                match = _STAMP.match(line)
                if match is not None:
                    when = datetime.fromisoformat(match.group(1)).replace(tzinfo=UTC)
                    keep = (start is None or when >= start) and (stop is None or when <= stop)
                if keep:
                    yield line if line.endswith("\n") else line + "\n"


def _newest(lines: Iterator[str], limit: int) -> tuple[list[str], int]:
    """The newest lines of ``lines`` fitting in ``limit`` bytes, and how many were left out."""
    kept: collections.deque[str] = collections.deque()
    size = dropped = 0
    for line in lines:
        kept.append(line)
        size += len(line.encode())
        while size > limit and kept:
            size -= len(kept.popleft().encode())
            dropped += 1
    return list(kept), dropped


def _time(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat().replace("+00:00", "Z")


class _Masking:
    """A text stream that masks URL passwords in what is written to it."""

    def __init__(self, out: IO[str]) -> None:
        self._out = out

    def write(self, text: str) -> int:
        return self._out.write(redact_url(text))


def _write_trace(bundle: zipfile.ZipFile, start: datetime | None, stop: datetime | None) -> dict[str, int]:
    from station.trace_export import TraceFilter, exported_frames, write_jsonl

    # until is exclusive in TraceFilter: one microsecond past stop keeps stop itself.
    window = TraceFilter(since=start, until=None if stop is None else stop + timedelta(microseconds=1))
    frames = collections.deque(exported_frames(window), maxlen=MAX_TRACE_FRAMES + 1)
    dropped = 0
    if len(frames) > MAX_TRACE_FRAMES:
        frames.popleft()
        dropped = window.queryset().count() - MAX_TRACE_FRAMES
    with bundle.open("trace.jsonl", "w") as raw, io.TextIOWrapper(raw, encoding="utf-8", newline="\n") as out:
        written = write_jsonl(frames, cast(IO[str], _Masking(out)))  # write() is all it uses
    return {"frames": written, "frames_left_out": dropped}


def build_bundle(
    path: Path,
    *,
    start: datetime | None,
    stop: datetime | None,
    created: datetime,
    identity: Mapping[str, Any],
    configuration: Mapping[str, Any],
    hardware: Mapping[str, bytes],
    log_file: Path | None,
) -> dict[str, Any]:
    """Write the bundle to ``path`` (see the module docstring); returns its manifest.

    Uses the ORM: call it from synchronous code (``sync_to_async`` from the event loop).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(path.name + ".part")
    manifest: dict[str, Any] = {
        **identity,
        "created": _time(created),
        "start_time": _time(start),
        "stop_time": _time(stop),
        "members": {},
    }
    try:
        with zipfile.ZipFile(part, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
            manifest["members"]["trace.jsonl"] = _write_trace(bundle, start, stop)
            lines, dropped = _newest(log_lines(log_file, start, stop), MAX_LOG_BYTES) if log_file else ([], 0)
            head = [f"# {dropped} older lines of the window left out (size limit)\n"] if dropped else []
            bundle.writestr("station.log", redact_url("".join(head + lines)))
            manifest["members"]["station.log"] = {"lines": len(lines), "lines_left_out": dropped}
            bundle.writestr("configuration.json", json.dumps(configuration, indent=2, sort_keys=True, default=str))
            manifest["members"]["configuration.json"] = {}
            for name, content in sorted(hardware.items()):
                member = "hardware/" + re.sub(r"[^A-Za-z0-9._-]", "_", name)
                bundle.writestr(member, content)
                manifest["members"][member] = {"bytes": len(content)}
            bundle.writestr("manifest.json", json.dumps(manifest, indent=2, sort_keys=True))
        os.replace(part, path)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return manifest

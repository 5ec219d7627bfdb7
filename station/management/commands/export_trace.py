"""``manage.py export_trace``: the stored message trace as JSONL or as one self-contained HTML file.

::

    manage.py export_trace --format jsonl|html [--since ISO] [--until ISO] [--action X ...]
                           [--direction in|out] [--connector N] [--transaction N] --output FILE

``--since`` (inclusive) and ``--until`` (exclusive) take ISO 8601 date-times (``2026-03-01T12:00:00Z``,
an offset, or none: UTC) or dates; ``--action`` may be repeated; ``--output -`` writes to stdout.
The formats are described in :mod:`station.trace_export`.
"""

from __future__ import annotations

import contextlib
import os
import sys
from argparse import ArgumentParser, ArgumentTypeError
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any

from django.core.management.base import BaseCommand, CommandError

from station.trace_export import TraceFilter, exported_frames, write_html, write_jsonl


def iso_datetime(text: str) -> datetime:
    """An ISO 8601 date-time or date (naive values are UTC); an argparse ``type``."""
    raw = text.strip()
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        try:
            value = datetime.combine(date.fromisoformat(raw), datetime.min.time())
        except ValueError:
            raise ArgumentTypeError(f"{text!r} is not an ISO 8601 date-time (e.g. 2026-03-01T12:00:00Z)") from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Command(BaseCommand):
    help = "Export the stored OCPP message trace as JSONL or as a self-contained HTML log."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--format", choices=("jsonl", "html"), required=True, help="output format")
        parser.add_argument("--output", required=True, metavar="FILE", help="file to write ('-' for stdout)")
        parser.add_argument("--since", type=iso_datetime, metavar="ISO", help="frames at or after this time")
        parser.add_argument("--until", type=iso_datetime, metavar="ISO", help="frames before this time")
        parser.add_argument("--action", action="append", default=[], metavar="X", help="only this action (repeatable)")
        parser.add_argument("--direction", choices=("in", "out"), help="in: from the central system; out: to it")
        parser.add_argument("--connector", type=int, metavar="N", help="only frames about connector N")
        parser.add_argument("--transaction", type=int, metavar="N", help="only frames about transaction N")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            trace_filter = TraceFilter(
                since=options["since"],
                until=options["until"],
                actions=tuple(options["action"]),
                direction=options["direction"],
                connector_id=options["connector"],
                transaction_id=options["transaction"],
            )
        except ValueError as exc:
            raise CommandError(str(exc), returncode=2) from None
        output: str = options["output"]
        with contextlib.ExitStack() as stack:
            if output == "-":
                out: IO[str] = sys.stdout
            else:
                try:
                    out = stack.enter_context(Path(output).open("w", encoding="utf-8"))
                except OSError as exc:
                    raise CommandError(f"--output {output}: {exc.strerror or exc}", returncode=2) from None
            frames = exported_frames(trace_filter)
            try:
                if options["format"] == "jsonl":
                    count = write_jsonl(frames, out)
                else:
                    count = write_html(frames, out, trace_filter=trace_filter)
            except BrokenPipeError:  # `export_trace --output - | head`: the reader has had enough
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
                return
        if output != "-":
            self.stdout.write(f"{count} frame{'s' if count != 1 else ''} written to {output}")

"""Writes the message trace in batches, off the path of the frames it records.

Theory of operation
-------------------
Every frame in both directions goes to the trace. Writing each one before the next frame may
go out (a thread hop, an insert and a commit per frame) made the trace the station's main cost
per round trip (``bench/README.md``). :class:`TraceWriter` takes records without waiting
(:meth:`TraceWriter.add`) and one background task writes whatever has gathered since its last
write, in one call, starting at most one write per ``interval`` (:data:`WRITE_INTERVAL`): an idle
station writes a frame at once, a busy one writes everything of the last 50 ms in one insert and
one commit, so the thread hop and the commit are paid per batch, not per frame. After each write
it tells the dashboard, once per batch.

The trace is a record of the traffic, not state the protocol depends on: the queue and the
transactions are persisted by the engine's storage operations *before* their frames are sent.
:meth:`TraceWriter.close` writes what is still buffered; a killed process can lose the frames of
its last unfinished write (at most one interval of frames), never a queued message.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from station.store import TraceRecord

__all__ = ["TraceWriter"]

log = logging.getLogger(__name__)

#: Seconds between the starts of two writes at the least (the trace trails the wire by this much).
WRITE_INTERVAL = 0.05


class TraceWriter:
    """Buffers trace records and writes them from one background task, in batches."""

    def __init__(
        self,
        write: Callable[[list[TraceRecord]], Awaitable[None]],
        written: Callable[[list[TraceRecord]], None] | None = None,
        *,
        interval: float = WRITE_INTERVAL,
    ) -> None:
        self._write = write
        self._interval = interval
        self._written = written
        self._buffer: list[TraceRecord] = []
        self._ready = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self._closed = asyncio.Event()  # set by close()
        self._idle = asyncio.Event()  # set while nothing is buffered or being written
        self._idle.set()

    def add(self, record: TraceRecord) -> None:
        """Queue ``record`` for the next write (starts the writer on first use)."""
        if self._closing:
            raise RuntimeError("the trace writer is closed")
        self._buffer.append(record)
        self._idle.clear()
        self._ready.set()
        if self._task is None:
            self._task = asyncio.ensure_future(self._run())

    async def flush(self) -> None:
        """Wait until every record added so far is written (or failed to be)."""
        await self._idle.wait()

    async def close(self) -> None:
        """Write what is buffered and stop the writer."""
        self._closing = True
        self._closed.set()
        self._ready.set()
        if self._task is not None:
            await self._task
        elif self._buffer:
            await self._write_batch(self._take())
            self._idle.set()

    def _take(self) -> list[TraceRecord]:
        batch, self._buffer = self._buffer, []
        return batch

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        started = float("-inf")
        while True:
            await self._ready.wait()
            wait = started + self._interval - loop.time()
            if wait > 0:
                # Let a burst gather; close() cuts the wait short.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(wait):
                        await self._closed.wait()
            self._ready.clear()
            batch = self._take()
            started = loop.time()
            if batch:
                await self._write_batch(batch)
            if not self._buffer:
                self._idle.set()
            if self._closing and not self._buffer:
                return

    async def _write_batch(self, batch: list[TraceRecord]) -> None:
        try:
            await self._write(batch)
        except Exception:  # the trace must never stop the station
            log.exception("message trace: cannot store %d frame(s)", len(batch))
            return
        if self._written is not None:
            self._written(batch)

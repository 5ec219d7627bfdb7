"""The trace writer: records added without waiting, written in order, in batches, never lost on close."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from station.store import TraceRecord
from station.trace_writer import TraceWriter

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def record(n: int) -> TraceRecord:
    return TraceRecord.from_frame("out", f'[2,"id-{n}","Heartbeat",{{}}]', T0)


class Table:
    """A store whose writes can be held, to see what gathers meanwhile."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.gate = asyncio.Event()
        self.gate.set()
        self.fail_next = False

    async def write(self, records: list[TraceRecord]) -> None:
        await self.gate.wait()
        if self.fail_next:
            self.fail_next = False
            raise OSError("disk full")
        self.batches.append([r.unique_id for r in records])


async def test_it_writes_what_gathers_during_a_write_as_one_batch_in_order() -> None:
    table, published = Table(), []
    writer = TraceWriter(table.write, lambda records: published.append(len(records)))
    table.gate.clear()
    writer.add(record(1))
    await asyncio.sleep(0)  # the writer takes record 1 and waits on the held write
    for n in (2, 3, 4):
        writer.add(record(n))
    table.gate.set()
    await writer.flush()
    assert table.batches == [["id-1"], ["id-2", "id-3", "id-4"]]
    assert published == [1, 3]


async def test_close_writes_what_is_still_buffered_and_refuses_more() -> None:
    table = Table()
    writer = TraceWriter(table.write)
    writer.add(record(1))
    writer.add(record(2))
    await writer.close()
    assert [n for batch in table.batches for n in batch] == ["id-1", "id-2"]
    with pytest.raises(RuntimeError, match="closed"):
        writer.add(record(3))


async def test_a_failed_write_is_logged_and_the_writer_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    table = Table()
    writer = TraceWriter(table.write)
    table.fail_next = True
    writer.add(record(1))
    await writer.flush()
    writer.add(record(2))
    await writer.flush()
    assert table.batches == [["id-2"]]
    assert "cannot store 1 frame(s)" in caplog.text


async def test_a_busy_station_writes_at_most_once_per_interval() -> None:
    table = Table()
    loop = asyncio.get_running_loop()
    written_at: list[float] = []
    writer = TraceWriter(table.write, lambda records: written_at.append(loop.time()), interval=0.05)
    writer.add(record(1))
    await writer.flush()  # the first frame after a quiet spell is written at once
    for n in (2, 3, 4):
        writer.add(record(n))
        await asyncio.sleep(0)  # each frame on its own turn of the loop, as the wire brings them
    await writer.flush()
    assert table.batches == [["id-1"], ["id-2", "id-3", "id-4"]]
    assert written_at[1] - written_at[0] >= 0.05


async def test_close_does_not_wait_for_the_interval() -> None:
    table = Table()
    writer = TraceWriter(table.write, interval=3600)  # a wait this long would time the test out
    writer.add(record(1))
    await writer.flush()
    writer.add(record(2))
    await asyncio.sleep(0)  # the writer is now waiting out its interval
    await writer.close()
    assert table.batches == [["id-1"], ["id-2"]]

"""The single writer: one job at a time, each all or nothing, drained on close."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa

from provisiond.model import objects
from provisiond.store import StoreClosedError, tables

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from sqlalchemy.ext.asyncio import AsyncConnection

    from provisiond.store import Store


async def _count(store: Store, table: sa.Table) -> int:
    async def job(conn: AsyncConnection) -> int:
        query = sa.select(sa.func.count()).select_from(table)
        return int((await conn.execute(query)).scalar_one())

    return await store.write(job)


async def test_concurrent_writes_run_one_at_a_time(store: Store) -> None:
    running: list[int] = []
    overlaps: list[tuple[int, ...]] = []

    def job_for(number: int) -> Callable[[AsyncConnection], Awaitable[int]]:
        async def job(conn: AsyncConnection) -> int:
            running.append(number)
            if len(running) > 1:
                overlaps.append(tuple(running))
            await conn.execute(tables.store_meta.insert().values(key=f"k{number}", value="v"))
            await asyncio.sleep(0)
            running.remove(number)
            return number

        return job

    results = await asyncio.gather(*(store.write(job_for(n)) for n in range(20)))
    assert results == list(range(20))
    assert overlaps == []


async def test_concurrent_creates_get_distinct_ids(store: Store) -> None:
    created = await asyncio.gather(
        *(store.create(objects.AccountGroup(0, f"g{n}"), actor="admin") for n in range(25))
    )
    assert sorted(group.id for group in created) == list(range(1, 26))


async def test_a_failing_job_writes_nothing_and_the_next_job_runs(store: Store) -> None:
    async def half_done(conn: AsyncConnection) -> None:
        await conn.execute(tables.store_meta.insert().values(key="half", value="done"))
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        await store.write(half_done)
    assert await _count(store, tables.store_meta) == 0


async def test_close_drains_queued_writes_then_refuses_more(store: Store) -> None:
    pending = [
        asyncio.create_task(store.create(objects.AccountGroup(0, f"g{n}"), actor="admin"))
        for n in range(5)
    ]
    await asyncio.sleep(0)
    await store.close()
    assert [task.result().id for task in pending] == [1, 2, 3, 4, 5]
    with pytest.raises(StoreClosedError):
        await store.create(objects.AccountGroup(0, "late"), actor="admin")


async def test_a_caller_that_gave_up_before_its_job_started_is_skipped(store: Store) -> None:
    started = asyncio.Event()
    release = asyncio.Event()

    async def blocker(conn: AsyncConnection) -> None:
        del conn
        started.set()
        await release.wait()

    first = asyncio.create_task(store.write(blocker))
    await started.wait()
    doomed = asyncio.create_task(store.create(objects.AccountGroup(0, "g"), actor="admin"))
    await asyncio.sleep(0)
    doomed.cancel()
    release.set()
    await first
    with pytest.raises(asyncio.CancelledError):
        await doomed
    assert await store.list(objects.AccountGroup) == []

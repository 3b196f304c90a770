from __future__ import annotations

import asyncio

import pytest

from provisiond.runtime.supervisor import Supervisor


async def test_a_crashing_task_stops_the_daemon_with_its_cause() -> None:
    supervisor = Supervisor()

    async def crash() -> None:
        await asyncio.sleep(0)
        raise ValueError("boom")

    supervisor.start("crasher", crash)
    async with asyncio.timeout(1):
        await supervisor.stopping.wait()
    assert supervisor.failure is not None
    assert "crasher" in str(supervisor.failure)
    assert isinstance(supervisor.failure.__cause__, ValueError)
    await supervisor.stop(grace=1)


async def test_a_task_that_returns_early_is_a_failure() -> None:
    supervisor = Supervisor()

    async def quits() -> None:
        return

    supervisor.start("quitter", quits)
    async with asyncio.timeout(1):
        await supervisor.stopping.wait()
    assert supervisor.failure is not None
    assert "ended unexpectedly" in str(supervisor.failure)
    await supervisor.stop(grace=1)


async def test_stop_cancels_running_tasks_without_failure() -> None:
    supervisor = Supervisor()
    cancelled = asyncio.Event()

    async def forever() -> None:
        try:
            await asyncio.Event().wait()
        finally:
            cancelled.set()

    supervisor.start("forever", forever)
    await asyncio.sleep(0)
    assert supervisor.names == ("forever",)
    await supervisor.stop(grace=1)
    assert cancelled.is_set()
    assert supervisor.failure is None
    assert not supervisor.names


async def test_duplicate_names_are_refused() -> None:
    supervisor = Supervisor()

    async def forever() -> None:
        await asyncio.Event().wait()

    supervisor.start("one", forever)
    with pytest.raises(ValueError, match="already running"):
        supervisor.start("one", forever)
    await supervisor.stop(grace=1)


async def test_a_oneshot_task_may_return_and_leaves_the_registry() -> None:
    supervisor = Supervisor()
    done = asyncio.Event()

    async def once() -> None:
        done.set()

    supervisor.start("once", once, oneshot=True)
    await done.wait()
    await asyncio.sleep(0)
    assert supervisor.failure is None
    assert not supervisor.stopping.is_set()
    assert not supervisor.names
    await supervisor.stop(grace=1)


async def test_a_crashing_oneshot_task_is_still_a_failure() -> None:
    supervisor = Supervisor()

    async def crash() -> None:
        raise RuntimeError("bad reload")

    supervisor.start("reload", crash, oneshot=True)
    async with asyncio.timeout(1):
        await supervisor.stopping.wait()
    assert supervisor.failure is not None
    await supervisor.stop(grace=1)

"""The coalescing inbox: bursts collapse, full absorbs incremental, waits on the clock."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from provisiond.reconcile.inbox import Inbox, Work, wait_event

if TYPE_CHECKING:
    from provisiond.runtime.clock import FakeClock


async def _settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


def test_a_burst_of_notifications_is_one_piece_of_work() -> None:
    inbox = Inbox()
    for _ in range(1000):
        inbox.mark_dirty()
    assert inbox.take() == Work(incremental=True)
    assert not inbox.take()


def test_a_full_request_travels_with_pending_incremental_work() -> None:
    inbox = Inbox()
    inbox.mark_dirty()
    inbox.request_full()
    inbox.request_uptime()
    assert inbox.take() == Work(full=True, incremental=True, uptime=True)


def test_a_full_resync_can_claim_incremental_work_alone() -> None:
    inbox = Inbox()
    inbox.request_full()
    assert not inbox.take_incremental()
    inbox.mark_dirty()
    assert inbox.take_incremental()
    assert inbox.take() == Work(full=True)


async def test_wait_returns_on_work_or_after_the_time(clock: FakeClock) -> None:
    inbox = Inbox()
    waiting = asyncio.ensure_future(inbox.wait(clock, 10.0))
    await _settle()  # the wait starts before time moves
    await clock.advance(5.0)
    assert not waiting.done()
    await clock.advance(5.0)
    await _settle()
    assert waiting.done()
    waiting = asyncio.ensure_future(inbox.wait(clock, 10.0))
    await asyncio.sleep(0)
    inbox.mark_dirty()
    await waiting


async def test_only_urgent_work_cuts_an_urgent_only_wait_short(clock: FakeClock) -> None:
    inbox = Inbox()
    waiting = asyncio.ensure_future(inbox.wait(clock, 10.0, urgent_only=True))
    await asyncio.sleep(0)
    inbox.mark_dirty()
    inbox.request_full()
    await _settle()
    assert not waiting.done()
    inbox.request_full(urgent=True)
    await waiting
    inbox.take()
    inbox.stop()
    assert inbox.stopping
    await inbox.wait(clock, 10.0, urgent_only=True)  # a stop is always urgent


async def test_wait_event_leaves_no_task_behind(clock: FakeClock) -> None:
    event = asyncio.Event()
    assert not await wait_event(event, clock, 0)
    waiting = asyncio.ensure_future(wait_event(event, clock, 30.0))
    await asyncio.sleep(0)
    waiting.cancel()
    await asyncio.gather(waiting, return_exceptions=True)
    event.set()
    assert await wait_event(event, clock, None)

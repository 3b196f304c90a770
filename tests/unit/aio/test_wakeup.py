"""`Wakeup` / `wait_event`: pokes are never lost and coalesce, time is the injected clock's,
and no racer task outlives a wait, however it ends."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest

from provisiond.aio.wakeup import Wakeup, wait_event

if TYPE_CHECKING:
    from datetime import datetime

    from provisiond.runtime.clock import FakeClock


async def _settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


def _racers() -> set[str]:
    """The wait's racer tasks still alive."""
    return {
        task.get_name()
        for task in asyncio.all_tasks()
        if task.get_name().startswith("wakeup-") and not task.done()
    }


class GateClock:
    """A clock whose sleeps end exactly when the test opens the gate (one loop step)."""

    def __init__(self) -> None:
        self.gate: asyncio.Future[None] | None = None
        self.slept: list[float] = []

    def now(self) -> datetime:
        raise AssertionError("a wait never reads the wall clock")

    def monotonic(self) -> float:
        raise AssertionError("a wait measures time by sleeping on the clock")

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.gate = asyncio.get_running_loop().create_future()
        await self.gate


async def test_a_poke_before_the_wait_returns_at_once_without_yielding(clock: FakeClock) -> None:
    wakeup = Wakeup()
    wakeup.poke()
    waiting = wakeup.wait(clock, 30.0)
    with pytest.raises(StopIteration) as returned:
        waiting.send(None)  # the coroutine ends in its first step: it never suspended
    assert returned.value.value is True
    assert await wakeup.wait(clock, 30.0), "the poke stays until it is cleared"
    wakeup.clear()
    assert not wakeup.poked


async def test_a_poke_while_the_loop_works_wakes_its_next_wait(clock: FakeClock) -> None:
    wakeup = Wakeup()
    wakeup.clear()  # the loop is about to look at its work...
    wakeup.poke()  # ...and new work lands before it waits again
    assert await wakeup.wait(clock, None)


@pytest.mark.parametrize("delay", [None, 30.0])
async def test_a_poke_during_the_wait_ends_it(clock: FakeClock, delay: float | None) -> None:
    wakeup = Wakeup()
    waiting = asyncio.create_task(wakeup.wait(clock, delay))
    await _settle()
    assert not waiting.done()
    wakeup.poke()
    assert await waiting
    assert clock.monotonic() == 0.0
    assert _racers() == set()


async def test_the_delay_is_slept_on_the_injected_clock(clock: FakeClock) -> None:
    wakeup = Wakeup()
    waiting = asyncio.create_task(wakeup.wait(clock, 10.0))
    await _settle()
    await clock.advance(9.9)
    assert not waiting.done()
    await clock.advance(0.1)
    assert await waiting is False
    assert _racers() == set()


@pytest.mark.parametrize("delay", [0.0, -5.0])
async def test_a_delay_already_up_is_still_a_sleep_of_the_clock(
    clock: FakeClock, delay: float
) -> None:
    waiting = asyncio.create_task(Wakeup().wait(clock, delay))
    await _settle()
    assert not waiting.done(), "the clock, not the caller, says when zero seconds passed"
    await clock.advance(0.0)
    assert await waiting is False


async def test_cancelling_the_waiter_finishes_every_racer_first(clock: FakeClock) -> None:
    wakeup = Wakeup()
    followed = asyncio.Event()

    async def follow() -> None:
        try:
            await asyncio.get_running_loop().create_future()
        finally:
            followed.set()

    waiting = asyncio.create_task(wakeup.wait(clock, 30.0, also=follow))
    await _settle()
    assert _racers() == {"wakeup-poke", "wakeup-timer", "wakeup-also"}
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert _racers() == set()  # already when the cancellation arrives, not some steps later
    assert followed.is_set()
    assert not wakeup.poked


async def test_a_wait_without_a_deadline_runs_no_task(clock: FakeClock) -> None:
    wakeup = Wakeup()
    waiting = asyncio.create_task(wakeup.wait(clock, None))
    await _settle()
    assert _racers() == set()
    waiting.cancel()
    await asyncio.gather(waiting, return_exceptions=True)
    assert waiting.cancelled()


async def test_many_pokes_are_one_wake_up(clock: FakeClock) -> None:
    wakeup = Wakeup()
    passes = 0

    async def loop() -> None:
        nonlocal passes
        while True:
            await wakeup.wait(clock, 60.0)
            wakeup.clear()
            passes += 1

    for _ in range(100):
        wakeup.poke()
    task = asyncio.create_task(loop())
    await _settle()
    assert passes == 1
    for _ in range(100):
        wakeup.poke()
    await _settle()
    assert passes == 2
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def test_also_ends_the_wait_and_is_started_only_when_waiting(clock: FakeClock) -> None:
    wakeup = Wakeup()
    started = 0
    change = asyncio.Event()

    async def follow() -> None:
        nonlocal started
        started += 1
        await change.wait()

    waiting = asyncio.create_task(wakeup.wait(clock, 30.0, also=follow))
    await _settle()
    change.set()
    assert await waiting is False, "ended by `also`, not by a poke"
    wakeup.poke()
    assert await wakeup.wait(clock, 30.0, also=follow)
    assert started == 1


async def test_a_failing_waker_is_raised_after_the_others_end(clock: FakeClock) -> None:
    async def broken() -> None:
        raise RuntimeError("the feed broke")

    with pytest.raises(RuntimeError, match="the feed broke"):
        await Wakeup().wait(clock, 30.0, also=broken)
    assert _racers() == set()


async def test_parked_while_waiting_and_unparked_before_the_waiter_resumes() -> None:
    wakeup = Wakeup()
    clock = GateClock()
    waiting = asyncio.create_task(wakeup.wait(clock, 5.0))
    await _settle()
    await asyncio.wait_for(wakeup.parked(), 1.0)
    assert clock.slept == [5.0]
    assert clock.gate is not None
    clock.gate.set_result(None)  # the time is up...
    await asyncio.sleep(0)  # ...and one loop step later, long before the waiter resumes:
    parked = asyncio.create_task(wakeup.parked())
    await asyncio.sleep(0)
    assert not parked.done(), "a loop about to run must not look parked"
    assert await waiting is False
    parked.cancel()
    await asyncio.gather(parked, return_exceptions=True)


@pytest.mark.parametrize("delay", [None, 30.0])
async def test_a_poke_unparks_in_the_same_step(clock: FakeClock, delay: float | None) -> None:
    wakeup = Wakeup()
    waiting = asyncio.create_task(wakeup.wait(clock, delay))
    await _settle()
    await asyncio.wait_for(wakeup.parked(), 1.0)
    wakeup.poke()
    probe = wakeup.parked()  # a `settled()` looking right after the poke, before any step
    assert probe.send(None) is not None, "parked() must suspend: the waiter is about to run"
    probe.close()
    assert await waiting


async def test_wait_event_races_a_plain_event(clock: FakeClock) -> None:
    event = asyncio.Event()
    waiting = asyncio.create_task(wait_event(event, clock, 10.0))
    await _settle()
    event.set()
    assert await waiting
    event.clear()
    waiting = asyncio.create_task(wait_event(event, clock, 10.0))
    await _settle()
    await clock.advance(10.0)
    assert await waiting is False


async def test_a_delay_that_is_not_a_number_is_refused(clock: FakeClock) -> None:
    with pytest.raises(ValueError, match="NaN"):
        await Wakeup().wait(clock, float("nan"))

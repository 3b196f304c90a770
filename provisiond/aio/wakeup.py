"""Wait for the first of: a poke, a due time on the injected clock, or one more awaitable.

The services' loops (the events pacer, the usage service, the CoA sender, a device
worker's inbox) all sleep the same way: until another component says "look again", or
their next piece of work falls due, whichever comes first. The pokes are level-triggered:
they say only *that* there is something to look at, so a poke stays until the loop clears
it, any number of pokes are one wake-up, and a poke made before the loop waits is not
lost. `wait_event` is that race, written once; `Wakeup` is the flag a loop owns.

The race runs each waker as a task and finishes every one of them before it returns or
raises (a cancellation of the caller included), so no task outlives a wait: the tests'
leak guard holds, and a stopped service leaves nothing behind.
"""

from __future__ import annotations

import asyncio
import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from provisiond.model.clock import Clock


class Wakeup:
    """A loop's "look again" flag, and whether the loop is parked on it.

    One task waits on a `Wakeup` at a time; anyone may poke it. The loop clears the poke
    right *before* it looks at its work, so a poke that lands while it works is for the
    next pass, not lost.
    """

    def __init__(self) -> None:
        self._poked = asyncio.Event()
        self._parked = asyncio.Event()

    @property
    def poked(self) -> bool:
        return self._poked.is_set()

    def poke(self) -> None:
        # The waiter is as good as running from here: `parked()` must not report it idle
        # in the few loop iterations before it resumes.
        self._parked.clear()
        self._poked.set()

    def clear(self) -> None:
        self._poked.clear()

    async def wait(
        self,
        clock: Clock,
        delay: float | None,
        *,
        also: Callable[[], Awaitable[object]] | None = None,
    ) -> bool:
        """Until poked, `delay` seconds of `clock` pass (None: no limit), or `also()`
        ends; whether poked. Returns at once when already poked; the poke stays until
        `clear()`."""
        return await wait_event(self._poked, clock, delay, also=also, parked=self._parked)

    async def parked(self) -> None:
        """Return once the loop waits here and nothing has come to wake it yet (the
        services' `settled()`: a test, or the daemon, waiting for a loop to go quiet)."""
        await self._parked.wait()


async def wait_event(
    event: asyncio.Event,
    clock: Clock,
    delay: float | None,
    *,
    also: Callable[[], Awaitable[object]] | None = None,
    parked: asyncio.Event | None = None,
) -> bool:
    """Wait until `event` is set, `delay` seconds of `clock` pass (None: no limit), or the
    awaitable `also()` ends, whichever comes first; whether `event` is set at the end.

    - `event` already set: returns at once, without yielding to the loop.
    - `delay` of zero or less is a zero-second sleep of the clock, not "no wait": the clock
      says when zero seconds have passed (`FakeClock` at its next `advance()`).
    - `also` is called only when the call does wait (a feed to follow while idle).
    - `parked` is set while the call waits and cleared the moment a waker ends, before
      the caller resumes, so whoever watches it never takes a loop about to run for idle.
    - A waker's exception is raised here, once every waker is finished; a cancellation
      of the caller wins over it.
    """
    if delay is not None and math.isnan(delay):
        raise ValueError("a wait's delay must be a number of seconds or None, not NaN")
    if event.is_set():
        return True
    if delay is None and also is None:
        await _parked_on(event.wait(), parked)  # one waker: nothing to race, no task
        return event.is_set()
    wakers: list[tuple[str, Callable[[], Awaitable[object]]]] = [("wakeup-poke", event.wait)]
    if delay is not None:
        seconds = max(delay, 0.0)
        wakers.append(("wakeup-timer", lambda: clock.sleep(seconds)))
    if also is not None:
        wakers.append(("wakeup-also", also))
    racers: list[asyncio.Task[None]] = []
    try:
        for name, waker in wakers:
            racers.append(asyncio.create_task(_unparking(waker(), parked), name=name))
        if parked is not None:
            parked.set()
        await asyncio.wait(racers, return_when=asyncio.FIRST_COMPLETED)
    finally:
        if parked is not None:
            parked.clear()
        failure = await _finish(racers)
    if failure is not None:
        raise failure
    return event.is_set()


async def _parked_on(awaitable: Awaitable[object], parked: asyncio.Event | None) -> None:
    if parked is not None:
        parked.set()
    try:
        await awaitable
    finally:
        if parked is not None:
            parked.clear()


async def _unparking(awaitable: Awaitable[object], parked: asyncio.Event | None) -> None:
    await awaitable
    # Now, in the waker's own step: the waiting task resumes a few loop iterations later.
    if parked is not None:
        parked.clear()


async def _finish(racers: list[asyncio.Task[None]]) -> BaseException | None:
    """Cancel the racers and wait until all have ended; the first one's failure.

    `asyncio.wait` does not raise the racers' cancellations but lets the caller's through.
    """
    for racer in racers:
        racer.cancel()
    if racers:
        await asyncio.wait(racers)
    failures = [racer.exception() for racer in racers if not racer.cancelled()]
    return next((failure for failure in failures if failure is not None), None)

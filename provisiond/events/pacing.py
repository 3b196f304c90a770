"""How the event loops wait: on the injected clock, until a deadline, a store change of a
kind they care about, or a poke from another component, whichever comes first.

The change feed is level-triggered (a change only says "look again"), so a wake-up drains
whatever is queued and the loop re-reads the store. `settled()` lets a caller (a test,
the daemon at start-up) wait until the loop has handled everything and sleeps again.
Loop-level failures back off along a bounded, logged sequence (STYLE.md §7).
"""

from __future__ import annotations

import asyncio
import functools
import logging
from typing import TYPE_CHECKING, Final

from provisiond.aio.wakeup import Wakeup

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Collection

    from provisiond.model.clock import Clock
    from provisiond.store import ChangeFeed, ChangeSubscription

log = logging.getLogger(__name__)

RESYNC_KIND: Final = "*"
BACKOFF: Final = (1.0, 2.0, 5.0, 10.0, 30.0, 60.0)  # seconds between failed loop passes


class Pacer:
    def __init__(
        self, name: str, clock: Clock, feed: ChangeFeed | None, kinds: Collection[str]
    ) -> None:
        self._name = name
        self._clock = clock
        self._feed = feed
        self._kinds = frozenset(kinds) | {RESYNC_KIND}
        self._subscription: ChangeSubscription | None = None
        self._wakeup = Wakeup()
        self._failures = 0

    def open(self) -> None:
        """Subscribe before the first read, so no change between them is missed."""
        if self._feed is not None and self._subscription is None:
            self._subscription = self._feed.subscribe()

    def close(self) -> None:
        if self._subscription is not None:
            self._subscription.close()
            self._subscription = None

    def poke(self) -> None:
        """Another component wrote something this loop handles."""
        self._wakeup.poke()

    async def _drain(self) -> bool:
        """Take every queued change; whether one of them concerns this loop."""
        relevant = False
        subscription = self._subscription
        while subscription is not None and subscription.pending:
            change = await anext(subscription)
            relevant = relevant or change.kind in self._kinds
        return relevant

    async def _relevant_change(self, subscription: ChangeSubscription) -> None:
        """Return at a change of a kind this loop handles (which ends its wait)."""
        async for change in subscription:
            if change.kind in self._kinds:
                return
        await asyncio.get_running_loop().create_future()  # the feed closed: the store is closing

    async def wait(self, delay: float | None) -> None:
        """Sleep `delay` seconds of the clock (None: until woken); at once when poked or
        a relevant change is already queued."""
        if not await self._drain():
            subscription = self._subscription
            following = (
                None
                if subscription is None
                else functools.partial(self._relevant_change, subscription)
            )
            await self._wakeup.wait(self._clock, delay, also=following)
        self._wakeup.clear()

    async def settled(self) -> None:
        """Return once the loop waits with nothing queued for it."""
        while True:
            await self._wakeup.parked()
            pending = self._subscription.pending if self._subscription is not None else 0
            if not self._wakeup.poked and not pending:
                return
            await asyncio.sleep(0)

    async def run(self, step: Callable[[], Awaitable[float | None]]) -> None:
        """Forever: run `step`, then wait the delay it returns (None: until woken).

        A failed step is logged with its count and retried after a backoff; the loop
        outlives it, as the daemon must outlive a database hiccup.
        """
        while True:
            try:
                delay = await step()
            except Exception as exc:  # noqa: BLE001 - logged; the loop must go on
                await self._clock.sleep(self._failed(exc))
                continue
            if self._failures:
                log.info("%s recovered after %d failed passes", self._name, self._failures)
                self._failures = 0
            await self.wait(delay)

    def _failed(self, exc: Exception) -> float:
        self._failures += 1
        delay = BACKOFF[min(self._failures, len(BACKOFF)) - 1]
        log.error("%s failed (#%d), retrying in %.0f s: %s", self._name, self._failures, delay, exc)
        return delay

"""The change feed: what the store tells the rest of the daemon after each commit.

A `Change` only says *what to look at* (level-triggered, DESIGN.md §8): consumers
re-read the store for the current state, so a change may be delivered late or merged
without losing anything. That is what lets a slow subscriber be handled by collapsing
its backlog into one `RESYNC` ("look at everything") instead of blocking the writer
or growing without bound.

`ChangeFeed` is the seam for a PostgreSQL version: there the writer would
`NOTIFY` inside its transaction and a listener task would fan notifications out to
subscriptions like these, so several processes can share one database.
"""

from __future__ import annotations

import asyncio
import collections
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final, Protocol

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Mapping

DEFAULT_BACKLOG: Final = 1000


@dataclass(frozen=True, slots=True)
class Change:
    """Objects of one kind that changed in one commit.

    `kind` is the plural kind name ("accounts", "services", ...) or `"*"` for "resync
    everything". `account_ids` are the accounts touched directly or whose scheduled
    events or vacations changed, so per-account work need not look the objects up.
    """

    kind: str
    ids: frozenset[int] = frozenset()
    account_ids: frozenset[int] = frozenset()
    # The committed version of the objects written (None: deleted), when the writer knew
    # it: an in-process subscriber applies them without a read. Not part of the identity;
    # a feed across processes (PostgreSQL NOTIFY) would leave it empty.
    committed: Mapping[int, object | None] = field(default_factory=dict, compare=False)


RESYNC: Final = Change(kind="*")


class ChangeSubscription(Protocol):
    @property
    def pending(self) -> int:
        """Changes queued but not yet taken out; lets a consumer tell when it caught up."""

    def __aiter__(self) -> AsyncIterator[Change]: ...

    async def __anext__(self) -> Change: ...

    def close(self) -> None: ...


class ChangeFeed(Protocol):
    def subscribe(self) -> ChangeSubscription: ...


class ChangePublisher(Protocol):
    def publish(self, change: Change) -> None: ...


class LocalSubscription:
    """One subscriber's bounded backlog; iteration ends when it or the feed closes."""

    def __init__(self, feed: LocalFeed, *, backlog: int) -> None:
        self._feed = feed
        self._backlog = backlog
        self._queue: collections.deque[Change] = collections.deque()
        self._wakeup = asyncio.Event()
        self._closed = False
        # True while a RESYNC waits in the queue: it covers every change committed
        # before the subscriber takes it out, so those need not be queued.
        self._resync_pending = False

    def offer(self, change: Change) -> None:
        if self._closed or self._resync_pending:
            return
        if len(self._queue) >= self._backlog or change.kind == RESYNC.kind:
            self._queue.clear()
            self._queue.append(RESYNC)
            self._resync_pending = True
        else:
            self._queue.append(change)
        self._wakeup.set()

    @property
    def pending(self) -> int:
        return len(self._queue)

    def close(self) -> None:
        """The subscriber is done: drop the backlog and end the iteration."""
        self._queue.clear()
        self.finish()

    def finish(self) -> None:
        """The feed is closing: deliver what is queued, then end the iteration."""
        self._closed = True
        self._feed.forget(self)
        self._wakeup.set()

    def __aiter__(self) -> LocalSubscription:
        return self

    async def __anext__(self) -> Change:
        # A plain iterator rather than an async generator: a consumer that breaks out
        # of its loop leaves nothing for the event loop to finalise later.
        while not self._queue:
            if self._closed:
                raise StopAsyncIteration
            self._wakeup.clear()
            await self._wakeup.wait()
        change = self._queue.popleft()
        if change is RESYNC:
            self._resync_pending = False
        return change


class LocalFeed:
    """In-process fan-out: `publish` never waits, whatever the subscribers do."""

    def __init__(self, *, backlog: int = DEFAULT_BACKLOG) -> None:
        self._backlog = backlog
        self._subscriptions: list[LocalSubscription] = []

    def subscribe(self) -> LocalSubscription:
        subscription = LocalSubscription(self, backlog=self._backlog)
        self._subscriptions.append(subscription)
        return subscription

    def publish(self, change: Change) -> None:
        for subscription in tuple(self._subscriptions):
            subscription.offer(change)

    def forget(self, subscription: LocalSubscription) -> None:
        if subscription in self._subscriptions:
            self._subscriptions.remove(subscription)

    def close(self) -> None:
        """End every subscription's iteration once its backlog is read (the store closes)."""
        for subscription in tuple(self._subscriptions):
            subscription.finish()

from __future__ import annotations

import asyncio

from provisiond.store.feed import RESYNC, Change, LocalFeed, LocalSubscription


async def _take(subscription: LocalSubscription, count: int) -> list[Change]:
    return [await asyncio.wait_for(anext(subscription), timeout=1) for _ in range(count)]


async def test_every_subscriber_gets_every_change_in_order() -> None:
    feed = LocalFeed()
    first, second = feed.subscribe(), feed.subscribe()
    changes = [Change("accounts", frozenset({n}), frozenset({n})) for n in range(3)]
    for change in changes:
        feed.publish(change)
    assert first.pending == 3
    assert await _take(first, 3) == changes
    assert first.pending == 0
    assert await _take(second, 3) == changes


async def test_overflow_collapses_into_one_resync_and_later_changes_are_covered() -> None:
    feed = LocalFeed(backlog=3)
    slow = feed.subscribe()
    for n in range(10):
        feed.publish(Change("accounts", frozenset({n})))
    assert await _take(slow, 1) == [RESYNC]
    # Taking the RESYNC out re-arms normal delivery for what commits afterwards.
    after = Change("services", frozenset({1}))
    feed.publish(after)
    assert await _take(slow, 1) == [after]


async def test_a_resync_waiting_in_the_queue_absorbs_further_changes() -> None:
    feed = LocalFeed(backlog=2)
    slow = feed.subscribe()
    for n in range(3):
        feed.publish(Change("accounts", frozenset({n})))
    feed.publish(Change("accounts", frozenset({99})))
    feed.close()
    assert [change async for change in slow] == [RESYNC]


async def test_a_slow_subscriber_does_not_affect_a_fast_one() -> None:
    feed = LocalFeed(backlog=2)
    slow, fast = feed.subscribe(), feed.subscribe()
    for n in range(5):
        feed.publish(Change("accounts", frozenset({n})))
        assert await _take(fast, 1) == [Change("accounts", frozenset({n}))]
    assert await _take(slow, 1) == [RESYNC]


async def test_a_closed_subscription_ends_and_gets_nothing_more() -> None:
    feed = LocalFeed()
    subscription = feed.subscribe()
    feed.publish(Change("accounts"))
    subscription.close()
    feed.publish(Change("services"))
    assert [change async for change in subscription] == []


async def test_a_waiting_subscriber_wakes_on_publish_and_on_close() -> None:
    feed = LocalFeed()
    subscription = feed.subscribe()
    received: list[Change] = []

    async def follow() -> None:
        received.extend([change async for change in subscription])

    follower = asyncio.create_task(follow())
    await asyncio.sleep(0)
    feed.publish(Change("accounts"))
    await asyncio.sleep(0)
    feed.close()
    await asyncio.wait_for(follower, timeout=1)
    assert received == [Change("accounts")]

"""The change feed as the store drives it: after each commit, never for a rollback."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest

from provisiond.model import objects
from provisiond.model.errors import InvalidError
from provisiond.store import Change
from tests.integration.store import samples

if TYPE_CHECKING:
    from provisiond.store import ChangeSubscription, Store


async def _next(subscription: ChangeSubscription) -> Change:
    return await asyncio.wait_for(anext(aiter(subscription)), timeout=1)


async def test_writes_publish_what_changed(store: Store) -> None:
    subscription = store.feed.subscribe()
    try:
        await store.import_dataset(samples.dataset(), actor="cli")
        kinds = [(await _next(subscription)).kind for _ in range(11)]
        assert kinds[0] == "account_statuses"
        assert kinds[-3:] == ["accounts", "scheduled_events", "vacations"]
        await store.update(objects.AccountGroup(2, "South-West"), actor="admin")
        assert await _next(subscription) == Change("account_groups", frozenset({2}))
        await store.delete(objects.Account, 100, actor="admin")
        assert [await _next(subscription) for _ in range(3)] == [
            Change("accounts", frozenset({100}), frozenset({100})),
            Change("scheduled_events", frozenset({7}), frozenset({100})),
            Change("vacations", frozenset({3}), frozenset({100})),
        ]
    finally:
        subscription.close()


async def test_a_failed_write_publishes_nothing(store: Store) -> None:
    subscription = store.feed.subscribe()
    try:
        with pytest.raises(InvalidError):
            await store.create(objects.Account(0, "x", status_id=5), actor="admin")
        await store.create(objects.AccountType(0, "t"), actor="admin")
        assert (await _next(subscription)).kind == "account_types"
    finally:
        subscription.close()


async def test_closing_the_store_ends_subscriptions_after_their_backlog(store: Store) -> None:
    subscription = store.feed.subscribe()
    await store.create(objects.AccountType(0, "t"), actor="admin")
    await store.create(objects.AccountGroup(0, "g"), actor="admin")
    await store.close()
    seen = [change.kind async for change in subscription]
    assert seen == ["account_types", "account_groups"]

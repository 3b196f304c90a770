"""The CoA outbox table through the store's writer (`store.coa_outbox`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest

from provisiond.store.coa_outbox import CoaOutbox, OutboxAction, OutboxBatch, OutboxRow

if TYPE_CHECKING:
    from provisiond.store import Store

T0 = datetime(2026, 5, 1, 8, 30, tzinfo=UTC)
COA, DISCONNECT = OutboxAction.COA, OutboxAction.DISCONNECT


def row(session_id: int, action: OutboxAction = COA, *reasons: str, minute: int = 0) -> OutboxRow:
    return OutboxRow(
        session_id, 42, action, frozenset(reasons or ("status",)), T0 + timedelta(minutes=minute)
    )


async def test_rows_round_trip(store: Store) -> None:
    outbox = CoaOutbox(store)
    await outbox.upsert([row(2, DISCONNECT, "deleted", "credentials", minute=1), row(1)])
    loaded = await outbox.load()
    assert loaded == [row(1), row(2, DISCONNECT, "credentials", "deleted", minute=1)]
    assert loaded[0].queued_at.tzinfo is not None


async def test_upsert_coalesces_per_session(store: Store) -> None:
    outbox = CoaOutbox(store)
    await outbox.upsert([row(1, COA, "status", minute=5)])
    stored = await outbox.upsert(
        [row(1, DISCONNECT, "deleted", minute=9), row(1, COA, "usage", minute=2)]
    )
    expected = OutboxRow(
        1, 42, DISCONNECT, frozenset({"status", "deleted", "usage"}), T0 + timedelta(minutes=2)
    )
    assert stored == [expected]
    assert await outbox.load() == [expected]


async def test_held_attempts_and_delete(store: Store) -> None:
    outbox = CoaOutbox(store)
    await outbox.upsert([row(1), row(2), row(3)])
    await outbox.set_held({2}, held=True)
    await outbox.add_attempt({1, 2})
    await outbox.add_attempt({1})
    await outbox.delete({3})
    loaded = {stored.session_id: stored for stored in await outbox.load()}
    assert sorted(loaded) == [1, 2]
    assert (loaded[1].attempts, loaded[1].held) == (2, False)
    assert (loaded[2].attempts, loaded[2].held) == (1, True)
    await outbox.set_held({2}, held=False)
    assert not any(stored.held for stored in await outbox.load())


async def test_a_batch_runs_in_order_in_one_transaction(store: Store) -> None:
    outbox = CoaOutbox(store)
    await outbox.upsert([row(1), row(2), row(3)])
    await outbox.set_held({3}, held=True)
    batch = OutboxBatch(
        put=[row(2, COA, "groups", minute=7)],
        delete={1},
        upsert=[row(1, COA, "usage", minute=8)],  # after the delete: a fresh row
        release={3},
        attempted={1, 2},
    )
    await outbox.apply(batch)
    loaded = {stored.session_id: stored for stored in await outbox.load()}
    assert (loaded[1].reasons, loaded[1].attempts) == (frozenset({"usage"}), 1)
    assert (loaded[2].reasons, loaded[2].attempts) == (frozenset({"groups"}), 1)
    assert not loaded[3].held


async def test_many_sessions_in_one_call(store: Store) -> None:
    outbox = CoaOutbox(store)
    await outbox.upsert([row(n) for n in range(1, 1201)])
    await outbox.add_attempt(range(1, 1201))
    loaded = await outbox.load()
    assert len(loaded) == 1200
    assert {stored.attempts for stored in loaded} == {1}
    await outbox.delete(range(1, 1201))
    assert await outbox.load() == []


def test_a_reason_must_be_a_word() -> None:
    with pytest.raises(ValueError, match="non-empty word"):
        OutboxRow(1, None, COA, frozenset({"a,b"}), T0)
    with pytest.raises(ValueError, match="non-empty word"):
        OutboxRow(1, None, COA, frozenset({""}), T0)

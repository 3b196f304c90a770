"""The scheduler on the fake clock: on time, exactly once, late ones in order, the rules."""

from __future__ import annotations

import functools
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest

from provisiond.model.enums import EventAction, TriggerEvent
from provisiond.model.errors import ConflictError
from provisiond.model.objects import Account, ScheduledEvent, Trigger
from provisiond.store import Store, outbox, schedule
from tests.integration.events.conftest import ACTIVE, ALICE, FAST, INACTIVE, SLOW

if TYPE_CHECKING:
    from collections.abc import Callable

    from provisiond.events.scheduler import Scheduler
    from provisiond.runtime.clock import FakeClock
    from tests.integration.events.conftest import Hooks, Running

HOUR = 3600.0


async def plan(
    store: Store,
    clock: FakeClock,
    offset: float,
    action: EventAction,
    *ids: int,
) -> ScheduledEvent:
    """Schedule an event for Alice `offset` seconds from now (negative: late)."""
    at = clock.now() + timedelta(seconds=offset)
    object_id, replacement_id = (*ids, None, None)[:2]
    event = ScheduledEvent(0, ALICE, at, action, object_id, replacement_id)
    return await store.create(event, actor="admin")


async def scheduler_updates(store: Store) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(before, after) of every account change the scheduler made, in order."""
    return [
        (entry.before or {}, entry.after or {})
        for entry in await store.events(limit=1000)
        if entry.actor == "scheduler" and entry.kind == "accounts"
    ]


async def test_an_event_runs_at_its_time_and_not_before(
    store: Store, clock: FakeClock, make_scheduler: Callable[..., Scheduler], running: Running
) -> None:
    event = await plan(store, clock, HOUR, EventAction.CHANGE_STATUS, INACTIVE)
    scheduler = make_scheduler()
    await running.start(scheduler)
    await scheduler.settled()
    await clock.advance(HOUR - 1)
    await scheduler.settled()
    assert (await store.get(Account, ALICE)).status_id == ACTIVE
    await clock.advance(1)
    await scheduler.settled()
    assert (await store.get(Account, ALICE)).status_id == INACTIVE
    assert (await store.get(ScheduledEvent, event.id)).complete


async def test_an_event_scheduled_while_running_wakes_the_scheduler(
    store: Store, clock: FakeClock, make_scheduler: Callable[..., Scheduler], running: Running
) -> None:
    scheduler = make_scheduler()
    await running.start(scheduler)
    await scheduler.settled()
    await plan(store, clock, 60, EventAction.SET_DELINQUENT)
    await scheduler.settled()
    await clock.advance(60)
    await scheduler.settled()
    assert (await store.get(Account, ALICE)).delinquent


async def test_each_event_runs_exactly_once_across_restarts(
    db_url: str,
    store: Store,
    clock: FakeClock,
    make_scheduler: Callable[..., Scheduler],
    running: Running,
) -> None:
    await plan(store, clock, 60, EventAction.SWAP_SERVICE, FAST, SLOW)
    first = make_scheduler()
    await running.start(first)
    await clock.advance(60)
    await first.settled()
    await running.stop(first)
    reopened = await Store.open(db_url, clock=clock)
    try:
        second = make_scheduler(reopened)
        await running.start(second)
        await second.settled()
        assert await second.run_due() == 0
        await running.stop(second)
        assert len(await scheduler_updates(reopened)) == 1
    finally:
        await reopened.close()


async def test_late_events_run_at_start_up_in_time_order(
    store: Store, clock: FakeClock, make_scheduler: Callable[..., Scheduler], running: Running
) -> None:
    # Created in reverse: in creation order the add would find the old service still there.
    add = await plan(store, clock, -HOUR, EventAction.ADD_SERVICE, SLOW)
    remove = await plan(store, clock, -2 * HOUR, EventAction.REMOVE_SERVICE, FAST)
    delinquent = await plan(store, clock, -3 * HOUR, EventAction.SET_DELINQUENT)
    scheduler = make_scheduler()
    await running.start(scheduler)
    await scheduler.settled()
    for event in (add, remove, delinquent):
        stored = await store.get(ScheduledEvent, event.id)
        assert (stored.complete, stored.error) == (True, None)
    updates = await scheduler_updates(store)
    changes = [(b["service_ids"], a["service_ids"], a["delinquent"]) for b, a in updates]
    assert changes == [([10], [10], True), ([10], [], True), ([], [11], True)]


async def test_add_service_fails_while_a_data_service_is_there(
    store: Store,
    clock: FakeClock,
    make_scheduler: Callable[..., Scheduler],
    running: Running,
    hooks: Hooks,
) -> None:
    trigger = Trigger(0, "failures", TriggerEvent.SCHEDULED_EVENT_FAILED, "https://h.example/x")
    await store.create(trigger, actor="admin")
    event = await plan(store, clock, 0, EventAction.ADD_SERVICE, SLOW)
    scheduler = make_scheduler()
    await running.start(scheduler)
    await scheduler.settled()
    failed = await store.get(ScheduledEvent, event.id)
    assert failed.complete is False
    assert failed.error is not None
    assert "already has a data service" in failed.error
    assert (await store.get(Account, ALICE)).service_ids == (FAST,)
    assert hooks.failures == 1
    [delivery] = await store.write(lambda conn: outbox.page(conn, after=None, limit=10))
    assert delivery.event is TriggerEvent.SCHEDULED_EVENT_FAILED
    assert delivery.data["after"]["error"] == failed.error
    assert delivery.data["before"]["error"] is None


async def test_swap_is_one_change(
    store: Store, clock: FakeClock, make_scheduler: Callable[..., Scheduler], running: Running
) -> None:
    await plan(store, clock, 0, EventAction.SWAP_SERVICE, FAST, SLOW)
    scheduler = make_scheduler()
    await running.start(scheduler)
    await scheduler.settled()
    [(before, after)] = await scheduler_updates(store)
    assert (before["service_ids"], after["service_ids"]) == ([FAST], [SLOW])


async def test_disconnect_moves_the_status_and_tells_the_daemon(
    store: Store,
    clock: FakeClock,
    make_scheduler: Callable[..., Scheduler],
    running: Running,
    hooks: Hooks,
) -> None:
    await plan(store, clock, 0, EventAction.DISCONNECT, INACTIVE)
    await plan(store, clock, 0, EventAction.CLEAR_DELINQUENT)
    scheduler = make_scheduler()
    await running.start(scheduler)
    await scheduler.settled()
    assert (await store.get(Account, ALICE)).status_id == INACTIVE
    assert hooks.disconnected == [ALICE]


async def test_a_completed_event_cannot_be_deleted(
    store: Store, clock: FakeClock, make_scheduler: Callable[..., Scheduler]
) -> None:
    done = await plan(store, clock, 0, EventAction.SET_DELINQUENT)
    waiting = await plan(store, clock, HOUR, EventAction.CLEAR_DELINQUENT)
    assert await make_scheduler().run_due() == 1

    async def delete(event_id: int) -> None:
        job = functools.partial(schedule.delete_event, event_id=event_id)
        await store.transact(job, actor="admin")

    with pytest.raises(ConflictError):
        await delete(done.id)
    await delete(waiting.id)
    assert [e.id for e in await store.list(ScheduledEvent)] == [done.id]

"""Vacations: booking rules, start and end on the fake clock, the refused restore, early
ends, and restarts in the middle."""

from __future__ import annotations

import functools
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest

from provisiond.model.enums import EventAction, TriggerEvent, VacationState
from provisiond.model.errors import ConflictError, InvalidError, NotFoundError
from provisiond.model.objects import Account, ScheduledEvent, Trigger, Vacation
from provisiond.store import Store, outbox, vacations
from tests.integration.events.conftest import (
    ACTIVE,
    ALICE,
    FAST,
    INACTIVE,
    SLOW,
    VACATION,
    VACATION_1M,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from provisiond.events.scheduler import Scheduler
    from provisiond.runtime.clock import FakeClock
    from tests.integration.events.conftest import Hooks, Running

DAY = 86400.0


async def book(
    store: Store, clock: FakeClock, start: float, end: float, account_id: int = ALICE
) -> Vacation:
    """Book Alice's vacation from `start` to `end` seconds from now."""
    now = clock.now()
    wanted = Vacation(
        0,
        account_id,
        now + timedelta(seconds=start),
        now + timedelta(seconds=end),
        status_id=VACATION,
        service_id=VACATION_1M,
    )
    return await store.transact(functools.partial(vacations.book, vacation=wanted), actor="admin")


async def stop(store: Store, vacation_id: int | None = None) -> Vacation:
    job = functools.partial(vacations.stop, account_id=ALICE, vacation_id=vacation_id)
    return await store.transact(job, actor="admin")


async def alice(store: Store) -> tuple[int, tuple[int, ...]]:
    account = await store.get(Account, ALICE)
    return account.status_id, account.service_ids


async def test_booking_needs_an_account_with_one_data_service(
    store: Store, clock: FakeClock
) -> None:
    with pytest.raises(NotFoundError):
        await book(store, clock, DAY, 2 * DAY, account_id=999)
    bare = replace(await store.get(Account, ALICE), service_ids=())
    await store.update(bare, actor="admin")
    with pytest.raises(InvalidError, match="exactly one data service"):
        await book(store, clock, DAY, 2 * DAY)


async def test_overlapping_vacations_conflict(store: Store, clock: FakeClock) -> None:
    first = await book(store, clock, DAY, 3 * DAY)
    with pytest.raises(ConflictError, match=f"overlaps vacation {first.id}"):
        await book(store, clock, 2 * DAY, 4 * DAY)
    await book(store, clock, 3 * DAY, 4 * DAY)  # back to back is fine
    await stop(store, first.id)  # cancelled: its window is free again
    await book(store, clock, DAY, 2 * DAY)
    with pytest.raises(InvalidError) as caught:
        await book(store, clock, -2 * DAY, -DAY)
    assert caught.value.field == "end"


async def test_start_saves_and_moves_end_restores(
    store: Store, clock: FakeClock, make_scheduler: Callable[..., Scheduler], running: Running
) -> None:
    booked = await book(store, clock, 3600, DAY)
    scheduler = make_scheduler()
    await running.start(scheduler)
    await scheduler.settled()
    assert await alice(store) == (ACTIVE, (FAST,))
    await clock.advance(3600)
    await scheduler.settled()
    assert await alice(store) == (VACATION, (VACATION_1M,))
    active = await store.get(Vacation, booked.id)
    assert (active.state, active.saved_status_id, active.saved_service_id) == (
        VacationState.ACTIVE,
        ACTIVE,
        FAST,
    )
    await clock.advance(DAY - 3600)
    await scheduler.settled()
    assert await alice(store) == (ACTIVE, (FAST,))
    assert (await store.get(Vacation, booked.id)).state is VacationState.DONE


async def test_no_restore_when_billing_moved_the_account_meanwhile(
    store: Store,
    clock: FakeClock,
    make_scheduler: Callable[..., Scheduler],
    running: Running,
    hooks: Hooks,
) -> None:
    trigger = Trigger(0, "failed", TriggerEvent.SCHEDULED_EVENT_FAILED, "https://h.example/x")
    await store.create(trigger, actor="admin")
    booked = await book(store, clock, 0, DAY)
    scheduler = make_scheduler()
    await running.start(scheduler)
    await scheduler.settled()
    # Billing disconnects the account during its vacation ...
    disconnected = replace(await store.get(Account, ALICE), status_id=INACTIVE)
    await store.update(disconnected, actor="billing")
    await clock.advance(DAY)
    await scheduler.settled()
    # ... and the end must not re-activate it.
    assert await alice(store) == (INACTIVE, (VACATION_1M,))
    failed = await store.get(Vacation, booked.id)
    assert failed.state is VacationState.FAILED
    assert failed.error is not None
    assert "not restored" in failed.error
    assert hooks.failures == 1
    [delivery] = await store.write(functools.partial(outbox.page, after=None, limit=10))
    assert delivery.event is TriggerEvent.SCHEDULED_EVENT_FAILED
    assert (delivery.data["before"]["state"], delivery.data["after"]["state"]) == (
        "active",
        "failed",
    )


async def test_delete_cancels_a_scheduled_and_ends_an_active_vacation(
    store: Store, clock: FakeClock, make_scheduler: Callable[..., Scheduler]
) -> None:
    later = await book(store, clock, 10 * DAY, 11 * DAY)
    now = await book(store, clock, 0, DAY)
    assert await make_scheduler().run_due() == 1
    await clock.advance(3600)
    ended = await stop(store)  # the active one first
    assert (ended.id, ended.state, ended.end) == (now.id, VacationState.DONE, clock.now())
    assert await alice(store) == (ACTIVE, (FAST,))
    cancelled = await stop(store)
    assert (cancelled.id, cancelled.state) == (later.id, VacationState.CANCELLED)
    with pytest.raises(NotFoundError):
        await stop(store)
    assert await make_scheduler().run_due() == 0


async def test_a_restart_mid_vacation_ends_it_at_its_end(
    db_url: str,
    store: Store,
    clock: FakeClock,
    make_scheduler: Callable[..., Scheduler],
    running: Running,
) -> None:
    booked = await book(store, clock, 0, DAY)
    first = make_scheduler()
    await running.start(first)
    await first.settled()
    await running.stop(first)
    await clock.advance(DAY / 2)
    reopened = await Store.open(db_url, clock=clock)
    try:
        second = make_scheduler(reopened)
        await running.start(second)
        await second.settled()
        assert await alice(reopened) == (VACATION, (VACATION_1M,))
        await clock.advance(DAY / 2)
        await second.settled()
        assert await alice(reopened) == (ACTIVE, (FAST,))
        assert (await reopened.get(Vacation, booked.id)).state is VacationState.DONE
        await running.stop(second)
    finally:
        await reopened.close()


async def test_steps_missed_while_down_run_in_time_order(
    store: Store, clock: FakeClock, make_scheduler: Callable[..., Scheduler]
) -> None:
    await book(store, clock, 3600, 3 * 3600)
    at = clock.now() + timedelta(hours=2)  # in the middle of the vacation
    await store.create(ScheduledEvent(0, ALICE, at, EventAction.SET_DELINQUENT), actor="admin")
    at = clock.now() + timedelta(hours=4)  # after it: finds the restored service
    swap = ScheduledEvent(0, ALICE, at, EventAction.SWAP_SERVICE, FAST, SLOW)
    await store.create(swap, actor="admin")
    await clock.advance(5 * 3600)
    assert await make_scheduler().run_due() == 4
    account = await store.get(Account, ALICE)
    assert (account.status_id, account.service_ids, account.delinquent) == (ACTIVE, (SLOW,), True)

"""The trigger engine: each account transition queues its event once, `account.activated`
once per account ever, imports only when asked, other components through `fire()`."""

from __future__ import annotations

import functools
from dataclasses import replace
from typing import TYPE_CHECKING

import pytest_asyncio

from provisiond.events.triggers import Triggers
from provisiond.model.enums import TriggerEvent
from provisiond.model.network import parse_prefix
from provisiond.model.objects import Account, Dataset, Trigger
from provisiond.store import Store, outbox, trigger_log
from tests.integration.events.conftest import ACTIVE, ALICE, INACTIVE, SLOW

if TYPE_CHECKING:
    from provisiond.observability.metrics import Metrics
    from provisiond.runtime.clock import FakeClock
    from tests.integration.events.conftest import Running

ACCOUNT_EVENTS = (
    TriggerEvent.ACCOUNT_ACTIVATED,
    TriggerEvent.ACCOUNT_DELINQUENT,
    TriggerEvent.ACCOUNT_DELINQUENCY_CLEARED,
    TriggerEvent.ACCOUNT_STATUS_CHANGED,
    TriggerEvent.ACCOUNT_SERVICES_CHANGED,
    TriggerEvent.ACCOUNT_ADDRESSES_CHANGED,
)


@pytest_asyncio.fixture
async def listening(store: Store, clock: FakeClock, metrics: Metrics) -> Store:
    """One trigger per account event, and a usage trigger at 80 % and one at 100 %.

    The seed's changes are read first: they came before any trigger was listening.
    """
    seeded = Triggers(store, clock, metrics=metrics)
    while await seeded.catch_up():
        pass
    for event in ACCOUNT_EVENTS:
        await store.create(Trigger(0, event.value, event, "https://h.example/x"), actor="admin")
    usage = TriggerEvent.ACCOUNT_USAGE_THRESHOLD
    for percent in (80.0, 100.0):
        trigger = Trigger(0, f"usage {percent}", usage, "https://h.example/u", percent=percent)
        await store.create(trigger, actor="admin")
    return store


async def deliveries(store: Store) -> list[outbox.Delivery]:
    return await store.write(functools.partial(outbox.page, after=None, limit=1000))


async def events(store: Store) -> list[TriggerEvent]:
    return [delivery.event for delivery in await deliveries(store)]


async def change(store: Store, **fields: object) -> None:
    account = await store.get(Account, ALICE)
    await store.update(replace(account, **fields), actor="admin")  # type: ignore[arg-type]


async def started(store: Store, clock: FakeClock, metrics: Metrics, running: Running) -> Triggers:
    engine = Triggers(store, clock, metrics=metrics)
    await running.start(engine)
    await engine.settled()
    return engine


async def test_each_transition_queues_its_event_once(
    listening: Store, clock: FakeClock, metrics: Metrics, running: Running
) -> None:
    engine = await started(listening, clock, metrics, running)
    await change(listening, delinquent=True)
    await change(listening, delinquent=False)
    await change(listening, service_ids=(SLOW,))
    await change(listening, ip_assignments=(parse_prefix("100.64.0.9/32"),))
    await change(listening, name="Alice B.")  # not a transition anything listens for
    await engine.settled()
    assert await events(listening) == [
        TriggerEvent.ACCOUNT_DELINQUENT,
        TriggerEvent.ACCOUNT_DELINQUENCY_CLEARED,
        TriggerEvent.ACCOUNT_SERVICES_CHANGED,
        TriggerEvent.ACCOUNT_ADDRESSES_CHANGED,
    ]
    first = (await deliveries(listening))[0]
    assert first.account_id == ALICE
    assert first.occurred_at == clock.now()
    assert first.data == {"before": {"delinquent": False}, "after": {"delinquent": True}}
    assert not await engine.catch_up()


async def test_activated_fires_once_per_account_and_sets_activated_at(
    listening: Store, clock: FakeClock, metrics: Metrics, running: Running
) -> None:
    engine = await started(listening, clock, metrics, running)
    created = Account(0, "Bob", status_id=INACTIVE)
    bob = (await listening.create(created, actor="admin")).id
    for status in (ACTIVE, INACTIVE, ACTIVE):
        account = await listening.get(Account, bob)
        await listening.update(replace(account, status_id=status), actor="admin")
        await engine.settled()
    found = await deliveries(listening)
    activated = [d for d in found if d.event is TriggerEvent.ACCOUNT_ACTIVATED]
    assert len(activated) == 1
    assert activated[0].data == {
        "before": {"status_id": INACTIVE},
        "after": {"status_id": ACTIVE, "activated_at": "2026-01-01T00:00:00Z"},
    }
    assert (await listening.get(Account, bob)).activated_at == clock.now()
    changed = [d for d in found if d.event is TriggerEvent.ACCOUNT_STATUS_CHANGED]
    assert len(changed) == 4  # the create, then three moves
    audit = await listening.events(limit=1000)
    marks = [e.action for e in audit if e.actor == "triggers" and e.object_id == bob]
    assert marks == ["update"]


async def test_imports_fire_nothing_unless_asked(
    listening: Store, clock: FakeClock, metrics: Metrics, running: Running
) -> None:
    engine = await started(listening, clock, metrics, running)
    quiet = Dataset(accounts=(Account(200, "Carol", status_id=ACTIVE, delinquent=True),))
    await trigger_log.import_dataset(listening, quiet, actor="cli", triggers=False)
    await engine.settled()
    assert await events(listening) == []
    # Brought in active, Carol counts as activated: a later reconnection is no first time.
    assert (await listening.get(Account, 200)).activated_at == clock.now()
    loud = Dataset(accounts=(Account(201, "Dave", status_id=ACTIVE, delinquent=True),))
    await trigger_log.import_dataset(listening, loud, actor="cli", triggers=True)
    await engine.settled()
    assert set(await events(listening)) == {
        TriggerEvent.ACCOUNT_ACTIVATED,
        TriggerEvent.ACCOUNT_STATUS_CHANGED,
        TriggerEvent.ACCOUNT_DELINQUENT,
    }
    assert {d.account_id for d in await deliveries(listening)} == {201}
    audit = await listening.events(limit=1000)
    assert {e.action for e in audit if e.object_id in {200, 201} and e.actor == "cli"} == {"import"}


async def test_changes_made_while_stopped_fire_after_the_restart_exactly_once(
    listening: Store, clock: FakeClock, metrics: Metrics, running: Running
) -> None:
    first = await started(listening, clock, metrics, running)
    await running.stop(first)
    await change(listening, delinquent=True)
    await started(listening, clock, metrics, running)
    again = await started(listening, clock, metrics, running)  # a second reader, same cursor
    await again.settled()
    assert await events(listening) == [TriggerEvent.ACCOUNT_DELINQUENT]


async def test_fire_reaches_each_usage_trigger_once_per_key(
    listening: Store, clock: FakeClock, metrics: Metrics
) -> None:
    engine = Triggers(listening, clock, metrics=metrics)
    usage = TriggerEvent.ACCOUNT_USAGE_THRESHOLD
    data = {"percent": 85.0, "used_bytes": 85_000, "cap_bytes": 100_000}
    assert await engine.fire(usage, ALICE, data, once_key="100:2026-01") == 1
    assert await engine.fire(usage, ALICE, data, once_key="100:2026-01") == 0
    full = {**data, "percent": 100.0}
    assert await engine.fire(usage, ALICE, full, once_key="100:2026-01") == 1
    assert await engine.fire(usage, ALICE, full, once_key="100:2026-02") == 2
    device = {"device": "core-1", "error": "timeout"}
    assert await engine.fire(TriggerEvent.DEVICE_UNREACHABLE, None, device) == 0
    found = await deliveries(listening)
    assert [d.data["percent"] for d in found] == [85.0, 100.0, 100.0, 100.0]

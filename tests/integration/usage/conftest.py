"""A real SQLite store seeded with a capped policy and a usage trigger, and `UsageService`s
over it on a fake clock that starts shortly before April begins in Berlin."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pytest
import pytest_asyncio
import sqlalchemy as sa

from provisiond.config.settings import UsageSettings
from provisiond.events.triggers import Triggers
from provisiond.model.enums import TriggerEvent, Weekday
from provisiond.model.objects import FreePeriod, Trigger, UsagePolicy
from provisiond.observability.metrics import Metrics
from provisiond.runtime.clock import FakeClock
from provisiond.store import Store, tables, usage_totals
from provisiond.usage import UsageService

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Mapping, Sequence
    from pathlib import Path

    from sqlalchemy.ext.asyncio import AsyncConnection

    from provisiond.model.usage import Traffic
    from provisiond.store.usage_totals import UsageRow

SETTINGS = UsageSettings(timezone="Europe/Berlin")
APRIL = datetime(2026, 3, 31, 22, tzinfo=UTC)  # 1 April 00:00 in Berlin
MARCH = datetime(2026, 2, 28, 23, tzinfo=UTC)
START = datetime(2026, 3, 31, 12, tzinfo=UTC)  # ten hours before April
GB = 10**9
CAPPED = UsagePolicy(1, "10 GB, free Sunday nights", 10.0, (FreePeriod(Weekday.SUNDAY, 0, 360),))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest_asyncio.fixture
async def store(tmp_path: Path, clock: FakeClock) -> AsyncIterator[Store]:
    opened = await Store.open(f"sqlite:///{tmp_path}/provisiond.db", clock=clock)
    try:
        usage = TriggerEvent.ACCOUNT_USAGE_THRESHOLD
        for percent in (80.0, 100.0):
            hook = Trigger(0, f"usage {percent}", usage, "https://h.example/u", percent=percent)
            await opened.create(hook, actor="seed")
        yield opened
    finally:
        await opened.close()


@dataclass
class World:
    """The daemon's side of a `UsageService`: policies, flips and the trigger outbox."""

    store: Store
    clock: FakeClock
    policies: dict[int, UsagePolicy | None] = field(default_factory=dict)
    flips: list[tuple[int, bool]] = field(default_factory=list)
    sessions: set[int] = field(default_factory=set)  # accounts with an open session
    services: list[UsageService] = field(default_factory=list)

    async def __aenter__(self) -> World:
        return self

    async def __aexit__(self, *exc: object) -> None:
        """Stop the services still running, as the daemon's shutdown does."""
        for service in list(self.services):
            await self.stop(service)

    def policy_of(self, account_id: int) -> UsagePolicy | None:
        return self.policies.get(account_id)

    def over_cap(self, account_id: int, over: bool) -> None:  # noqa: FBT001 - the callback's shape
        self.flips.append((account_id, over))

    def build(self, **options: Any) -> UsageService:
        triggers = Triggers(self.store, self.clock, metrics=Metrics())
        return UsageService(
            store=self.store,
            clock=self.clock,
            settings=SETTINGS,
            policy_of=self.policy_of,
            on_over_cap=self.over_cap,
            fire=triggers.fire,
            in_session=self.sessions.__contains__,
            **options,
        )

    async def start(self, **options: Any) -> UsageService:
        service = self.build(**options)
        await service.start()
        self.services.append(service)
        return service

    async def stop(self, service: UsageService) -> None:
        await service.stop()
        self.services.remove(service)

    async def count(self, service: UsageService, traffic: Sequence[Traffic]) -> list[UsageRow]:
        """What the accounting writer does: the rows in one transaction, then `committed`."""
        rows = service.rows(traffic)

        async def job(conn: AsyncConnection) -> None:
            await usage_totals.add(conn, rows)

        await self.store.write(job)
        service.committed(rows, traffic)
        return rows

    async def stored(self, period_start: datetime) -> Mapping[int, UsageRow]:
        rows = await usage_totals.UsageStore(self.store).of_period(period_start)
        return {row.account_id: row for row in rows}

    async def deliveries(self) -> list[tuple[int, int | None, str | None]]:
        """(trigger id, account id, once key) of every queued webhook delivery."""
        table = tables.trigger_deliveries

        async def job(conn: AsyncConnection) -> list[tuple[int, int | None, str | None]]:
            query = sa.select(table.c.trigger_id, table.c.account_id, table.c.once_key)
            rows = (await conn.execute(query.order_by(table.c.id))).all()
            return [(row.trigger_id, row.account_id, row.once_key) for row in rows]

        return await self.store.write(job)


@pytest_asyncio.fixture
async def world(store: Store, clock: FakeClock) -> AsyncIterator[World]:
    async with World(store, clock) as made:
        yield made

"""A real SQLite store per test, seeded with what schedules and vacations need, and the
`EventsService` parts over it on the fake clock; everything is stopped after the test."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pytest
import pytest_asyncio

from provisiond.events.scheduler import Scheduler
from provisiond.model.objects import Account, AccountStatus, Service
from provisiond.observability.metrics import Metrics
from provisiond.store import Store

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable
    from pathlib import Path

    from provisiond.events.delivery import Deliverer
    from provisiond.events.triggers import Triggers
    from provisiond.runtime.clock import FakeClock

ACTIVE, INACTIVE, VACATION = 1, 2, 3
FAST, SLOW, VACATION_1M = 10, 11, 20
ALICE = 100


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/provisiond.db"


@pytest.fixture
def metrics() -> Metrics:
    return Metrics()


async def seed(store: Store) -> None:
    """Statuses, services and one active account (100) with service 10."""
    for status in (
        AccountStatus(ACTIVE, "Active", activates_account=True),
        AccountStatus(INACTIVE, "Inactive", activates_account=False),
        AccountStatus(VACATION, "Vacation", activates_account=True),
    ):
        await store.create(status, actor="seed")
    for service in (
        Service(FAST, "100M", 100_000, 20_000),
        Service(SLOW, "50M", 50_000, 10_000),
        Service(VACATION_1M, "Vacation 1M", 1000, 1000),
    ):
        await store.create(service, actor="seed")
    await store.create(Account(ALICE, "Alice", status_id=ACTIVE, service_ids=(FAST,)), actor="seed")


@pytest_asyncio.fixture
async def store(db_url: str, clock: FakeClock) -> AsyncIterator[Store]:
    opened = await Store.open(db_url, clock=clock)
    try:
        await seed(opened)
        yield opened
    finally:
        await opened.close()


@dataclass
class Hooks:
    """What the scheduler told the daemon."""

    disconnected: list[int] = field(default_factory=list)
    failures: int = 0

    def on_disconnect(self, account_id: int) -> None:
        self.disconnected.append(account_id)

    def on_failed(self) -> None:
        self.failures += 1


@dataclass
class Running:
    """Started components, stopped at teardown (a test may stop one itself first)."""

    components: list[Scheduler | Triggers | Deliverer] = field(default_factory=list)

    async def start(self, component: Scheduler | Triggers | Deliverer) -> None:
        await component.start()
        self.components.append(component)

    async def stop(self, component: Scheduler | Triggers | Deliverer) -> None:
        await component.stop()
        self.components.remove(component)


@pytest_asyncio.fixture
async def running() -> AsyncIterator[Running]:
    started = Running()
    yield started
    for component in reversed(started.components):
        await component.stop()


@pytest.fixture
def hooks() -> Hooks:
    return Hooks()


@pytest.fixture
def make_scheduler(
    store: Store, clock: FakeClock, metrics: Metrics, hooks: Hooks
) -> Callable[..., Scheduler]:
    def make(over: Store | None = None) -> Scheduler:
        return Scheduler(
            over or store,
            clock,
            metrics=metrics,
            on_disconnect=hooks.on_disconnect,
            on_failed=hooks.on_failed,
        )

    return make

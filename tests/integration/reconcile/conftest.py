"""A lab router on loopback, a store, and reconcilers running the real RouterOS API driver."""

from __future__ import annotations

import dataclasses
import logging
from typing import TYPE_CHECKING, Any

import pytest
import pytest_asyncio

from provisiond.config import ReconcileSettings
from provisiond.drivers import registry
from provisiond.lab import LabRouter
from provisiond.observability.metrics import Metrics
from provisiond.reconcile import DeviceEvent, Reconciler
from provisiond.runtime.clock import SystemClock
from provisiond.store import Store
from tests.integration.drivers.support import PASSWORD, api_settings
from tests.integration.reconcile.support import DEVICE, FAST, LabClock
from tests.unit.reconcile.fakes import World

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
    from pathlib import Path


@pytest.fixture(autouse=True)
def _no_unexpected_errors(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Nothing logs an error unless the test says it expects one (`caplog.clear()`)."""
    caplog.set_level(logging.DEBUG, logger="provisiond")
    yield
    errors = [r.getMessage() for r in caplog.get_records("call") if r.levelno >= logging.ERROR]
    assert not errors


@pytest.fixture
def lab_clock() -> LabClock:
    return LabClock()


@pytest_asyncio.fixture
async def router(lab_clock: LabClock) -> AsyncIterator[LabRouter]:
    lab = LabRouter(password=PASSWORD, clock=lab_clock)
    lab_clock.age(1000.0)
    await lab.start()
    try:
        yield lab
    finally:
        await lab.stop()


@pytest_asyncio.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    opened = await Store.open(f"sqlite:///{tmp_path}/provisiond.db", clock=SystemClock())
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
def metrics() -> Metrics:
    return Metrics()


@pytest.fixture
def events() -> list[DeviceEvent]:
    return []


@pytest_asyncio.fixture
async def start(
    router: LabRouter, store: Store, world: World, metrics: Metrics, events: list[DeviceEvent]
) -> AsyncIterator[Callable[..., Awaitable[Reconciler]]]:
    """Start a reconciler for the lab router; `limits=` and device settings overridable."""
    started: list[Reconciler] = []

    async def make(limits: ReconcileSettings | None = None, **device: Any) -> Reconciler:
        settings = dataclasses.replace(api_settings(router.port), name=DEVICE, **device)
        reconciler = Reconciler(
            devices=[settings],
            driver_factory=registry.create,
            desired=world.desired,
            address_lists=lambda: dict(world.lists),
            store=store,
            clock=SystemClock(),
            settings=limits or ReconcileSettings(resync_interval=60.0),
            metrics=metrics,
            timing=FAST,
            on_event=events.append,
        )
        await reconciler.start()
        started.append(reconciler)
        return reconciler

    yield make
    for reconciler in started:
        await reconciler.stop(grace=1.0)

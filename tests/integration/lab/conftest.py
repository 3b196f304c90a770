"""A started lab router per test, on a fake clock, and a librouteros client logged in to it."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import pytest
import pytest_asyncio

from provisiond.lab import LabRouter
from tests.integration.lab.ros import PASSWORD, Client

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

    from provisiond.runtime.clock import FakeClock


@pytest.fixture(autouse=True)
def _no_errors_logged(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """A lab that logs an error (asyncio's "unhandled exception in client_connected_cb",
    a failed command task) has a bug even when the client saw nothing wrong."""
    caplog.set_level(logging.WARNING)
    yield
    records = [
        *caplog.get_records("setup"),
        *caplog.get_records("call"),
        *caplog.get_records("teardown"),
    ]
    errors = [record for record in records if record.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]


@pytest_asyncio.fixture
async def router(clock: FakeClock) -> AsyncIterator[LabRouter]:
    lab = LabRouter(password=PASSWORD, clock=clock.monotonic, wall_clock=clock.now)
    await lab.start()
    try:
        yield lab
    finally:
        await lab.stop()


@pytest_asyncio.fixture
async def client(router: LabRouter) -> AsyncIterator[Client]:
    api = await Client.connect(router)
    try:
        yield api
    finally:
        await api.close()

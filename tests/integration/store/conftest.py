"""A fresh SQLite store per test, always closed so no writer task outlives the test."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
import pytest_asyncio

from provisiond.store import Store

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from pathlib import Path

    from provisiond.runtime.clock import FakeClock


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/state/provisiond.db"


@pytest_asyncio.fixture
async def store(db_url: str, clock: FakeClock) -> AsyncIterator[Store]:
    opened = await Store.open(db_url, clock=clock)
    try:
        yield opened
    finally:
        await opened.close()

"""Suite-wide guards: every async test must leave no asyncio task behind."""

from __future__ import annotations

import asyncio
import inspect
import os
import shutil
from typing import TYPE_CHECKING

import pytest
import pytest_asyncio

from provisiond.runtime.clock import FakeClock

if TYPE_CHECKING:
    from collections.abc import AsyncIterator


@pytest_asyncio.fixture
async def _no_leaked_tasks() -> AsyncIterator[None]:
    before = asyncio.all_tasks()
    yield
    await asyncio.sleep(0)
    leaked = [
        t for t in asyncio.all_tasks() - before if t is not asyncio.current_task() and not t.done()
    ]
    for task in leaked:
        task.cancel()
    assert not leaked, f"test leaked asyncio tasks: {[t.get_name() for t in leaked]}"


@pytest.fixture(autouse=True)
def _task_leak_guard(request: pytest.FixtureRequest) -> None:
    if inspect.iscoroutinefunction(request.function):
        request.getfixturevalue("_no_leaked_tasks")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def require_tool(name: str) -> str:
    """Path of an outside tool; skip locally when missing, but fail in CI (`CI=true`)."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed (CI installs it in .ci/run)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path

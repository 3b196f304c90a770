"""Injected time: the only place the daemon reads a clock (STYLE.md §10).

Pure code takes `now` as an argument; async code asks a `Clock`. Tests pass a
`FakeClock` and move time themselves, so nothing waits on the wall.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from datetime import UTC, datetime, timedelta


class SystemClock:
    """The real clocks (implements `model.clock.Clock`)."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    # `time.monotonic` itself, not a method calling it: the RADIUS hot path reads it twice
    # per request, and the extra Python frame cost as much as the read.
    monotonic = staticmethod(time.monotonic)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class FakeClock:
    """A clock that moves only when a test calls `advance()`.

    Sleepers wake in deadline order; `advance()` yields to the loop after each wake-up
    so that woken tasks run before time moves on.
    """

    def __init__(self, start: datetime | None = None) -> None:
        self._wall = start or datetime(2026, 1, 1, tzinfo=UTC)
        self._mono = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()

    def now(self) -> datetime:
        return self._wall

    def monotonic(self) -> float:
        return self._mono

    async def sleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self._mono + max(seconds, 0.0), next(self._seq), future))
        await future

    async def advance(self, seconds: float) -> None:
        target = self._mono + seconds
        while self._sleepers and self._sleepers[0][0] <= target:
            deadline, _, future = heapq.heappop(self._sleepers)
            self._move_to(deadline)
            if not future.done():
                future.set_result(None)
            await _let_tasks_run()
        self._move_to(target)
        await _let_tasks_run()

    def _move_to(self, mono: float) -> None:
        delta = mono - self._mono
        if delta > 0:
            self._mono = mono
            self._wall += timedelta(seconds=delta)


async def _let_tasks_run() -> None:
    # A few loop iterations let a woken task reach its next await point.
    for _ in range(5):
        await asyncio.sleep(0)

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from provisiond.runtime.clock import FakeClock


async def test_fake_clock_wakes_sleepers_in_deadline_order(clock: FakeClock) -> None:
    woke: list[str] = []

    async def sleeper(name: str, seconds: float) -> None:
        await clock.sleep(seconds)
        woke.append(name)

    start = clock.now()
    tasks = [asyncio.create_task(sleeper("late", 10)), asyncio.create_task(sleeper("early", 2))]
    await asyncio.sleep(0)
    await clock.advance(5)
    assert woke == ["early"]
    await clock.advance(5)
    assert woke == ["early", "late"]
    assert clock.now() - start == timedelta(seconds=10)
    assert clock.monotonic() == 10
    await asyncio.gather(*tasks)

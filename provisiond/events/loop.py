"""`PacedLoop`: the lifecycle the event loops share (scheduler, trigger engine, webhook
sender): one named task that runs a pass, then waits on its `Pacer`, until stopped.
"""

from __future__ import annotations

import abc
import asyncio
from typing import TYPE_CHECKING

from provisiond.events.pacing import Pacer

if TYPE_CHECKING:
    from collections.abc import Collection

    from provisiond.model.clock import Clock
    from provisiond.store import ChangeFeed


class PacedLoop(abc.ABC):
    def __init__(
        self, name: str, clock: Clock, feed: ChangeFeed | None, kinds: Collection[str]
    ) -> None:
        """`name` is for logs and errors ("trigger engine"); the task is named after it
        ("trigger-engine"). `kinds`: the store changes that wake the loop."""
        self._name = name
        self._pacer = Pacer(name, clock, feed, kinds)
        self._task: asyncio.Task[None] | None = None

    @abc.abstractmethod
    async def _pass(self) -> float | None:
        """One pass; the seconds until the next one (None: until woken)."""

    async def _opening(self) -> None:  # noqa: B027 - an optional hook
        """Runs at `start()` before the loop does, once it is known not to be started."""

    async def start(self) -> None:
        """Subscribe and start the task."""
        if self._task is not None:
            raise RuntimeError(f"the {self._name} is already started")
        await self._opening()
        self._pacer.open()
        self._task = asyncio.create_task(
            self._pacer.run(self._pass), name=self._name.replace(" ", "-")
        )

    async def stop(self) -> None:
        """Cancel the task (between passes or mid-pass) and unsubscribe."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        self._pacer.close()

    def wake(self) -> None:
        """Run a pass now rather than when the current wait ends."""
        self._pacer.poke()

    async def settled(self) -> None:
        """Return once the loop waits with nothing queued for it."""
        await self._pacer.settled()

"""A device worker's coalescing inbox (STYLE.md §5.3: kopf's per-object stream).

Level-triggered: an event says only *that* the device needs a look, never what changed,
so the inbox holds flags, not a queue. A thousand notifications before the worker wakes
are one incremental pass; a full-resync request absorbs any incremental one.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING

from provisiond.aio import wakeup

if TYPE_CHECKING:
    from provisiond.model.clock import Clock


@dataclass(frozen=True, slots=True)
class Work:
    """What one wake-up asks for; `full` and `incremental` may both be set."""

    full: bool = False
    incremental: bool = False
    uptime: bool = False

    def __bool__(self) -> bool:
        return self.full or self.incremental or self.uptime


class Inbox:
    """Flags plus two events: `any` for all work, `urgent` for what may cut a backoff short
    (an admin's sync, an approval, a reboot seen by SNMP, a stop)."""

    def __init__(self) -> None:
        self._dirty = False
        self._full = False
        self._uptime = False
        self._stopping = False
        self._any = asyncio.Event()
        self._urgent = asyncio.Event()

    @property
    def stopping(self) -> bool:
        return self._stopping

    @property
    def dirty(self) -> bool:
        """Incremental work is waiting (the desired state moved)."""
        return self._dirty

    def mark_dirty(self) -> None:
        self._dirty = True
        self._any.set()

    def request_full(self, *, urgent: bool = False) -> None:
        self._full = True
        self._any.set()
        if urgent:
            self._urgent.set()

    def request_uptime(self) -> None:
        self._uptime = True
        self._any.set()

    def stop(self) -> None:
        self._stopping = True
        self._any.set()
        self._urgent.set()

    def calm(self) -> None:
        """The urgent request has been acted on (a backoff cut short); its work stays."""
        if not self._stopping:
            self._urgent.clear()

    def take(self) -> Work:
        """Everything pending, as one piece of work; the inbox is empty afterwards."""
        work = Work(full=self._full, incremental=self._dirty, uptime=self._uptime)
        self._full = self._dirty = self._uptime = False
        self._any.clear()
        if not self._stopping:
            self._urgent.clear()
        return work

    def take_incremental(self) -> bool:
        """Claim pending incremental work only (a full resync yielding to it)."""
        dirty, self._dirty = self._dirty, False
        return dirty

    async def wait(self, clock: Clock, seconds: float | None, *, urgent_only: bool = False) -> None:
        """Until work arrives (only urgent work with `urgent_only`) or `seconds` pass."""
        await wait_event(self._urgent if urgent_only else self._any, clock, seconds)


async def wait_event(event: asyncio.Event, clock: Clock, seconds: float | None) -> bool:
    """Wait for `event` or `seconds` of `clock` (None: no limit), whichever comes first;
    whether `event` is set.

    Unlike `wakeup.wait_event`, a time already up (`seconds` <= 0: a retry or a resync that
    is due) is not slept on at all: the worker goes straight to its work.
    """
    if seconds is not None and seconds <= 0:
        return event.is_set()
    return await wakeup.wait_event(event, clock, seconds)

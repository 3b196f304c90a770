"""SNMP queue polls into usage, at the rim: the last counters per device and queue are
kept in memory and in the store, and each poll's new counters are stored with the usage
they gave, in one transaction, so a crash neither loses nor repeats a poll's bytes."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from provisiond.usage import period, queues

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence
    from datetime import datetime

    from provisiond.drivers.snmp_counters import QueueCounters
    from provisiond.model.usage import Traffic
    from provisiond.store.usage_totals import QueueState, UsageRow, UsageStore


class QueuePolls:
    def __init__(
        self,
        tables: UsageStore,
        *,
        rows: Callable[[Sequence[Traffic]], list[UsageRow]],
        counted_elsewhere: Callable[[Traffic], bool],
    ) -> None:
        """`rows`: traffic into usage rows; `counted_elsewhere`: RADIUS accounting
        counts this traffic's account for its interval (it had a session)."""
        self._tables = tables
        self._rows = rows
        self._counted_elsewhere = counted_elsewhere
        self._states: dict[str, dict[str, QueueState]] = {}
        self._locks: dict[str, asyncio.Lock] = {}  # one poll of a device at a time

    async def poll(
        self,
        device: str,
        at: datetime,
        counters: Mapping[str, QueueCounters],
        *,
        prefix: str,
        reset: bool,
    ) -> list[UsageRow]:
        """Store one poll; the usage rows it added."""
        period.aware(at, "poll time")
        async with self._locks.setdefault(device, asyncio.Lock()):
            previous = self._states.get(device)
            if previous is None:
                previous = await self._tables.queue_states(device)
            poll = queues.read_poll(previous, counters, at=at, prefix=prefix, reset=reset)
            traffic = [item for item in poll.traffic if not self._counted_elsewhere(item)]
            rows = self._rows(traffic)
            await self._tables.polled(device, poll.states, poll.removed, rows)
            self._states[device] = poll.states
        return rows

"""Usage from SNMP simple-queue counters (DESIGN.md §6, docs/snmp.md). Pure.

provisiond's queues are named `<comment_prefix>-<account_id>` (DESIGN.md §4), so a
queue's name says whose traffic it carried; other queues are not ours and are ignored.
Between two polls a queue carried the difference of its counters (`snmp_counters`:
a Counter64 that went back was reset, and counts again from zero; after a detected reboot
every counter does). `download` went toward the subscriber: it is `in`.

The first poll of a device is only a baseline. A queue that appears later was created
since the last poll and counts from zero. A queue missing from one poll keeps its last
counters (an agent may skip a row that changed during the walk), until it has been
missing for `FORGET_AFTER` of polling.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Final

from provisiond.drivers.snmp_counters import QueueCounters, queue_deltas
from provisiond.model.usage import Traffic
from provisiond.store.usage_totals import QueueState

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import datetime

FORGET_AFTER: Final = timedelta(days=1)


def account_of(queue: str, prefix: str) -> int | None:
    """The account of one of our queues (`provisiond-1001` → 1001), else None."""
    head, dash, tail = queue.rpartition("-")
    if not dash or head != prefix or not (tail.isascii() and tail.isdigit()):
        return None
    account_id = int(tail)
    return account_id if account_id > 0 and str(account_id) == tail else None


@dataclass(frozen=True, slots=True)
class Poll:
    """What one poll of a device means: the traffic per account, and the counters to
    keep for the next poll (`removed`: queues to forget)."""

    traffic: tuple[Traffic, ...]
    states: dict[str, QueueState]
    removed: frozenset[str]


def read_poll(
    previous: Mapping[str, QueueState],
    current: Mapping[str, QueueCounters],
    *,
    at: datetime,
    prefix: str,
    reset: bool = False,
) -> Poll:
    """The traffic since `previous` (the device's stored counters) of our queues in
    `current`, polled at `at`; `reset` when the device was seen to reboot."""
    owners = {name: owner for name in current if (owner := account_of(name, prefix)) is not None}
    ours = {name: current[name] for name in owners}
    states = {
        name: QueueState(counters.download_bytes, counters.upload_bytes, at)
        for name, counters in ours.items()
    }
    if not previous:
        return Poll((), states, frozenset())  # a baseline: nothing to compare with yet
    last_poll = max(state.polled_at for state in previous.values())
    before = {
        name: QueueCounters(state.download_bytes, state.upload_bytes)
        for name, state in previous.items()
    }
    traffic = []
    for name, delta in queue_deltas(before, ours, reset=reset).items():
        account_id = owners[name]
        start = previous[name].polled_at if name in previous else last_poll
        start = min(start, at)  # a clock that went back: an instant, not a negative span
        traffic.append(Traffic(account_id, start, at, delta.download_bytes, delta.upload_bytes))
    # Missing from this poll: kept, unless also missing from the polls of the day before.
    missing = {name: state for name, state in previous.items() if name not in ours}
    removed = frozenset(
        name for name, state in missing.items() if state.polled_at < last_poll - FORGET_AFTER
    )
    kept = {name: state for name, state in missing.items() if name not in removed}
    return Poll(tuple(traffic), {**kept, **states}, removed)

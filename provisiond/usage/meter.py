"""Traffic into the rows usage accounting adds to the store. Pure.

Each interval is split by the free periods of the account's usage policy (the primary
data service's) in `[usage] timezone`; the parts are summed per account and period, so a
batch of accounting adds one row per account and period whatever its size.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from provisiond.store.usage_totals import UsageRow
from provisiond.usage.schedule import WeekSchedule, schedule_of
from provisiond.usage.split import Split, allocate_on

NO_FREE_PERIODS: Final = WeekSchedule()

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from datetime import datetime, tzinfo

    from provisiond.model.objects import UsagePolicy
    from provisiond.model.usage import Traffic


def usage_rows(
    traffic: Iterable[Traffic],
    *,
    policy_of: Callable[[int], UsagePolicy | None],
    zone: tzinfo,
) -> list[UsageRow]:
    """One row per account and period with what the traffic adds, ordered by key (a
    fixed order keeps concurrent upserts on PostgreSQL from deadlocking)."""
    sums: dict[tuple[int, datetime], Split] = {}
    # By policy object: hashing the free periods for the schedule cache costs more. The
    # policy is kept, so its id cannot be reused by another during the batch.
    schedules: dict[int, tuple[UsagePolicy, WeekSchedule]] = {}

    def schedule(policy: UsagePolicy | None) -> WeekSchedule:
        if policy is None:
            return NO_FREE_PERIODS
        found = schedules.get(id(policy))
        if found is None:
            found = schedules[id(policy)] = (policy, schedule_of(policy.free_periods))
        return found[1]

    for item in traffic:
        if not (item.octets_in or item.octets_out):
            continue
        parts = allocate_on(
            schedule(policy_of(item.account_id)),
            item.start,
            item.end,
            item.octets_in,
            item.octets_out,
            zone=zone,
        )
        for start, part in parts.items():
            key = (item.account_id, start)  # `allocate` keys periods in UTC
            earlier = sums.get(key)
            sums[key] = part if earlier is None else earlier.plus(part)
    return [
        UsageRow(account_id, start, *split)
        for (account_id, start), split in sorted(sums.items())
        if split.total
    ]

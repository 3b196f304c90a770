"""Traffic into the rows usage accounting adds to the store. Pure.

Each interval is split by the free periods of the account's usage policy (the primary
data service's) in `[usage] timezone`; the parts are summed per account and period, so a
batch of accounting adds one row per account and period whatever its size.

Most records go a short way. An account whose policy has no free periods, with an
interval inside the period of the batch's last record, moved only billable bytes of
that period: its octets are summed as they are, with no split at all. That is what the
split gives for them (a property test holds the two equal) at a tenth of its cost, and
it is the common case of every accounting batch. Anything else (free periods, a month
boundary, a late record of the month before, a time the split refuses) takes the split.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Final

from provisiond.store.usage_totals import UsageRow, row_of
from provisiond.usage import period
from provisiond.usage.errors import IntervalError
from provisiond.usage.schedule import WeekSchedule, schedule_of
from provisiond.usage.split import Split, allocate_on

NO_FREE_PERIODS: Final = WeekSchedule()
# A window no instant is in: every record of a batch whose last cannot be placed
# takes the split, which says why it refuses it.
_NOWHERE: Final = (datetime.max.replace(tzinfo=UTC), datetime.min.replace(tzinfo=UTC))

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from datetime import tzinfo

    from provisiond.model.objects import UsagePolicy
    from provisiond.model.usage import Traffic


def usage_rows(
    traffic: Sequence[Traffic],
    *,
    policy_of: Callable[[int], UsagePolicy | None],
    zone: tzinfo,
) -> list[UsageRow]:
    """One row per account and period with what the traffic adds, ordered by key (a
    fixed order keeps concurrent upserts on PostgreSQL from deadlocking). Raises
    `IntervalError` for traffic the split refuses (`split.allocate`)."""
    first, last = _window(traffic, zone)
    plain: dict[int, tuple[int, int]] = {}  # account → (in, out): billable, in [first, last)
    split = _Splitter(zone)
    for item in traffic:
        account_id, start, end, octets_in, octets_out = item
        if not (octets_in or octets_out):
            continue
        policy = policy_of(account_id)
        try:
            short = (
                (policy is None or not policy.free_periods)
                and octets_in >= 0
                and octets_out >= 0
                and first <= start <= end < last
            )
        except TypeError:  # a naive time cannot be compared: the split refuses it
            short = False
        if short:
            found = plain.get(account_id)
            plain[account_id] = (
                (octets_in, octets_out)
                if found is None
                else (found[0] + octets_in, found[1] + octets_out)
            )
        else:
            split.add(item, policy)
    return split.rows(plain, first)


def _window(traffic: Sequence[Traffic], zone: tzinfo) -> tuple[datetime, datetime]:
    """The period of the batch's last record, (start, end) in UTC: the newest, so the
    current period even in the batch that comes just after the month turned."""
    if not traffic:
        return _NOWHERE
    try:
        return period.bounds(traffic[-1].end, zone)
    except IntervalError:
        return _NOWHERE


class _Splitter:
    """The records that take the split, summed per account and period."""

    def __init__(self, zone: tzinfo) -> None:
        self._zone = zone
        self._sums: dict[tuple[int, datetime], Split] = {}
        # By policy object: hashing the free periods for the schedule cache costs more.
        # The policy is kept, so its id cannot be reused by another during the batch.
        self._schedules: dict[int, tuple[UsagePolicy, WeekSchedule]] = {}

    def add(self, item: Traffic, policy: UsagePolicy | None) -> None:
        parts = allocate_on(
            self._schedule(policy),
            item.start,
            item.end,
            item.octets_in,
            item.octets_out,
            zone=self._zone,
        )
        for start, part in parts.items():
            key = (item.account_id, start)  # `allocate` keys periods in UTC
            earlier = self._sums.get(key)
            self._sums[key] = part if earlier is None else earlier.plus(part)

    def rows(self, plain: dict[int, tuple[int, int]], period_start: datetime) -> list[UsageRow]:
        """All the rows: the split's, and the `plain` sums billable in `period_start`."""
        if not self._sums:
            return [
                row_of((account_id, period_start, octets_in, octets_out, 0, 0))
                for account_id, (octets_in, octets_out) in sorted(plain.items())
            ]
        sums = self._sums
        for account_id, (octets_in, octets_out) in plain.items():
            key = (account_id, period_start)
            part = Split(octets_in, octets_out, 0, 0)
            earlier = sums.get(key)
            sums[key] = part if earlier is None else earlier.plus(part)
        return [
            UsageRow(account_id, start, *parts)
            for (account_id, start), parts in sorted(sums.items())
            if parts.total
        ]

    def _schedule(self, policy: UsagePolicy | None) -> WeekSchedule:
        if policy is None:
            return NO_FREE_PERIODS
        found = self._schedules.get(id(policy))
        if found is None:
            found = self._schedules[id(policy)] = (policy, schedule_of(policy.free_periods))
        return found[1]

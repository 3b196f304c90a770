"""The current period's usage in memory, and what has been announced about it. Pure.

`Ledger` holds every account's totals for the current period (and for a later one whose
rows arrived before the month turned here), which accounts were declared over their cap,
and which usage-threshold percentage each has been announced at. It decides; the service
(`usage.service`) acts: calls back, fires, paces.
"""

from __future__ import annotations

import bisect
from datetime import UTC
from typing import TYPE_CHECKING

from provisiond.usage.split import ZERO, Split

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from datetime import datetime

    from provisiond.store.usage_totals import UsageRow


def split_of(row: UsageRow) -> Split:
    return Split(row.billable_in, row.billable_out, row.free_in, row.free_out)


class Ledger:
    def __init__(self, period_start: datetime, rows: Iterable[UsageRow] = ()) -> None:
        """`rows`: the stored totals of the period starting at `period_start`."""
        self._period = period_start.astimezone(UTC)
        self._totals: dict[int, Split] = {}
        self._later: dict[datetime, dict[int, Split]] = {}
        self._over: set[int] = set()
        self._announced: dict[int, float] = {}
        self.add(rows)

    @property
    def period_start(self) -> datetime:
        """The current period's start, in UTC."""
        return self._period

    @property
    def over(self) -> frozenset[int]:
        """The accounts declared over their cap."""
        return frozenset(self._over)

    def totals(self, account_id: int) -> Split:
        return self._totals.get(account_id, ZERO)

    def accounts(self) -> set[int]:
        """Accounts with usage this period or declared over their cap."""
        return set(self._totals) | self._over

    def add(self, rows: Iterable[UsageRow]) -> set[int]:
        """Add committed rows; the accounts whose current totals changed. Rows of a past
        period are only stored (the API shows the current one); rows of a later period
        wait here for the month to turn."""
        changed: set[int] = set()
        for row in rows:
            start = row.period_start.astimezone(UTC)
            if start == self._period:
                book = self._totals
                changed.add(row.account_id)
            elif start > self._period:
                book = self._later.setdefault(start, {})
            else:
                continue
            book[row.account_id] = book.get(row.account_id, ZERO).plus(split_of(row))
        return changed

    def roll(self, period_start: datetime) -> set[int]:
        """Make `period_start` current; the accounts to judge again (those declared over
        the old cap, and those that already have usage in the new period). Thresholds
        start over: each fires once per period."""
        start = period_start.astimezone(UTC)
        if start <= self._period:
            return set()
        self._period = start
        self._totals = self._later.pop(start, {})
        self._later = {when: book for when, book in self._later.items() if when > start}
        self._announced.clear()
        return set(self._totals) | self._over

    def judge(self, account_id: int, *, over: bool) -> bool | None:
        """Record whether the account is over its cap; the new state if it flipped."""
        if over == (account_id in self._over):
            return None
        if over:
            self._over.add(account_id)
        else:
            self._over.discard(account_id)
        return over

    def threshold_due(
        self, account_id: int, percent: float | None, thresholds: Sequence[float]
    ) -> bool:
        """Whether `percent` reaches a threshold (sorted) above the highest one already
        announced for the account this period; if so, it is recorded as announced."""
        if percent is None or not thresholds:
            return False
        reached = bisect.bisect_right(thresholds, percent)
        if reached == 0:
            return False
        highest = thresholds[reached - 1]
        if highest <= self._announced.get(account_id, 0.0):
            return False
        self._announced[account_id] = highest
        return True

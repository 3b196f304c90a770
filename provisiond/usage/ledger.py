"""The current period's usage in memory, and what has been announced about it. Pure.

`Ledger` holds every account's totals for the current period (and for a later one whose
rows arrived before the month turned here), which accounts were declared over their cap,
and which usage-threshold percentage each has been announced at. It decides; the service
(`usage.service`) acts: calls back, fires, paces.

It also keeps, for each account judged, how far its billable bytes can grow before a
judgement could change anything (`settle`, `unsettled`): an accounting batch then judges
only the few accounts that reached their cap or a threshold, not every one it counted.
"""

from __future__ import annotations

import bisect
from datetime import UTC
from typing import TYPE_CHECKING

from provisiond.usage import standing
from provisiond.usage.split import ZERO, Split

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence
    from datetime import datetime

    from provisiond.model.objects import UsagePolicy
    from provisiond.store.usage_totals import UsageRow


class Ledger:
    def __init__(self, period_start: datetime, rows: Iterable[UsageRow] = ()) -> None:
        """`rows`: the stored totals of the period starting at `period_start`."""
        self._period = period_start.astimezone(UTC)
        # [billable_in, billable_out, free_in, free_out] per account, summed in place:
        # every account of every accounting batch adds to one.
        self._totals: dict[int, list[int]] = {}
        self._later: dict[datetime, dict[int, list[int]]] = {}
        self._over: set[int] = set()
        self._announced: dict[int, float] = {}
        # Per account judged: (the policy and the cap it was judged against, the billable
        # bytes below which judging it again against that cap can change nothing).
        self._quiet: dict[int, tuple[UsagePolicy | None, int | None, float]] = {}
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
        found = self._totals.get(account_id)
        return ZERO if found is None else Split(*found)

    def billable(self, account_id: int) -> int:
        """What counts toward the cap this period: both directions."""
        found = self._totals.get(account_id)
        return 0 if found is None else found[0] + found[1]

    def accounts(self) -> set[int]:
        """Accounts with usage this period or declared over their cap."""
        return set(self._totals) | self._over

    def add(self, rows: Iterable[UsageRow]) -> set[int]:
        """Add committed rows; the accounts whose current totals changed. Rows of a past
        period are only stored (the API shows the current one); rows of a later period
        wait here for the month to turn."""
        changed: set[int] = set()
        current, totals = self._period, self._totals
        for account_id, start, billable_in, billable_out, free_in, free_out in rows:
            if start == current:  # instants compare equal whatever their zone
                book = totals
                changed.add(account_id)
            elif start > current:
                book = self._later.setdefault(start.astimezone(UTC), {})
            else:
                continue
            found = book.get(account_id)
            if found is None:
                book[account_id] = [billable_in, billable_out, free_in, free_out]
            else:
                found[0] += billable_in
                found[1] += billable_out
                found[2] += free_in
                found[3] += free_out
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
        self._quiet.clear()
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

    def settle(
        self, account_id: int, policy: UsagePolicy | None, thresholds: Sequence[float]
    ) -> None:
        """The account was just judged (`judge`, `threshold_due`) against the cap of
        `policy` and `thresholds`: remember how far its bytes can grow before judging it
        again can change anything (`unsettled`)."""
        cap = standing.cap_bytes(policy)
        below = standing.quiet_below(
            cap,
            over=account_id in self._over,
            announced=self._announced.get(account_id, 0.0),
            thresholds=thresholds,
        )
        self._quiet[account_id] = (policy, cap, below)

    def unsettled(
        self, account_ids: Iterable[int], policy_of: Callable[[int], UsagePolicy | None]
    ) -> list[int]:
        """The accounts among `account_ids` that judging could change: those not judged
        (`settle`) this period against the cap of their policy now, or whose billable
        bytes have reached what matters since. The bytes only grow within a period and
        the thresholds are those it was judged with (`unsettle` when they change), so
        judging the others would change nothing. Asked of every account of every
        accounting batch: one loop, with no call per account but `policy_of`."""
        quiet, totals = self._quiet, self._totals
        due: list[int] = []
        for account_id in account_ids:
            found = quiet.get(account_id)
            if found is not None:
                judged_with, cap, below = found
                policy = policy_of(account_id)
                if judged_with is policy or standing.cap_bytes(policy) == cap:
                    sums = totals.get(account_id)
                    if (0 if sums is None else sums[0] + sums[1]) < below:
                        continue
            due.append(account_id)
        return due

    def unsettle(self) -> None:
        """Forget every `settle`: the thresholds changed."""
        self._quiet.clear()

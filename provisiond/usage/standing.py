"""An account's usage against its cap, and the API's view of it (DESIGN.md §6, §7). Pure.

What counts: the billable bytes of the period in both directions (`billable_in +
billable_out`); free-period bytes never count. The cap is the usage policy of the
account's primary data service, `cap_gb` * 10^9 bytes; an account without one has no
cap, no percentage, and is never over it. At or above the cap is over it.
"""

from __future__ import annotations

import bisect
import math
from typing import TYPE_CHECKING, Any, Final, NamedTuple

from provisiond.usage import period

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime, tzinfo

    from provisiond.model.objects import UsagePolicy
    from provisiond.usage.split import Split


def cap_bytes(policy: UsagePolicy | None) -> int | None:
    """The policy's cap in bytes; at least one, so a percentage always exists."""
    return None if policy is None else max(policy.cap_bytes, 1)


class Standing(NamedTuple):
    """An account's usage against its cap now (a named tuple: the cheapest to build)."""

    used_bytes: int  # billable, in + out
    cap_bytes: int | None

    @property
    def percent(self) -> float | None:
        """Of the cap, unrounded (a trigger at 80 % fires at exactly 80 %)."""
        return None if self.cap_bytes is None else self.used_bytes * 100 / self.cap_bytes

    @property
    def over_cap(self) -> bool:
        return self.cap_bytes is not None and self.used_bytes >= self.cap_bytes

    def threshold_data(self) -> dict[str, Any]:
        """The `account.usage_threshold` event's data (DESIGN.md §6)."""
        return {"percent": self.percent, "used_bytes": self.used_bytes, "cap_bytes": self.cap_bytes}


# How far under the exact byte count of a threshold `quiet_below` stays: there the
# percentage, a float division, is certainly under the threshold too.
_MARGIN: Final = 1e-9


def quiet_below(
    cap: int | None, *, over: bool, announced: float, thresholds: Sequence[float]
) -> float:
    """The billable bytes below which judging an account again changes nothing, once it
    was judged against `cap` (found `over` it or not, with `announced` the highest
    threshold announced this period, `thresholds` sorted). Within a period the bytes
    only grow: under its cap an account flips at the cap, over it never; and a new
    threshold is reached at the next one above `announced`. A hair under the exact
    amount: judging early costs a little, judging late would miss a crossing."""
    if cap is None:
        # No percentage, nothing to cross; one still over a cap it lost flips at once.
        return 0 if over else math.inf
    below: float = math.inf if over else cap
    following = bisect.bisect_right(thresholds, announced)
    if following < len(thresholds):
        reached_at = math.floor(thresholds[following] * cap / 100 * (1 - _MARGIN))
        below = min(below, reached_at)
    return below


def standing(totals: Split, policy: UsagePolicy | None) -> Standing:
    return Standing(totals.billable, cap_bytes(policy))


def report(
    start: datetime, zone: tzinfo, totals: Split, policy: UsagePolicy | None
) -> dict[str, Any]:
    """`GET /api/v1/accounts/{id}/usage` (DESIGN.md §7)."""
    now = standing(totals, policy)
    return {
        "period_start": period.render(start, zone),
        "billable_in_bytes": totals.billable_in,
        "billable_out_bytes": totals.billable_out,
        "free_in_bytes": totals.free_in,
        "free_out_bytes": totals.free_out,
        "cap_bytes": now.cap_bytes,
        "percent": now.percent,
    }

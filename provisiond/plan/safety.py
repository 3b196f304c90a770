"""The mass-removal hold (DESIGN.md §4): a plan that would empty a router waits for a human.

A wrong filter, an empty billing export or a renamed comment prefix all look, to the diff,
like "remove everything". So when a plan would remove more than `max_remove_fraction` of the
device's owned entries AND more than `max_remove_min` of them (strictly greater, both),
every removal is held; adds and sets still go through. Approving names the plan_id the
admin saw; since plan_id does not depend on what is held, it matches the next diff as long
as the device and the desired state have not moved on.
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction
from typing import TYPE_CHECKING

from provisiond.plan.changes import Op

if TYPE_CHECKING:
    from provisiond.plan.changes import Plan


def hold_mass_removals(
    plan: Plan,
    *,
    max_remove_fraction: float,
    max_remove_min: int,
    approved_plan_id: str | None = None,
) -> Plan:
    """The plan with all its removals held, or none held (approved, or under the limits).

    Works on the whole diff, so it may be given a plan that is already held.
    """
    whole = plan.whole
    removals = tuple(change for change in whole if change.op is Op.REMOVE)
    over = exceeds_limits(
        len(removals),
        plan.owned_entries,
        max_remove_fraction=max_remove_fraction,
        max_remove_min=max_remove_min,
    )
    if not over or approved_plan_id == plan.plan_id:
        return replace(plan, changes=whole, held=())
    kept = tuple(change for change in whole if change.op is not Op.REMOVE)
    return replace(plan, changes=kept, held=removals)


def exceeds_limits(
    removals: int, owned: int, *, max_remove_fraction: float, max_remove_min: int
) -> bool:
    """`removals > max_remove_min` and `removals / owned > max_remove_fraction`.

    The fraction is compared exactly, reading the setting as the decimal it was written
    as: with 0.10 and 100 owned entries, 10 removals are not held and 11 are.
    """
    if removals <= max_remove_min or owned <= 0:
        return False
    return Fraction(removals, owned) > Fraction(str(max_remove_fraction))

"""The mass-removal hold: thresholds at the boundary, approval by plan_id."""

from __future__ import annotations

import pytest

from provisiond.plan import Op, Plan, diff, exceeds_limits, hold_mass_removals
from tests.unit.plan.factories import PREFIX, address, desired, listed


def owned_plan(*, owned: int, removed: int, added: int = 0) -> Plan:
    """`owned` entries on the router, of which `removed` are no longer desired."""
    observed = [
        listed(f"*{i + 1:X}", "active", f"100.64.{i // 250}.{i % 250}", f"{PREFIX}:{i}")
        for i in range(owned)
    ]
    kept = [address("active", f"100.64.{i // 250}.{i % 250}", i) for i in range(removed, owned)]
    new = [address("new", f"100.65.0.{i}", 5000 + i) for i in range(added)]
    return diff(desired([*kept, *new]), observed, comment_prefix=PREFIX)


def hold(plan: Plan, approved: str | None = None) -> Plan:
    return hold_mass_removals(
        plan, max_remove_fraction=0.10, max_remove_min=5, approved_plan_id=approved
    )


@pytest.mark.parametrize(
    ("owned", "removed", "held"),
    [
        (100, 10, False),  # exactly 10 %: not more than the fraction
        (100, 11, True),
        (20, 5, False),  # 25 %, but exactly the minimum: not more than it
        (20, 6, True),
        (1000, 6, False),  # more than the minimum, under the fraction
    ],
)
def test_hold_needs_strictly_more_than_both_limits(owned: int, removed: int, *, held: bool) -> None:
    plan = hold(owned_plan(owned=owned, removed=removed))
    assert (len(plan.held) == removed) is held
    assert len(plan.held) + len(plan.changes) == removed


def test_a_held_plan_still_adds_and_sets() -> None:
    plan = hold(owned_plan(owned=20, removed=10, added=2))
    assert [c.op for c in plan.changes] == [Op.ADD, Op.ADD]
    assert {c.op for c in plan.held} == {Op.REMOVE}
    assert len(plan.held) == 10
    assert not plan.is_empty


def test_approving_the_shown_plan_releases_its_removals() -> None:
    shown = hold(owned_plan(owned=20, removed=10))
    released = hold(owned_plan(owned=20, removed=10), approved=shown.plan_id)
    assert released.held == ()
    assert len(released.changes) == 10


def test_approving_another_plan_id_releases_nothing() -> None:
    shown = hold(owned_plan(owned=20, removed=10))
    moved_on = hold(owned_plan(owned=20, removed=11), approved=shown.plan_id)
    assert len(moved_on.held) == 11


def test_holding_does_not_change_the_plan_id_and_is_idempotent() -> None:
    raw = owned_plan(owned=20, removed=10)
    held = hold(raw)
    assert held.plan_id == raw.plan_id
    assert hold(held) == held
    assert held.whole == raw.changes


def test_owned_zero_never_exceeds() -> None:
    assert not exceeds_limits(0, 0, max_remove_fraction=0.0, max_remove_min=0)
    assert exceeds_limits(1, 1, max_remove_fraction=0.0, max_remove_min=0)

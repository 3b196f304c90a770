"""plan_id is stable for one diff and changes whenever the diff does."""

from __future__ import annotations

from provisiond.plan import diff
from tests.unit.plan.factories import PREFIX, address, desired, listed

OBSERVED = [
    listed("*1", "active", "100.64.0.10", "provisiond:1001"),
    listed("*2", "gone", "100.64.0.11", "provisiond:1002"),
]
WANTED = desired([address("active", "100.64.0.12", 1003)])


def test_same_inputs_give_the_same_id_whatever_the_observed_order() -> None:
    first = diff(WANTED, OBSERVED, comment_prefix=PREFIX)
    second = diff(WANTED, list(reversed(OBSERVED)), comment_prefix=PREFIX)
    assert first == second
    assert first.plan_id == second.plan_id
    assert len(first.plan_id) == 16
    int(first.plan_id, 16)


def test_any_change_to_the_diff_changes_the_id() -> None:
    base = diff(WANTED, OBSERVED, comment_prefix=PREFIX).plan_id
    other_desired = desired([address("active", "100.64.0.13", 1003)])
    assert diff(other_desired, OBSERVED, comment_prefix=PREFIX).plan_id != base
    assert diff(WANTED, OBSERVED[:1], comment_prefix=PREFIX).plan_id != base
    renumbered = [OBSERVED[0], listed("*3", "gone", "100.64.0.11", "provisiond:1002")]
    assert diff(WANTED, renumbered, comment_prefix=PREFIX).plan_id != base


def test_the_device_is_part_of_the_id() -> None:
    other = desired([address("active", "100.64.0.12", 1003)], device="core-2")
    assert (
        diff(other, [], comment_prefix=PREFIX).plan_id
        != diff(WANTED, [], comment_prefix=PREFIX).plan_id
    )

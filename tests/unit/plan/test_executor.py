"""`apply`, the fake router table: it executes plans and refuses what RouterOS refuses."""

from __future__ import annotations

import pytest

from provisiond.model.device_state import ObservedEntry
from provisiond.plan import ApplyError, Change, Op, Plan, Reason, apply, diff, hold_mass_removals
from tests.unit.plan.factories import PREFIX, V4, Ids, address, desired, listed


def test_apply_adds_sets_and_removes() -> None:
    observed = [
        listed("*1", "subs", "100.64.0.10", "provisiond:1001"),
        listed("*2", "gone", "100.64.0.11", "provisiond:1002"),
        listed("*3", "manual", "192.0.2.1", "mine"),
    ]
    wanted = desired(
        [address("customers", "100.64.0.10", 1001), address("customers", "100.64.0.12", 1003)]
    )
    plan = diff(wanted, observed, comment_prefix=PREFIX, renames={"subs": "customers"})
    after = apply(observed, plan, next_id=Ids(0x10))
    assert after == [
        ObservedEntry(
            V4, "*1", {"list": "customers", "address": "100.64.0.10", "comment": "provisiond:1001"}
        ),
        observed[2],
        ObservedEntry(
            V4, "*10", {"list": "customers", "address": "100.64.0.12", "comment": "provisiond:1003"}
        ),
    ]


def test_held_removals_are_not_applied() -> None:
    observed = [listed("*2", "gone", "100.64.0.11", "provisiond:1002")]
    plan = hold_mass_removals(
        diff(desired(), observed, comment_prefix=PREFIX), max_remove_fraction=0.0, max_remove_min=0
    )
    assert apply(observed, plan, next_id=Ids()) == observed


def test_set_or_remove_of_an_unknown_id_is_refused() -> None:
    gone = Change(op=Op.REMOVE, path=V4, entry={".id": "*9"}, reason=Reason.NOT_DESIRED)
    with pytest.raises(ApplyError, match="no such item"):
        apply([], Plan(device="core-1", changes=(gone,)), next_id=Ids())


def test_a_second_entry_for_one_key_is_refused() -> None:
    observed = [listed("*1", "active", "100.64.0.10/32", "manual")]
    again = Change(
        op=Op.ADD,
        path=V4,
        entry={"list": "active", "address": "100.64.0.10", "comment": "provisiond:1"},
        reason=Reason.MISSING,
    )
    with pytest.raises(ApplyError, match="already have such entry"):
        apply(observed, Plan(device="core-1", changes=(again,)), next_id=Ids())


def test_a_rename_onto_a_taken_key_is_refused() -> None:
    observed = [
        listed("*1", "old", "100.64.0.10", "provisiond:1"),
        listed("*2", "new", "100.64.0.10", "manual"),
    ]
    move = Change(op=Op.SET, path=V4, entry={".id": "*1", "list": "new"}, reason=Reason.RENAMED)
    with pytest.raises(ApplyError, match="already have such entry"):
        apply(observed, Plan(device="core-1", changes=(move,)), next_id=Ids())

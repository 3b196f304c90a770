"""Address-list rules of DESIGN.md §4, one example each."""

from __future__ import annotations

from provisiond.plan import Blocked, Change, Op, Reason, diff
from tests.unit.plan.factories import PREFIX, V4, V6, address, desired, listed, row


def test_nothing_desired_nothing_observed_is_empty() -> None:
    plan = diff(desired(), [], comment_prefix=PREFIX)
    assert plan.is_empty
    assert plan.owned_entries == 0


def test_missing_entry_is_added_with_exactly_list_address_comment() -> None:
    plan = diff(desired([address("active", "100.64.0.10", 1001)]), [], comment_prefix=PREFIX)
    assert plan.changes == (
        Change(
            op=Op.ADD,
            path=V4,
            entry={"list": "active", "address": "100.64.0.10", "comment": "provisiond:1001"},
            reason=Reason.MISSING,
        ),
    )


def test_converged_entry_in_routeros_spelling_needs_nothing() -> None:
    observed = [listed("*1", "active", "100.64.0.10/32", "provisiond:1001", disabled="false")]
    plan = diff(desired([address("active", "100.64.0.10", 1001)]), observed, comment_prefix=PREFIX)
    assert plan.is_empty
    assert plan.owned_entries == 1


def test_duplicates_keep_the_right_owner_and_remove_the_rest() -> None:
    observed = [
        listed("*2", "active", "100.64.0.10", "provisiond:1002"),
        listed("*1A", "active", "100.64.0.10", "provisiond:1001"),
        listed("*3", "active", "100.64.0.10/32", "provisiond:1003"),
    ]
    plan = diff(desired([address("active", "100.64.0.10", 1001)]), observed, comment_prefix=PREFIX)
    assert [(c.op, c.target_id, c.reason) for c in plan.changes] == [
        (Op.REMOVE, "*2", Reason.DUPLICATE),
        (Op.REMOVE, "*3", Reason.DUPLICATE),
    ]
    assert dict(plan.changes[0].entry) == {
        ".id": "*2",
        "list": "active",
        "address": "100.64.0.10",
        "comment": "provisiond:1002",
    }


def test_duplicates_without_the_right_owner_keep_the_numerically_lowest_id() -> None:
    observed = [
        listed("*10", "active", "100.64.0.10", "provisiond:7"),
        listed("*9", "active", "100.64.0.10", "provisiond:8"),
    ]
    plan = diff(desired([address("active", "100.64.0.10", 1001)]), observed, comment_prefix=PREFIX)
    assert [(c.op, c.target_id, c.reason) for c in plan.changes] == [
        (Op.SET, "*9", Reason.OWNER_CHANGED),
        (Op.REMOVE, "*10", Reason.DUPLICATE),
    ]


def test_owner_change_sets_only_the_comment() -> None:
    observed = [listed("*4", "active", "100.64.0.10", "provisiond:1002")]
    plan = diff(desired([address("active", "100.64.0.10", 1001)]), observed, comment_prefix=PREFIX)
    (change,) = plan.changes
    assert change.op is Op.SET
    assert change.reason is Reason.OWNER_CHANGED
    assert dict(change.entry) == {".id": "*4", "comment": "provisiond:1001"}
    assert change.before["comment"] == "provisiond:1002"


def test_disabled_owned_entry_is_enabled_again() -> None:
    observed = [listed("*4", "active", "100.64.0.10", "provisiond:1001", disabled="true")]
    plan = diff(desired([address("active", "100.64.0.10", 1001)]), observed, comment_prefix=PREFIX)
    (change,) = plan.changes
    assert (change.reason, dict(change.entry)) == (
        Reason.EDITED,
        {".id": "*4", "disabled": "false"},
    )


def test_rename_moves_the_entry_with_set_list() -> None:
    observed = [listed("*5", "subs", "100.64.0.10", "provisiond:1001")]
    plan = diff(
        desired([address("customers", "100.64.0.10", 1001)]),
        observed,
        comment_prefix=PREFIX,
        renames={"subs": "customers"},
    )
    (change,) = plan.changes
    assert change.op is Op.SET
    assert change.reason is Reason.RENAMED
    assert dict(change.entry) == {".id": "*5", "list": "customers"}


def test_rename_into_a_key_already_present_removes_the_old_entry() -> None:
    observed = [
        listed("*5", "subs", "100.64.0.10", "provisiond:1001"),
        listed("*6", "customers", "100.64.0.10", "provisiond:1001"),
    ]
    plan = diff(
        desired([address("customers", "100.64.0.10", 1001)]),
        observed,
        comment_prefix=PREFIX,
        renames={"subs": "customers"},
    )
    assert [(c.op, c.target_id, c.reason) for c in plan.changes] == [
        (Op.REMOVE, "*5", Reason.NOT_DESIRED)
    ]


def test_rename_repairs_the_owner_on_the_way() -> None:
    observed = [listed("*5", "subs", "100.64.0.10", "provisiond:1002")]
    plan = diff(
        desired([address("customers", "100.64.0.10", 1001)]),
        observed,
        comment_prefix=PREFIX,
        renames={"subs": "customers"},
    )
    (change,) = plan.changes
    assert dict(change.entry) == {".id": "*5", "list": "customers", "comment": "provisiond:1001"}


def test_entries_of_a_deleted_list_are_removed() -> None:
    observed = [
        listed("*7", "gone", "100.64.0.10", "provisiond:1001"),
        listed("*8", "gone", "100.64.0.11", "provisiond:1002"),
    ]
    plan = diff(desired(), observed, comment_prefix=PREFIX)
    assert {(c.op, c.target_id, c.reason) for c in plan.changes} == {
        (Op.REMOVE, "*7", Reason.NOT_DESIRED),
        (Op.REMOVE, "*8", Reason.NOT_DESIRED),
    }
    assert plan.owned_entries == 2


def test_entries_not_ours_are_never_touched() -> None:
    observed = [
        listed("*1", "active", "100.64.0.10", "manual"),
        listed("*2", "active", "100.64.0.11"),
        listed("*3", "active", "100.64.0.12", "provisiond-1001"),  # no colon: not our tag
        listed("*4", "active", "100.64.0.13", "provisiond:1001", dynamic="true"),
        row(V4, "*5", dynamic=True, list="active", address="100.64.0.14", comment="provisiond:1"),
    ]
    plan = diff(desired(), observed, comment_prefix=PREFIX)
    assert plan.is_empty
    assert plan.owned_entries == 0


def test_desired_key_held_by_a_foreign_or_dynamic_entry_is_blocked_not_added() -> None:
    observed = [
        listed("*1", "active", "100.64.0.10/32", "manual"),
        row(V4, "*2", dynamic=True, list="active", address="100.64.0.11", comment="provisiond:2"),
    ]
    wanted = [address("active", "100.64.0.10", 1001), address("active", "100.64.0.11", 1002)]
    plan = diff(desired(wanted), observed, comment_prefix=PREFIX)
    assert plan.changes == ()
    assert plan.blocked == (
        Blocked(
            path=V4,
            entry={"list": "active", "address": "100.64.0.10"},
            account_id=1001,
            held_by="*1",
            dynamic=False,
        ),
        Blocked(
            path=V4,
            entry={"list": "active", "address": "100.64.0.11"},
            account_id=1002,
            held_by="*2",
            dynamic=True,
        ),
    )
    assert plan.is_empty


def test_ipv6_entries_use_the_ipv6_menu_and_compare_normalised() -> None:
    wanted = [
        address("active", "2001:db8:1::/56", 1001, family=6),
        address("active", "2001:db8::1", 1002, family=6),
    ]
    observed = [
        row(V6, "*1", list="active", address="2001:DB8:1::/56", comment="provisiond:1001"),
        row(V4, "*2", list="active", address="100.64.0.10", comment="provisiond:1002"),
    ]
    plan = diff(desired(wanted), observed, comment_prefix=PREFIX)
    assert [(c.op, c.path, c.entry.get("address")) for c in plan.changes] == [
        (Op.ADD, V6, "2001:db8::1"),
        (Op.REMOVE, V4, "100.64.0.10"),
    ]


def test_observed_subnet_with_host_bits_matches_its_network() -> None:
    observed = [listed("*1", "blocks", "203.0.113.77/24", "provisiond:1001")]
    plan = diff(
        desired([address("blocks", "203.0.113.0/24", 1001)]), observed, comment_prefix=PREFIX
    )
    assert plan.is_empty


def test_order_is_sets_then_adds_then_removes_sorted_within() -> None:
    observed = [
        listed("*1", "old", "100.64.0.10", "provisiond:1001"),
        listed("*2", "active", "100.64.0.12", "provisiond:9"),
        listed("*3", "active", "100.64.0.99", "provisiond:1003"),
    ]
    wanted = [
        address("active", "100.64.0.11", 1001),
        address("active", "100.64.0.12", 1002),
        address("new", "100.64.0.10", 1001),
        address("delinquent", "100.64.0.13", 1004),
    ]
    plan = diff(desired(wanted), observed, comment_prefix=PREFIX)
    assert [(c.op, c.entry.get("list") or c.before.get("list")) for c in plan.changes] == [
        (Op.SET, "active"),
        (Op.ADD, "active"),
        (Op.ADD, "delinquent"),
        (Op.ADD, "new"),
        (Op.REMOVE, "active"),
        (Op.REMOVE, "old"),
    ]


def test_other_menus_are_ignored() -> None:
    observed = [row("/ip/route", "*1", comment="provisiond:1", dst_address="0.0.0.0/0")]
    plan = diff(desired(), observed, comment_prefix=PREFIX)
    assert plan.is_empty
    assert plan.owned_entries == 0


def test_rename_into_a_key_someone_else_holds_is_blocked_and_the_old_entry_goes() -> None:
    observed = [
        listed("*5", "subs", "100.64.0.10", "provisiond:1001"),
        listed("*6", "customers", "100.64.0.10", "manual"),
    ]
    plan = diff(
        desired([address("customers", "100.64.0.10", 1001)]),
        observed,
        comment_prefix=PREFIX,
        renames={"subs": "customers"},
    )
    assert [(c.op, c.target_id) for c in plan.changes] == [(Op.REMOVE, "*5")]
    assert [b.held_by for b in plan.blocked] == ["*6"]


def test_two_old_lists_renamed_into_one_move_one_entry() -> None:
    observed = [
        listed("*5", "a", "100.64.0.10", "provisiond:1001"),
        listed("*4", "b", "100.64.0.10", "provisiond:1001"),
    ]
    plan = diff(
        desired([address("c", "100.64.0.10", 1001)]),
        observed,
        comment_prefix=PREFIX,
        renames={"a": "c", "b": "c"},
    )
    assert [(c.op, c.target_id, c.reason) for c in plan.changes] == [
        (Op.SET, "*4", Reason.RENAMED),
        (Op.REMOVE, "*5", Reason.DUPLICATE),
    ]

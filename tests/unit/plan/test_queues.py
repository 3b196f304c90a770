"""Simple-queue rules of DESIGN.md §4 and protocols.md §1.8."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from provisiond.model.device_state import ObservedEntry
from provisiond.plan import Blocked, Op, Reason, diff
from tests.unit.plan.factories import PREFIX, QUEUES, desired, queue

if TYPE_CHECKING:
    from collections.abc import Mapping

BASIC: Final = queue(1001, "100.64.0.10", "2000000/10000000")
# A queue as RouterOS v7 prints it: rates in bit/s, /32 on host targets, zero bursts.
READ_BACK: Final = {
    "name": "provisiond-1001",
    "target": "100.64.0.10/32",
    "max-limit": "2000000/10000000",
    "burst-limit": "0/0",
    "burst-threshold": "0/0",
    "burst-time": "0s/0s",
    "comment": "provisiond:1001",
    "disabled": "false",
}


def seen(
    entry_id: str = "*1",
    changed: Mapping[str, str] | None = None,
    *,
    dynamic: bool = False,
    **attrs: str,
) -> ObservedEntry:
    """The read-back queue with `changed` (dashed names) and `attrs` laid over it."""
    attrs = {**READ_BACK, **(changed or {}), **attrs}
    return ObservedEntry(QUEUES, entry_id, attrs, dynamic=dynamic)


def test_missing_queue_is_added_with_every_attribute() -> None:
    wanted = queue(
        1001, "100.64.0.10,100.64.0.11", "2M/10M", limit="4M/20M", threshold="1M/5M", time="8/8"
    )
    plan = diff(desired(queues=[wanted]), [], comment_prefix=PREFIX)
    (change,) = plan.changes
    assert change.op is Op.ADD
    assert dict(change.entry) == {
        "name": "provisiond-1001",
        "target": "100.64.0.10,100.64.0.11",
        "max-limit": "2M/10M",
        "burst-limit": "4M/20M",
        "burst-threshold": "1M/5M",
        "burst-time": "8/8",
        "comment": "provisiond:1001",
    }


def test_queue_without_burst_is_added_without_burst_fields() -> None:
    (change,) = diff(desired(queues=[BASIC]), [], comment_prefix=PREFIX).changes
    assert "burst-limit" not in change.entry


def test_read_back_in_bits_with_slash_32_targets_is_converged() -> None:
    assert diff(desired(queues=[BASIC]), [seen()], comment_prefix=PREFIX).is_empty


def test_absent_burst_fields_equal_zero_bursts() -> None:
    bare = ObservedEntry(
        QUEUES,
        "*1",
        {
            "name": "provisiond-1001",
            "target": "100.64.0.10",
            "max-limit": "2M/10M",
            "comment": "provisiond:1001",
        },
    )
    assert diff(desired(queues=[BASIC]), [bare], comment_prefix=PREFIX).is_empty


def test_desired_units_compare_equal_to_bits_read_back() -> None:
    wanted = queue(
        1001, "100.64.0.10", "2M/10M", limit="4M/20M", threshold="1500k/5M", time="8s/8s"
    )
    observed = seen(
        "*1",
        {
            "burst-limit": "4000000/20000000",
            "burst-threshold": "1500000/5000000",
            "burst-time": "8s/8s",
        },
    )
    assert diff(desired(queues=[wanted]), [observed], comment_prefix=PREFIX).is_empty


def test_target_order_and_spelling_do_not_matter() -> None:
    wanted = queue(1001, "100.64.0.10,100.64.0.11,2001:db8:1::/56", "2000000/10000000")
    observed = seen(target="2001:DB8:1::/56,100.64.0.11/32,100.64.0.10/32")
    assert diff(desired(queues=[wanted]), [observed], comment_prefix=PREFIX).is_empty


def test_a_difference_sets_only_the_changed_attributes() -> None:
    faster = queue(1001, "100.64.0.10", "5000000/25000000")
    (change,) = diff(desired(queues=[faster]), [seen()], comment_prefix=PREFIX).changes
    assert change.op is Op.SET
    assert change.reason is Reason.EDITED
    assert dict(change.entry) == {".id": "*1", "max-limit": "5000000/25000000"}
    assert dict(change.before) == {"name": "provisiond-1001", "max-limit": "2000000/10000000"}


def test_a_burst_added_by_hand_is_cleared() -> None:
    observed = seen("*1", {"burst-limit": "4000000/20000000", "burst-time": "8s/8s"})
    (change,) = diff(desired(queues=[BASIC]), [observed], comment_prefix=PREFIX).changes
    assert dict(change.entry) == {".id": "*1", "burst-limit": "0/0", "burst-time": "0s/0s"}


def test_owner_change_and_disabled_are_repaired_in_one_set() -> None:
    observed = seen(comment="provisiond:1002", disabled="yes")
    (change,) = diff(desired(queues=[BASIC]), [observed], comment_prefix=PREFIX).changes
    assert change.reason is Reason.OWNER_CHANGED
    assert dict(change.entry) == {".id": "*1", "comment": "provisiond:1001", "disabled": "false"}


def test_owned_queue_not_desired_is_removed() -> None:
    observed = seen("*2", name="provisiond-1002", comment="provisiond:1002")
    (change,) = diff(desired(), [observed], comment_prefix=PREFIX).changes
    assert (change.op, change.reason) == (Op.REMOVE, Reason.NOT_DESIRED)
    assert dict(change.entry) == {
        ".id": "*2",
        "name": "provisiond-1002",
        "comment": "provisiond:1002",
    }


def test_duplicate_names_keep_one() -> None:
    observed = [seen("*3"), seen("*2", comment="provisiond:77")]
    plan = diff(desired(queues=[BASIC]), observed, comment_prefix=PREFIX)
    assert [(c.op, c.target_id, c.reason) for c in plan.changes] == [
        (Op.REMOVE, "*2", Reason.DUPLICATE)
    ]


def test_desired_name_held_by_a_queue_we_do_not_own_is_blocked() -> None:
    foreign = seen("*4", comment="set up by hand")
    plan = diff(desired(queues=[BASIC]), [foreign], comment_prefix=PREFIX)
    assert plan.changes == ()
    assert plan.blocked == (
        Blocked(
            path=QUEUES,
            entry={"name": "provisiond-1001"},
            account_id=1001,
            held_by="*4",
            dynamic=False,
        ),
    )


def test_dynamic_ppp_queues_are_never_touched() -> None:
    ppp = ObservedEntry(
        QUEUES, "*9", {"name": "<pppoe-bob>", "comment": "provisiond:1"}, dynamic=True
    )
    held = seen("*A", dynamic=True)
    plan = diff(desired(queues=[BASIC]), [ppp, held], comment_prefix=PREFIX)
    assert plan.changes == ()
    assert [b.dynamic for b in plan.blocked] == [True]

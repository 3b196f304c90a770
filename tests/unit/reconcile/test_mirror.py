"""The mirror: per-list replacement, owned counting, and writing back applied changes."""

from __future__ import annotations

from provisiond.drivers import ChangeOutcome, OutcomeKind
from provisiond.model.device_state import ADDRESS_LIST_PATH, QUEUE_PATH, ObservedEntry
from provisiond.plan import Change, Op, Reason
from provisiond.reconcile.mirror import Mirror

V4 = ADDRESS_LIST_PATH[4]
V6 = ADDRESS_LIST_PATH[6]


def _row(entry_id: str, list_name: str, address: str, comment: str | None = None) -> ObservedEntry:
    attrs = {"list": list_name, "address": address, "dynamic": "false"}
    if comment is not None:
        attrs["comment"] = comment
    return ObservedEntry(V4, entry_id, attrs)


def _applied(change: Change, entry_id: str | None) -> ChangeOutcome:
    return ChangeOutcome(change, OutcomeKind.APPLIED, entry_id)


def test_a_print_replaces_what_was_known_of_that_list_only() -> None:
    mirror = Mirror("provisiond")
    mirror.load_list((V4, "a"), [_row("*1", "a", "10.0.0.1", "provisiond:1")])
    mirror.load_list((V4, "b"), [_row("*2", "b", "10.0.0.2", "provisiond:2")])
    mirror.load_list((V4, "a"), [_row("*3", "a", "10.0.0.3", "someone")])
    assert {e.id for e in mirror.entries()} == {"*2", "*3"}
    assert set(mirror.owned_address_keys()) == {(4, "b", "10.0.0.2")}
    assert mirror.owned_count == 1
    assert mirror.printed((V4, "a"))
    assert not mirror.printed((V6, "a"))


def test_applied_changes_are_written_back_with_their_ids() -> None:
    mirror = Mirror("provisiond")
    mirror.load_list((V4, "a"), [_row("*1", "a", "10.0.0.1", "provisiond:1")])
    mirror.load_list((V4, "b"), [])
    add = Change(
        Op.ADD, V4, {"list": "a", "address": "10.0.0.2", "comment": "provisiond:2"}, Reason.MISSING
    )
    move = Change(Op.SET, V4, {".id": "*1", "list": "b"}, Reason.RENAMED, {"list": "a"})
    assert mirror.record(_applied(add, "*9"))
    assert mirror.record(_applied(move, "*1"))
    assert set(mirror.owned_address_keys()) == {(4, "a", "10.0.0.2"), (4, "b", "10.0.0.1")}
    # A later print of list b finds the moved entry there, and does not count it twice.
    mirror.load_list((V4, "b"), [_row("*1", "b", "10.0.0.1", "provisiond:1")])
    assert mirror.owned_count == 2
    remove = Change(Op.REMOVE, V4, {".id": "*9", "list": "a"}, Reason.NOT_DESIRED)
    assert mirror.record(_applied(remove, "*9"))
    assert [e.id for e in mirror.entries()] == ["*1"]


def test_what_the_mirror_cannot_follow_is_reported() -> None:
    mirror = Mirror("provisiond")
    add = Change(Op.ADD, V4, {"list": "a", "address": "10.0.0.2"}, Reason.MISSING)
    gone = Change(Op.REMOVE, V4, {".id": "*7"}, Reason.NOT_DESIRED)
    assert not mirror.record(_applied(add, None))  # no `.id` came back
    assert not mirror.record(_applied(gone, "*7"))  # an entry it never held
    assert not mirror.record(ChangeOutcome(add, OutcomeKind.PRESENT))


def test_queues_are_keyed_by_name_and_selected_with_addresses() -> None:
    mirror = Mirror("provisiond")
    queue = ObservedEntry(QUEUE_PATH, "*5", {"name": "provisiond-1", "comment": "provisiond:1"})
    theirs = ObservedEntry(QUEUE_PATH, "*6", {"name": "customer"})
    mirror.load_queues([queue, theirs])
    mirror.load_list((V4, "a"), [_row("*1", "a", "10.0.0.1")])
    assert set(mirror.owned_queue_names()) == {"provisiond-1"}
    picked = mirror.select([(4, "a", "10.0.0.1")], ["customer", "nobody"])
    assert [e.id for e in picked] == ["*1", "*6"]
    dynamic = ObservedEntry(
        QUEUE_PATH, "*7", {"name": "<pppoe-x>", "comment": "provisiond:2"}, dynamic=True
    )
    mirror.load_queues([dynamic])
    assert mirror.owned_count == 0

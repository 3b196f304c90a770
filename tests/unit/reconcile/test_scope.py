"""Which keys an incremental pass diffs."""

from __future__ import annotations

from provisiond.model.device_state import (
    ADDRESS_LIST_PATH,
    QUEUE_PATH,
    AddressEntry,
    DesiredState,
    ObservedEntry,
    QueueEntry,
)
from provisiond.plan import Blocked, Change, Op, Reason
from provisiond.reconcile import scope
from provisiond.reconcile.mirror import Mirror

V4 = ADDRESS_LIST_PATH[4]


def _mirror() -> Mirror:
    mirror = Mirror("provisiond")
    rows = [
        ObservedEntry(V4, "*1", {"list": "a", "address": "10.0.0.1", "comment": "provisiond:1"}),
        ObservedEntry(V4, "*2", {"list": "a", "address": "10.0.0.2", "comment": "provisiond:2"}),
        ObservedEntry(V4, "*3", {"list": "a", "address": "10.0.0.3", "comment": "by hand"}),
    ]
    mirror.load_list((V4, "a"), rows)
    queue = {"name": "provisiond-1", "comment": "provisiond:1"}
    mirror.load_queues([ObservedEntry(QUEUE_PATH, "*4", queue)])
    return mirror


def _desired(*addresses: tuple[str, int], queues: tuple[QueueEntry, ...] = ()) -> DesiredState:
    entries = [AddressEntry(4, "a", address, account) for address, account in addresses]
    return DesiredState("d", {e.key: e for e in entries}, {q.name: q for q in queues})


QUEUE = QueueEntry("provisiond-1", "10.0.0.1", "1000000/2000000", 1)


def test_only_keys_where_desired_and_owned_differ() -> None:
    desired = _desired(("10.0.0.1", 1), ("10.0.0.3", 3), ("10.0.0.4", 4), queues=(QUEUE,))
    found = scope.incremental(desired, _mirror(), synced_queues={QUEUE.name: QUEUE})
    assert found.addresses == {(4, "a", "10.0.0.2"), (4, "a", "10.0.0.3"), (4, "a", "10.0.0.4")}
    assert found.queues == set()
    assert bool(found)


def test_a_changed_or_unowned_queue_is_in_scope() -> None:
    faster = QueueEntry("provisiond-1", "10.0.0.1", "2000000/4000000", 1)
    new = QueueEntry("provisiond-2", "10.0.0.2", "1000000/2000000", 2)
    desired = _desired(("10.0.0.1", 1), ("10.0.0.2", 2), queues=(faster, new))
    found = scope.incremental(desired, _mirror(), synced_queues={QUEUE.name: QUEUE})
    assert found.queues == {"provisiond-1", "provisiond-2"}
    gone = scope.incremental(_desired(), _mirror(), synced_queues={QUEUE.name: QUEUE})
    assert gone.queues == {"provisiond-1"}


def test_while_held_owned_keys_nobody_wants_are_left_alone() -> None:
    desired = _desired(("10.0.0.5", 5))
    found = scope.incremental(desired, _mirror(), synced_queues={}, holding=True)
    assert found.addresses == {(4, "a", "10.0.0.5")}
    assert found.queues == set()


def test_skipped_keys_wait_for_the_full_resync() -> None:
    desired = _desired(("10.0.0.1", 1), ("10.0.0.2", 2), ("10.0.0.5", 5))
    found = scope.incremental(
        desired, _mirror(), synced_queues={}, skip={(4, "a", "10.0.0.5"), "provisiond-1"}
    )
    assert not found


def test_restrict_and_list_refs() -> None:
    desired = _desired(("10.0.0.1", 1), ("10.0.0.2", 2))
    found = scope.Scope({(4, "a", "10.0.0.2"), (4, "b", "10.0.0.9")}, {"provisiond-7"})
    restricted = scope.restrict(desired, found)
    assert list(restricted.addresses) == [(4, "a", "10.0.0.2")]
    assert restricted.queues == {}
    assert scope.list_refs(found.addresses) == {(V4, "a"), (V4, "b")}
    assert scope.list_names(found.addresses) == {(4, "a"), (4, "b")}
    assert found.all_keys() == {(4, "a", "10.0.0.2"), (4, "b", "10.0.0.9"), "provisiond-7"}


def test_the_keys_of_changes_and_blocked_entries() -> None:
    add = Change(Op.ADD, V4, {"list": "a", "address": "10.0.0.1"}, Reason.MISSING)
    move = Change(
        Op.SET, V4, {".id": "*1", "list": "b"}, Reason.RENAMED, {"list": "a", "address": "10.0.0.1"}
    )
    queue = Change(
        Op.SET,
        QUEUE_PATH,
        {".id": "*4", "max-limit": "1M/1M"},
        Reason.EDITED,
        {"name": "provisiond-1"},
    )
    assert scope.change_keys(add) == {(4, "a", "10.0.0.1")}
    assert scope.change_keys(move) == {(4, "a", "10.0.0.1"), (4, "b", "10.0.0.1")}
    assert scope.change_keys(queue) == {"provisiond-1"}
    blocked = Blocked(V4, {"list": "a", "address": "10.0.0.3"}, 3, "*3", dynamic=False)
    assert scope.blocked_key(blocked) == (4, "a", "10.0.0.3")
    assert scope.blocked_key(Blocked(QUEUE_PATH, {"name": "q"}, 1, "*9", dynamic=True)) == "q"

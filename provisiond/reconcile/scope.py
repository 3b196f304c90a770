"""Which keys an incremental pass looks at (pure).

With the policy engine's journal (`journal`), exactly the keys whose owner or queue entry
changed since the last pass, plus nothing else: every other key is as the last pass (or
the last full resync) left it. Without it, or when it says `full`, `incremental`:

The diff of a whole device costs seconds at 100,000 entries, so an incremental pass
diffs only the keys where the desired state and the mirror disagree about ownership:

- address keys desired but not held by an owned entry (to add, or blocked), and owned
  but no longer desired (to remove, or to move by a rename);
- queues desired but not owned, owned but not desired, or whose desired entry changed
  since the last pass.

The desired state is compared by key sets (C-speed set operations, ~10 ms at 100,000
keys), so an owned key whose *owner* changed while the key stayed (a clash resolved
another way) keeps its old comment until the next full resync; its membership, which is
what the firewall sees, is right at once. Hand edits and duplicates are likewise the full
resync's business: an incremental pass trusts the mirror.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeAlias

from provisiond.model.device_state import ADDRESS_LIST_PATH, QUEUE_PATH, DesiredState
from provisiond.plan import Op
from provisiond.reconcile.mirror import FAMILY

if TYPE_CHECKING:
    from collections.abc import Container, Iterable, Mapping

    from provisiond.model.device_state import AddressKey, QueueEntry
    from provisiond.plan import Blocked, Change
    from provisiond.policy import Changes
    from provisiond.reconcile.mirror import ListRef, Mirror

Key: TypeAlias = "AddressKey | str"
"""An address-list key, or a queue name."""


@dataclass(frozen=True, slots=True)
class Scope:
    """The keys to diff; `left_alone`: owned keys nobody wants, kept out while held."""

    addresses: set[AddressKey] = field(default_factory=set)
    queues: set[str] = field(default_factory=set)
    left_alone: int = 0

    def __bool__(self) -> bool:
        return bool(self.addresses or self.queues)

    def all_keys(self) -> set[Key]:
        return {*self.addresses, *self.queues}


def incremental(
    desired: DesiredState,
    mirror: Mirror,
    *,
    synced_queues: Mapping[str, QueueEntry],
    skip: Iterable[Key] = (),
    holding: bool = False,
) -> Scope:
    """The keys to diff. `skip`: keys a full resync retries (refused changes); `holding`:
    removals are held, so owned keys nobody wants are left out (they stay as they are)."""
    skipped = set(skip)
    wanted = set(desired.addresses)
    owned = mirror.owned_address_keys()
    names = set(desired.queues)
    owned_names = mirror.owned_queue_names()
    queues = names.difference(owned_names) | _changed(desired.queues, synced_queues)
    unnamed = owned_names - names
    if not holding:
        # One pass over each side: hashing 100,000 key tuples is most of the cost.
        addresses = wanted.symmetric_difference(owned)
        return Scope(addresses - skipped, (queues | unnamed) - skipped)
    addresses = wanted.difference(owned)
    unwanted = len(owned) - (len(wanted) - len(addresses))  # |owned - wanted|
    return Scope(addresses - skipped, queues - skipped, unwanted + len(unnamed))


def journal(changes: Changes, *, skip: Container[Key] = ()) -> Scope:
    """The keys the engine's journal names (O(changed)); `skip` as for `incremental`."""
    return Scope(
        {key for key in changes.addresses if key not in skip},
        {name for name in changes.queues if name not in skip},
    )


def widen(scope: Scope, more: Scope) -> Scope:
    return Scope(scope.addresses | more.addresses, scope.queues | more.queues, scope.left_alone)


def _changed(desired: Mapping[str, QueueEntry], synced: Mapping[str, QueueEntry]) -> set[str]:
    # The engine hands out the same QueueEntry object while a queue is unchanged, so the
    # identity test settles nearly all of them without comparing fields.
    return {
        name
        for name, queue in desired.items()
        if (old := synced.get(name)) is not queue and old != queue
    }


def restrict(desired: DesiredState, scope: Scope) -> DesiredState:
    addresses = desired.addresses
    queues = desired.queues
    return DesiredState(
        desired.device,
        {key: addresses[key] for key in scope.addresses if key in addresses},
        {name: queues[name] for name in scope.queues if name in queues},
    )


def list_refs(keys: Iterable[AddressKey]) -> set[ListRef]:
    """The printable lists the keys belong to."""
    return {(ADDRESS_LIST_PATH[family], name) for family, name, _ in keys}


def list_names(keys: Iterable[AddressKey]) -> set[tuple[int, str]]:
    return {(family, name) for family, name, _ in keys}


def blocked_key(blocked: Blocked) -> Key:
    if blocked.path == QUEUE_PATH:
        return blocked.entry.get("name", "")
    entry = blocked.entry
    return (FAMILY[blocked.path], entry.get("list", ""), entry.get("address", ""))


def change_keys(change: Change) -> set[Key]:
    """The keys a change is about: its entry's, and for a set also the one it moves to."""
    named = {**change.before, **change.entry} if change.op is Op.SET else dict(change.entry)
    if change.path == QUEUE_PATH:
        names: set[Key] = {named.get("name", ""), change.before.get("name", "")}
        return names - {""}
    family = FAMILY[change.path]
    address = named.get("address", "")
    keys: set[Key] = {(family, named.get("list", ""), address)}
    if "list" in change.before:
        keys.add((family, change.before["list"], change.before.get("address", address)))
    return keys

"""The mirror: what a device has in the menus provisiond manages, as last observed.

It holds every entry of the printed address lists (ours, other people's and dynamic ones,
since a key held by someone else is `blocked`) and, when queues are managed, every simple
queue, indexed by key: (family, list, address) for address lists, the name for queues.
Incremental passes diff against it instead of printing; the changes they apply are
written back into it from the device's per-change answers (`.id`s included). Anything
that does not fit (a trap, an add without an `.id`, a set of an entry it does not hold)
makes the caller mark it `dirty`: only a full resync, which prints everything again, may
clear that.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Generic, TypeVar

from provisiond.drivers import OutcomeKind
from provisiond.model.device_state import ADDRESS_LIST_PATH, QUEUE_PATH, ObservedEntry
from provisiond.plan import Op
from provisiond.plan.ownership import is_owned

if TYPE_CHECKING:
    from collections.abc import Hashable, Iterable, KeysView

    from provisiond.drivers import ChangeOutcome
    from provisiond.model.device_state import AddressKey

K = TypeVar("K", bound="Hashable")

FAMILY = {path: family for family, path in ADDRESS_LIST_PATH.items()}
ListRef = tuple[str, str]
"""(menu path, list name): one printable address list."""
EntryRef = tuple[str, str]
"""(menu path, `.id`): one entry (RouterOS numbers each menu on its own)."""
# What RouterOS prints for an entry we just added: static and enabled.
_ADDED = {"dynamic": "false", "disabled": "false"}


def address_key(entry: ObservedEntry) -> AddressKey:
    """The entry's key; drivers hand addresses over canonical (docs/plan.md)."""
    return (FAMILY[entry.path], entry.attrs.get("list", ""), entry.attrs.get("address", ""))


def queue_key(entry: ObservedEntry) -> str:
    return entry.attrs.get("name", "")


class _Index(Generic[K]):
    """Entries by key, with the keys that hold at least one owned entry counted."""

    def __init__(self, prefix: str) -> None:
        self._prefix = prefix
        self.by_key: dict[K, dict[EntryRef, ObservedEntry]] = {}
        self.owned: dict[K, int] = {}  # key → owned entries holding it
        self.owned_count = 0
        self._keys: dict[EntryRef, K] = {}

    def put(self, key: K, entry: ObservedEntry) -> None:
        ref = (entry.path, entry.id)
        self.pop(ref)  # a second print of one entry replaces it
        self.by_key.setdefault(key, {})[ref] = entry
        self._keys[ref] = key
        if is_owned(entry, self._prefix):
            self.owned[key] = self.owned.get(key, 0) + 1
            self.owned_count += 1

    def pop(self, ref: EntryRef) -> ObservedEntry | None:
        key = self._keys.pop(ref, None)
        if key is None:
            return None
        group = self.by_key[key]
        entry = group.pop(ref)
        if not group:
            del self.by_key[key]
        if is_owned(entry, self._prefix):
            self.owned_count -= 1
            self.owned[key] -= 1
            if not self.owned[key]:
                del self.owned[key]
        return entry

    def select(self, keys: Iterable[K]) -> list[ObservedEntry]:
        return [entry for key in keys for entry in self.by_key.get(key, {}).values()]

    def entries(self) -> list[ObservedEntry]:
        return [entry for group in self.by_key.values() for entry in group.values()]


class Mirror:
    def __init__(self, prefix: str) -> None:
        self._prefix = prefix
        self._addresses: _Index[AddressKey] = _Index(prefix)
        self._queues: _Index[str] = _Index(prefix)
        self._printed: set[ListRef] = set()
        self._members: dict[ListRef, set[EntryRef]] = {}  # address entries per list
        self.dirty = True  # nothing observed yet

    @property
    def owned_count(self) -> int:
        """Owned entries on every managed menu: the mass-removal rule's denominator."""
        return self._addresses.owned_count + self._queues.owned_count

    def owned_address_keys(self) -> KeysView[AddressKey]:
        return self._addresses.owned.keys()

    def owned_queue_names(self) -> KeysView[str]:
        return self._queues.owned.keys()

    def printed(self, ref: ListRef) -> bool:
        return ref in self._printed

    def load_list(self, ref: ListRef, entries: Iterable[ObservedEntry]) -> None:
        """Replace what is known of one address list with a fresh print of it."""
        for entry_ref in self._members.pop(ref, set()):
            self._addresses.pop(entry_ref)
        self._printed.add(ref)
        for entry in entries:
            self._put(entry)

    def load_queues(self, entries: Iterable[ObservedEntry]) -> None:
        self._queues = _Index(self._prefix)
        for entry in entries:
            self._queues.put(queue_key(entry), entry)

    def select(
        self, address_keys: Iterable[AddressKey], queue_names: Iterable[str]
    ) -> list[ObservedEntry]:
        """The entries (anyone's) holding these keys: what an incremental diff looks at."""
        return [*self._addresses.select(address_keys), *self._queues.select(queue_names)]

    def entries(self) -> list[ObservedEntry]:
        return [*self._addresses.entries(), *self._queues.entries()]

    def record(self, outcome: ChangeOutcome) -> bool:
        """Write an applied change into the mirror; False when it cannot be (the device's
        answer lacks an `.id`, or names an entry the mirror does not hold)."""
        if outcome.kind is not OutcomeKind.APPLIED:
            return False
        change = outcome.change
        if change.op is Op.ADD:
            if outcome.entry_id is None:
                return False
            self._put(ObservedEntry(change.path, outcome.entry_id, {**change.entry, **_ADDED}))
            return True
        old = self._pop((change.path, change.target_id or ""))
        if old is None:
            return False
        if change.op is Op.SET:
            updates = {attr: value for attr, value in change.entry.items() if attr != ".id"}
            self._put(ObservedEntry(old.path, old.id, {**old.attrs, **updates}, old.dynamic))
        return True

    def _put(self, entry: ObservedEntry) -> None:
        if entry.path == QUEUE_PATH:
            self._queues.put(queue_key(entry), entry)
            return
        self._addresses.put(address_key(entry), entry)
        ref = (entry.path, entry.attrs.get("list", ""))
        self._members.setdefault(ref, set()).add((entry.path, entry.id))

    def _pop(self, ref: EntryRef) -> ObservedEntry | None:
        if ref[0] == QUEUE_PATH:
            return self._queues.pop(ref)
        entry = self._addresses.pop(ref)
        if entry is not None:
            self._members.get((entry.path, entry.attrs.get("list", "")), set()).discard(ref)
        return entry

"""Who owns each address-list key on one device (DESIGN.md §1 "Address clashes").

Desired entries are keyed by (family, list, canonical address). When several accounts claim
one key the lowest account id owns it; when the owner lets go, the next-lowest takes over.
Nearly every key has one claimant, so only contested keys carry a set of claimants.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from provisiond.model.device_state import AddressClash, AddressEntry, AddressKey


@dataclass(frozen=True, slots=True)
class Changes:
    """What moved on one device since its journal was last taken: address keys whose owner
    changed (claimed, released, or passed to another account) and queue names whose entry
    changed. `full`: everything may have moved (a load, a new engine, an overflowing
    journal); the keys are then not listed and the consumer diffs the whole device."""

    addresses: frozenset[AddressKey] = frozenset()
    queues: frozenset[str] = frozenset()
    full: bool = False

    def __bool__(self) -> bool:
        return bool(self.full or self.addresses or self.queues)


class Touched:
    """What a batch of changes touched: device indexes whose desired state changed, accounts
    whose effective state changed, and usernames whose RADIUS reply may have changed."""

    __slots__ = ("accounts", "devices", "usernames")

    def __init__(self) -> None:
        self.devices: set[int] = set()
        self.accounts: set[int] = set()
        self.usernames: set[str] = set()


class ClaimTable:
    """`changed`: the keys whose owner changed since the engine's journal was last taken."""

    __slots__ = ("changed", "contested", "index", "owners")

    def __init__(self, index: int) -> None:
        self.index = index
        self.owners: dict[AddressKey, int] = {}
        self.contested: dict[AddressKey, set[int]] = {}
        self.changed: set[AddressKey] = set()

    def claim(self, key: AddressKey, account_id: int, touched: Touched) -> None:
        """Idempotent: claiming a key twice is one claim."""
        owner = self.owners.get(key)
        if owner is None:
            self.owners[key] = account_id
            self.changed.add(key)
            touched.devices.add(self.index)
            return
        if owner == account_id:
            return
        claimants = self.contested.setdefault(key, {owner})
        if account_id in claimants:
            return
        claimants.add(account_id)
        if account_id < owner:
            # A new owner: every claimant's clash report names it.
            self.owners[key] = account_id
            self.changed.add(key)
            touched.devices.add(self.index)
            touched.accounts.update(claimants)
        else:
            touched.accounts.add(owner)

    def release(self, key: AddressKey, account_id: int, touched: Touched) -> None:
        claimants = self.contested.get(key)
        if claimants is None:
            if self.owners.get(key) == account_id:
                del self.owners[key]
                self.changed.add(key)
                touched.devices.add(self.index)
            return
        claimants.discard(account_id)
        touched.accounts.update(claimants)
        successor = min(claimants)
        if len(claimants) == 1:
            del self.contested[key]
        if self.owners[key] != successor:
            self.owners[key] = successor
            self.changed.add(key)
            touched.devices.add(self.index)

    def clashes(self, device: str) -> Iterator[AddressClash]:
        for key in sorted(self.contested):
            yield from self.clashes_of(device, key)

    def clashes_of(self, device: str, key: AddressKey) -> Iterator[AddressClash]:
        owner = self.owners.get(key)
        for loser in sorted(self.contested.get(key, ())):
            if loser != owner and owner is not None:
                yield AddressClash(device, key, owner, loser)


class DesiredAddresses(Mapping[AddressKey, AddressEntry]):
    """A snapshot of a device's owned keys that builds each `AddressEntry` when read.

    A full table holds hundreds of thousands of keys; the plan layer mostly compares keys,
    so entries are built only for the ones it looks at. `copy=False` makes a live view of
    the owners instead (no copy; it shows later changes and must not outlive the moment).
    """

    __slots__ = ("_owners",)

    def __init__(self, owners: Mapping[AddressKey, int], *, copy: bool = True) -> None:
        self._owners = dict(owners) if copy else owners

    def __getitem__(self, key: AddressKey) -> AddressEntry:
        return AddressEntry(key[0], key[1], key[2], self._owners[key])

    def __iter__(self) -> Iterator[AddressKey]:
        return iter(self._owners)

    def __len__(self) -> int:
        return len(self._owners)

    def __contains__(self, key: object) -> bool:
        return key in self._owners

    def __repr__(self) -> str:
        return f"DesiredAddresses({len(self._owners)} entries)"

"""Which address-list names a device's worker manages, and which of them were renamed.

Every (family, name) provisiond has pushed to a device is remembered in the store
(`managed_lists`, migration 0003) with the id of the address list that had the name, so:

- a full resync prints the remembered names too, and finds our entries on a list that is
  no longer defined (DESIGN.md §4) or no longer applies to the device;
- a list whose id now has another name was renamed: the plan moves its entries with
  `set list=` (`renames`), even when the rename happened while the daemon was down.

A name is written before the first entry is pushed to it, never after.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from provisiond.store.managed import Sighting

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from datetime import datetime

    from provisiond.store.managed import ManagedList

ListName = tuple[int, str]
"""(family, list name)."""


class ListMemory(Protocol):
    """The store side (`provisiond.store.managed.ManagedLists`)."""

    async def load(self, device: str) -> list[ManagedList]: ...

    async def remember(self, device: str, seen: Iterable[Sighting], *, at: datetime) -> None: ...


class Lists:
    """One device's remembered names, loaded from the store once."""

    def __init__(self, device: str, memory: ListMemory) -> None:
        self._device = device
        self._memory = memory
        self._known: dict[ListName, int | None] | None = None

    async def load(self) -> None:
        if self._known is None:
            rows = await self._memory.load(self._device)
            self._known = {(row.family, row.name): row.list_id for row in rows}

    def names(self, family: int) -> set[str]:
        return {name for known_family, name in self._table() if known_family == family}

    def renames(self, current: Mapping[int, str]) -> dict[str, str]:
        """Old name → the name its list has now, for every remembered list renamed since."""
        moves: dict[str, str] = {}
        for (_, name), list_id in sorted(self._table().items()):
            new = current.get(list_id) if list_id is not None else None
            if new is not None and new != name:
                moves.setdefault(name, new)
        return moves

    async def note(
        self, used: Iterable[ListName], current: Mapping[int, str], *, at: datetime, all_: bool
    ) -> None:
        """Remember the names about to be pushed: new ones, or ones now held by another
        list; with `all_` (a full resync) every one, which refreshes `last_seen`."""
        ids = {name: list_id for list_id, name in current.items()}
        table = self._table()
        # A name no list has now keeps the id it had: that is what a rename is found by.
        sightings = [
            Sighting(family, name, ids.get(name, table.get((family, name))))
            for family, name in set(used)
        ]
        due = [
            s
            for s in sightings
            if all_ or (s.family, s.name) not in table or table[(s.family, s.name)] != s.list_id
        ]
        if not due:
            return
        await self._memory.remember(self._device, due, at=at)
        table.update(((s.family, s.name), s.list_id) for s in due)

    def _table(self) -> dict[ListName, int | None]:
        if self._known is None:
            raise RuntimeError("Lists.load() must come first")
        return self._known

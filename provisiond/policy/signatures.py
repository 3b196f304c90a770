"""Memoised membership per signature (see `membership`).

100,000 accounts typically share a few thousand signatures, so each list and group filter
is evaluated once per signature. Each entry also records its member accounts, so a change
to one list, group or status finds exactly the accounts it affects.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from provisiond.policy.membership import matches

if TYPE_CHECKING:
    from collections.abc import Iterable

    from provisiond.policy.definitions import Definitions
    from provisiond.policy.membership import Signature
    from provisiond.policy.replies import CompiledGroup
    from provisiond.policy.scope import Scope

ListsByDevice = tuple[tuple[str, ...], ...]
"""Per device index, the names of the matched lists that land there (sorted)."""


class SigEntry:
    __slots__ = ("activates", "by_device", "groups", "lists", "members", "sig")

    def __init__(self, sig: Signature, activates: bool) -> None:  # noqa: FBT001 - internal
        self.sig = sig
        self.activates = activates
        self.lists: frozenset[int] = frozenset()
        self.by_device: ListsByDevice = ()
        self.groups: tuple[CompiledGroup, ...] = ()  # matched, in (priority, id) order
        self.members: set[int] = set()


class SigTable:
    __slots__ = ("_defs", "_entries", "_scopes")

    def __init__(self, definitions: Definitions, scopes: tuple[Scope, ...]) -> None:
        self._defs = definitions
        self._scopes = scopes
        self._entries: dict[Signature, SigEntry] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, sig: Signature) -> SigEntry:
        return self._entries[sig]

    def join(self, sig: Signature, account_id: int) -> SigEntry:
        entry = self._entries.get(sig)
        if entry is None:
            entry = self._entries[sig] = self._evaluate(sig)
        entry.members.add(account_id)
        return entry

    def leave(self, sig: Signature, account_id: int) -> None:
        entry = self._entries.get(sig)
        if entry is None:
            return
        entry.members.discard(account_id)
        if not entry.members:
            del self._entries[sig]

    def restatus(self, status_id: int) -> set[int]:
        """Re-evaluate the signatures with this status; return their members."""
        affected: set[int] = set()
        for sig, entry in self._entries.items():
            if sig.status_id == status_id:
                fresh = self._evaluate(sig)
                entry.activates, entry.lists = fresh.activates, fresh.lists
                entry.by_device, entry.groups = fresh.by_device, fresh.groups
                affected |= entry.members
        return affected

    def relist(self, list_id: int) -> set[int]:
        """Re-evaluate one list; return the members of signatures whose entries moved."""
        definition = self._defs.lists.get(list_id)
        affected: set[int] = set()
        for entry in self._entries.values():
            now = definition is not None and matches(
                definition.filter, entry.sig, activates=entry.activates
            )
            if not now and list_id not in entry.lists:
                continue
            entry.lists = entry.lists - {list_id} | ({list_id} if now else frozenset())
            by_device = self._by_device(entry.lists)
            if by_device != entry.by_device:
                entry.by_device = by_device
                affected |= entry.members
        return affected

    def regroup(self, group_id: int) -> set[int]:
        """Re-evaluate one RADIUS group; return the members whose group replies may differ."""
        affected: set[int] = set()
        for entry in self._entries.values():
            had = any(group.group.id == group_id for group in entry.groups)
            groups = self._groups(entry.sig, entry.activates)
            if had or any(group.group.id == group_id for group in groups):
                entry.groups = groups
                affected |= entry.members
        return affected

    def _evaluate(self, sig: Signature) -> SigEntry:
        activates = self._defs.activates(sig.status_id)
        entry = SigEntry(sig, activates)
        entry.lists = frozenset(
            list_id
            for list_id, definition in self._defs.lists.items()
            if matches(definition.filter, sig, activates=activates)
        )
        entry.by_device = self._by_device(entry.lists)
        entry.groups = self._groups(sig, activates)
        return entry

    def _by_device(self, list_ids: Iterable[int]) -> ListsByDevice:
        definitions = [self._defs.lists[list_id] for list_id in list_ids]
        return tuple(
            tuple(
                sorted(
                    d.name
                    for d in definitions
                    if scope.device.address_lists
                    and (not d.devices or scope.device.name in d.devices)
                )
            )
            for scope in self._scopes
        )

    def _groups(self, sig: Signature, activates: bool) -> tuple[CompiledGroup, ...]:  # noqa: FBT001
        matched = [
            group
            for group in self._defs.radius_groups.values()
            if matches(group.group.filter, sig, activates=activates)
        ]
        return tuple(sorted(matched, key=lambda group: group.order))

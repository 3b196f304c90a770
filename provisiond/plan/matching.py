"""Matching observed entries to desired ones by identity (diffsync's identifiers).

Address lists and queues share the rules; each supplies its identity attributes and how
its compared attributes are diffed (a `Kind`). For one key: the owned entries are grouped,
one is kept and repaired, the rest are duplicates; a desired key with no owned entry is
added, unless an entry we do not own holds it, which makes it `Blocked`.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

from provisiond.plan import normalise, ownership
from provisiond.plan.changes import Blocked, Change, Op, Reason

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence

    from provisiond.model.device_state import ObservedEntry

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True, slots=True)
class Wanted:
    """A desired entry: every attribute an add writes, and whose it is."""

    path: str
    attrs: Mapping[str, str]
    account_id: int


@dataclass(frozen=True, slots=True)
class Kind:
    """`identity`: the attributes that name an entry; `updates`: what a set must write."""

    identity: tuple[str, ...]
    updates: Callable[[ObservedEntry, Mapping[str, str]], dict[str, str]]


@dataclass(frozen=True, slots=True)
class Outcome:
    changes: tuple[Change, ...] = ()
    blocked: tuple[Blocked, ...] = ()


@dataclass(frozen=True, slots=True)
class Table(Generic[K]):
    """Observed entries of one kind by key: ours (maybe duplicated) and the rest."""

    owned: Mapping[K, Sequence[ObservedEntry]]
    foreign: Mapping[K, ObservedEntry]  # the lowest `.id` holding the key


def partition(
    observed: Iterable[ObservedEntry], *, key: Callable[[ObservedEntry], K], prefix: str
) -> Table[K]:
    owned: dict[K, list[ObservedEntry]] = {}
    foreign: dict[K, ObservedEntry] = {}
    for entry in observed:
        entry_key = key(entry)
        if ownership.is_owned(entry, prefix):
            owned.setdefault(entry_key, []).append(entry)
            continue
        held = foreign.get(entry_key)
        if held is None or normalise.id_order(entry.id) < normalise.id_order(held.id):
            foreign[entry_key] = entry
    # Ordering only matters where a key has several entries (duplicates); sorting just
    # those, not all 100,000 rows, keeps a no-drift resync's diff cheap.
    for group in owned.values():
        if len(group) > 1:
            group.sort(key=lambda e: normalise.id_order(e.id))
    return Table(owned=owned, foreign=foreign)


def keeper_first(group: Iterable[ObservedEntry], comment: str) -> list[ObservedEntry]:
    """The entry to keep, then its duplicates: prefer the right owner, then the lowest `.id`."""
    return sorted(
        group, key=lambda e: (e.attrs.get("comment") != comment, normalise.id_order(e.id))
    )


def converge(group: Iterable[ObservedEntry], want: Wanted, kind: Kind) -> list[Change]:
    """Keep one owned entry of a desired key, repair it, and remove the others."""
    keeper, *duplicates = keeper_first(group, want.attrs["comment"])
    changes = [removal(entry, kind, Reason.DUPLICATE) for entry in duplicates]
    updates = kind.updates(keeper, want.attrs)
    if updates:
        changes.append(setting(keeper, updates, kind, reason_for(updates)))
    return changes


def place(want: Wanted, holder: ObservedEntry | None, kind: Kind) -> Change | Blocked:
    """A desired key no owned entry has: add it, unless someone else's entry holds it."""
    if holder is None:
        return Change(op=Op.ADD, path=want.path, entry=want.attrs, reason=Reason.MISSING)
    return Blocked(
        path=want.path,
        entry={attr: want.attrs[attr] for attr in kind.identity},
        account_id=want.account_id,
        held_by=holder.id,
        dynamic=ownership.is_dynamic(holder),
    )


def reason_for(updates: Mapping[str, str]) -> Reason:
    # Every owned comment carries an account id, so a different one means a new owner.
    return Reason.OWNER_CHANGED if "comment" in updates else Reason.EDITED


def enable(entry: ObservedEntry) -> dict[str, str]:
    """An owned entry's state is ours too: one disabled by hand is enabled again."""
    return {"disabled": "false"} if normalise.is_true(entry.attrs.get("disabled")) else {}


def removal(entry: ObservedEntry, kind: Kind, reason: Reason) -> Change:
    named = {attr: entry.attrs.get(attr, "") for attr in (*kind.identity, "comment")}
    return Change(op=Op.REMOVE, path=entry.path, entry={".id": entry.id, **named}, reason=reason)


def setting(entry: ObservedEntry, updates: Mapping[str, str], kind: Kind, reason: Reason) -> Change:
    before = {attr: entry.attrs.get(attr, "") for attr in (*kind.identity, *updates)}
    return Change(
        op=Op.SET, path=entry.path, entry={".id": entry.id, **updates}, reason=reason, before=before
    )


def leftovers(wanted: Mapping[K, Wanted], table: Table[K]) -> list[ObservedEntry]:
    """Owned entries whose key is not desired, in `.id` order."""
    rest = [entry for key, group in table.owned.items() if key not in wanted for entry in group]
    return sorted(rest, key=lambda e: normalise.id_order(e.id))


def outcome(
    wanted: Mapping[K, Wanted],
    table: Table[K],
    kind: Kind,
    *,
    handled: Sequence[Change],
    covered: frozenset[K] = frozenset(),
) -> Outcome:
    """Converge the desired keys we hold and place the ones nobody of ours holds.

    `handled` is what the caller decided about `leftovers` (removals, and for address
    lists the renames); `covered` are the desired keys those renames move entries into.
    """
    changes = list(handled)
    placed: list[Change | Blocked] = []
    for key, want in wanted.items():
        group = table.owned.get(key)
        if group:
            changes.extend(converge(group, want, kind))
        elif key not in covered:
            placed.append(place(want, table.foreign.get(key), kind))
    changes.extend(item for item in placed if isinstance(item, Change))
    blocked = tuple(item for item in placed if isinstance(item, Blocked))
    return Outcome(changes=tuple(changes), blocked=blocked)

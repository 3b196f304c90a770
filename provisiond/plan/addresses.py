"""Address-list entries: identity (family, list, canonical address), compared: the comment.

A desired entry is `list`, `address` and `comment` and nothing else: entries are static, so
no `timeout` (DESIGN.md §4). Renaming a list moves its entries with `set list=` instead of
removing and re-adding them, so a subscriber never drops out of a firewall rule mid-rename.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from provisiond.model.device_state import ADDRESS_LIST_PATH
from provisiond.plan import matching, normalise, ownership
from provisiond.plan.changes import Reason

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from provisiond.model.device_state import AddressEntry, AddressKey, ObservedEntry
    from provisiond.plan.changes import Change

_FAMILY: Final = {path: family for family, path in ADDRESS_LIST_PATH.items()}


def _updates(entry: ObservedEntry, attrs: Mapping[str, str]) -> dict[str, str]:
    comment = (
        {} if entry.attrs.get("comment") == attrs["comment"] else {"comment": attrs["comment"]}
    )
    return comment | matching.enable(entry)


KIND: Final = matching.Kind(identity=("list", "address"), updates=_updates)


def wanted(entries: Iterable[AddressEntry], prefix: str) -> dict[AddressKey, matching.Wanted]:
    """Desired entries by canonical key; should two claim one key, the lowest account wins.

    The policy engine already settles clashes that way (DESIGN.md §1); doing it again here
    keeps the diff deterministic if an address arrives in a non-canonical spelling.
    """
    result: dict[AddressKey, matching.Wanted] = {}
    for entry in entries:
        address = normalise.address(entry.address)
        key = (entry.family, entry.list, address)
        held = result.get(key)
        if held is not None and held.account_id <= entry.account_id:
            continue
        attrs = {
            "list": entry.list,
            "address": address,
            "comment": ownership.comment(prefix, entry.account_id),
        }
        result[key] = matching.Wanted(path=entry.path, attrs=attrs, account_id=entry.account_id)
    return result


def key(entry: ObservedEntry) -> AddressKey:
    address = normalise.address(entry.attrs.get("address", ""))
    return (_FAMILY[entry.path], entry.attrs.get("list", ""), address)


def diff(
    desired: Iterable[AddressEntry],
    observed: Iterable[ObservedEntry],
    *,
    prefix: str,
    renames: Mapping[str, str],
) -> matching.Outcome:
    want = wanted(desired, prefix)
    table = matching.partition((e for e in observed if e.path in _FAMILY), key=key, prefix=prefix)
    rest = matching.leftovers(want, table)
    moves = _moves(rest, want, table, renames)
    handled = _renamed(moves, want) + _removed(rest, moves)
    return matching.outcome(want, table, KIND, handled=handled, covered=frozenset(moves))


def _moves(
    rest: Iterable[ObservedEntry],
    want: Mapping[AddressKey, matching.Wanted],
    table: matching.Table[AddressKey],
    renames: Mapping[str, str],
) -> dict[AddressKey, list[ObservedEntry]]:
    """Leftover owned entries a rename can move, by the desired key they would move to.

    Only into a key nobody holds yet: RouterOS refuses a second entry for one key, and a
    key someone else holds is blocked, not ours to fill.
    """
    moves: dict[AddressKey, list[ObservedEntry]] = {}
    for entry in rest:
        family, old_list, address = key(entry)
        new_list = renames.get(old_list)
        target = (family, new_list or "", address)
        if new_list is not None and target in want and _free(target, table):
            moves.setdefault(target, []).append(entry)
    return moves


def _free(target: AddressKey, table: matching.Table[AddressKey]) -> bool:
    return target not in table.owned and target not in table.foreign


def _renamed(
    moves: Mapping[AddressKey, Sequence[ObservedEntry]],
    want: Mapping[AddressKey, matching.Wanted],
) -> list[Change]:
    changes: list[Change] = []
    for target, group in moves.items():
        attrs = want[target].attrs
        keeper, *duplicates = matching.keeper_first(group, attrs["comment"])
        updates = {"list": attrs["list"]} | _updates(keeper, attrs)
        changes.append(matching.setting(keeper, updates, KIND, Reason.RENAMED))
        changes.extend(matching.removal(entry, KIND, Reason.DUPLICATE) for entry in duplicates)
    return changes


def _removed(
    rest: Iterable[ObservedEntry], moves: Mapping[AddressKey, Sequence[ObservedEntry]]
) -> list[Change]:
    moving = {(entry.path, entry.id) for group in moves.values() for entry in group}
    return [
        matching.removal(entry, KIND, Reason.NOT_DESIRED)
        for entry in rest
        if (entry.path, entry.id) not in moving
    ]

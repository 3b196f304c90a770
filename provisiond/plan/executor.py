"""`apply`: run a plan against an in-memory router table, as RouterOS would.

The fake device of the tests (Faucet's FakeOFTable idea): tests assert the resulting
entries, not a list of calls. It refuses what RouterOS refuses: a set or remove of an
unknown `.id` ("no such item") and a second entry for one key ("already have such entry"),
so a plan that passes here does not trap on a router for those reasons.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from provisiond.model.device_state import ADDRESS_LIST_PATH, QUEUE_PATH, ObservedEntry
from provisiond.plan import normalise
from provisiond.plan.changes import Op

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from provisiond.plan.changes import Change, Plan

_ADDRESS_PATHS: Final = frozenset(ADDRESS_LIST_PATH.values())


class PlanError(Exception):
    """Root of the plan package's errors."""


class ApplyError(PlanError):
    """A change the router would refuse."""


def apply(
    observed: Sequence[ObservedEntry], plan: Plan, *, next_id: Callable[[], str]
) -> list[ObservedEntry]:
    """The table after `plan.changes` (not the held ones); adds get `.id`s from `next_id`."""
    table = list(observed)
    for change in plan.changes:
        if change.op is Op.ADD:
            table = _add(table, change, next_id())
        elif change.op is Op.SET:
            table = _set(table, change)
        else:
            table = _remove(table, change)
    return table


def _add(table: list[ObservedEntry], change: Change, entry_id: str) -> list[ObservedEntry]:
    attrs = {attr: value for attr, value in change.entry.items() if attr != ".id"}
    added = ObservedEntry(path=change.path, id=entry_id, attrs=attrs)
    _check_unique(table, added)
    return [*table, added]


def _set(table: list[ObservedEntry], change: Change) -> list[ObservedEntry]:
    old = _find(table, change)
    updates = {attr: value for attr, value in change.entry.items() if attr != ".id"}
    new = ObservedEntry(
        path=old.path, id=old.id, attrs={**old.attrs, **updates}, dynamic=old.dynamic
    )
    if _identity(new.path, new.attrs) != _identity(old.path, old.attrs):
        _check_unique([entry for entry in table if entry is not old], new)
    return [new if entry is old else entry for entry in table]


def _remove(table: list[ObservedEntry], change: Change) -> list[ObservedEntry]:
    gone = _find(table, change)
    return [entry for entry in table if entry is not gone]


def _find(table: Sequence[ObservedEntry], change: Change) -> ObservedEntry:
    for entry in table:
        if entry.path == change.path and entry.id == change.target_id:
            return entry
    raise ApplyError(f"no such item: {change.path} {change.target_id}")


def _check_unique(table: Sequence[ObservedEntry], new: ObservedEntry) -> None:
    identity = _identity(new.path, new.attrs)
    if identity is None:
        return
    if any(_identity(entry.path, entry.attrs) == identity for entry in table):
        raise ApplyError(f"already have such entry: {new.path} {dict(new.attrs)}")


def _identity(path: str, attrs: Mapping[str, str]) -> tuple[str, ...] | None:
    if path in _ADDRESS_PATHS:
        return (path, attrs.get("list", ""), normalise.address(attrs.get("address", "")))
    if path == QUEUE_PATH:
        return (path, attrs.get("name", ""))
    return None

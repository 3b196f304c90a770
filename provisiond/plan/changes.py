"""The values a diff produces: `Change`, `Blocked` and the `Plan` that holds them.

A change's `entry` is what goes on the wire in RouterOS canonical form; `before` is what the
router had for the same attributes, kept only so a human can read a `set` as "a → b".
`plan_id` hashes what an admin is shown (DESIGN.md §7), and deliberately not which changes
are held: approving a held plan must name the same id the unheld diff has (§4).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

from provisiond.plan import normalise

_PLAN_ID_HEX: Final = 16
# Identity attributes, in the order they sort and print: address lists, then queues.
IDENTITY: Final = ("list", "address", "name")


class Op(StrEnum):
    ADD = "add"
    SET = "set"
    REMOVE = "remove"


class Reason(StrEnum):
    MISSING = "missing"
    NOT_DESIRED = "not desired"
    DUPLICATE = "duplicate"
    EDITED = "edited"
    RENAMED = "renamed list"
    OWNER_CHANGED = "owner changed"


# Sets run first (a renamed entry moves before anything else happens), then adds, then
# removes, so during a list swap the new entry exists before the old one goes.
_OP_RANK: Final = {Op.SET: 0, Op.ADD: 1, Op.REMOVE: 2}


class Attrs(Mapping[str, str]):
    """A read-only, hashable, insertion-ordered mapping of RouterOS attributes.

    Frozen dataclasses hash their fields; a dict or MappingProxyType would make `Change`
    unhashable, and changes are compared and collected in sets by callers and tests.
    """

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[str, str] | None = None) -> None:
        self._items: dict[str, str] = dict(items or {})

    def __getitem__(self, key: str) -> str:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(frozenset(self._items.items()))

    def __repr__(self) -> str:
        return f"Attrs({self._items!r})"


def _frozen(value: Mapping[str, str]) -> Attrs:
    return value if isinstance(value, Attrs) else Attrs(value)


@dataclass(frozen=True, slots=True)
class Change:
    """One write to a device.

    `entry`: for add, every attribute to write; for set, `.id` plus the attributes that
    change; for remove, `.id` plus the identifying attributes. `before`, for set only: the
    entry's identifying attributes and the old values of what changes.
    """

    op: Op
    path: str
    entry: Mapping[str, str]
    reason: Reason
    before: Mapping[str, str] = field(default_factory=Attrs)

    def __post_init__(self) -> None:
        object.__setattr__(self, "entry", _frozen(self.entry))
        object.__setattr__(self, "before", _frozen(self.before))

    @property
    def target_id(self) -> str | None:
        """The `.id` a set or remove acts on; None for an add."""
        return self.entry.get(".id")

    def as_json(self) -> dict[str, object]:
        return {"op": str(self.op), "path": self.path, "entry": dict(self.entry)}


@dataclass(frozen=True, slots=True)
class Blocked:
    """A desired key the router holds in an entry provisiond does not own, or a dynamic one.

    Reported (metrics, `/effective`), never retried, never touched (DESIGN.md §1).
    """

    path: str
    entry: Mapping[str, str]  # the desired entry's identity: list and address, or name
    account_id: int
    held_by: str  # the `.id` of the router's entry
    dynamic: bool

    def __post_init__(self) -> None:
        object.__setattr__(self, "entry", _frozen(self.entry))


@dataclass(frozen=True, slots=True)
class Plan:
    """What one sync of one device would do.

    `changes` go to the device in order; `held` are removals kept back by the mass-removal
    rule until approved; `owned_entries` counts the owned, non-dynamic entries observed
    (the denominator of that rule).
    """

    device: str
    changes: tuple[Change, ...] = ()
    held: tuple[Change, ...] = ()
    blocked: tuple[Blocked, ...] = ()
    owned_entries: int = 0

    @property
    def whole(self) -> tuple[Change, ...]:
        """The whole current diff, held or not, in apply order."""
        return ordered(self.changes + self.held)

    @property
    def plan_id(self) -> str:
        body = [self.device, [change.as_json() for change in self.whole]]
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:_PLAN_ID_HEX]

    @property
    def is_empty(self) -> bool:
        """Nothing to write and nothing held; blocked keys do not count (they never change)."""
        return not self.changes and not self.held


def ordered(changes: tuple[Change, ...]) -> tuple[Change, ...]:
    return tuple(sorted(changes, key=_order_key))


def _order_key(change: Change) -> tuple[object, ...]:
    # A set's entry holds only what changes; its identity is in `before`.
    named = change.before if change.op is Op.SET else change.entry
    identity = tuple(named.get(attr, "") for attr in IDENTITY)
    entry_id = normalise.id_order(change.target_id or "")
    return (_OP_RANK[change.op], change.path, identity, entry_id, sorted(change.entry.items()))

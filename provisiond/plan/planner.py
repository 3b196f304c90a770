"""`diff`: from what a device should have to what it has, as a `Plan` (DESIGN.md §4).

Pure: no I/O, no clock. The diff looks at every observed entry it is given on the menus it
manages, so a caller that does not sync queues on a device must not pass its queues: an
owned queue next to an empty desired set is an owned entry that is not desired.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import TYPE_CHECKING, Final

from provisiond.plan import addresses, ownership, queues
from provisiond.plan.changes import IDENTITY, Blocked, Plan, ordered

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from provisiond.model.device_state import DesiredState, ObservedEntry

_NO_RENAMES: Final[Mapping[str, str]] = MappingProxyType({})


def diff(
    desired: DesiredState,
    observed: Iterable[ObservedEntry],
    *,
    comment_prefix: str,
    renames: Mapping[str, str] = _NO_RENAMES,
) -> Plan:
    """The changes that make the owned entries of `observed` equal `desired`.

    `renames` maps an old address-list name to its new one: owned entries of the old list
    whose key is desired under the new name move there (`set list=`).
    """
    entries = tuple(observed)
    parts = (
        addresses.diff(desired.addresses.values(), entries, prefix=comment_prefix, renames=renames),
        queues.diff(desired.queues.values(), entries, prefix=comment_prefix),
    )
    return Plan(
        device=desired.device,
        changes=ordered(tuple(change for part in parts for change in part.changes)),
        blocked=tuple(sorted((b for part in parts for b in part.blocked), key=_blocked_order)),
        owned_entries=ownership.count_owned(entries, comment_prefix),
    )


def _blocked_order(blocked: Blocked) -> tuple[str, tuple[str, ...]]:
    return (blocked.path, tuple(blocked.entry.get(attr, "") for attr in IDENTITY))

"""Which router entries are provisiond's (DESIGN.md §4).

An entry is ours iff it is not dynamic and its comment starts with `<comment_prefix>:`.
The colon matters: `provisiond-old` or a bare `provisiond` is someone else's comment.
Dynamic entries (PPP queues, timeout or DNS-spawned address-list entries) are never ours,
whatever their comment says: RouterOS owns their lifetime.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from provisiond.model.device_state import ADDRESS_LIST_PATH, QUEUE_PATH
from provisiond.plan import normalise

if TYPE_CHECKING:
    from collections.abc import Iterable

    from provisiond.model.device_state import ObservedEntry

MANAGED_PATHS: Final = frozenset({*ADDRESS_LIST_PATH.values(), QUEUE_PATH})


def comment(prefix: str, account_id: int) -> str:
    return f"{prefix}:{account_id}"


def is_dynamic(entry: ObservedEntry) -> bool:
    # The flag is the driver's reading; the attribute is honoured too, in case a driver
    # passes the print row through unchanged.
    return entry.dynamic or normalise.is_true(entry.attrs.get("dynamic"))


def is_owned(entry: ObservedEntry, prefix: str) -> bool:
    owned_comment = normalise.text(entry.attrs.get("comment")).startswith(f"{prefix}:")
    return owned_comment and not is_dynamic(entry)


def count_owned(observed: Iterable[ObservedEntry], prefix: str) -> int:
    """Owned entries on the menus provisiond manages: the mass-removal rule's denominator."""
    return sum(1 for e in observed if e.path in MANAGED_PATHS and is_owned(e, prefix))

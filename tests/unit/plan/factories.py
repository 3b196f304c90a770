"""Small builders for plan tests: desired entries, observed router rows, `.id` counters."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Final

from provisiond.model.device_state import (
    ADDRESS_LIST_PATH,
    QUEUE_PATH,
    AddressEntry,
    DesiredState,
    ObservedEntry,
    QueueEntry,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

PREFIX: Final = "provisiond"
V4: Final = ADDRESS_LIST_PATH[4]
V6: Final = ADDRESS_LIST_PATH[6]
QUEUES: Final = QUEUE_PATH


def address(list_name: str, addr: str, account_id: int, *, family: int = 4) -> AddressEntry:
    return AddressEntry(family=family, list=list_name, address=addr, account_id=account_id)


def queue(account_id: int, target: str, max_limit: str, **burst: str) -> QueueEntry:
    return QueueEntry(
        name=f"{PREFIX}-{account_id}",
        target=target,
        max_limit=max_limit,
        account_id=account_id,
        burst_limit=burst.get("limit"),
        burst_threshold=burst.get("threshold"),
        burst_time=burst.get("time"),
    )


def desired(
    addresses: Iterable[AddressEntry] = (),
    queues: Iterable[QueueEntry] = (),
    *,
    device: str = "core-1",
) -> DesiredState:
    return DesiredState(
        device=device,
        addresses={entry.key: entry for entry in addresses},
        queues={entry.name: entry for entry in queues},
    )


def row(path: str, entry_id: str, *, dynamic: bool = False, **attrs: str) -> ObservedEntry:
    """An observed row; attribute names with dashes are written with underscores."""
    named = {name.replace("_", "-"): value for name, value in attrs.items()}
    return ObservedEntry(path=path, id=entry_id, attrs=named, dynamic=dynamic)


def listed(entry_id: str, list_name: str, addr: str, comment: str = "", **kw: str) -> ObservedEntry:
    """An IPv4 address-list row; extra attributes (even `dynamic`) stay attributes."""
    attrs = {"list": list_name, "address": addr} | ({"comment": comment} if comment else {})
    return ObservedEntry(path=V4, id=entry_id, attrs=attrs | kw)


class Ids:
    """`next_id` for `apply`: fresh `.id`s above anything a test table uses."""

    def __init__(self, start: int = 0x1000) -> None:
        self._counter = itertools.count(start)

    def __call__(self) -> str:
        return f"*{next(self._counter):X}"

"""The menus the lab router has, declared as data: fields, defaults, keys, trap texts.

References: reference/protocols.md §1.7 (address lists) and §1.8 (simple queues).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from provisiond.lab import errors, values

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

ADDRESS_LIST = "/ip/firewall/address-list"
IPV6_ADDRESS_LIST = "/ipv6/firewall/address-list"
SIMPLE_QUEUE = "/queue/simple"


@dataclass(frozen=True)
class Field:
    normalise: Callable[[str], str] = values.text
    default: str | None = None
    writable: bool = True
    add_only: bool = False


@dataclass(frozen=True)
class Menu:
    """A table menu. `unique` names the fields whose values no two entries may share."""

    path: str
    fields: Mapping[str, Field]
    required: tuple[str, ...]
    unique: tuple[str, ...]
    duplicate: str
    auto_name: str | None = None
    creation_time: bool = False
    timeouts: bool = False
    defaults: Mapping[str, str] = field(init=False)

    def __post_init__(self) -> None:
        defaults = {n: f.default for n, f in self.fields.items() if f.default is not None}
        object.__setattr__(self, "defaults", defaults)

    def normalise_query(self, name: str, value: str) -> str:
        """A query value as the property would be stored; unchanged when it does not parse."""
        if name == ".id":
            return value.upper()
        spec = self.fields.get(name)
        if spec is None:
            return value
        try:
            return spec.normalise(value)
        except ValueError:
            return value


_BOOL_FALSE = Field(values.boolean, default="false")
_READ_ONLY_BOOL = Field(values.boolean, default="false", writable=False)
_RATES = Field(values.pair(values.rate), default="0/0")
_COUNTERS = Field(values.pair(values.integer), default="0/0", writable=False)


def _address_list(path: str, address: Callable[[str], str]) -> Menu:
    fields = {
        "list": Field(),
        "address": Field(address),
        "creation-time": Field(writable=False),
        "timeout": Field(values.duration),
        "dynamic": Field(values.boolean, default="false", add_only=True),
        "disabled": _BOOL_FALSE,
        "comment": Field(),
    }
    return Menu(
        path=path,
        fields=fields,
        required=("list", "address"),
        unique=("list", "address"),
        duplicate=errors.DUPLICATE_ENTRY,
        creation_time=True,
        timeouts=True,
    )


def _simple_queue() -> Menu:
    fields = {
        "name": Field(),
        "target": Field(values.queue_target),
        "dst": Field(),
        "parent": Field(default="none"),
        "packet-marks": Field(default=""),
        "priority": Field(values.pair(values.priority), default="8/8"),
        "queue": Field(values.pair(values.text), default="default-small/default-small"),
        "limit-at": _RATES,
        "max-limit": _RATES,
        "burst-limit": _RATES,
        "burst-threshold": _RATES,
        "burst-time": Field(values.pair(values.duration), default="0s/0s"),
        "bucket-size": Field(values.pair(values.text), default="0.1/0.1"),
        "bytes": _COUNTERS,
        "packets": _COUNTERS,
        "dropped": _COUNTERS,
        "rate": _COUNTERS,
        "packet-rate": _COUNTERS,
        "queued-bytes": _COUNTERS,
        "queued-packets": _COUNTERS,
        "invalid": _READ_ONLY_BOOL,
        "dynamic": _READ_ONLY_BOOL,
        "disabled": _BOOL_FALSE,
        "comment": Field(),
    }
    return Menu(
        path=SIMPLE_QUEUE,
        fields=fields,
        required=("target",),
        unique=("name",),
        duplicate=errors.DUPLICATE_NAME,
        auto_name="queue",
    )


def table_menus() -> dict[str, Menu]:
    """Every table menu of a lab router, by path."""
    return {
        ADDRESS_LIST: _address_list(ADDRESS_LIST, values.ipv4_entry),
        IPV6_ADDRESS_LIST: _address_list(IPV6_ADDRESS_LIST, values.ipv6_entry),
        SIMPLE_QUEUE: _simple_queue(),
    }

"""What provisiond wants on a device, and what it found there (DESIGN.md §4).

The policy engine produces `DesiredState`; drivers produce `ObservedEntry`s; the plan
layer diffs the two. Attribute values are in RouterOS canonical form (what a `print`
returns after the driver's normalisation), so desired and observed compare as strings.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    from collections.abc import Mapping

    from provisiond.model.network import Prefix

ADDRESS_LIST_PATH = {4: "/ip/firewall/address-list", 6: "/ipv6/firewall/address-list"}
QUEUE_PATH = "/queue/simple"


@dataclass(frozen=True, slots=True)
class DeviceScope:
    """The part of a `[[device]]` the policy engine needs (config stays out of policy)."""

    name: str
    address_lists: bool = True
    queues: bool = False
    queue_inactive: bool = False
    subnets: tuple[Prefix, ...] = ()
    session_sources: tuple[str, ...] = ()  # empty = the device itself
    comment_prefix: str = "provisiond"

    def session_source_names(self) -> tuple[str, ...]:
        return self.session_sources or (self.name,)


@dataclass(frozen=True, slots=True)
class SessionAddress:
    """A soft address learned from accounting: it lives as long as the session."""

    account_id: int
    nas: str
    prefix: Prefix


AddressKey: TypeAlias = tuple[int, str, str]
"""(family 4/6, list name, canonical address): the identity of an address-list entry."""


@dataclass(frozen=True, slots=True)
class AddressEntry:
    family: int
    list: str
    address: str  # canonical: bare address for a host route
    account_id: int

    @property
    def key(self) -> AddressKey:
        return (self.family, self.list, self.address)

    @property
    def path(self) -> str:
        return ADDRESS_LIST_PATH[self.family]


@dataclass(frozen=True, slots=True)
class QueueEntry:
    """One `/queue/simple` per account; rates are integer bit/s, upload first."""

    name: str
    target: str  # sorted canonical prefixes, comma-joined
    max_limit: str  # "<upload>/<download>" bit/s
    account_id: int
    burst_limit: str | None = None
    burst_threshold: str | None = None
    burst_time: str | None = None

    @property
    def path(self) -> str:
        return QUEUE_PATH


@dataclass(frozen=True, slots=True)
class DesiredState:
    """Everything provisiond wants on one device, keyed for the diff."""

    device: str
    addresses: Mapping[AddressKey, AddressEntry] = field(default_factory=dict)
    queues: Mapping[str, QueueEntry] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ObservedEntry:
    """One entry as a driver read it back, attributes already normalised."""

    path: str
    id: str  # RouterOS `.id`, e.g. "*1A"
    attrs: Mapping[str, str]
    dynamic: bool = False


@dataclass(frozen=True, slots=True)
class AddressClash:
    """Two accounts claim one (family, list, address) key; the lowest id owns it."""

    device: str
    key: AddressKey
    owner_account_id: int
    loser_account_id: int


@dataclass(frozen=True, slots=True)
class OutOfScope:
    """A prefix that only overlaps a device's subnets, so it is not pushed there."""

    device: str
    prefix: str


def prefix_in_scope(prefix: Prefix, subnets: tuple[Prefix, ...]) -> bool:
    """Contained in one of `subnets` (any when there are none); overlap is not enough."""
    if not subnets:
        return True
    return any(prefix.version == net.version and _subnet_of(prefix, net) for net in subnets)


def _subnet_of(prefix: Prefix, net: Prefix) -> bool:
    if isinstance(prefix, ipaddress.IPv4Network) and isinstance(net, ipaddress.IPv4Network):
        return prefix.subnet_of(net)
    if isinstance(prefix, ipaddress.IPv6Network) and isinstance(net, ipaddress.IPv6Network):
        return prefix.subnet_of(net)
    return False

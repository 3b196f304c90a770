"""Addresses as integers, and the devices' scopes (DESIGN.md §1 "addresses and scope").

`ipaddress.subnet_of` costs microseconds; a full recompute would ask it for every address on
every device. Instead addresses and subnets are (family, network int, prefix length), and
`ScopeIndex` answers "which devices contain this address" as a bitmask of device indexes
with one dict lookup per distinct subnet length.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

from provisiond.model.network import render_prefix

if TYPE_CHECKING:
    import ipaddress

    from provisiond.model.device_state import DeviceScope
    from provisiond.model.network import Prefix

_IPV4 = 4
_BITS = {4: 32, 6: 128}


Addr: TypeAlias = tuple[int, str, int, int]
"""(family, text, network address as int, prefix length); `text` is the device spelling (a
host route is the bare address). A plain tuple on purpose: the garbage collector stops
tracking exact tuples of atomic values (not NamedTuples), and a full recompute makes
hundreds of thousands; tracked, they made each full collection cost as much as the load."""


def addr_of(prefix: Prefix) -> Addr:
    value, prefixlen = int(prefix.network_address), prefix.prefixlen
    if prefix.version == _IPV4:
        # `render_prefix` spelt out for IPv4: `str()` of an ipaddress object costs ~10x this
        # and a full recompute renders every address (tests check the two agree).
        text = f"{value >> 24}.{value >> 16 & 255}.{value >> 8 & 255}.{value & 255}"
        host = prefixlen == _BITS[_IPV4]
        return (_IPV4, text if host else f"{text}/{prefixlen}", value, prefixlen)
    return (6, render_prefix(prefix), value, prefixlen)


def host_addr(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> Addr:
    """A Framed-IP-Address is a host route."""
    return (address.version, str(address), int(address), _BITS[address.version])


def sort_key(addr: Addr) -> tuple[int, int, int]:
    """Numeric order: IPv4 before IPv6, then by address, then the wider prefix first."""
    family, _, value, prefixlen = addr
    return (family, value, prefixlen)


def _mask(family: int, prefixlen: int) -> int:
    bits = _BITS[family]
    return ((1 << bits) - 1) ^ ((1 << (bits - prefixlen)) - 1)


class Scope:
    """What a device takes: addresses contained in its subnets, sessions from its sources."""

    __slots__ = ("device", "index", "sources", "subnets")

    def __init__(self, device: DeviceScope, index: int) -> None:
        self.device = device
        self.index = index
        self.sources = frozenset(device.session_source_names())
        self.subnets = tuple(
            (
                net.version,
                int(net.network_address),
                net.prefixlen,
                _mask(net.version, net.prefixlen),
            )
            for net in device.subnets
        )

    def contains(self, addr: Addr) -> bool:
        """Inside one of the subnets (any address when there are none)."""
        if not self.subnets:
            return True
        family, _, value, prefixlen = addr
        return any(
            family == net_family and prefixlen >= net_len and value & mask == net_value
            for net_family, net_value, net_len, mask in self.subnets
        )

    def overlaps_only(self, addr: Addr) -> bool:
        """Not contained, but wider than a subnet it covers: such a prefix is not pushed."""
        if self.contains(addr):
            return False
        family, _, value, prefixlen = addr
        mask = _mask(family, prefixlen)
        return any(
            family == net_family and prefixlen < net_len and net_value & mask == value
            for net_family, net_value, net_len, _ in self.subnets
        )


class ScopeIndex:
    """Device bitmasks: which devices contain an address, which take a NAS's sessions."""

    __slots__ = ("_by_prefix", "_everywhere", "_lengths", "_sourced")

    def __init__(self, scopes: tuple[Scope, ...]) -> None:
        self._everywhere = 0  # devices without subnets take any address
        self._by_prefix: dict[tuple[int, int, int], int] = {}
        lengths: dict[int, set[int]] = {4: set(), 6: set()}
        self._sourced: dict[str, int] = {}
        for scope in scopes:
            bit = 1 << scope.index
            if not scope.subnets:
                self._everywhere |= bit
            for family, value, prefixlen, _ in scope.subnets:
                key = (family, prefixlen, value >> (_BITS[family] - prefixlen))
                self._by_prefix[key] = self._by_prefix.get(key, 0) | bit
                lengths[family].add(prefixlen)
            for nas in scope.sources:
                self._sourced[nas] = self._sourced.get(nas, 0) | bit
        self._lengths = {family: tuple(sorted(found)) for family, found in lengths.items()}

    def containing(self, addr: Addr) -> int:
        """Bitmask of the devices whose scope contains `addr` (contained, not overlapping)."""
        mask = self._everywhere
        family, _, value, prefixlen = addr
        bits = _BITS[family]
        for length in self._lengths[family]:
            if length > prefixlen:
                break
            mask |= self._by_prefix.get((family, length, value >> (bits - length)), 0)
        return mask

    def sourced(self, nas: str) -> int:
        """Bitmask of the devices that take session addresses learned from `nas`."""
        return self._sourced.get(nas, 0)

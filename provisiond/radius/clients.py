"""RADIUS clients: the `[device.nas]` entries, found by source address and NAS-Identifier.

DESIGN.md §5: a NAS is identified by the source address of its packets (an address or a
prefix, or a list of them) and, where several NAS share an address (behind NAT), by the
NAS-Identifier it sends. The table answers the hot path's question "who sent this?"
with one dict lookup for a known host address; prefixes and IPv4-mapped IPv6 sources
are resolved once per source and remembered (bounded, so spoofed sources cannot grow it).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Generic, TypeVar

from provisiond.radius.digest import SharedSecret

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

    from provisiond.config.settings import DeviceSettings
    from provisiond.model.network import Prefix

MAX_REMEMBERED: Final = 65_536  # resolved sources kept; the memo is cleared when full
_NONE: Final[tuple[NasClient, ...]] = ()
_Found = TypeVar("_Found", bound=tuple[object, ...])


@dataclass(frozen=True, slots=True, eq=False)
class NasClient:
    """One NAS: its device name (what policy and sessions know it by) and its secret."""

    name: str
    secret: SharedSecret
    nas_identifier: str = ""
    require_message_authenticator: bool = True

    def __repr__(self) -> str:
        return f"NasClient({self.name!r})"  # the secret stays out of every repr


@dataclass(frozen=True, slots=True)
class NasEntry:
    """A client and the source prefixes its packets come from."""

    client: NasClient
    addresses: tuple[Prefix, ...]


def source_address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address a datagram came from (None when `host` is not an address); an
    IPv4-mapped IPv6 source counts as IPv4, and an IPv6 zone (`%eth0`) is dropped."""
    try:
        address = ipaddress.ip_address(host.partition("%")[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


class SourceMemo(dict[str, _Found], Generic[_Found]):
    """Source address → what `resolve` made of it, remembered; cleared when `limit`
    sources are held, so a flood of spoofed sources cannot grow it. A dict, so a known
    source costs one lookup in C: `memo[host]` resolves only what it has not seen."""

    __slots__ = ("_limit", "_resolve")

    def __init__(self, resolve: Callable[[str], _Found], limit: int) -> None:
        super().__init__()
        self._resolve = resolve
        self._limit = limit

    def __missing__(self, host: str) -> _Found:
        found = self._resolve(host)
        if len(self) >= self._limit:
            self.clear()
        self[host] = found
        return found


class NasTable:
    """Source address → the clients that may have sent from it."""

    __slots__ = ("_entries", "_hosts", "_memo", "_prefixes")

    def __init__(self, entries: Iterable[NasEntry] = ()) -> None:
        self._entries = tuple(entries)
        self._hosts: dict[str, tuple[NasClient, ...]] = {}
        prefixes: dict[Prefix, list[NasClient]] = {}
        for entry in self._entries:
            for prefix in entry.addresses:
                prefixes.setdefault(prefix, []).append(entry.client)
        # Longest prefix first, so the first match is the most specific one.
        ordered = sorted(prefixes.items(), key=lambda item: -item[0].prefixlen)
        self._prefixes = tuple((prefix, tuple(clients)) for prefix, clients in ordered)
        for prefix, clients in self._prefixes:
            if prefix.prefixlen == prefix.max_prefixlen:
                self._hosts.setdefault(str(prefix.network_address), clients)
        self._memo = SourceMemo(self._resolve, MAX_REMEMBERED)

    @classmethod
    def from_devices(cls, devices: Iterable[DeviceSettings]) -> NasTable:
        """The clients of every `[device.nas]`, `platform = "none"` devices included."""
        return cls(
            NasEntry(
                NasClient(
                    name=device.name,
                    secret=SharedSecret(device.nas.secret.reveal().encode()),
                    nas_identifier=device.nas.nas_identifier,
                    require_message_authenticator=device.nas.require_message_authenticator,
                ),
                device.nas.address,
            )
            for device in devices
            if device.nas is not None
        )

    @property
    def clients(self) -> tuple[NasClient, ...]:
        return tuple(entry.client for entry in self._entries)

    def candidates(self, host: str) -> tuple[NasClient, ...]:
        """The clients that may send from `host` (empty for an unknown source)."""
        found = self._hosts.get(host)
        return self._memo[host] if found is None else found

    def _resolve(self, host: str) -> tuple[NasClient, ...]:
        address = source_address(host)
        if address is None:
            return _NONE
        for prefix, clients in self._prefixes:
            if address.version == prefix.version and address in prefix:
                return clients
        return _NONE


def select(candidates: Sequence[NasClient], nas_identifier: str | None) -> NasClient | None:
    """The client among those sharing a source address, by NAS-Identifier.

    One candidate is the client whatever it sends. Among several, the one whose
    `nas_identifier` matches; failing that, the only one configured without an
    identifier; else nobody (the packet is dropped as from an unknown client).
    """
    if len(candidates) == 1:
        return candidates[0]
    if nas_identifier:
        for client in candidates:
            if client.nas_identifier == nas_identifier:
                return client
    unnamed = [client for client in candidates if not client.nas_identifier]
    return unnamed[0] if len(unnamed) == 1 else None

"""Canonical IP prefixes: the one place that decides how an address is spelled."""

from __future__ import annotations

import ipaddress
import re
from typing import TypeAlias

Prefix: TypeAlias = ipaddress.IPv4Network | ipaddress.IPv6Network

_MAC_HEX = re.compile(r"[0-9A-Fa-f]")


class InvalidPrefixError(ValueError):
    """Raised for text that is not a canonical prefix (e.g. host bits set)."""


def parse_prefix(text: str) -> Prefix:
    """Parse `"100.64.0.10/32"`, `"100.64.0.10"` or `"2001:db8:1::/56"` strictly.

    Host bits set is an error, not silently masked: a typo in billing data must not
    widen a subscriber's address to a whole subnet.
    """
    try:
        return ipaddress.ip_network(text.strip(), strict=True)
    except ValueError as exc:
        raise InvalidPrefixError(f"{text!r} is not a valid prefix: {exc}") from exc


def render_prefix(prefix: Prefix) -> str:
    """The form RouterOS stores: a host route is the bare address, else `addr/len`."""
    if prefix.prefixlen == prefix.max_prefixlen:
        return str(prefix.network_address)
    return str(prefix)


def family(prefix: Prefix) -> int:
    return prefix.version


def normalise_mac(text: str) -> str | None:
    """Return `AA:BB:CC:DD:EE:FF` for any common notation, or None if not a MAC.

    Accepts `aa:bb:cc:dd:ee:ff`, `aa-bb-cc-dd-ee-ff`, `aabb.ccdd.eeff` and `aabbccddeeff`.
    """
    digits = "".join(_MAC_HEX.findall(text))
    stripped = re.sub(r"[:\-.\s]", "", text)
    if len(digits) != 12 or len(stripped) != 12:  # noqa: PLR2004 - a MAC has 12 hex digits
        return None
    upper = digits.upper()
    return ":".join(upper[i : i + 2] for i in range(0, 12, 2))

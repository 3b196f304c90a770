"""How RouterOS rewrites the values it stores (reference/protocols.md §1.7-1.8).

Every function takes the text a client sent and returns the text RouterOS prints back,
or raises ValueError when RouterOS would refuse the value.
"""

from __future__ import annotations

import ipaddress
import math
import re
import socket
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

_RATE = re.compile(r"(\d+(?:\.\d+)?)([kKMG]?)")
_RATE_UNITS = {"": 1, "k": 1_000, "K": 1_000, "M": 1_000_000, "G": 1_000_000_000}
_DURATION_UNITS = re.compile(
    r"(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+(?:\.\d+)?)s)?(?:(\d+)ms)?"
)
_DURATION_CLOCK = re.compile(r"(?:(\d+)w)?(?:(\d+)d)?\s*(\d+):(\d{2}):(\d{2}(?:\.\d+)?)")
_SECONDS = re.compile(r"\d+(?:\.\d+)?")
_UNIT_SECONDS = (("w", 604_800), ("d", 86_400), ("h", 3_600), ("m", 60))

LOWEST_PRIORITY = 8
IPV4_BITS = 32
IPv4Net = ipaddress.IPv4Network
IPv6Net = ipaddress.IPv6Network


def boolean(value: str) -> str:
    """`yes`/`no`/`true`/`false` in, `true`/`false` out (RouterOS v7 prints booleans so)."""
    lowered = value.lower()
    if lowered in ("yes", "true"):
        return "true"
    if lowered in ("no", "false"):
        return "false"
    raise ValueError(value)


def text(value: str) -> str:
    return value


def _bare(network: IPv4Net | IPv6Net) -> str:
    """A host prefix prints as the bare address, any other prefix with its length."""
    if network.prefixlen == network.max_prefixlen:
        return str(network.network_address)
    return str(network)


def ipv4_entry(value: str) -> str:
    """An `/ip/firewall/address-list` address: prefix, host, range, or else a DNS name."""
    if "-" in value:
        return _ipv4_range(value)
    quick = _ipv4_prefix(value)
    if quick is not None:
        network, length = quick
        return network if length == IPV4_BITS else f"{network}/{length}"
    try:
        return _bare(IPv4Net(value, strict=False))
    except ValueError:
        # RouterOS keeps whatever is not an address as a DNS name to resolve.
        return value


def _ipv4_prefix(value: str) -> tuple[str, int] | None:
    """(network address, length) of `a.b.c.d[/n]`; None for anything else.

    The common case without `ipaddress`, which is slow enough to show when a client adds
    100,000 entries (inet_pton takes only canonical dotted quads).
    """
    address, sep, length_text = value.partition("/")
    try:
        packed = socket.inet_pton(socket.AF_INET, address)
    except OSError:
        return None
    if not sep:
        return address, IPV4_BITS
    if not (length_text.isascii() and length_text.isdigit()) or int(length_text) > IPV4_BITS:
        return None
    length = int(length_text)
    mask = (0xFFFFFFFF << (IPV4_BITS - length)) & 0xFFFFFFFF
    network = (int.from_bytes(packed, "big") & mask).to_bytes(4, "big")
    return socket.inet_ntop(socket.AF_INET, network), length


def _ipv4_range(value: str) -> str:
    low_text, _, high_text = value.partition("-")
    try:
        low, high = sorted((ipaddress.IPv4Address(low_text), ipaddress.IPv4Address(high_text)))
    except ValueError:
        return value
    networks = list(ipaddress.summarize_address_range(low, high))
    if len(networks) == 1:
        return _bare(networks[0])
    return f"{low}-{high}"


def ipv6_entry(value: str) -> str:
    """An `/ipv6/firewall/address-list` address: canonical prefix, bare /128, or a DNS name."""
    if "-" in value:
        low, _, high = value.partition("-")
        if _is_ipv6(low) and _is_ipv6(high):
            raise ValueError("IPv6 ranges are not accepted")
        return value
    try:
        return _bare(IPv6Net(value, strict=False))
    except ValueError:
        return value


def _is_ipv6(value: str) -> bool:
    try:
        ipaddress.IPv6Address(value)
    except ValueError:
        return False
    return True


def queue_target(value: str) -> str:
    """Comma-joined targets; addresses always carry their length (`10.0.0.1` → `/32`)."""
    parts = [part.strip() for part in value.split(",") if part.strip()]
    if not parts:
        raise ValueError("empty target")
    return ",".join(_target(part) for part in parts)


def _target(part: str) -> str:
    quick = _ipv4_prefix(part)
    if quick is not None:
        return f"{quick[0]}/{quick[1]}"
    for kind in (IPv4Net, IPv6Net):
        try:
            return kind(part, strict=False).with_prefixlen
        except ValueError:
            continue
    return part  # an interface name


def rate(value: str) -> str:
    """A rate in bit/s: `512k` → `512000`, `2M` → `2000000`, `1.5M` → `1500000`."""
    match = _RATE.fullmatch(value.strip())
    if match is None:
        raise ValueError(value)
    try:
        return str(int(Decimal(match.group(1)) * _RATE_UNITS[match.group(2)]))
    except InvalidOperation as exc:
        raise ValueError(value) from exc


def integer(value: str) -> str:
    return str(int(value))


def priority(value: str) -> str:
    number = int(value)
    if not 1 <= number <= LOWEST_PRIORITY:
        raise ValueError(value)
    return str(number)


def pair(convert: Callable[[str], str]) -> Callable[[str], str]:
    """An `upload/download` pair; one value stands for both directions."""

    def normalise(value: str) -> str:
        parts = value.split("/")
        if len(parts) == 1:
            parts = parts * 2
        if len(parts) != 2:  # noqa: PLR2004 - a pair has two halves
            raise ValueError(value)
        return "/".join(convert(part) for part in parts)

    return normalise


def parse_duration(value: str) -> float:
    """Seconds in a RouterOS duration: `30`, `5m`, `1h30m`, `1w2d3h4m5s`, `00:05:00`, `500ms`."""
    try:
        seconds = _duration_seconds(value.strip())
    except OverflowError as exc:
        raise ValueError(value) from exc
    if not math.isfinite(seconds):
        raise ValueError(value)
    return seconds


def _duration_seconds(value: str) -> float:
    if not value:
        raise ValueError("empty duration")
    if _SECONDS.fullmatch(value):
        return float(value)
    clock = _DURATION_CLOCK.fullmatch(value)
    if clock is not None:
        *parts, seconds = clock.groups()
        return _whole_units(parts) + float(seconds)
    units = _DURATION_UNITS.fullmatch(value)
    if units is None:
        raise ValueError(value)
    *parts, seconds, millis = units.groups()
    return _whole_units(parts) + float(seconds or 0) + int(millis or 0) / 1000


def _whole_units(counts: list[str | None]) -> int:
    """Seconds in the (weeks, days, hours, minutes) counts of a duration."""
    return sum(int(n or 0) * unit for n, (_, unit) in zip(counts, _UNIT_SECONDS, strict=True))


def format_duration(seconds: float) -> str:
    """RouterOS v7 style: `1w2d3h4m5s`, `0s`, `1s500ms`."""
    millis = round(seconds * 1000)
    whole, millis = divmod(millis, 1000)
    out = []
    for name, unit in _UNIT_SECONDS:
        count, whole = divmod(whole, unit)
        if count:
            out.append(f"{count}{name}")
    if whole or (not out and not millis):
        out.append(f"{whole}s")
    if millis:
        out.append(f"{millis}ms")
    return "".join(out)


def duration(value: str) -> str:
    return format_duration(parse_duration(value))
